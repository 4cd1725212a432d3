//! `stakelint verify REPORT.json`: what a reader of a report can check.
//!
//! 1. **Body digest**: the SHA-256 of the body's canonical JSON is the stated `digest` (the
//!    body was not edited after the report was made).
//! 2. **Signature**: the signed message is the one the body gives, and the EIP-191
//!    signature recovers the stated signer.
//! 3. **Expected signer** (`--expect-address`): the signer is who it should be (the
//!    operator's manager address). Without it, a valid signature only proves that
//!    *someone* signed.
//! 4. **Inputs** (`--inputs PATH…`): reading those inputs gives the report's input digest,
//!    and — when this is the stakelint version that made the report — the same statuses,
//!    figures and findings.
//!
//! Each check passes, fails or is skipped; the report is verified when none fails.

use super::doc::{self, KIND, Report, SIGNATURE_SCHEME, VERSION};
use super::sign::{self, Address};
use crate::app::{self, Request};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;

/// What `verify` was asked to check beyond the document itself.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub inputs: Option<Vec<String>>,
    pub config: Option<PathBuf>,
    pub client_shares: Option<PathBuf>,
    pub expect: Option<Address>,
    /// The directory input paths are normalised against.
    pub cwd: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail,
    Skip,
}

#[derive(Debug, Clone)]
pub struct Line {
    pub outcome: Outcome,
    pub text: String,
}

/// The result of verifying one report.
#[derive(Debug, Clone)]
pub struct Verification {
    pub report: Report,
    pub lines: Vec<Line>,
    /// The address the signature recovers, when it is valid.
    pub signer: Option<Address>,
}

impl Verification {
    /// Whether no check failed.
    pub fn ok(&self) -> bool {
        self.lines.iter().all(|l| l.outcome != Outcome::Fail)
    }

    fn push(&mut self, outcome: Outcome, text: impl Into<String>) {
        self.lines.push(Line {
            outcome,
            text: text.into(),
        });
    }

    /// The statement printed by `stakelint verify`.
    pub fn render(&self, name: &str) -> String {
        let b = &self.report.body;
        let mut s = format!(
            "report {name}: operator `{}`, period {}, {}, status {}\n",
            b.operator,
            b.period,
            b.date,
            b.summary.status.label()
        );
        for l in &self.lines {
            let tag = match l.outcome {
                Outcome::Pass => "PASS",
                Outcome::Fail => "FAIL",
                Outcome::Skip => "SKIP",
            };
            let _ = writeln!(s, "  {tag}  {}", l.text);
        }
        let failed = self
            .lines
            .iter()
            .filter(|l| l.outcome == Outcome::Fail)
            .count();
        if failed == 0 {
            let who = self
                .signer
                .map_or_else(String::new, |a| format!(" was signed by {a},"));
            let inputs = if self
                .lines
                .iter()
                .any(|l| l.outcome == Outcome::Pass && l.text.starts_with("inputs"))
            {
                " matches its inputs,"
            } else {
                ""
            };
            let _ = writeln!(
                s,
                "verified: the report{who}{inputs} and its body is the one that was signed"
            );
        } else {
            let _ = writeln!(
                s,
                "NOT verified: {failed} check{} failed",
                if failed == 1 { "" } else { "s" }
            );
        }
        s
    }
}

/// Parses a report document: JSON, `kind` and `version` first (so that another file gets
/// a clear message), then the schema-v1 body.
pub fn parse(text: &str) -> Result<(Value, Report), String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let kind = value.get("kind").and_then(Value::as_str);
    if kind != Some(KIND) {
        return Err(format!(
            "not a stakelint compliance report (`kind` is {}, expected `{KIND}`)",
            kind.map_or_else(
                || "missing".to_owned(),
                |k| format!("`{}`", k.chars().take(60).collect::<String>())
            )
        ));
    }
    let version = value.get("version").and_then(Value::as_u64);
    if version != Some(u64::from(VERSION)) {
        return Err(format!(
            "report version {} is not supported by this stakelint (it reads version {VERSION})",
            version.map_or_else(|| "missing".to_owned(), |v| v.to_string())
        ));
    }
    let report: Report = serde_path_to_error::deserialize(&value).map_err(|e| {
        format!(
            "the report does not follow schema version {VERSION}: at `{}`: {}",
            e.path(),
            e.inner()
        )
    })?;
    Ok((value, report))
}

