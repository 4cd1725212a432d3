//! One test per rule over `fixtures/<rule-id>/{fail,pass}/`: the rule fires exactly at
//! the lines marked `# expect: <rule-id>` in `fail/`, and never in `pass/`.
//!
//! A fixture folder may hold a `.stakelint.yaml` (used as `--config`) and hidden data files
//! it names (e.g. `.client-shares.yaml`); hidden files are not linted as inputs. Formats
//! without comments (JSON key files) list their expectations in `.expect` instead, one
//! `<file>:<line> <rule-id>` per line.

use stakelint::app::{Request, analyze};
use stakelint::lint::Options;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const MARK: &str = "# expect: ";

fn run(dir: &Path) -> stakelint::app::Analysis {
    let config = dir.join(".stakelint.yaml");
    let req = Request {
        paths: vec![dir.to_string_lossy().into_owned()],
        config: config.is_file().then_some(config),
        client_shares: None,
        today: jiff::civil::date(2026, 11, 29),
        options: Options::default(),
        namespace: String::new(),
    };
    let a = analyze(&req);
    assert!(
        a.errors.is_empty(),
        "{}: input errors {:?}",
        dir.display(),
        a.errors
    );
    a
}

/// Every (path, line) marked for `rule` in the files of `dir` (hidden files included).
fn marked(dir: &Path, rule: &str) -> BTreeSet<(String, usize)> {
    let mut out = BTreeSet::new();
    if let Ok(text) = std::fs::read_to_string(dir.join(".expect")) {
        for l in text.lines().filter(|l| !l.trim().is_empty()) {
            let (at, r) = l.split_once(' ').expect("`<file>:<line> <rule>`");
            let (file, line) = at.rsplit_once(':').expect("`<file>:<line>`");
            if r.trim() == rule {
                out.insert((
                    dir.join(file).to_string_lossy().into_owned(),
                    line.parse().expect("line"),
                ));
            }
        }
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in files.iter().filter(|f| f.is_file()) {
        let text = std::fs::read_to_string(f).unwrap();
        for (i, line) in text.lines().enumerate() {
            if let Some(at) = line.find(MARK)
                && line[at + MARK.len()..].split(',').any(|r| r.trim() == rule)
            {
                out.insert((f.to_string_lossy().into_owned(), i + 1));
            }
        }
    }
    out
}

fn fired(a: &stakelint::app::Analysis, rule: &str) -> BTreeSet<(String, usize)> {
    a.findings
        .iter()
        .filter(|f| f.rule == rule && f.suppressed.is_none())
        .map(|f| {
            let o = f.primary.expect("located");
            let (path, line, _) = a.db.position(o);
            (path.to_owned(), line)
        })
        .collect()
}

fn check(rule: &str) {
    let base = Path::new("fixtures").join(rule);
    let fail = base.join("fail");
    let expected = marked(&fail, rule);
    assert!(
        !expected.is_empty(),
        "{}: no `{MARK}{rule}` marker",
        fail.display()
    );
    let a = run(&fail);
    assert_eq!(fired(&a, rule), expected, "{rule} on {}", fail.display());
    let pass = base.join("pass");
    let a = run(&pass);
    let unexpected: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| &f.message)
        .collect();
    assert!(
        unexpected.is_empty(),
        "{rule} fired on {}: {unexpected:?}",
        pass.display()
    );
}

macro_rules! rule_tests {
    ($($name:ident => $id:literal,)*) => {
        $( #[test] fn $name() { check($id); } )*

        /// Every rule has a test above.
        #[test]
        fn every_rule_has_a_fixture_test() {
            let tested: BTreeSet<&str> = [$($id),*].into_iter().collect();
            let all: BTreeSet<&str> = stakelint::rules::ALL.iter().map(|r| r.meta().id).collect();
            assert_eq!(tested, all);
        }
    };
}

rule_tests! {
    api_exposed => "api-exposed",
    blast_radius => "blast-radius",
    cl_el_pairs => "cl-el-pairs",
    client_diversity => "client-diversity",
    client_min_version => "client-min-version",
    doppelganger_protection => "doppelganger-protection",
    duplicate_keys => "duplicate-keys",
    environment_spread => "environment-spread",
    fee_recipient => "fee-recipient",
    geo_area => "geo-area",
    geo_spread => "geo-spread",
    host_spread => "host-spread",
    image_pinning => "image-pinning",
    invalid_suppression => "invalid-suppression",
    jwt_secret_mismatch => "jwt-secret-mismatch",
    metrics_disabled => "metrics-disabled",
    mev_relay_allowlist => "mev-relay-allowlist",
    network_mismatch => "network-mismatch",
    not_assessed => "not-assessed",
    signer_redundancy => "signer-redundancy",
    slashing_db_storage => "slashing-db-storage",
    slashing_protection => "slashing-protection",
    stale_client_data => "stale-client-data",
    supermajority_client => "supermajority-client",
    unassigned_keys => "unassigned-keys",
    unrecognised_workload => "unrecognised-workload",
    vc_single_writer => "vc-single-writer",
}
