//! Snapshots of the compliance report in every format (Markdown, JSON, HTML), of the
//! aggregate (Markdown, JSON, HTML) and of `verify`'s statement. Update with
//! `cargo insta review` or `INSTA_UPDATE=always cargo test`.
//!
//! The rule-set digest changes whenever any rule's docs change, and with it every report
//! digest and signature: those are replaced by placeholders so that the snapshots show
//! what the report says. The input digests stay (the fixtures are stable).

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn run(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_stakelint"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("stakelint runs");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

struct Fixture {
    dir: PathBuf,
    /// Report digests and signatures to replace.
    volatile: Vec<(String, &'static str)>,
}

impl Fixture {
    /// operator-a (signed, with changes since operator-a-previous) and operator-b (signed),
    /// as JSON in a temp dir.
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("stakelint-snap-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let at = |n: &str| dir.join(n).to_string_lossy().into_owned();
        let key = "fixtures/report/signing/test-key.hex";
        let report = |args: &[&str]| {
            let mut all = vec!["report", "--today", "2026-11-29", "--period", "2026-Q4"];
            all.extend_from_slice(args);
            run(root(), &all);
        };
        run(
            root(),
            &[
                "report",
                "fixtures/report/operator-a-previous",
                "--today",
                "2026-09-30",
                "--format",
                &format!("json={}", at("prev.json")),
            ],
        );
        report(&[
            "fixtures/report/operator-a",
            "--previous",
            &at("prev.json"),
            "--sign-key-file",
            key,
            "--format",
            &format!("json={}", at("a.json")),
        ]);
        report(&[
            "fixtures/report/operator-b",
            "--sign-key-file",
            key,
            "--format",
            &format!("json={}", at("b.json")),
        ]);
        let mut volatile = vec![(
            stakelint::attest::build::rule_set().digest,
            "sha256:[rule set]",
        )];
        for f in ["prev.json", "a.json", "b.json"] {
            let doc: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(dir.join(f)).expect("report"))
                    .expect("JSON");
            volatile.push((
                doc["digest"].as_str().expect("digest").to_owned(),
                "sha256:[report digest]",
            ));
            if let Some(sig) = doc["signature"]["signature"].as_str() {
                volatile.push((sig.to_owned(), "0x[signature]"));
            }
        }
        Self { dir, volatile }
    }

    fn redact(&self, text: &str) -> String {
        let mut t = text.to_owned();
        for (from, to) in &self.volatile {
            t = t.replace(from.as_str(), to);
        }
        let n = stakelint::rules::ALL.len();
        t.replace(&format!("{n} rules"), "[N] rules")
            .replace(&format!("\"rules\": {n}"), "\"rules\": \"[N]\"")
    }

    fn report(&self, format: &str) -> String {
        let prev = self.dir.join("prev.json").to_string_lossy().into_owned();
        let out = run(
            root(),
            &[
                "report",
                "fixtures/report/operator-a",
                "--today",
                "2026-11-29",
                "--period",
                "2026-Q4",
                "--previous",
                &prev,
                "--sign-key-file",
                "fixtures/report/signing/test-key.hex",
                "--format",
                format,
            ],
        );
        self.redact(&out)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn markdown_report() {
    insta::assert_snapshot!(Fixture::new("md").report("markdown"));
}

#[test]
fn json_report() {
    insta::assert_snapshot!(Fixture::new("json").report("json"));
}

#[test]
fn html_report() {
    insta::assert_snapshot!(Fixture::new("html").report("html"));
}

#[test]
fn markdown_report_of_the_example() {
    let f = Fixture::new("example");
    let out = run(
        root(),
        &[
            "report",
            "fixtures/example",
            "--today",
            "2026-11-29",
            "--period",
            "2026-Q4",
        ],
    );
    let doc = run(
        root(),
        &[
            "report",
            "fixtures/example",
            "--today",
            "2026-11-29",
            "--period",
            "2026-Q4",
            "--format",
            "json",
        ],
    );
    let digest = serde_json::from_str::<serde_json::Value>(&doc).expect("JSON")["digest"]
        .as_str()
        .expect("d")
        .to_owned();
    insta::assert_snapshot!(f.redact(&out).replace(&digest, "sha256:[report digest]"));
}

#[test]
fn aggregate_in_every_format() {
    let f = Fixture::new("aggregate");
    for (format, name) in [
        ("markdown", "aggregate_markdown"),
        ("json", "aggregate_json"),
        ("html", "aggregate_html"),
    ] {
        let out = run(
            &f.dir,
            &["aggregate", "a.json", "b.json", "--format", format],
        );
        insta::assert_snapshot!(name, f.redact(&out));
    }
}

#[test]
fn verify_statement() {
    let f = Fixture::new("verify");
    let out = run(
        &f.dir,
        &[
            "verify",
            "a.json",
            "--expect-address",
            "0xE090934df3765fF3FFf0A5e2f4789B6bABA798D4",
            "--inputs",
            &root().join("fixtures/report/operator-a").to_string_lossy(),
        ],
    );
    insta::assert_snapshot!(f.redact(&out));
}