/// Whether the body's canonical digest is the stated one.
pub fn check_digest(value: &Value, report: &Report) -> Result<(), String> {
    let actual = doc::body_digest(value.get("body").unwrap_or(&Value::Null));
    if actual == report.digest {
        Ok(())
    } else {
        Err(format!(
            "the body was changed after the report was made: its digest is {actual}, the report states {}",
            report.digest
        ))
    }
}

/// The signer of a report, when its signature is valid for the body's message.
pub fn check_signature(report: &Report) -> Result<Address, String> {
    let Some(sig) = &report.signature else {
        return Err("the report is not signed".into());
    };
    if sig.scheme != SIGNATURE_SCHEME {
        return Err(format!("unknown signature scheme `{}`", sig.scheme));
    }
    let message = report.message();
    if sig.message != message {
        return Err("the signed message is not the one this report's body gives".into());
    }
    let stated = Address::parse(&sig.address).map_err(|e| format!("the stated signer: {e}"))?;
    let bytes = sign::parse_signature(&sig.signature)?;
    let actual = sign::recover(&message, &bytes)?;
    if actual == stated {
        Ok(actual)
    } else {
        Err(format!(
            "the signature was made by {actual}, not by the stated signer {stated}"
        ))
    }
}

/// Verifies a report's text.
pub fn verify(text: &str, opts: &Options) -> Result<Verification, String> {
    let (value, report) = parse(text)?;
    let mut v = Verification {
        report,
        lines: Vec::new(),
        signer: None,
    };
    match check_digest(&value, &v.report) {
        Ok(()) => {
            let text = format!("report digest {} matches the body", v.report.digest);
            v.push(Outcome::Pass, text);
        }
        Err(e) => v.push(Outcome::Fail, format!("report digest: {e}")),
    }
    match check_signature(&v.report) {
        Ok(a) => {
            v.signer = Some(a);
            v.push(
                Outcome::Pass,
                format!("signature: a valid EIP-191 signature by {a}, the stated signer"),
            );
        }
        Err(e) => v.push(Outcome::Fail, format!("signature: {e}")),
    }
    match (opts.expect, v.signer) {
        (Some(want), Some(got)) if want == got => {
            v.push(
                Outcome::Pass,
                format!("signer: {got} is the expected address"),
            );
        }
        (Some(want), Some(got)) => {
            v.push(
                Outcome::Fail,
                format!("signer: {got} signed, but {want} was expected"),
            );
        }
        (Some(want), None) => v.push(
            Outcome::Fail,
            format!("signer: no valid signature by the expected {want}"),
        ),
        (None, Some(got)) => v.push(
            Outcome::Skip,
            format!(
                "signer: no --expect-address given; check that {got} is the operator's address"
            ),
        ),
        (None, None) => {}
    }
    match &opts.inputs {
        Some(paths) => inputs(&mut v, paths, opts),
        None => v.push(
            Outcome::Skip,
            "inputs: no --inputs given; the input digest was not recomputed",
        ),
    }
    Ok(v)
}

