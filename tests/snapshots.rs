//! Snapshots of the example operator's report in every format (human uncoloured, JSON,
//! SARIF, JUnit, GitHub workflow commands, Markdown), all from one analysis.
//! Update with `cargo insta review` or `INSTA_UPDATE=always cargo test`.

use stakelint::app::{Request, analyze};
use stakelint::cli::{FailOn, run_info};
use stakelint::report::{self, Format, Output};

fn example(format: Format) -> String {
    let req = Request {
        paths: vec!["fixtures/example".into()],
        config: None,
        client_shares: None,
        today: jiff::civil::date(2026, 11, 29),
        options: stakelint::lint::Options::default(),
        namespace: String::new(),
    };
    let a = analyze(&req);
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    let out = Output::new(&a.db, &a.findings, &a.errors, a.summary);
    let run = run_info(&a, FailOn::Error);
    let text = report::render_with(format, &out, &run, false);
    // What the CLI writes (streamed through a writer) is byte for byte the rendered text.
    let mut written = Vec::new();
    report::write_with(format, &out, &run, false, &mut written).expect("writes to memory");
    assert_eq!(
        String::from_utf8(written).expect("UTF-8"),
        text,
        "{format:?}"
    );
    text
}

#[test]
fn human_report_of_the_example() {
    insta::assert_snapshot!(example(Format::Human));
}

#[test]
fn json_report_of_the_example() {
    insta::assert_snapshot!(example(Format::Json));
}

/// The rule descriptors (every rule, with its full docs) and `ruleIndex` change whenever
/// a rule is added or its docs edited; the snapshot leaves them out so that it shows what
/// the findings became. `tests/formats.rs` checks the descriptors and indexes.
#[test]
fn sarif_report_of_the_example() {
    let mut log: serde_json::Value =
        serde_json::from_str(&example(Format::Sarif)).expect("SARIF is JSON");
    let run = &mut log["runs"][0];
    run["tool"]["driver"]["rules"] = serde_json::json!("[left out]");
    for r in run["results"].as_array_mut().expect("results array") {
        r["ruleIndex"] = serde_json::json!("[left out]");
    }
    insta::assert_snapshot!(serde_json::to_string_pretty(&log).expect("serialises"));
}

#[test]
fn junit_report_of_the_example() {
    insta::assert_snapshot!(example(Format::Junit));
}

#[test]
fn github_report_of_the_example() {
    insta::assert_snapshot!(example(Format::Github));
}

#[test]
fn markdown_report_of_the_example() {
    insta::assert_snapshot!(example(Format::Markdown));
}
