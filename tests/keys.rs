//! Validator key files end to end: every format against `fixtures/keys/expected.json`,
//! invalid points, duplicates across every kind of source, and no secret in any output.

use serde_json::Value;
use stakelint::app::{Analysis, Request, analyze};
use stakelint::source::keyfiles;
use std::path::{Path, PathBuf};
use std::process::Command;

fn expected() -> Value {
    serde_json::from_str(&std::fs::read_to_string("fixtures/keys/expected.json").unwrap()).unwrap()
}

fn pubkey(i: usize) -> String {
    expected()["pubkeys_by_index"][i.to_string()]
        .as_str()
        .unwrap()
        .to_owned()
}

fn analyze_paths(paths: &[&str]) -> Analysis {
    analyze(&Request {
        paths: paths.iter().map(|p| (*p).to_owned()).collect(),
        config: None,
        client_shares: None,
        today: jiff::civil::date(2026, 11, 29),
        options: stakelint::lint::Options::default(),
        namespace: String::new(),
    })
}

struct Temp(PathBuf);
impl Temp {
    fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!("stakelint-keys-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Temp(p)
    }
    fn write(&self, name: &str, text: &str) -> String {
        let p = self.0.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_string_lossy().into_owned()
    }
}
impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn every_fixture_file_parses_to_its_expected_keys() {
    let exp = expected();
    let mut checked = 0;
    for f in exp["files"].as_array().unwrap() {
        let format = f["format"].as_str().unwrap_or("");
        if format == "password file" || f["pubkeys"].is_null() {
            continue;
        }
        let path = Path::new("fixtures/keys").join(f["path"].as_str().unwrap());
        let text = std::fs::read_to_string(&path).unwrap();
        let want: Vec<&str> = f["pubkeys"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        match keyfiles::parse(&text) {
            Ok(Some(k)) => {
                if k.format == keyfiles::Format::Web3signer && want.len() > k.keys.len() {
                    // a `file-keystore` config: its keystore is read by the loader (below)
                    continue;
                }
                assert_eq!(k.format.as_str(), format, "{}", path.display());
                let got: Vec<String> = k.keys.iter().map(|k| k.pubkey.to_string()).collect();
                assert_eq!(got, want, "{}", path.display());
                if let Some(en) = f["enabled"].as_array() {
                    let got: Vec<bool> = k.keys.iter().map(|k| k.enabled).collect();
                    let want: Vec<bool> = en.iter().filter_map(Value::as_bool).collect();
                    assert_eq!(got, want, "{}", path.display());
                }
                checked += 1;
            }
            Ok(None) => panic!("{} not recognised", path.display()),
            Err(e) => assert!(
                path.starts_with("fixtures/keys/invalid"),
                "{}: {}",
                path.display(),
                e.message
            ),
        }
    }
    assert!(checked >= 18, "{checked} files checked");
}

#[test]
fn linting_the_key_tree_finds_invalid_points_chains_and_unassigned_keys() {
    let a = analyze_paths(&["fixtures/keys"]);
    let mut errs: Vec<(String, usize, String)> = a
        .errors
        .iter()
        .map(|e| {
            let (p, l, _) = a.db.position(e.origin.unwrap());
            (p.to_owned(), l, e.message.clone())
        })
        .collect();
    errs.sort();
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(
        errs[0].0.ends_with("bad-point-keystore.json") && errs[0].2.contains("BLS12-381"),
        "{errs:?}"
    );
    assert!(errs[1].0.ends_with("truncated-keystore.json"), "{errs:?}");
    let unassigned = &a.model.unassigned_keys;
    assert_eq!(unassigned.len(), 1);
    // indices 0–12: every distinct valid key of the tree, the file-keystore's included
    assert_eq!(
        unassigned[0].keys.len(),
        13,
        "{:?}",
        unassigned[0]
            .keys
            .iter()
            .map(|k| k.value.short())
            .collect::<Vec<_>>()
    );
    let nm: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.rule == "network-mismatch")
        .collect();
    assert_eq!(nm.len(), 1);
}

