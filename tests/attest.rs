//! The compliance report end to end (`stakelint report`, `verify`, `aggregate`): the JSON
//! schema, digest stability, signatures (round trip, keystores, a signature made by
//! eth-account, published EIP-191 vectors), tamper detection, the previous-report diff,
//! aggregate figures, escaping of hostile names, and never printing a secret.
//!
//! Fixtures: `fixtures/report/` (see `fixtures/report/README.md`). Every run uses the crate
//! root as its working directory and `--today 2026-11-29`.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

const TODAY: &str = "2026-11-29";
const A: &str = "fixtures/report/operator-a";
const A_PREVIOUS: &str = "fixtures/report/operator-a-previous";
const B: &str = "fixtures/report/operator-b";
const HOSTILE: &str = "fixtures/report/hostile";
const KEY: &str = "fixtures/report/signing/test-key.hex";
const KEYSTORE_SCRYPT: &str = "fixtures/report/signing/keystore-scrypt.json";
const KEYSTORE_PBKDF2: &str = "fixtures/report/signing/keystore-pbkdf2.json";
const PASSWORD: &str = "fixtures/report/signing/password.txt";
/// The address of the published test key (`fixtures/report/signing/README.md`).
const TEST_ADDRESS: &str = "0xE090934df3765fF3FFf0A5e2f4789B6bABA798D4";

#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("not JSON ({e}):\n{}\nstderr:\n{}", self.stdout, self.stderr)
        })
    }
}

fn run_in(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_stakelint"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the stakelint binary runs");
    let run = Run {
        code: out.status.code().expect("an exit code, not a signal"),
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

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn stakelint(args: &[&str]) -> Run {
    run_in(root(), args)
}

/// `stakelint report ARGS… --today 2026-11-29 --period 2026-Q4`.
fn report(args: &[&str]) -> Run {
    let mut all = vec!["report"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--today", TODAY, "--period", "2026-Q4"]);
    stakelint(&all)
}

/// A fresh temp directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let p =
            std::env::temp_dir().join(format!("stakelint-attest-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("temp dir");
        Self(p)
    }
    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
    fn write(&self, name: &str, text: &str) -> String {
        let p = self.file(name);
        std::fs::write(&p, text).expect("temp file");
        p.to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn validator(schema: &str) -> jsonschema::Validator {
    let s: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(schema)).expect("schema"))
            .expect("schema JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&s)
        .expect("the schema compiles")
}

fn report_schema() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| validator("schemas/report-v1.schema.json"))
}

fn assert_valid(v: &jsonschema::Validator, doc: &Value) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "schema errors:\n{}", errors.join("\n"));
}

