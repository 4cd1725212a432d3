//! Fuzz targets, shared by the corpus replay test (`tests/fuzz_corpus.rs`) and the
//! long-running driver (`examples/fuzz.rs`). Each target takes any bytes, must not panic,
//! hang or grow memory without bound, and checks the invariants of its outputs (a
//! violated invariant panics, so the driver keeps the input as a crash).
//!
//! cargo-fuzz needs a nightly toolchain; these run on stable. Included with
//! `#[path = "../fuzz/harness.rs"] mod harness;`.

#![allow(dead_code)]

use stakelint::app::{Request, analyze_with};
use stakelint::model::FileId;
use stakelint::report::{self, Format, Output, RunInfo};
use stakelint::source::files::SourceFile;
use stakelint::source::{keyfiles, yaml};

/// A target: any bytes in, an outcome signature out (what kind of result it was).
pub(crate) type Target = fn(&[u8]) -> String;

/// The targets, by name (their corpus is `fuzz/corpus/<name>/`).
pub(crate) const TARGETS: &[(&str, Target)] = &[
    ("yaml", yaml_target),
    ("keyfiles", keyfiles_target),
    ("inventory", pipeline_target),
    ("manifests", pipeline_target),
    ("render", pipeline_target),
];

/// The input as text, as the loader would see it (invalid UTF-8 replaced: the loader
/// rejects it before any parser runs).
fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The YAML layer: every document of a stream into span trees (errors are located).
/// Returns an outcome signature (what kind of result it was).
pub(crate) fn yaml_target(bytes: &[u8]) -> String {
    let src = SourceFile::new("fuzz.yaml".into(), text(bytes));
    if let Err(why) = yaml::fast_path_agrees(&src, &stakelint::source::k8s::is_read_kind) {
        panic!("{why}");
    }
    match yaml::parse_stream(FileId(0), &src) {
        Ok(docs) => {
            for d in &docs {
                let o = yaml::origin_of(FileId(0), 0, d);
                assert!(o.span.end() <= src.text_len(), "span past the end");
                let _ = d.value.to_json();
            }
            format!("ok {}", docs.len().min(4))
        }
        Err(e) => {
            let o = e.origin.expect("a YAML error has a location");
            assert!(
                o.span.start as usize <= src.text_len(),
                "error past the end"
            );
            format!("err {}", shape(&e.message))
        }
    }
}

/// Every key-file parser (EIP-2335, EIP-3076, deposit data, definitions, web3signer).
pub(crate) fn keyfiles_target(bytes: &[u8]) -> String {
    let t = text(bytes);
    let sig = match keyfiles::parse(&t) {
        Ok(Some(k)) => {
            for s in &k.secrets {
                assert!(s.end() <= t.len(), "secret span past the end");
            }
            format!("keys {:?} {}", k.format, k.keys.len().min(3))
        }
        Ok(None) => "none".to_owned(),
        Err(e) => {
            assert!(e.span.start as usize <= t.len(), "error past the end");
            format!("err {}", shape(&e.message))
        }
    };
    if let Some(spans) = keyfiles::secrets_of_broken(&t) {
        assert!(spans.iter().all(|s| s.end() <= t.len()));
    }
    sig
}

/// The whole pipeline on one input: key files, inventory, manifest model, every rule,
/// then every renderer, whose outputs are checked: JSON and SARIF parse, JUnit is XML,
/// human output holds no terminal escape and no line opens a CI workflow command, the
/// GitHub format is one command per line.
pub(crate) fn pipeline_target(bytes: &[u8]) -> String {
    let t = text(bytes);
    let req = Request {
        paths: Vec::new(),
        config: None,
        client_shares: None,
        today: jiff::civil::date(2026, 11, 29),
        options: stakelint::lint::Options::default(),
        namespace: String::new(),
    };
    let a = analyze_with(&req, |l| {
        let id = l.db.add(SourceFile::new("fuzz.yaml".into(), t));
        l.add_text(id);
        l.finish();
    });
    let out = Output::new(&a.db, &a.findings, &a.errors, a.summary);
    let run = RunInfo::of(&out);
    for format in [
        Format::Human,
        Format::Json,
        Format::Sarif,
        Format::Junit,
        Format::Github,
        Format::Markdown,
    ] {
        let text = report::render_with(format, &out, &run, false);
        check_output(format, &text);
    }
    let errors = report::human::render_errors(&a.db, &a.errors, false);
    check_output(Format::Human, &errors);
    let mut rules: Vec<&str> = a.findings.iter().map(|f| f.rule).collect();
    rules.dedup();
    let mut codes: Vec<&str> = a.errors.iter().map(|e| e.code).collect();
    codes.dedup();
    format!("rules {rules:?} errors {codes:?}")
}

fn check_output(format: Format, text: &str) {
    match format {
        Format::Json | Format::Sarif => {
            serde_json::from_str::<serde_json::Value>(text).expect("valid JSON");
        }
        Format::Junit => {
            roxmltree::Document::parse(text).expect("valid XML");
        }
        Format::Github => {
            let lines: Vec<&str> = text.lines().collect();
            for l in &lines[..lines.len().saturating_sub(1)] {
                assert!(
                    ["::error ", "::warning ", "::notice "]
                        .iter()
                        .any(|c| l.starts_with(c)),
                    "not a workflow command: {l:?}"
                );
                assert!(!l.contains('\x1b') && !l.contains('\r'), "{l:?}");
            }
        }
        Format::Human | Format::Markdown => {
            assert!(!text.contains('\x1b'), "raw ESC in {format:?}");
            if format == Format::Human {
                assert!(!text.contains('\r'), "raw CR in human output");
                for l in text.lines() {
                    assert!(!l.trim_start().starts_with("::"), "workflow command: {l:?}");
                }
            }
        }
    }
}

/// A message without its numbers and quoted values: the kind of error.
fn shape(message: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in message.chars().take(80) {
        match c {
            '`' | '"' | '\'' => quoted = !quoted,
            c if quoted || c.is_ascii_digit() => {}
            c => out.push(c),
        }
    }
    out
}
