//! Snapshots of the example operator's report in the human (uncoloured) and JSON formats.
//! Update with `cargo insta review` or `INSTA_UPDATE=always cargo test`.

use stakelint::app::{Request, analyze};
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
    let out = Output {
        db: &a.db,
        findings: &a.findings,
        errors: &a.errors,
        summary: a.summary,
    };
    report::render(format, &out, false)
}

#[test]
fn human_report_of_the_example() {
    insta::assert_snapshot!(example(Format::Human));
}

#[test]
fn json_report_of_the_example() {
    insta::assert_snapshot!(example(Format::Json));
}