/// The signed JSON report of operator-a, with changes since operator-a-previous.
fn signed_a(dir: &TempDir) -> (String, Value) {
    let prev = dir.file("previous.json").to_string_lossy().into_owned();
    let r = stakelint(&[
        "report",
        A_PREVIOUS,
        "--today",
        "2026-09-30",
        "--format",
        &format!("json={prev}"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let path = dir.file("a.json").to_string_lossy().into_owned();
    let r = report(&[
        A,
        "--previous",
        &prev,
        "--sign-key-file",
        KEY,
        "--format",
        &format!("json={path}"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("report written"))
        .expect("JSON");
    (path, doc)
}

// ---------------------------------------------------------------------------------------
// JSON and its schema
// ---------------------------------------------------------------------------------------

#[test]
fn every_json_report_follows_the_published_schema() {
    let dir = TempDir::new("schema");
    let (_, signed) = signed_a(&dir);
    assert_valid(report_schema(), &signed);
    for inputs in [
        vec!["fixtures/example"],
        vec![HOSTILE],
        vec![B],
        vec!["fixtures/k8s-example"],
    ] {
        let mut args = inputs.clone();
        args.extend(["--format", "json", "--operator", "op"]);
        let r = report(&args);
        assert_eq!(r.code, 0, "{inputs:?}: {}", r.stderr);
        assert_valid(report_schema(), &r.json());
    }
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("fixtures/report/signing/signed-by-eth-account.json"))
            .expect("fixture"),
    )
    .expect("JSON");
    assert_valid(report_schema(), &fixture);
}

#[test]
fn the_json_body_states_statuses_and_figures() {
    let dir = TempDir::new("body");
    let (_, doc) = signed_a(&dir);
    let b = &doc["body"];
    assert_eq!(b["operator"], "operator-a");
    assert_eq!(b["period"], "2026-Q4");
    assert_eq!(b["date"], TODAY);
    assert_eq!(b["summary"]["status"], "compliant");
    assert_eq!(b["summary"]["keys"], 1000);
    assert_eq!(b["guardrails"].as_array().expect("guardrails").len(), 13);
    assert_eq!(b["client_shares"]["date"], "2026-08-21");
    let emea = &b["environments"][0];
    assert_eq!(emea["name"], "emea-1");
    assert_eq!(emea["keys"]["count"], 600);
    assert_eq!(emea["keys"]["limit"], 1000);
    assert_eq!(emea["areas"], serde_json::json!(["EMEA"]));
    assert_eq!(
        emea["combinations"].as_array().expect("combinations").len(),
        3
    );
    let blast = emea["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["rule"] == "blast-radius")
        .expect("blast-radius");
    assert_eq!(blast["figures"], "600 keys (limit 1,000)");
    // a waiver shows with its reason, and keeps the guardrail compliant
    let amers = &b["environments"][1];
    let dop = amers["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["rule"] == "doppelganger-protection")
        .expect("dop");
    assert_eq!(dop["status"], "compliant");
    assert!(
        dop["waived"][0]["reason"]
            .as_str()
            .expect("reason")
            .contains("restart runbook")
    );
    let s = &b["suppressions"][0];
    assert_eq!(
        (
            s["rule"].as_str(),
            s["expires"].as_str(),
            s["valid"].as_bool()
        ),
        (
            Some("doppelganger-protection"),
            Some("2027-06-30"),
            Some(true)
        )
    );
    assert_eq!(s["suppressed_findings"], 1);
    assert!(
        !stakelint::attest::doc::has_float(b),
        "the signed body holds no floating-point numbers"
    );
}

#[test]
fn statuses_follow_findings_not_assessed_and_rules_turned_off() {
    let r = report(&["fixtures/example", "--format", "json"]);
    let doc = r.json();
    let g = |rule: &str| {
        doc["body"]["guardrails"]
            .as_array()
            .expect("g")
            .iter()
            .find(|g| g["rule"] == rule)
            .cloned()
            .expect(rule)
    };
    assert_eq!(
        g("vc-single-writer")["not_compliant"],
        serde_json::json!(["prod-amers-1"])
    );
    // `duplicate-keys` cannot be judged for keys declared only by count
    assert_eq!(
        g("duplicate-keys")["not_assessed"],
        serde_json::json!(["prod-amers-1"])
    );
    // turning a guardrail off makes it "not assessed", with a caveat; never "compliant"
    let dir = TempDir::new("off");
    let cfg = dir.write(
        "cfg.yaml",
        "rules:\n  blast-radius: off\n  not-assessed: off\n",
    );
    let r = report(&["fixtures/example", "--format", "json", "--config", &cfg]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc = r.json();
    let blast = doc["body"]["guardrails"]
        .as_array()
        .expect("g")
        .iter()
        .find(|g| g["rule"] == "blast-radius")
        .cloned()
        .expect("b");
    assert_eq!(blast["status"], "not-assessed");
    let caveats = doc["body"]["caveats"].to_string();
    assert!(
        caveats.contains("`blast-radius` off") && caveats.contains("`not-assessed` off"),
        "{caveats}"
    );
    assert!(
        doc["body"]["inputs"]["files"]
            .as_array()
            .expect("files")
            .iter()
            .any(|f| f["role"] == "config")
    );
}

// ---------------------------------------------------------------------------------------
// Input digest
// ---------------------------------------------------------------------------------------

/// Computed independently with Python's hashlib over the framing of README "Input digest":
/// `sha256(b"stakelint-inputs/v1\n" + len(path).to_bytes(8) + path + len(data).to_bytes(8) + data)`.
const OPERATOR_A_INPUT_DIGEST: &str =
    "sha256:f31a7e15f4a8af90b9bafe44fdd4f1243e017c9691941a3799459889debfaa3c";

#[test]
fn the_input_digest_is_the_same_however_the_inputs_are_named() {
    let digest = |r: &Run| {
        assert_eq!(r.code, 0, "{}", r.stderr);
        (
            r.json()["body"]["inputs"]["digest"]
                .as_str()
                .expect("digest")
                .to_owned(),
            r.json()["digest"].clone(),
        )
    };
    let args = |p: &str| {
        vec![
            "report".to_owned(),
            p.to_owned(),
            "--format".into(),
            "json".into(),
            "--today".into(),
            TODAY.into(),
            "--period".into(),
            "2026-Q4".into(),
        ]
    };
    let relative = stakelint(&args(A).iter().map(String::as_str).collect::<Vec<_>>());
    let (d, report_digest) = digest(&relative);
    assert_eq!(d, OPERATOR_A_INPUT_DIGEST);
    // absolute path, another working directory, a file instead of its directory, `..` in it
    let abs = root().join(A).to_string_lossy().into_owned();
    let elsewhere = std::env::temp_dir();
    for (dir, path) in [
        (elsewhere.as_path(), abs.clone()),
        (root(), format!("{A}/inventory.yaml")),
        (
            root(),
            "fixtures/report/operator-b/../operator-a/./inventory.yaml".to_owned(),
        ),
    ] {
        let r = run_in(
            dir,
            &args(&path).iter().map(String::as_str).collect::<Vec<_>>(),
        );
        // the config a working directory may hold would be an input: none here
        assert_eq!(
            digest(&r),
            (d.clone(), report_digest.clone()),
            "{path} in {}",
            dir.display()
        );
    }
    // a copy of the files on another "machine" (folder)
    let copy = TempDir::new("copy");
    std::fs::copy(
        root().join(A).join("inventory.yaml"),
        copy.file("inventory.yaml"),
    )
    .expect("copy");
    let r = run_in(
        &copy.0,
        &args(".").iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_eq!(digest(&r).0, d);
    // one byte more changes it
    std::fs::write(
        copy.file("inventory.yaml"),
        std::fs::read_to_string(root().join(A).join("inventory.yaml")).expect("read") + "\n",
    )
    .expect("write");
    let r = run_in(
        &copy.0,
        &args(".").iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_ne!(digest(&r).0, d);
}

#[test]
fn a_file_named_twice_counts_once_and_the_order_of_paths_does_not_matter() {
    let digest = |paths: &[&str]| {
        let mut args = vec!["report"];
        args.extend_from_slice(paths);
        args.extend(["--format", "json", "--today", TODAY, "--operator", "op"]);
        let r = stakelint(&args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let inputs = r.json()["body"]["inputs"].clone();
        (
            inputs["digest"].clone(),
            inputs["files"].as_array().map(Vec::len),
        )
    };
    let one = digest(&["fixtures/clients"]);
    assert_eq!(one.0, digest(&["fixtures/clients", "fixtures/clients"]).0);
    let inv = format!("{A}/inventory.yaml");
    let both = digest(&[&inv, "fixtures/clients"]);
    assert_eq!(both, digest(&["fixtures/clients", &inv, &inv]));
    assert_ne!(both.0, one.0);
    assert_eq!(both.1.map(|n| n - 1), one.1);
}

#[test]
fn reports_are_reproducible_byte_for_byte() {
    let a = report(&[A, "--format", "json", "--sign-key-file", KEY]);
    let b = report(&[A, "--format", "json", "--sign-key-file", KEY]);
    assert_eq!(a.code, 0, "{}", a.stderr);
    assert_eq!(
        a.stdout, b.stdout,
        "same inputs, date and key: same report and signature (RFC 6979)"
    );
    let md = report(&[A, "--format", "markdown"]);
    assert_eq!(md.stdout, report(&[A, "--format", "markdown"]).stdout);
}

#[test]
fn files_holding_secrets_count_in_the_digest_but_their_own_digest_is_withheld() {
    let r = report(&["fixtures/clients", "--format", "json", "--operator", "op"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let files = r.json()["body"]["inputs"]["files"]
        .as_array()
        .expect("files")
        .clone();
    let secret = files
        .iter()
        .find(|f| f["path"] == "lighthouse-vc.yaml")
        .expect("the Secret manifest");
    assert!(secret["sha256"].is_null(), "{secret}");
    assert!(files.iter().any(|f| f["sha256"].is_string()));
}

// ---------------------------------------------------------------------------------------
// Signatures
// ---------------------------------------------------------------------------------------

#[test]
fn signed_reports_verify_and_name_their_signer() {
    let dir = TempDir::new("roundtrip");
    let (path, doc) = signed_a(&dir);
    assert_eq!(doc["signature"]["address"], TEST_ADDRESS);
    assert_eq!(doc["signature"]["scheme"], "eip191-personal-sign");
    let message = doc["signature"]["message"].as_str().expect("message");
    assert!(message.starts_with("stakelint compliance report v1\nOperator: operator-a\nPeriod: 2026-Q4\nDate: 2026-11-29\nStatus: compliant\nInputs: sha256:"), "{message}");
    assert!(message.ends_with(&format!(
        "Report: {}",
        doc["digest"].as_str().expect("digest")
    )));
    let v = stakelint(&[
        "verify",
        &path,
        "--expect-address",
        TEST_ADDRESS,
        "--inputs",
        A,
    ]);
    assert_eq!(v.code, 0, "{}{}", v.stdout, v.stderr);
    for line in [
        "PASS  report digest",
        "PASS  signature: a valid EIP-191 signature by 0xE090",
        "PASS  signer: 0xE090",
        "PASS  inputs: 1 file reproduce",
        "PASS  findings: the inputs reproduce",
    ] {
        assert!(v.stdout.contains(line), "missing `{line}` in\n{}", v.stdout);
    }
    assert!(v.stdout.contains("verified: the report was signed by 0xE090934df3765fF3FFf0A5e2f4789B6bABA798D4, matches its inputs"), "{}", v.stdout);
    // lower-case expected addresses are fine; a checksum typo is a usage error
    assert_eq!(
        stakelint(&[
            "verify",
            &path,
            "--expect-address",
            &TEST_ADDRESS.to_lowercase()
        ])
        .code,
        0
    );
    assert_eq!(
        stakelint(&[
            "verify",
            &path,
            "--expect-address",
            "0xe090934DF3765ff3FFf0A5e2f4789B6bABA798D4"
        ])
        .code,
        2
    );
}

#[test]
fn keystores_and_hex_keys_give_the_same_signature() {
    let hex = report(&[A, "--format", "json", "--sign-key-file", KEY]).json()["signature"].clone();
    for ks in [KEYSTORE_SCRYPT, KEYSTORE_PBKDF2] {
        let r = report(&[
            A,
            "--format",
            "json",
            "--sign-key-file",
            ks,
            "--password-file",
            PASSWORD,
        ]);
        assert_eq!(r.code, 0, "{ks}: {}", r.stderr);
        assert_eq!(r.json()["signature"], hex, "{ks}");
    }
    let dir = TempDir::new("badpw");
    let wrong = dir.write("wrong.txt", "not the password\n");
    let r = report(&[
        A,
        "--sign-key-file",
        KEYSTORE_SCRYPT,
        "--password-file",
        &wrong,
    ]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("wrong password"), "{}", r.stderr);
    assert!(
        r.stdout.is_empty(),
        "no report without the signature asked for"
    );
    let r = report(&[A, "--sign-key-file", KEYSTORE_SCRYPT]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--password-file"), "{}", r.stderr);
}

#[test]
fn no_output_ever_holds_the_key_or_the_password() {
    let key = std::fs::read_to_string(root().join(KEY)).expect("key");
    let digits = key.trim().trim_start_matches("0x");
    assert_eq!(digits.len(), 64);
    let password = std::fs::read_to_string(root().join(PASSWORD)).expect("password");
    let dir = TempDir::new("secrets");
    let truncated = dir.write("truncated.hex", &key.trim()[..60]);
    let runs = [
        report(&[A, "--format", "json", "--sign-key-file", KEY]),
        report(&[
            A,
            "--format",
            "html",
            "--sign-key-file",
            KEYSTORE_SCRYPT,
            "--password-file",
            PASSWORD,
        ]),
        report(&[
            A,
            "--format",
            "markdown",
            "--sign-key-file",
            KEYSTORE_PBKDF2,
            "--password-file",
            PASSWORD,
        ]),
        report(&[A, "--sign-key-file", &truncated]),
        report(&[
            A,
            "--sign-key-file",
            KEYSTORE_SCRYPT,
            "--password-file",
            KEY,
        ]),
        report(&[A, "--sign-key-file", PASSWORD]),
    ];
    for r in runs {
        for text in [&r.stdout, &r.stderr] {
            assert!(
                !text.contains(digits) && !text.contains(&digits[..24]),
                "the key leaked:\n{text}"
            );
            assert!(
                !text.contains(password.trim()),
                "the password leaked:\n{text}"
            );
        }
    }
}

#[test]
fn a_signature_made_elsewhere_attaches_to_the_same_report() {
    let msg = report(&[A, "--print-message"]);
    assert_eq!(msg.code, 0, "{}", msg.stderr);
    assert!(
        !msg.stdout.ends_with('\n'),
        "the message is printed exactly, without a line break"
    );
    assert!(msg.stderr.contains("--signature"), "{}", msg.stderr);
    // sign it "elsewhere" (the library signer stands in for a wallet)
    let key = stakelint::attest::keystore::load(&root().join(KEY), None).expect("test key");
    let sig =
        stakelint::attest::sign::signature_hex(&stakelint::attest::sign::sign(&key, &msg.stdout));
    let attached = report(&[
        A,
        "--format",
        "json",
        "--signature",
        &sig,
        "--signer",
        TEST_ADDRESS,
    ]);
    assert_eq!(attached.code, 0, "{}", attached.stderr);
    let direct = report(&[A, "--format", "json", "--sign-key-file", KEY]);
    assert_eq!(attached.stdout, direct.stdout);
    // a signature over another message (another date) recovers someone else: refused
    let other = report(&[
        A,
        "--format",
        "json",
        "--signature",
        &sig,
        "--signer",
        TEST_ADDRESS,
        "--operator",
        "someone-else",
    ]);
    assert_eq!(other.code, 2);
    assert!(other.stderr.contains("not by --signer"), "{}", other.stderr);
    // without --signer the recovered address is stated, so a mismatch is visible
    let unchecked = report(&[A, "--format", "json", "--signature", &sig]);
    assert!(
        unchecked.stderr.contains("recovers to 0xE090"),
        "{}",
        unchecked.stderr
    );
    assert_eq!(report(&[A, "--signature", "0x1234"]).code, 2);
}

/// `fixtures/report/signing/signed-by-eth-account.json` was signed by eth-account (Python),
/// an implementation independent of stakelint's (see the README there).
#[test]
fn a_signature_by_eth_account_verifies_and_matches_ours() {
    let path = "fixtures/report/signing/signed-by-eth-account.json";
    let v = stakelint(&["verify", path, "--expect-address", TEST_ADDRESS]);
    assert_eq!(v.code, 0, "{}{}", v.stdout, v.stderr);
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join(path)).expect("fixture"))
            .expect("JSON");
    let message = doc["signature"]["message"].as_str().expect("message");
    let theirs = doc["signature"]["signature"].as_str().expect("signature");
    let key = stakelint::attest::keystore::load(&root().join(KEY), None).expect("test key");
    let ours =
        stakelint::attest::sign::signature_hex(&stakelint::attest::sign::sign(&key, message));
    assert_eq!(
        ours, theirs,
        "RFC 6979: the same key and message give the same signature"
    );
    let recorded =
        std::fs::read_to_string(root().join("fixtures/report/signing/eth-account-signature.txt"))
            .expect("signature file");
    assert_eq!(recorded.trim(), theirs);
}

// ---------------------------------------------------------------------------------------
// Tampering
// ---------------------------------------------------------------------------------------

fn verify_doc(dir: &TempDir, name: &str, doc: &Value, extra: &[&str]) -> Run {
    let path = dir.write(name, &serde_json::to_string_pretty(doc).expect("JSON"));
    let mut args = vec!["verify", path.as_str()];
    args.extend_from_slice(extra);
    stakelint(&args)
}

#[test]
fn tampered_reports_fail_verification() {
    let dir = TempDir::new("tamper");
    let (_, doc) = signed_a(&dir);
    assert_eq!(verify_doc(&dir, "ok.json", &doc, &[]).code, 0);
    // 1. a figure edited: the body no longer matches its digest
    let mut edited = doc.clone();
    edited["body"]["environments"][0]["keys"]["count"] = Value::from(900);
    let v = verify_doc(&dir, "edited.json", &edited, &[]);
    assert_eq!(v.code, 1, "{}", v.stdout);
    assert!(
        v.stdout
            .contains("FAIL  report digest: the body was changed after the report was made"),
        "{}",
        v.stdout
    );
    assert!(v.stdout.contains("NOT verified"), "{}", v.stdout);
    // 2. edited and the digest recomputed: the signature no longer covers it
    let body_digest = stakelint::attest::doc::body_digest(&edited["body"]);
    edited["digest"] = Value::from(body_digest);
    let v = verify_doc(&dir, "redigested.json", &edited, &[]);
    assert_eq!(v.code, 1);
    assert!(v.stdout.contains("PASS  report digest"), "{}", v.stdout);
    assert!(
        v.stdout
            .contains("FAIL  signature: the signed message is not the one"),
        "{}",
        v.stdout
    );
    // ... and the message rewritten too: the signature recovers another address
    let report: stakelint::attest::Report = serde_json::from_value(edited.clone()).expect("report");
    edited["signature"]["message"] = Value::from(report.message());
    let v = verify_doc(&dir, "remessaged.json", &edited, &[]);
    assert!(
        v.stdout.contains("not by the stated signer"),
        "{}",
        v.stdout
    );
    assert_eq!(v.code, 1);
    // 3. an unknown field added to the body: the digest covers what is in the file
    let mut added = doc.clone();
    added["body"]["note"] = Value::from("all good");
    assert_eq!(verify_doc(&dir, "added.json", &added, &[]).code, 1);
    // 4. re-signed by another key: valid signature, but not the expected signer
    let other = stakelint::attest::keystore::from_hex(
        b"0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    )
    .expect("key");
    let mut resigned = doc.clone();
    let message = resigned["signature"]["message"]
        .as_str()
        .expect("m")
        .to_owned();
    resigned["signature"]["signature"] = Value::from(stakelint::attest::sign::signature_hex(
        &stakelint::attest::sign::sign(&other, &message),
    ));
    resigned["signature"]["address"] = Value::from("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    assert_eq!(
        verify_doc(&dir, "resigned.json", &resigned, &[]).code,
        0,
        "a valid signature by someone"
    );
    let v = verify_doc(
        &dir,
        "resigned2.json",
        &resigned,
        &["--expect-address", TEST_ADDRESS],
    );
    assert_eq!(v.code, 1);
    assert!(
        v.stdout
            .contains("but 0xE090934df3765fF3FFf0A5e2f4789B6bABA798D4 was expected"),
        "{}",
        v.stdout
    );
    // 5. the signature removed
    let mut unsigned = doc.clone();
    unsigned["signature"] = Value::Null;
    let v = verify_doc(&dir, "unsigned.json", &unsigned, &[]);
    assert_eq!(v.code, 1);
    assert!(
        v.stdout.contains("the report is not signed"),
        "{}",
        v.stdout
    );
}

#[test]
fn verify_with_inputs_finds_the_changed_file() {
    let dir = TempDir::new("inputs");
    let (path, _) = signed_a(&dir);
    let copy = TempDir::new("inputs-copy");
    let text = std::fs::read_to_string(root().join(A).join("inventory.yaml")).expect("read");
    copy.write("inventory.yaml", &text.replace("count: 600", "count: 1600"));
    let inputs = copy.0.to_string_lossy().into_owned();
    let v = stakelint(&["verify", &path, "--inputs", &inputs]);
    assert_eq!(v.code, 1, "{}", v.stdout);
    assert!(
        v.stdout.contains("FAIL  inputs: these inputs give sha256:"),
        "{}",
        v.stdout
    );
    assert!(
        v.stdout.contains("changed: `inventory.yaml`"),
        "{}",
        v.stdout
    );
    copy.write("extra.yaml", "kind: Nothing\n");
    let v = stakelint(&["verify", &path, "--inputs", &inputs]);
    assert!(v.stdout.contains("extra: `extra.yaml`"), "{}", v.stdout);
    // a config found from the working directory is an input too, and verify says so
    let elsewhere = TempDir::new("inputs-cwd");
    elsewhere.write(".stakelint.yaml", "rules: {}\n");
    let a = root().join(A).to_string_lossy().into_owned();
    let v = run_in(&elsewhere.0, &["verify", &path, "--inputs", &a]);
    assert_eq!(v.code, 1, "{}", v.stdout);
    assert!(
        v.stdout
            .contains("a configuration found from the current directory"),
        "{}",
        v.stdout
    );
}

#[test]
fn verify_refuses_what_is_not_a_report() {
    let dir = TempDir::new("notreport");
    let garbage = dir.write("g.json", "not json");
    let r = stakelint(&["verify", &garbage]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("not JSON"), "{}", r.stderr);
    let lint_json = dir.write("l.json", "{\"version\": 1, \"findings\": []}");
    let r = stakelint(&["verify", &lint_json]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("not a stakelint compliance report"),
        "{}",
        r.stderr
    );
    let future = dir.write(
        "f.json",
        "{\"kind\": \"stakelint-compliance-report\", \"version\": 2}",
    );
    assert!(
        stakelint(&["verify", &future])
            .stderr
            .contains("version 2 is not supported")
    );
    assert_eq!(stakelint(&["verify", "no/such/file.json"]).code, 2);
}

// ---------------------------------------------------------------------------------------
// Changes since the last report
// ---------------------------------------------------------------------------------------

#[test]
fn the_previous_report_gives_the_changes() {
    let dir = TempDir::new("previous");
    let (_, doc) = signed_a(&dir);
    let c = &doc["body"]["changes"];
    assert_eq!(c["previous"]["period"], "2026-Q3");
    assert_eq!(c["environments_removed"], serde_json::json!(["apac-old"]));
    assert_eq!(c["environments_added"], serde_json::json!([]));
    let status: Vec<(String, String, String)> = c["guardrails"]
        .as_array()
        .expect("guardrails")
        .iter()
        .map(|g| {
            (
                g["environment"].to_string(),
                g["rule"].to_string(),
                format!("{} → {}", g["from"], g["to"]),
            )
        })
        .collect();
    assert!(
        status.contains(&(
            "\"amers-1\"".into(),
            "\"cl-el-pairs\"".into(),
            "\"not-compliant\" → \"compliant\"".into()
        )),
        "{status:?}"
    );
    assert!(
        status.contains(&(
            "\"amers-1\"".into(),
            "\"host-spread\"".into(),
            "\"not-compliant\" → \"compliant\"".into()
        )),
        "{status:?}"
    );
    assert!(
        !status.iter().any(|s| s.0.contains("apac-old")),
        "a removed environment is listed once, not per guardrail"
    );
    let keys = c["keys"].as_array().expect("keys");
    let emea = keys
        .iter()
        .find(|k| k["environment"] == "emea-1")
        .expect("emea-1 keys");
    assert_eq!(
        (emea["before"].as_u64(), emea["after"].as_u64()),
        (Some(500), Some(600))
    );
    assert_eq!(
        emea["added"][0].as_str().map(|k| &k[..10]),
        Some("0xa4a98afc")
    );
    assert_eq!(
        emea["removed"][0].as_str().map(|k| &k[..10]),
        Some("0xb1b617be")
    );
    let gone = keys
        .iter()
        .find(|k| k["environment"] == "apac-old")
        .expect("apac-old keys");
    assert_eq!(
        (gone["before"].as_u64(), gone["after"].as_u64()),
        (Some(10), None)
    );
    let clients = c["clients"].as_array().expect("clients");
    let changed = clients
        .iter()
        .find(|x| x["environment"] == "emea-1" && x["pair"] == "pair-c")
        .expect("pair-c");
    assert_eq!(changed["change"], "changed");
    assert_eq!(changed["before"], "nimbus v25.11.0 + geth v1.16.7");
    assert_eq!(changed["after"], "nimbus v25.11.0 + reth v1.9.1");
    let upgraded = clients
        .iter()
        .find(|x| x["environment"] == "emea-1" && x["pair"] == "pair-a")
        .expect("pair-a");
    assert_eq!(upgraded["before"], "lighthouse v8.0.0 + nethermind 1.35.2");
    assert_eq!(upgraded["after"], "lighthouse v8.0.1 + nethermind 1.35.2");
    assert!(
        clients.iter().any(|x| x["environment"] == "amers-1"
            && x["pair"] == "pair-c"
            && x["change"] == "added")
    );
    // an altered previous report is refused
    let prev = dir.file("previous.json");
    let mut old: Value =
        serde_json::from_str(&std::fs::read_to_string(&prev).expect("prev")).expect("JSON");
    old["body"]["summary"]["status"] = Value::from("compliant");
    let altered = dir.write("altered.json", &old.to_string());
    let r = report(&[A, "--previous", &altered]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("the body was changed"), "{}", r.stderr);
}

// ---------------------------------------------------------------------------------------
// Aggregate
// ---------------------------------------------------------------------------------------

fn aggregate_inputs(dir: &TempDir) -> Vec<String> {
    let mut files = Vec::new();
    let (a, _) = signed_a(dir);
    files.push(a);
    let b = dir.file("b.json").to_string_lossy().into_owned();
    assert_eq!(
        report(&[B, "--sign-key-file", KEY, "--format", &format!("json={b}")]).code,
        0
    );
    files.push(b);
    // operator-a's previous report: superseded by the newer one
    files.push(dir.file("previous.json").to_string_lossy().into_owned());
    let mut tampered: Value =
        serde_json::from_str(&std::fs::read_to_string(&files[1]).expect("b")).expect("JSON");
    tampered["body"]["operator"] = Value::from("operator-c");
    files.push(dir.write("tampered.json", &tampered.to_string()));
    files
}

#[test]
fn aggregate_figures_weigh_clients_by_keys() {
    let dir = TempDir::new("aggregate");
    let files = aggregate_inputs(&dir);
    let mut args = vec!["aggregate", "--format", "json"];
    args.extend(files.iter().map(String::as_str));
    let r = stakelint(&args);
    assert_eq!(r.code, 1, "a report fails verification: {}", r.stderr);
    assert!(r.stderr.contains("not verified:"), "{}", r.stderr);
    let agg = r.json();
    assert_valid(&validator("schemas/aggregate-v1.schema.json"), &agg);
    let p = &agg["protocol"];
    assert_eq!(p["operators"], 2);
    assert_eq!(p["keys"], 2500);
    let share = |layer: &str, client: &str| {
        p["clients"][layer]
            .as_array()
            .expect("layer")
            .iter()
            .find(|c| c["client"] == client)
            .cloned()
            .unwrap_or_else(|| panic!("{client}"))
    };
    // operator-a: 600 keys over 3 emea pairs, 400 over 3 amers pairs; operator-b: 1,500 over 2
    let lighthouse = share("consensus", "lighthouse");
    assert_eq!(lighthouse["keys"], 1700.0);
    assert_eq!(lighthouse["share"], 0.68);
    assert_eq!(
        (
            lighthouse["above_one_third"].as_bool(),
            lighthouse["above_two_thirds"].as_bool()
        ),
        (Some(true), Some(true))
    );
    let nethermind = share("execution", "nethermind");
    assert_eq!(nethermind["keys"], 1083.33);
    assert_eq!(nethermind["share"], 0.4333);
    assert_eq!(nethermind["above_two_thirds"], false);
    assert_eq!(share("execution", "geth")["keys"], 750.0);
    let area = |name: &str| {
        p["areas"]
            .as_array()
            .expect("areas")
            .iter()
            .find(|a| a["area"] == name)
            .cloned()
            .expect(name)
    };
    assert_eq!(
        area("EMEA")["operators"],
        serde_json::json!(["operator-a", "operator-b"])
    );
    assert_eq!(area("EMEA")["keys"], 1350.0);
    assert_eq!(area("AMERS")["keys"], 400.0);
    assert_eq!(
        area("unknown")["keys"],
        750.0,
        "operator-b's pair without a region"
    );
    let blast = p["guardrails"]
        .as_array()
        .expect("g")
        .iter()
        .find(|g| g["rule"] == "blast-radius")
        .cloned()
        .expect("blast");
    assert_eq!(
        (blast["compliant"].as_u64(), blast["not_compliant"].clone()),
        (Some(1), serde_json::json!(["operator-b"]))
    );
    assert_eq!(
        p["duplicate_keys"][0]["operators"],
        serde_json::json!(["operator-a", "operator-b"])
    );
    let reports = agg["reports"].as_array().expect("reports");
    let previous = reports
        .iter()
        .find(|r| {
            r["file"]
                .as_str()
                .is_some_and(|f| f.ends_with("previous.json"))
        })
        .expect("previous");
    assert_eq!(
        (
            previous["verified"].as_bool(),
            previous["counted"].as_bool()
        ),
        (Some(false), Some(false)),
        "unsigned"
    );
    let tampered = reports
        .iter()
        .find(|r| {
            r["file"]
                .as_str()
                .is_some_and(|f| f.ends_with("tampered.json"))
        })
        .expect("t");
    assert!(
        tampered["problems"][0]
            .as_str()
            .expect("p")
            .contains("body was changed")
    );
    assert_eq!(p["failed_reports"].as_array().map(Vec::len), Some(2));
}

#[test]
fn aggregate_checks_signers_and_keeps_the_latest_report() {
    let dir = TempDir::new("signers");
    let files = aggregate_inputs(&dir);
    let signers = dir.write("signers.yaml", &format!("operator-a: \"{TEST_ADDRESS}\"\noperator-b: \"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266\"\n"));
    let r = stakelint(&[
        "aggregate",
        "--format",
        "json",
        "--signers",
        &signers,
        &files[0],
        &files[1],
    ]);
    assert_eq!(r.code, 1);
    let agg = r.json();
    assert_eq!(agg["reports"][0]["verified"], true);
    assert!(
        agg["reports"][1]["problems"][0]
            .as_str()
            .expect("p")
            .contains("the signers file expects 0xf39F")
    );
    assert_eq!(agg["protocol"]["operators"], 1);
    // with --include-unverified the unsigned previous report counts, but the newer one wins
    let r = stakelint(&[
        "aggregate",
        "--format",
        "json",
        "--include-unverified",
        &files[2],
        &files[0],
    ]);
    let agg = r.json();
    assert_eq!(agg["protocol"]["operators"], 1);
    assert!(
        agg["reports"][0]["problems"]
            .to_string()
            .contains("superseded"),
        "{}",
        agg["reports"][0]
    );
    assert_eq!(agg["operators"][0]["keys"], 1000);
    let r = stakelint(&["aggregate", &files[0], &files[1]]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .starts_with("# Guardrail compliance across operators")
    );
    assert!(
        r.stdout
            .contains("| `lighthouse` | 1,700 | 68.0% | ❌ above 2/3 |"),
        "{}",
        r.stdout
    );
}

// ---------------------------------------------------------------------------------------
// Markdown, HTML and hostile names
// ---------------------------------------------------------------------------------------

/// Unescaped `|` in a Markdown table row (code spans included: GFM splits there too).
fn cells(row: &str) -> usize {
    let mut n = 0;
    let mut escaped = false;
    for c in row.chars() {
        if c == '|' && !escaped {
            n += 1;
        }
        escaped = c == '\\' && !escaped;
    }
    n
}

/// A Markdown line without its code spans and escaped characters (CommonMark: a run of n backticks opens a span
/// that the next run of exactly n backticks closes; a backslash-escaped backtick opens none).
fn outside_code(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                out.push('·');
                i += 2;
            }
            '`' => {
                let n = chars[i..].iter().take_while(|&&c| c == '`').count();
                let mut j = i + n;
                let mut close = None;
                while j < chars.len() {
                    let m = chars[j..].iter().take_while(|&&c| c == '`').count();
                    if m == n {
                        close = Some(j + m);
                        break;
                    }
                    j += m.max(1);
                }
                if let Some(end) = close {
                    out.push_str("·code·");
                    i = end;
                } else {
                    out.extend(&chars[i..i + n]);
                    i += n;
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

fn assert_tables_intact(md: &str) {
    let mut width = None;
    for line in md.lines() {
        if line.starts_with('|') {
            let n = cells(line);
            match width {
                None => width = Some(n),
                Some(w) => assert_eq!(n, w, "a table row with another number of cells:\n{line}"),
            }
        } else {
            width = None;
        }
    }
}

#[test]
fn markdown_holds_no_html_and_hostile_names_cannot_break_it() {
    let r = report(&[HOSTILE, "--format", "markdown"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let md = &r.stdout;
    assert_tables_intact(md);
    // the signed message stands in a fenced block and names in code spans, where nothing
    // is markup: look at the rest
    let md = &md[..md.find("## Signature").expect("signature section")];
    let live: String = md.lines().map(outside_code).collect::<Vec<_>>().join("\n");
    for bad in [
        "<script",
        "<img",
        "<iframe",
        "<b>",
        "<svg",
        "</td>",
        "](http",
        " @everyone",
    ] {
        assert!(!live.contains(bad), "`{bad}` is live in:\n{live}");
    }
    assert!(
        md.contains("&lt;script&gt;") && md.contains("\\@everyone"),
        "{md}"
    );
    let good = report(&[
        A,
        "--previous",
        "fixtures/report/signing/signed-by-eth-account.json",
        "--format",
        "markdown",
    ]);
    assert_tables_intact(&good.stdout);
    assert!(!good.stdout.contains("<br>") && !good.stdout.contains("<details>"));
}

#[test]
fn html_is_self_contained_and_escaped() {
    for inputs in [A, HOSTILE, "fixtures/example"] {
        let r = report(&[inputs, "--format", "html", "--operator", "op"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let h = &r.stdout;
        assert!(h.starts_with("<!DOCTYPE html>"));
        assert!(h.contains("Content-Security-Policy\" content=\"default-src 'none'"));
        for bad in [
            "<script",
            "<link",
            "<img",
            "<iframe",
            "<object",
            "<embed",
            "<source",
            "<svg onload",
            "@import",
        ] {
            assert!(!h.contains(bad), "{inputs}: `{bad}` in the page");
        }
        assert!(h.contains("@media print"));
    }
    let r = report(&[A, "--format", "html"]);
    let h = &r.stdout;
    // nothing to fetch: the only URL is the SVG namespace
    let urls = h.matches("http://").count() + h.matches("https://").count();
    assert_eq!(urls, h.matches("http://www.w3.org/2000/svg").count());
    assert!(!h.contains("url("));
    assert_eq!(
        h.matches("<svg class=\"chart\"").count(),
        3,
        "client mix, keys, regions"
    );
    assert!(
        h.contains(">1/3</text>") && h.contains(">2/3</text>") && h.contains(">1,000 keys</text>")
    );
    let hostile = report(&[HOSTILE, "--format", "html"]).stdout;
    assert!(hostile.contains("&lt;img src=x onerror=alert(1)&gt;"));
}

#[test]
fn report_refuses_what_it_cannot_attest() {
    let dir = TempDir::new("refuse");
    let broken = dir.write("broken.yaml", "apiVersion: stakelint.io/v1\nkind: Inventory\nspec: {environments: [{name: x, bogus: 1}]}\n");
    let r = report(&[A, &broken]);
    assert_eq!(r.code, 2);
    assert!(
        r.stdout.is_empty() && r.stderr.contains("no report written"),
        "{}",
        r.stderr
    );
    // manifests name no operator: --operator is needed
    let r = stakelint(&["report", "fixtures/clients", "--today", TODAY]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--operator"), "{}", r.stderr);
    let r = report(&[A, "--operator", "a\nPeriod: forged"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("line break"), "{}", r.stderr);
    assert_eq!(
        report(&[A, "--format", "json", "--format", "html"]).code,
        2,
        "two renderings to stdout"
    );
    let out = dir.file("r.md").to_string_lossy().into_owned();
    let r = report(&[
        A,
        "--format",
        &format!("markdown={out}"),
        "--format",
        &format!("json={}", dir.file("r.json").display()),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        std::fs::read_to_string(&out)
            .expect("written")
            .starts_with("# Guardrail compliance report")
    );
    let default_period = stakelint(&["report", A, "--today", "2026-02-03", "--format", "json"]);
    assert_eq!(default_period.json()["body"]["period"], "2026-Q1");
}

// ---------------------------------------------------------------------------------------
// Robustness
// ---------------------------------------------------------------------------------------

/// Every leaf of a value, as a JSON pointer.
fn leaves(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => m
            .iter()
            .for_each(|(k, x)| leaves(x, format!("{at}/{k}"), out)),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| leaves(x, format!("{at}/{i}"), out)),
        _ => out.push(at),
    }
}

/// A report file is input to `verify`, `--previous` and `aggregate`: whatever a field
/// holds, they answer (verified or not) and never panic.
#[test]
fn altered_report_files_never_panic() {
    use stakelint::attest::{aggregate, diff, html, markdown, verify};
    let dir = TempDir::new("fuzz");
    let (_, doc) = signed_a(&dir);
    let mut pointers = Vec::new();
    leaves(&doc, String::new(), &mut pointers);
    assert!(pointers.len() > 100, "{}", pointers.len());
    let odd = [
        Value::from("ü€\u{0}`|<script>\n0x"),
        Value::from(u64::MAX),
        Value::from(-1),
        Value::from(1.5),
        Value::Null,
        serde_json::json!({"x": [1]}),
    ];
    let mut inputs = Vec::new();
    for (i, p) in pointers.iter().enumerate() {
        let mut v = doc.clone();
        let leaf = v.pointer_mut(p).expect("leaf");
        let new = &odd[i % odd.len()];
        *leaf = if leaf == new {
            odd[(i + 1) % odd.len()].clone()
        } else {
            new.clone()
        };
        let text = v.to_string();
        let outcome = verify::verify(&text, &verify::Options::default());
        if let Ok(checked) = &outcome {
            assert!(!checked.ok(), "{p} altered, still verified");
            let r = &checked.report;
            let _ = markdown::render(r);
            let _ = html::render(r);
            let _ = diff::changes(r, &r.body);
            let _ = checked.render("x");
        }
        if i % 7 == 0 {
            inputs.push(aggregate::Input {
                name: format!("{i}.json"),
                text: Ok(text),
            });
        }
    }
    let agg = aggregate::aggregate(&inputs, &aggregate::Options::default());
    assert!(agg.reports.iter().all(|r| !r.verified));
    let _ = stakelint::attest::aggregate_render::markdown(&agg);
    let _ = stakelint::attest::aggregate_render::html_page(&agg);
}

#[test]
fn reports_of_stdin_and_of_nothing() {
    let inventory = std::fs::read(root().join(A).join("inventory.yaml")).expect("read");
    let mut child = Command::new(env!("CARGO_BIN_EXE_stakelint"))
        .current_dir(root())
        .args(["report", "-", "--today", TODAY, "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), &inventory).expect("write");
    let out = child.wait_with_output().expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["body"]["inputs"]["files"][0]["path"], "-");
    assert_eq!(doc["body"]["summary"]["status"], "compliant");
    let empty = TempDir::new("empty");
    let r = run_in(
        &empty.0,
        &[
            "report",
            ".",
            "--operator",
            "nobody",
            "--today",
            TODAY,
            "--format",
            "html",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("not assessed"),
        "no environment: nothing assessed"
    );
}