#[test]
fn duplicates_across_key_dirs_manifests_and_inventory_and_disabled_copies() {
    let dir = Temp::new("dups");
    let teku = std::fs::canonicalize("fixtures/keys/teku/keys").unwrap();
    let lh = std::fs::canonicalize("fixtures/keys/lighthouse").unwrap();
    let inv = format!(
        "apiVersion: stakelint.io/v1\nkind: Inventory\nspec:\n  environments:\n    - name: bare-metal\n      validatorClients:\n        - name: teku-bm\n          client: teku\n          keys: {{from: {}}}\n        - name: lh-bm\n          client: lighthouse\n          keys: {{from: {}}}\n        - name: vc-listed\n          client: lighthouse\n          keys:\n            pubkeys:\n              - {}\n",
        teku.display(),
        lh.display(),
        pubkey(6),
    );
    let manifest = format!(
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: vc-k8s\n  namespace: k8s\n  annotations:\n    stakelint.io/pubkeys: \"{}\"\nspec:\n  replicas: 1\n  selector: {{matchLabels: {{app: vc}}}}\n  template:\n    metadata: {{labels: {{app: vc}}}}\n    spec:\n      containers: [{{name: vc, image: 'sigp/lighthouse:v8.2.1', args: [lighthouse, vc]}}]\n",
        pubkey(7)
    );
    let inv_path = dir.write("inventory.yaml", &inv);
    let man_path = dir.write("vc.yaml", &manifest);
    let a = analyze_paths(&[&inv_path, &man_path]);
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    let dups: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.rule == "duplicate-keys")
        .collect();
    assert_eq!(
        dups.len(),
        2,
        "{:#?}",
        dups.iter().map(|f| &f.message).collect::<Vec<_>>()
    );
    // key 7: a Teku key file (inventory keys.from) and a manifest annotation — an error
    let across = dups.iter().find(|f| f.message.contains("vc-k8s")).unwrap();
    assert_eq!(across.severity.as_str(), "error");
    let places: Vec<String> = std::iter::once(across.primary.unwrap())
        .chain(across.related.iter().map(|r| r.origin))
        .map(|o| a.db.position(o).0.to_owned())
        .collect();
    assert!(
        places
            .iter()
            .any(|p| Path::new(p).extension().is_some_and(|x| x == "json"))
            && places.iter().any(|p| p.ends_with("vc.yaml")),
        "{places:?}"
    );
    // key 6: disabled in validator_definitions.yml, active in the inventory — a warning
    let disabled = dups
        .iter()
        .find(|f| f.message.contains("vc-listed"))
        .unwrap();
    assert_eq!(
        disabled.severity.as_str(),
        "warning",
        "{}",
        disabled.message
    );
    assert!(
        disabled.message.contains("disabled"),
        "{}",
        disabled.message
    );
    // the holders now hold their key files' keys: nothing is unassigned
    assert!(a.model.unassigned_keys.is_empty());
    let bm = a
        .model
        .environments
        .iter()
        .find(|e| e.name.value == "bare-metal")
        .unwrap();
    assert_eq!(
        bm.key_count(),
        Some(2 + 2 + 1),
        "teku 7–8, lighthouse 4–5 (6 disabled), listed 6"
    );
}

