//! End-to-end tests of the `stakelint` binary: exit codes, the JSON contract of SPEC §5.1,
//! `--output`, `--environment`, `explain`/`rules`, bad configs and inputs, stdin, and
//! human output without a terminal.
//!
//! Every run uses the crate root as its working directory, `NO_COLOR=1` and
//! `--today 2026-11-29`, so results do not depend on the date or the terminal.

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const TODAY: &str = "2026-11-29";
const EXAMPLE: &str = "fixtures/example";
const EXAMPLE_INVENTORY: &str = "fixtures/example/inventory.yaml";

/// The outcome of one run of the binary.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    fn last_line(&self) -> &str {
        self.stdout
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
    }
}

fn command() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_stakelint"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1");
    c
}

fn finish(c: &mut Command, stdin: Option<&[u8]>) -> Run {
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    c.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = c.spawn().expect("the stakelint binary starts");
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        pipe.write_all(bytes).expect("stdin accepts the input");
    }
    let out = child.wait_with_output().expect("the stakelint binary runs");
    let run = Run {
        code: out
            .status
            .code()
            .expect("stakelint exits with a code, not a signal"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "stakelint panicked:\n{}",
        run.stderr
    );
    run
}

/// `stakelint ARGS…` (not only `lint`).
fn stakelint(args: &[&str]) -> Run {
    finish(command().args(args), None)
}

/// `stakelint lint ARGS… --today 2026-11-29`.
fn lint(args: &[&str]) -> Run {
    finish(
        command().arg("lint").args(args).args(["--today", TODAY]),
        None,
    )
}

/// `stakelint lint ARGS… --today 2026-11-29` with `input` on stdin.
fn lint_stdin(args: &[&str], input: &[u8]) -> Run {
    finish(
        command().arg("lint").args(args).args(["--today", TODAY]),
        Some(input),
    )
}

/// A fresh, empty directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("stakelint-cli-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("temp dir can be created");
        Self(path)
    }

    /// Writes `name` in the directory and returns its path.
    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, contents).expect("temp file can be written");
        p
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn s(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel))
        .expect("fixture is readable")
}

/// 1-based line and column of the first occurrence of `needle` in `text`.
fn position(text: &str, needle: &str) -> (usize, usize) {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in text"));
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..at].matches('\n').count() + 1;
    (line, text[line_start..at].chars().count() + 1)
}

/// `text` with exactly one occurrence of `from` replaced by `to`.
fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "`{from}` must occur once");
    text.replacen(from, to, 1)
}

/// One environment that meets every guardrail: 3 pairs on 3 hosts in 3 EMEA regions,
/// 3 distinct CL:EL combinations, one validator client with doppelganger protection.
fn clean_inventory() -> String {
    "apiVersion: stakelint.io/v1
kind: Inventory
metadata:
  name: clean-operator
spec:
  environments:
    - name: prod-clean-1
      nodes:
        - name: pair-a
          host: host-a
          region: eu-central-1
          consensus: {client: lighthouse, version: v8.0.1}
          execution: {client: nethermind, version: 1.35.2}
        - name: pair-b
          host: host-b
          region: eu-west-1
          consensus: {client: teku, version: 25.11.1}
          execution: {client: besu, version: 25.11.0}
        - name: pair-c
          host: host-c
          region: eu-north-1
          consensus: {client: nimbus, version: v25.11.1}
          execution: {client: geth, version: v1.16.7}
      validatorClients:
        - name: vc-1
          client: lighthouse
          doppelganger: true
          keys: {count: 100}
"
    .to_owned()
}

fn findings(doc: &Value) -> &Vec<Value> {
    doc["findings"].as_array().expect("`findings` is an array")
}

fn rules_of(doc: &Value) -> Vec<String> {
    findings(doc)
        .iter()
        .map(|f| f["rule"].as_str().expect("rule is a string").to_owned())
        .collect()
}

fn count(doc: &Value, key: &str) -> u64 {
    doc["summary"][key]
        .as_u64()
        .unwrap_or_else(|| panic!("summary.{key} is a number"))
}