fn inputs(v: &mut Verification, paths: &[String], opts: &Options) {
    let body = &v.report.body.clone();
    let Ok(date) = body.date.parse::<jiff::civil::Date>() else {
        v.push(
            Outcome::Fail,
            format!("inputs: the report's date `{}` is not a date", body.date),
        );
        return;
    };
    let req = Request {
        paths: paths.to_vec(),
        config: opts.config.clone(),
        client_shares: opts.client_shares.clone(),
        today: date,
        options: crate::lint::Options {
            environments: Vec::new(),
            no_inline_suppressions: body.options.no_inline_suppressions,
        },
        namespace: body.options.namespace.clone(),
    };
    let a = app::analyze_releasing(&req);
    if let Some(e) = a.errors.first() {
        v.push(
            Outcome::Fail,
            format!(
                "inputs: {} could not be read: {}",
                plural(a.errors.len(), "input"),
                e.message
            ),
        );
        return;
    }
    let set = match super::inputs::collect(&a.db, &a.config, &a.data, &opts.cwd) {
        Ok(set) => set,
        Err(e) => {
            v.push(Outcome::Fail, format!("inputs: {e}"));
            return;
        }
    };
    let digest = set.digest.clone();
    if digest != body.inputs.digest {
        let mut text = format!(
            "inputs: these inputs give {digest}, the report states {}",
            body.inputs.digest
        );
        for d in file_differences(&body.inputs.files, &set.doc().files) {
            let _ = write!(text, "\n        {d}");
        }
        v.push(Outcome::Fail, text);
        return;
    }
    v.push(
        Outcome::Pass,
        format!(
            "inputs: {} reproduce{} the input digest {digest}",
            plural(set.files.len(), "file"),
            if set.files.len() == 1 { "s" } else { "" }
        ),
    );
    let ours = super::build::rule_set();
    if body.tool.version != ours.version || body.rule_set.digest != ours.digest {
        v.push(
            Outcome::Skip,
            format!(
                "findings: the report was made by stakelint {} with rule set {}, this is {} with {}; statuses were not re-derived",
                body.tool.version, body.rule_set.digest, ours.version, ours.digest
            ),
        );
        return;
    }
    let meta = super::build::Meta {
        operator: body.operator.clone(),
        period: body.period.clone(),
        date,
        namespace: body.options.namespace.clone(),
        no_inline_suppressions: body.options.no_inline_suppressions,
    };
    let mut again = super::build::build_from(&a, &meta, &set);
    again.changes.clone_from(&body.changes);
    let (x, y) = (serde_json::to_value(body), serde_json::to_value(&again));
    let differ: Vec<String> = match (x, y) {
        (Ok(Value::Object(x)), Ok(Value::Object(y))) => x
            .iter()
            .filter(|(k, val)| y.get(*k) != Some(*val))
            .map(|(k, _)| format!("`{k}`"))
            .collect(),
        _ => vec!["the body".into()],
    };
    if differ.is_empty() {
        v.push(
            Outcome::Pass,
            "findings: the inputs reproduce every status, figure and finding of the report",
        );
    } else {
        v.push(
            Outcome::Fail,
            format!("findings: the inputs give a different {} than the report states (another configuration?)", differ.join(", ")),
        );
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// Which files differ between the report's list and the inputs given.
fn file_differences(stated: &[doc::InputFile], actual: &[doc::InputFile]) -> Vec<String> {
    let map = |files: &[doc::InputFile]| -> BTreeMap<String, (u64, Option<String>)> {
        files
            .iter()
            .map(|f| (f.path.clone(), (f.bytes, f.sha256.clone())))
            .collect()
    };
    let (a, b) = (map(stated), map(actual));
    let mut out = Vec::new();
    for (path, (bytes, sha)) in &a {
        match b.get(path) {
            None => out.push(format!(
                "missing: `{path}` (in the report, not among these inputs)"
            )),
            Some((n, s)) if n != bytes || (sha.is_some() && s != sha) => {
                out.push(format!("changed: `{path}`"));
            }
            Some((_, s)) if sha.is_none() && s.is_none() => {
                out.push(format!(
                    "unknown: `{path}` (holds secrets: its digest is not published)"
                ));
            }
            Some(_) => {}
        }
    }
    for f in actual.iter().filter(|f| !a.contains_key(&f.path)) {
        let hint = if f.role == "config" {
            "; a configuration found from the current directory: run elsewhere, or pass the report's own with --config"
        } else {
            ""
        };
        out.push(format!(
            "extra: `{}` (among these inputs, not in the report{hint})",
            f.path
        ));
    }
    if out.is_empty() {
        out.push("the files are the same; their order or framing differs".into());
    }
    out.truncate(20);
    out
}