#[test]
fn no_secret_of_any_key_file_reaches_any_output_format() {
    let exp = expected();
    let secrets: Vec<&str> = exp["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(secrets.len() >= 10);
    let dir = Temp::new("leak");
    let formats = ["json", "sarif", "junit", "markdown", "github"];
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stakelint"));
    cmd.args([
        "lint",
        "fixtures/keys",
        "--today",
        "2026-11-29",
        "--fail-on",
        "never",
        "--color",
        "always",
    ]);
    for f in formats {
        cmd.args(["--format", &format!("{f}={}", dir.0.join(f).display())]);
    }
    cmd.args(["--format", "human"]);
    let out = cmd.env_remove("NO_COLOR").output().unwrap();
    let mut texts = vec![
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ];
    for f in formats {
        texts.push(std::fs::read_to_string(dir.0.join(f)).unwrap());
    }
    assert!(
        texts[0].contains("unassigned-keys"),
        "the key tree was linted:\n{}",
        texts[0]
    );
    assert!(
        texts[1].contains("truncated-keystore.json"),
        "errors are reported:\n{}",
        texts[1]
    );
    // `lint` lets go of key files' texts once parsed; a finding's snippet reads its file
    // again: the public parts show, masked as at first.
    assert!(
        texts[0].contains(r#""pubkey": "b3e445d4"#) && texts[0].contains(r#""salt": "****"#),
        "a key file's snippet shows its public key, its secrets masked:\n{}",
        texts[0]
    );
    for (i, t) in texts.iter().enumerate() {
        for s in &secrets {
            assert!(!t.contains(s), "output {i} leaks `{s}`");
        }
    }
}

/// `stakelint lint fixtures/keys --format json` with the key cache in `cache` (or off).
fn lint_keys_json(cache: Option<&Path>) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stakelint"));
    cmd.args([
        "lint",
        "fixtures/keys",
        "--today",
        "2026-11-29",
        "--format",
        "json",
    ]);
    match cache {
        Some(dir) => cmd
            .env("STAKELINT_CACHE_DIR", dir)
            .env_remove("STAKELINT_NO_CACHE"),
        None => cmd.arg("--no-cache"),
    };
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn cached_keys(dir: &Path) -> Vec<[u8; 48]> {
    let bytes = std::fs::read(dir.join(stakelint::source::keycache::FILE)).unwrap();
    assert!(bytes.starts_with(b"stakelint-pk-v1\n"));
    let body = &bytes[16..];
    assert_eq!(body.len() % 48, 0, "whole keys only");
    body.chunks_exact(48)
        .map(|c| <[u8; 48]>::try_from(c).unwrap())
        .collect()
}

#[test]
fn the_key_cache_holds_only_valid_public_keys_and_never_changes_a_result() {
    let dir = Temp::new("cache");
    let uncached = lint_keys_json(None);
    assert!(
        !dir.0.join(stakelint::source::keycache::FILE).exists(),
        "--no-cache writes nothing"
    );
    let cold = lint_keys_json(Some(&dir.0));
    let warm = lint_keys_json(Some(&dir.0));
    assert_eq!(cold, uncached, "a cold cache changes nothing");
    assert_eq!(warm, uncached, "a warm cache changes nothing");
    assert!(
        warm.2.contains("bad-point-keystore.json"),
        "the invalid point is still an error with a warm cache:\n{}",
        warm.2
    );
    // Only the fixture's valid keys (the ones its key files hold), never the invalid point.
    let cached = cached_keys(&dir.0);
    let mut want: Vec<[u8; 48]> = expected()["pubkeys_by_index"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| {
            stakelint::model::PubKey::parse(v.as_str().unwrap())
                .unwrap()
                .0
        })
        .collect();
    want.sort_unstable();
    assert!(cached.len() >= 10, "{} keys cached", cached.len());
    assert!(cached.iter().all(|k| want.binary_search(k).is_ok()));
    assert!(
        cached.windows(2).all(|w| w[0] < w[1]),
        "sorted, each key once"
    );
    let bad = std::fs::read_to_string("fixtures/keys/invalid/bad-point-keystore.json").unwrap();
    let bad: Value = serde_json::from_str(&bad).unwrap();
    let bad = stakelint::model::PubKey::parse(bad["pubkey"].as_str().unwrap()).unwrap();
    assert!(!cached.contains(&bad.0));
    // No secret in the cache file.
    let bytes = std::fs::read(dir.0.join(stakelint::source::keycache::FILE)).unwrap();
    for s in expected()["secrets"].as_array().unwrap() {
        let s = s.as_str().unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains(s));
    }
}

#[test]
fn a_corrupt_or_unwritable_key_cache_is_ignored() {
    let uncached = lint_keys_json(None);
    let dir = Temp::new("cache-corrupt");
    let file = dir.0.join(stakelint::source::keycache::FILE);
    // A torn file (not whole keys) and a file of another format: ignored, then rewritten.
    for junk in [&b"stakelint-pk-v1\nshort"[..], b"something else entirely"] {
        std::fs::write(&file, junk).unwrap();
        assert_eq!(lint_keys_json(Some(&dir.0)), uncached);
        assert!(!cached_keys(&dir.0).is_empty(), "the cache was rewritten");
    }
    // The cache directory is a file: nothing can be written; the run is unaffected.
    let not_a_dir = dir.write("not-a-dir", "x");
    assert_eq!(lint_keys_json(Some(Path::new(&not_a_dir))), uncached);
}

#[test]
fn the_key_cache_follows_its_environment_variables() {
    let dir = Temp::new("cache-env");
    // Each run succeeds; what differs is whether it leaves a cache behind.
    let run = |no_cache: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_stakelint"))
            .args(["lint", "fixtures/keys/teku", "--today", "2026-11-29"])
            .args(["--format", "json", "--fail-on", "never"])
            .env("STAKELINT_CACHE_DIR", &dir.0)
            .env("STAKELINT_NO_CACHE", no_cache)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let file = dir.0.join(stakelint::source::keycache::FILE);
    for on in ["1", "true", "yes"] {
        run(on);
        assert!(!file.exists(), "STAKELINT_NO_CACHE={on} writes no cache");
    }
    for off in ["0", "false", ""] {
        run(off);
        assert!(
            file.exists(),
            "STAKELINT_NO_CACHE={off:?} keeps the cache on"
        );
        std::fs::remove_file(&file).unwrap();
    }
}

/// Copies every file of `from` into `to` (created), one level deep.
fn copy_dir(from: &str, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

#[test]
fn keys_from_inside_a_walked_directory_reads_the_same_keys_as_alone() {
    // `keys.from` naming a folder the command-line walk already read (keys/teku), a hidden
    // folder the walk skipped (.vault), and one file directly: the same keys whether the
    // inventory is linted alone or inside its directory.
    let dir = Temp::new("walked");
    copy_dir("fixtures/keys/teku/keys", &dir.0.join("keys/teku"));
    copy_dir("fixtures/keys/deposit", &dir.0.join(".vault"));
    let one = std::fs::read_dir("fixtures/keys/teku/keys")
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    std::fs::create_dir_all(dir.0.join("single")).unwrap();
    std::fs::copy(one.path(), dir.0.join("single/one.json")).unwrap();
    let inv = dir.write(
        "inventory.yaml",
        "apiVersion: stakelint.io/v1\nkind: Inventory\nspec:\n  environments:\n    - name: bm\n      validatorClients:\n        - name: a\n          client: teku\n          keys: {from: keys/teku}\n        - name: b\n          client: lighthouse\n          keys: {from: .vault}\n        - name: c\n          client: lodestar\n          keys: {from: single/one.json}\n",
    );
    let keys_of = |a: &Analysis| -> Vec<(String, usize)> {
        a.model.environments[0]
            .validator_clients
            .iter()
            .map(|v| (v.name.value.clone(), v.keys.pubkeys.len()))
            .collect()
    };
    let alone = analyze_paths(&[&inv]);
    let walked = analyze_paths(&[&dir.0.to_string_lossy()]);
    assert!(alone.errors.is_empty(), "{:?}", alone.errors);
    assert!(walked.errors.is_empty(), "{:?}", walked.errors);
    let want = vec![
        ("a".to_owned(), 2),
        ("b".to_owned(), 8),
        ("c".to_owned(), 1),
    ];
    assert_eq!(keys_of(&alone), want);
    assert_eq!(keys_of(&walked), want);
    // every key file under the directory is claimed by the inventory: nothing unassigned
    assert!(
        walked.model.unassigned_keys.is_empty(),
        "{:?}",
        walked.model.unassigned_keys
    );
}