/// Every number written as `line N` in `text`.
fn line_mentions(text: &str) -> Vec<usize> {
    text.match_indices("line ")
        .filter_map(|(i, m)| {
            let digits: String = text[i + m.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// 1. Exit codes
// ---------------------------------------------------------------------------------------

#[test]
fn example_with_errors_exits_1() {
    let run = lint(&[EXAMPLE]);
    assert_eq!(run.code, 1, "stderr:\n{}", run.stderr);
    assert!(
        run.stderr.is_empty(),
        "no input errors expected:\n{}",
        run.stderr
    );
}

#[test]
fn fail_on_never_exits_0() {
    let run = lint(&[EXAMPLE, "--fail-on", "never"]);
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    assert!(
        run.stdout.contains("error[blast-radius]"),
        "findings are still reported:\n{}",
        run.stdout
    );
}

#[test]
fn fail_on_info_and_warning_fail_the_example() {
    assert_eq!(lint(&[EXAMPLE, "--fail-on", "info"]).code, 1);
    assert_eq!(lint(&[EXAMPLE, "--fail-on", "warning"]).code, 1);
    assert_eq!(lint(&[EXAMPLE, "--fail-on", "error"]).code, 1);
}

#[test]
fn clean_inventory_exit_codes_follow_the_threshold() {
    let dir = TempDir::new("clean");
    let inv = dir.write("inventory.yaml", clean_inventory());
    let json = lint(&[s(&inv), "--format", "json"]);
    assert_eq!(json.code, 0, "stderr:\n{}", json.stderr);
    let doc = json.json();
    // The only findings left are infos, which fail only `--fail-on info`: the built-in
    // client-share data is older than 90 days on 2026-11-29, and without a config
    // `fee-recipient` cannot be assessed (no `expected_fee_recipient`).
    assert_eq!(
        rules_of(&doc),
        ["not-assessed", "stale-client-data"],
        "{doc:#}"
    );
    assert_eq!(
        (
            count(&doc, "errors"),
            count(&doc, "warnings"),
            count(&doc, "infos")
        ),
        (0, 0, 2)
    );
    assert_eq!(
        (
            count(&doc, "environments"),
            count(&doc, "keys"),
            count(&doc, "files")
        ),
        (1, 100, 1)
    );

    let warning = lint(&[s(&inv), "--fail-on", "warning"]);
    assert_eq!(
        warning.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        warning.stdout, warning.stderr
    );
    assert!(
        warning.last_line().starts_with(
            "stakelint: 0 errors, 0 warnings, 2 infos in 1 file, 1 environment, 100 keys"
        ),
        "{}",
        warning.last_line()
    );
    assert_eq!(lint(&[s(&inv)]).code, 0);
    assert_eq!(lint(&[s(&inv), "--fail-on", "info"]).code, 1);
    assert_eq!(lint(&[s(&inv), "--fail-on", "never"]).code, 0);
}

#[test]
fn suppressed_findings_do_not_fail_the_run() {
    let dir = TempDir::new("suppressed");
    let off = replace_once(
        &clean_inventory(),
        "doppelganger: true",
        "doppelganger: false",
    );
    let unsuppressed = dir.write("off.yaml", &off);
    let run = lint(&[s(&unsuppressed), "--fail-on", "warning"]);
    assert_eq!(
        run.code, 1,
        "doppelganger off is a warning:\n{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("warning[doppelganger-protection]"),
        "{}",
        run.stdout
    );

    let waived = format!(
        "{off}      ignore:\n        - {{rule: doppelganger-protection, reason: \"approved by ops 2026-11\"}}\n"
    );
    let suppressed = dir.write("waived.yaml", waived);
    let run = lint(&[s(&suppressed), "--fail-on", "warning", "--format", "json"]);
    assert_eq!(
        run.code, 0,
        "a suppressed warning does not count:\n{}",
        run.stdout
    );
    let doc = run.json();
    assert_eq!(count(&doc, "warnings"), 0);
    assert_eq!(count(&doc, "suppressed"), 1);
    let f = findings(&doc)
        .iter()
        .find(|f| f["rule"] == "doppelganger-protection")
        .expect("still listed");
    assert_eq!(f["suppressed"], true);
}

#[test]
fn missing_input_exits_2() {
    let run = lint(&["no/such/inventory.yaml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no/such/inventory.yaml"),
        "{}",
        run.stderr
    );
}

// ---------------------------------------------------------------------------------------
// 2. JSON output (SPEC §5.1)
// ---------------------------------------------------------------------------------------

fn example_json() -> Value {
    let run = lint(&[EXAMPLE, "--format", "json"]);
    assert_eq!(run.code, 1, "stderr:\n{}", run.stderr);
    run.json()
}

fn assert_location(v: &Value, what: &str) {
    assert!(v["path"].is_string(), "{what}: path: {v}");
    assert!(
        v["line"].as_u64().is_some_and(|l| l >= 1),
        "{what}: line: {v}"
    );
    assert!(
        v["column"].as_u64().is_some_and(|c| c >= 1),
        "{what}: column: {v}"
    );
}

#[test]
fn json_document_has_the_spec_shape() {
    let doc = example_json();
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["tool"]["name"], "stakelint");
    assert_eq!(doc["tool"]["version"], env!("CARGO_PKG_VERSION"));
    for key in [
        "errors",
        "warnings",
        "infos",
        "suppressed",
        "files",
        "environments",
        "keys",
    ] {
        assert!(
            doc["summary"][key].is_u64(),
            "summary.{key}: {}",
            doc["summary"]
        );
    }
    assert_eq!(count(&doc, "files"), 2);
    assert_eq!(count(&doc, "environments"), 3);
    assert!(count(&doc, "keys") > 0);
    assert!(!findings(&doc).is_empty());
    for f in findings(&doc) {
        let obj = f.as_object().expect("a finding is an object");
        for key in [
            "rule",
            "severity",
            "message",
            "environment",
            "location",
            "related",
            "suppressed",
        ] {
            assert!(obj.contains_key(key), "finding lacks `{key}`: {f}");
        }
        assert!(f["rule"].as_str().is_some_and(|r| !r.is_empty()), "{f}");
        assert!(
            ["error", "warning", "info"].contains(&f["severity"].as_str().unwrap_or("")),
            "{f}"
        );
        assert!(f["message"].as_str().is_some_and(|m| !m.is_empty()), "{f}");
        assert!(
            f["environment"].is_null() || f["environment"].is_string(),
            "{f}"
        );
        assert!(f["suppressed"].is_boolean(), "{f}");
        if !f["location"].is_null() {
            assert_location(&f["location"], "location");
        }
        for r in f["related"].as_array().expect("related is an array") {
            assert_location(r, "related");
            assert!(r["message"].as_str().is_some_and(|m| !m.is_empty()), "{r}");
        }
    }
    assert_eq!(
        doc["errors"],
        Value::Array(Vec::new()),
        "the example reads cleanly"
    );
}

#[test]
fn json_summary_counts_unsuppressed_findings_by_severity() {
    let doc = example_json();
    let tally = |sev: &str| {
        findings(&doc)
            .iter()
            .filter(|f| f["severity"] == sev && f["suppressed"] == false)
            .count() as u64
    };
    assert_eq!(count(&doc, "errors"), tally("error"));
    assert_eq!(count(&doc, "warnings"), tally("warning"));
    assert_eq!(count(&doc, "infos"), tally("info"));
    let suppressed = findings(&doc)
        .iter()
        .filter(|f| f["suppressed"] == true)
        .count() as u64;
    assert_eq!(count(&doc, "suppressed"), suppressed);
    assert!(
        count(&doc, "errors") > 0 && suppressed > 0,
        "the example has both: {}",
        doc["summary"]
    );
}

type SortKey = (Option<(String, u64)>, String);

fn sort_key(f: &Value) -> SortKey {
    let loc = &f["location"];
    let place = (!loc.is_null()).then(|| {
        (
            loc["path"].as_str().unwrap_or("").to_owned(),
            loc["line"].as_u64().unwrap_or(0),
        )
    });
    (place, f["rule"].as_str().unwrap_or("").to_owned())
}

fn assert_sorted(doc: &Value) {
    let keys: Vec<SortKey> = findings(doc).iter().map(sort_key).collect();
    for w in keys.windows(2) {
        assert!(
            w[0] <= w[1],
            "findings out of (path, line, rule) order: {:?} before {:?}",
            w[0],
            w[1]
        );
    }
}

#[test]
fn json_findings_are_sorted_by_path_line_rule() {
    assert_sorted(&example_json());
}

/// SPEC §5.1 says "sorted by path, line, rule"; the engine sorts by path, byte offset,
/// rule, so two findings on one line come in column order instead of rule order.
#[test]

fn json_findings_on_one_line_are_sorted_by_rule() {
    let dir = TempDir::new("oneline");
    let inv = replace_once(
        &clean_inventory(),
        "        - name: vc-1\n          client: lighthouse\n          doppelganger: true\n          keys: {count: 100}\n",
        "        - {name: vc-1, client: lighthouse, replicas: 2, doppelganger: false, keys: {count: 100}}\n",
    );
    let path = dir.write("oneline.yaml", inv);
    let doc = lint(&[s(&path), "--format", "json"]).json();
    let rules = rules_of(&doc);
    assert!(
        rules.contains(&"vc-single-writer".to_owned())
            && rules.contains(&"doppelganger-protection".to_owned()),
        "{rules:?}"
    );
    assert_sorted(&doc);
}

#[test]
fn json_locates_vc_single_writer_at_replicas() {
    let doc = example_json();
    let text = read(EXAMPLE_INVENTORY);
    let (line, col) = position(&text, "replicas: 2");
    let f = findings(&doc)
        .iter()
        .find(|f| f["rule"] == "vc-single-writer")
        .expect("a vc-single-writer finding");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["environment"], "prod-amers-1");
    assert_eq!(f["location"]["path"], EXAMPLE_INVENTORY);
    assert_eq!(f["location"]["line"], line as u64, "{f}");
    assert_eq!(
        f["location"]["column"],
        (col + "replicas: ".len()) as u64,
        "points at the value: {f}"
    );
    assert_eq!(f["suppressed"], false);
}

#[test]
fn json_marks_the_waived_vouch_finding_suppressed() {
    let doc = example_json();
    let f = findings(&doc)
        .iter()
        .find(|f| {
            f["rule"] == "doppelganger-protection"
                && f["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("vouch-apac-1"))
        })
        .expect("a doppelganger-protection finding for vouch-apac-1");
    assert_eq!(f["suppressed"], true, "{f}");
    assert_eq!(f["environment"], "prod-apac-1");
    assert_eq!(f["location"]["path"], "fixtures/example/apac.yaml");
    // the unsuppressed one (no reason given) is a different finding
    let other = findings(&doc)
        .iter()
        .find(|f| {
            f["rule"] == "doppelganger-protection"
                && f["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("vc-amers-1"))
        })
        .expect("a doppelganger-protection finding for vc-amers-1");
    assert_eq!(other["suppressed"], false, "{other}");
}

#[test]
fn json_paths_are_relative_as_given() {
    let doc = example_json();
    let mut paths = Vec::new();
    for f in findings(&doc) {
        if !f["location"].is_null() {
            paths.push(f["location"]["path"].as_str().unwrap_or("").to_owned());
        }
        for r in f["related"].as_array().into_iter().flatten() {
            paths.push(r["path"].as_str().unwrap_or("").to_owned());
        }
    }
    assert!(paths.iter().any(|p| p == EXAMPLE_INVENTORY), "{paths:?}");
    assert!(
        paths.iter().any(|p| p == "fixtures/example/apac.yaml"),
        "{paths:?}"
    );
    for p in &paths {
        assert!(
            p.starts_with("fixtures/example/") || p.starts_with("<builtin>/"),
            "path not as given: {p}"
        );
    }

    // `./fixtures/example/` stays `./fixtures/example/…`
    let dotted = lint(&["./fixtures/example/", "--format", "json"]).json();
    let loc_paths: Vec<&str> = findings(&dotted)
        .iter()
        .filter_map(|f| f["location"]["path"].as_str())
        .collect();
    assert!(
        loc_paths.contains(&"./fixtures/example/inventory.yaml"),
        "{loc_paths:?}"
    );
}

// ---------------------------------------------------------------------------------------
// 3. --output
// ---------------------------------------------------------------------------------------

#[test]
fn output_file_receives_the_json_report() {
    let dir = TempDir::new("output-json");
    let out = dir.path().join("report.json");
    let run = lint(&[EXAMPLE, "--format", "json", "--output", s(&out)]);
    assert_eq!(run.code, 1, "the exit code still reflects the findings");
    assert!(run.stdout.is_empty(), "nothing on stdout:\n{}", run.stdout);
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("report written"))
            .expect("report is JSON");
    assert_eq!(
        written,
        example_json(),
        "the file holds the same report as stdout would"
    );
}

#[test]
fn output_file_receives_the_human_report() {
    let dir = TempDir::new("output-human");
    let out = dir.path().join("report.txt");
    let run = lint(&[EXAMPLE, "-o", s(&out), "--color", "always"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty(), "nothing on stdout:\n{}", run.stdout);
    let text = std::fs::read_to_string(&out).expect("report written");
    assert!(text.contains("error[blast-radius]"), "{text}");
    assert!(
        text.lines()
            .last()
            .is_some_and(|l| l.starts_with("stakelint: ")),
        "{text}"
    );
    assert!(!text.contains("\x1b["), "no colour in a file");
}

#[test]
fn unwritable_output_exits_2() {
    let dir = TempDir::new("output-bad");
    let out = dir.path().join("missing-dir").join("report.json");
    let run = lint(&[EXAMPLE, "--output", s(&out), "--fail-on", "never"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("report.json"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------
// 4. --environment
// ---------------------------------------------------------------------------------------

#[test]
fn environment_filter_keeps_only_that_environment() {
    let run = lint(&[EXAMPLE, "--format", "json", "--environment", "prod-amers-1"]);
    assert_eq!(run.code, 1, "prod-amers-1 has errors");
    let doc = run.json();
    assert!(!findings(&doc).is_empty());
    for f in findings(&doc) {
        assert!(
            f["environment"].is_null() || f["environment"] == "prod-amers-1",
            "{f}"
        );
    }
    let rules = rules_of(&doc);
    assert!(rules.contains(&"blast-radius".to_owned()), "{rules:?}");
    assert!(
        rules.contains(&"stale-client-data".to_owned()),
        "findings without environment stay: {rules:?}"
    );
    assert!(
        !rules.contains(&"signer-redundancy".to_owned()),
        "prod-apac-1's finding is gone: {rules:?}"
    );
    let errors = findings(&doc)
        .iter()
        .filter(|f| f["severity"] == "error" && f["suppressed"] == false)
        .count() as u64;
    assert_eq!(
        count(&doc, "errors"),
        errors,
        "the summary counts the filtered findings"
    );

    let emea = lint(&[EXAMPLE, "--format", "json", "--environment", "prod-emea-1"]);
    let doc = emea.json();
    for f in findings(&doc) {
        assert!(
            f["environment"].is_null()
                || f["environment"] == "prod-emea-1"
                || f["rule"] == "duplicate-keys",
            "{f}"
        );
    }
    // the only error is the key prod-emea-1 shares with prod-apac-1
    assert_eq!(count(&doc, "errors"), 1);
    assert_eq!(
        emea.code, 1,
        "the shared key is an error of prod-emea-1 too"
    );
}

#[test]
fn environment_filter_accepts_several_names() {
    let all = example_json();
    let both = lint(&[
        EXAMPLE,
        "--format",
        "json",
        "--environment",
        "prod-amers-1,prod-apac-1",
    ])
    .json();
    let repeated = lint(&[
        EXAMPLE,
        "--format",
        "json",
        "--environment",
        "prod-amers-1",
        "--environment",
        "prod-apac-1",
    ])
    .json();
    // the example has no finding of prod-emea-1 itself, so these two keep everything
    assert_eq!(findings(&both), findings(&all));
    assert_eq!(findings(&repeated), findings(&all));
}

/// The duplicate key 0xac78… is held in prod-apac-1 and in prod-emea-1, but the finding
/// carries only the environment of the holder read first (it flips with the order of
/// the paths on the command line), so `--environment prod-emea-1` hides a slashing risk
/// inside prod-emea-1.
#[test]

fn environment_filter_keeps_duplicate_keys_involving_the_environment() {
    let doc = lint(&[EXAMPLE, "--format", "json", "--environment", "prod-emea-1"]).json();
    let rules = rules_of(&doc);
    assert!(rules.contains(&"duplicate-keys".to_owned()), "{rules:?}");
}

// ---------------------------------------------------------------------------------------
// 5. explain and rules
// ---------------------------------------------------------------------------------------

#[test]
fn explain_prints_rule_docs() {
    let run = stakelint(&["explain", "duplicate-keys"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.starts_with("# duplicate-keys"), "{}", run.stdout);
    assert!(run.stdout.contains("## What it does"), "{}", run.stdout);
    assert!(run.stdout.contains("## Why is this bad?"), "{}", run.stdout);
}

#[test]
fn explain_unknown_rule_exits_2() {
    let run = stakelint(&["explain", "no-such-rule"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(run.stderr.contains("no-such-rule"), "{}", run.stderr);
    assert!(run.stderr.contains("error"), "{}", run.stderr);
}

#[test]
fn every_rule_is_listed_and_explained() {
    let json = stakelint(&["rules", "--format", "json"]);
    assert_eq!(json.code, 0);
    let list = json.json();
    let ids: Vec<&str> = list
        .as_array()
        .expect("`rules --format json` is an array")
        .iter()
        .map(|r| r["id"].as_str().expect("every rule has an id"))
        .collect();
    for id in [
        "duplicate-keys",
        "blast-radius",
        "vc-single-writer",
        "not-assessed",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let table = stakelint(&["rules"]);
    assert_eq!(table.code, 0);
    for id in &ids {
        assert!(
            table
                .stdout
                .lines()
                .any(|l| l.split_whitespace().next() == Some(id)),
            "{id} not in table:\n{}",
            table.stdout
        );
        let explained = stakelint(&["explain", id]);
        assert_eq!(explained.code, 0, "explain {id}");
        assert!(
            explained.stdout.contains("## What it does"),
            "explain {id}:\n{}",
            explained.stdout
        );
    }
    // the table has one row per rule, plus the header
    assert_eq!(
        table
            .stdout
            .lines()
            .filter(|l| !l.trim().is_empty())
            .count(),
        ids.len() + 1
    );
}

// ---------------------------------------------------------------------------------------
// 6. Bad configuration
// ---------------------------------------------------------------------------------------

fn assert_config_error(name: &str, config: &str, bad_key: &str) {
    let dir = TempDir::new(name);
    let cfg = dir.write(".stakelint.yaml", config);
    let (line, col) = position(config, bad_key);
    let run = lint(&[EXAMPLE, "--config", s(&cfg)]);
    assert_eq!(
        run.code, 2,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    let at = format!("{}:{line}:{col}", cfg.display());
    assert!(
        run.stderr.contains(&at),
        "stderr should name {at}:\n{}",
        run.stderr
    );
    assert!(run.stderr.contains("unknown"), "{}", run.stderr);
    assert!(
        run.stdout.contains("error[blast-radius]"),
        "inputs are still linted:\n{}",
        run.stdout
    );
    assert!(run.last_line().starts_with("stakelint:"), "{}", run.stdout);
    assert!(
        run.last_line().contains("could not be read"),
        "the summary mentions the bad input: {}",
        run.last_line()
    );

    let json = lint(&[EXAMPLE, "--config", s(&cfg), "--format", "json"]);
    assert_eq!(json.code, 2);
    let doc = json.json();
    let errors = doc["errors"].as_array().expect("errors array");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0]["path"]
            .as_str()
            .is_some_and(|p| p.ends_with(".stakelint.yaml")),
        "{errors:?}"
    );
    assert_eq!(errors[0]["location"]["line"], line as u64, "{errors:?}");
    assert!(rules_of(&doc).contains(&"blast-radius".to_owned()));
}

#[test]
fn config_with_unknown_top_level_key_exits_2() {
    assert_config_error(
        "cfg-key",
        "# stakelint settings\nregions:\n  hel1: EMEA\nrulez:\n  blast-radius: warning\n",
        "rulez",
    );
}

#[test]
fn config_with_unknown_rule_id_exits_2() {
    assert_config_error(
        "cfg-rule",
        "rules:\n  geo-area: off\n  no-such-rule: error\n",
        "no-such-rule",
    );
}

#[test]
fn the_valid_part_of_a_bad_config_still_applies() {
    let dir = TempDir::new("cfg-partial");
    let cfg = dir.write(
        ".stakelint.yaml",
        "rules:\n  geo-area: off\n  no-such-rule: error\n",
    );
    let run = lint(&[EXAMPLE, "--config", s(&cfg)]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.contains("error[blast-radius]"), "{}", run.stdout);
    assert!(
        !run.stdout.contains("[geo-area]"),
        "geo-area is off:\n{}",
        run.stdout
    );
}

#[test]
fn an_unknown_environment_filter_is_a_usage_error() {
    let run = lint(&[EXAMPLE, "--environment", "prod-nope"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("prod-nope"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------
// 7. Malformed YAML among good files
// ---------------------------------------------------------------------------------------

#[test]
fn malformed_yaml_is_reported_and_the_rest_still_linted() {
    let dir = TempDir::new("broken");
    dir.write("inventory.yaml", read(EXAMPLE_INVENTORY));
    dir.write("broken.yaml", "a: [1, 2\nb: 3\n");

    let run = lint(&[s(dir.path()), "--format", "json"]);
    assert_eq!(run.code, 2, "stderr:\n{}", run.stderr);
    let named = run
        .stderr
        .match_indices("broken.yaml:")
        .any(|(i, m)| run.stderr[i + m.len()..].starts_with(|c: char| c.is_ascii_digit()));
    assert!(
        named,
        "stderr names broken.yaml with a line:\n{}",
        run.stderr
    );
    let doc = run.json();
    assert!(
        rules_of(&doc).contains(&"blast-radius".to_owned()),
        "the inventory is still linted: {doc:#}"
    );
    assert_eq!(count(&doc, "files"), 2);
    let errors = doc["errors"].as_array().expect("errors array");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0]["path"]
            .as_str()
            .is_some_and(|p| p.ends_with("broken.yaml")),
        "{errors:?}"
    );
    assert!(
        errors[0]["location"]["line"]
            .as_u64()
            .is_some_and(|l| (1..=2).contains(&l)),
        "{errors:?}"
    );

    // input errors exit 2 whatever the threshold
    let never = lint(&[s(dir.path()), "--fail-on", "never"]);
    assert_eq!(never.code, 2);
    assert!(
        never.last_line().starts_with("stakelint:"),
        "{}",
        never.stdout
    );
    assert!(
        never.last_line().ends_with("could not be read"),
        "{}",
        never.last_line()
    );
}

// ---------------------------------------------------------------------------------------
// 8. Inventory validation
// ---------------------------------------------------------------------------------------

/// Writes the example inventory with `from` replaced by `to`, lints it, expects exit 2 and
/// an error at `to` whose stderr contains `needle`. Returns the run and the expected line.
fn bad_inventory(name: &str, from: &str, to: &str, needle: &str) -> (Run, usize) {
    let dir = TempDir::new(name);
    let text = replace_once(&read(EXAMPLE_INVENTORY), from, to);
    let (line, col) = position(&text, to);
    let path = dir.write("inventory.yaml", &text);
    let run = lint(&[s(&path), "--format", "json"]);
    assert_eq!(run.code, 2, "stderr:\n{}", run.stderr);
    assert!(
        run.stderr.contains(needle),
        "stderr should mention {needle}:\n{}",
        run.stderr
    );
    let at = format!("{}:{line}:", path.display());
    assert!(
        run.stderr.contains(&at),
        "stderr should name {at}:\n{}",
        run.stderr
    );
    let doc = run.json();
    let errors = doc["errors"].as_array().expect("errors array");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["location"]["line"], line as u64, "{errors:?}");
    assert!(
        errors[0]["location"]["column"]
            .as_u64()
            .is_some_and(|c| c as usize >= col),
        "{errors:?}"
    );
    (run, line)
}

#[test]
fn inventory_typo_field_is_a_located_error() {
    bad_inventory("typo", "replicas: 2", "replica: 2", "`replica`");
}

/// serde-saphyr's messages end with "at line L, column C" counted from the start of the
/// parsed document, which starts after the file's leading comments. Any line a message
/// names must be the file's line (once it said line 57 for an error on line 60).
#[test]
fn inventory_error_messages_name_the_right_line() {
    let (run, line) = bad_inventory("typo-line", "replicas: 2", "replica: 2", "`replica`");
    let doc = run.json();
    let message = doc["errors"][0]["message"]
        .as_str()
        .expect("message")
        .to_owned();
    for n in line_mentions(&message) {
        assert_eq!(
            n, line,
            "message names line {n}, the error is on line {line}: {message}"
        );
    }
    for n in line_mentions(&run.stderr) {
        assert_eq!(
            n, line,
            "stderr names line {n}, the error is on line {line}:\n{}",
            run.stderr
        );
    }
}

#[test]
fn malformed_pubkey_is_rejected() {
    bad_inventory(
        "pubkey",
        "0xa4a98afc36b6d608d92c5f3ceea51005270dd131f3e99ae776ba27e393b3d343824bfe5470eb20083e0db1105f302e8b",
        "0x1234",
        "96 hex digits",
    );
}

#[test]
fn keys_from_a_missing_path_is_a_located_error() {
    bad_inventory(
        "keys-from",
        "keys: {count: 1200}",
        "keys: {from: keys/}",
        "does not exist",
    );
}

// ---------------------------------------------------------------------------------------
// 9. stdin
// ---------------------------------------------------------------------------------------

#[test]
fn stdin_is_linted_like_the_file() {
    let from_file = lint(&[EXAMPLE_INVENTORY, "--format", "json"]);
    let from_stdin = lint_stdin(
        &["-", "--format", "json"],
        read(EXAMPLE_INVENTORY).as_bytes(),
    );
    assert_eq!(
        from_stdin.code, from_file.code,
        "stderr:\n{}",
        from_stdin.stderr
    );
    let (file_doc, stdin_doc) = (from_file.json(), from_stdin.json());
    assert!(!findings(&stdin_doc).is_empty());
    assert_eq!(findings(&stdin_doc).len(), findings(&file_doc).len());
    // `-` sorts before `<builtin>/…` and `fixtures/…`, so compare the rules as sets
    let sorted = |doc: &Value| {
        let mut r = rules_of(doc);
        r.sort();
        r
    };
    assert_eq!(sorted(&stdin_doc), sorted(&file_doc));
    assert_eq!(stdin_doc["summary"], file_doc["summary"]);
    for f in findings(&stdin_doc) {
        let path = f["location"]["path"].as_str().unwrap_or("-");
        assert!(path == "-" || path.starts_with("<builtin>/"), "{f}");
        for r in f["related"].as_array().into_iter().flatten() {
            assert_eq!(r["path"], "-", "{r}");
        }
    }
    assert!(
        findings(&stdin_doc)
            .iter()
            .any(|f| f["location"]["path"] == "-")
    );
}

// ---------------------------------------------------------------------------------------
// 10. Binary input
// ---------------------------------------------------------------------------------------

#[test]
fn binary_file_is_an_input_error_not_a_panic() {
    let dir = TempDir::new("binary");
    let bin = dir.write("x.yaml", [0xff, 0xfe, 0x00]);
    let run = lint(&[s(&bin)]);
    assert_eq!(run.code, 2, "stderr:\n{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(run.stderr.contains("x.yaml"), "{}", run.stderr);
    assert!(run.stderr.contains("UTF-8"), "{}", run.stderr);

    // next to a good inventory in a directory: the inventory is still linted
    dir.write("inventory.yaml", clean_inventory());
    let run = lint(&[s(dir.path()), "--format", "json"]);
    assert_eq!(run.code, 2, "stderr:\n{}", run.stderr);
    let doc = run.json();
    assert_eq!(count(&doc, "environments"), 1);
    assert_eq!(count(&doc, "files"), 2);
    let errors = doc["errors"].as_array().expect("errors array");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0]["path"]
            .as_str()
            .is_some_and(|p| p.ends_with("x.yaml")),
        "{errors:?}"
    );
}

// ---------------------------------------------------------------------------------------
// 11. Human output
// ---------------------------------------------------------------------------------------

fn plural(n: u64, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

#[test]
fn human_output_without_a_tty_has_no_colour() {
    let doc = example_json();
    let expected = format!(
        "stakelint: {}, {}, {}",
        plural(count(&doc, "errors"), "error"),
        plural(count(&doc, "warnings"), "warning"),
        plural(count(&doc, "infos"), "info")
    );
    let run = lint(&[EXAMPLE]);
    assert!(
        !run.stdout.contains("\x1b["),
        "ANSI escapes in piped output:\n{}",
        run.stdout
    );
    assert!(run.stdout.contains("error[blast-radius]"), "{}", run.stdout);
    assert!(run.stdout.contains("warning[geo-area]"), "{}", run.stdout);
    assert!(
        run.last_line().starts_with(&expected),
        "{} vs {expected}",
        run.last_line()
    );
    assert!(
        run.last_line().contains("(1 suppressed)"),
        "{}",
        run.last_line()
    );
    // the waived finding is counted, not shown
    assert!(
        !run.stdout.contains("vouch-apac-1` is vouch"),
        "{}",
        run.stdout
    );

    // without NO_COLOR, a pipe alone is enough to turn colour off
    let plain = finish(
        command()
            .env_remove("NO_COLOR")
            .args(["lint", EXAMPLE, "--today", TODAY]),
        None,
    );
    assert!(
        !plain.stdout.contains("\x1b["),
        "ANSI escapes in piped output:\n{}",
        plain.stdout
    );
    // … and `--color always` does colour, so the checks above can fail
    let forced = lint(&[EXAMPLE, "--color", "always"]);
    assert!(
        forced.stdout.contains("\x1b["),
        "--color always should colour"
    );
}

#[test]
fn input_errors_on_stderr_have_no_colour_without_a_tty() {
    let dir = TempDir::new("stderr-colour");
    let path = dir.write("broken.yaml", "a: [1, 2\nb: 3\n");
    let run = finish(
        command()
            .env_remove("NO_COLOR")
            .args(["lint", s(&path), "--today", TODAY]),
        None,
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("broken.yaml"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("\x1b["),
        "ANSI escapes in piped stderr:\n{}",
        run.stderr
    );
}
