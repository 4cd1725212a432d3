//! The second-wave facts end to end (issue 10): what the manifests of every client give
//! the model (slashing-protection stores, fee recipients, relays, metrics, JWT sources), a
//! live cluster's withheld Secret values, the new inventory fields and config keys with
//! their located errors, and no JWT value in any output.

use stakelint::app::{Analysis, Request, analyze};
use stakelint::lint::Options;
use stakelint::model::Environment;
use stakelint::model::ops::{JwtSource, Storage, StoreKind};
use std::path::{Path, PathBuf};

fn request(paths: &[&str], config: Option<PathBuf>) -> Request {
    Request {
        paths: paths.iter().map(|p| (*p).to_owned()).collect(),
        config,
        client_shares: None,
        today: jiff::civil::date(2026, 11, 29),
        options: Options::default(),
        namespace: String::new(),
    }
}

fn lint(paths: &[&str]) -> Analysis {
    analyze(&request(paths, None))
}

/// A fresh directory with `files` written into it.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str, files: &[(&str, &str)]) -> Self {
        let d = std::env::temp_dir().join(format!(
            "stakelint-second-wave-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        for (f, text) in files {
            std::fs::write(d.join(f), text).unwrap();
        }
        Dir(d)
    }
    fn path(&self, f: &str) -> String {
        self.0.join(f).to_string_lossy().into_owned()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn envs(a: &Analysis) -> impl Iterator<Item = &Environment> {
    a.model.environments.iter()
}

#[test]
fn every_client_fixture_gives_its_second_wave_facts() {
    let a = lint(&["fixtures/clients"]);
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    let stores: Vec<_> = envs(&a).flat_map(|e| &e.ops.stores).collect();
    let store = |holder: &str| {
        stores
            .iter()
            .find(|s| s.holder.value == holder)
            .unwrap_or_else(|| panic!("no store for {holder}"))
    };
    // Dirk's `storage-path: /data/storage` (its dirk.yml ConfigMap) is on the PVC at /data.
    match &store("dirk-1").kind {
        StoreKind::Local { storage, .. } => {
            assert!(matches!(storage, Storage::Persistent(_)), "{storage:?}");
        }
        other @ StoreKind::Database { .. } => panic!("{other:?}"),
    }
    // web3signer's database URL from its flag.
    match &store("web3signer").kind {
        StoreKind::Database { urls, .. } => assert_eq!(
            urls[0].value,
            "jdbc:postgresql://web3signer-slashingprotectiondb/web3signer"
        ),
        other @ StoreKind::Local { .. } => panic!("{other:?}"),
    }
    // Vouch keeps none.
    assert!(stores.iter().all(|s| s.client != "vouch"));
    // Fee recipients: every validator client's, flags and config files alike.
    let fees: Vec<_> = envs(&a).flat_map(|e| &e.ops.fee_recipients).collect();
    for vc in [
        "lighthouse-vc",
        "teku-vc",
        "nimbus-vc",
        "vouch",
        "prysm-validator",
    ] {
        let f = fees
            .iter()
            .find(|f| f.holder.value == vc)
            .unwrap_or_else(|| panic!("no fee recipient for {vc}"));
        let d = f.default.as_ref().expect("client-wide fee recipient");
        assert!(
            d.value
                .eq_ignore_ascii_case("0x000000000000000000000000000000000000dEaD")
        );
        let (path, line, _) = a.db.position(d.origin);
        if vc == "vouch" {
            // located at the address inside the ConfigMap's vouch.yml
            assert_eq!((path.ends_with("vouch.yaml"), line), (true, 35));
        }
    }
    // mev-boost's `-relays`, located at the value.
    let relays: Vec<_> = envs(&a).flat_map(|e| &e.ops.relays).collect();
    assert_eq!(relays.len(), 1);
    assert_eq!(a.db.position(relays[0].relays[0].origin).1, 58);
    // metrics: on where the charts turn them on, with the flag that decides it.
    let metrics: Vec<_> = envs(&a).flat_map(|e| &e.ops.metrics).collect();
    let m = |h: &str| metrics.iter().find(|m| m.holder.value == h).unwrap();
    assert!(m("lighthouse").enabled && m("lighthouse").decided_at.is_some());
    assert!(
        m("prysm-validator").enabled,
        "Prysm's monitoring is on by default"
    );
    // Lighthouse (Secret `lighthouse-jwt`) pairs with geth (Secret `geth-jwt`) through the
    // Service `geth`: two Secrets of the charts' one public default value, so one secret.
    let jwt: Vec<_> = envs(&a).flat_map(|e| &e.ops.jwt).collect();
    let lh = jwt
        .iter()
        .find(|j| j.consensus.workload == "lighthouse")
        .expect("lighthouse's pair");
    assert_eq!(lh.execution.workload, "geth");
    match (&lh.consensus.source, &lh.execution.source) {
        (
            JwtSource::Known {
                id: cl,
                digest: Some(a_d),
                ..
            },
            JwtSource::Known {
                id: el,
                digest: Some(b_d),
                ..
            },
        ) => {
            assert!(
                cl.contains("lighthouse-jwt") && el.contains("geth-jwt"),
                "{cl} {el}"
            );
            assert_eq!(a_d, b_d);
        }
        other => panic!("{other:?}"),
    }
    assert!(!a.findings.iter().any(|f| f.rule == "jwt-secret-mismatch"));
}

#[test]
fn withheld_secret_values_leave_a_jwt_pair_not_assessed() {
    // What `stakelint cluster --include-secrets` (and its dump) give: values withheld.
    let manifests = r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: node, namespace: eth}
spec:
  replicas: 1
  serviceName: node
  selector: {matchLabels: {app: node}}
  template:
    metadata: {labels: {app: node}}
    spec:
      containers:
        - name: teku
          image: consensys/teku:25.11.1
          args: [--ee-endpoint=http://localhost:8551, --ee-jwt-secret-file=/cl/jwt.hex]
          volumeMounts: [{name: cl, mountPath: /cl}]
        - name: besu
          image: hyperledger/besu:25.11.0
          args: [--engine-jwt-secret=/el/jwt.hex]
          volumeMounts: [{name: el, mountPath: /el}]
      volumes:
        - {name: cl, secret: {secretName: teku-jwt}}
        - {name: el, secret: {secretName: besu-jwt}}
---
apiVersion: v1
kind: Secret
metadata: {name: teku-jwt, namespace: eth}
stringData: {jwt.hex: "<withheld by stakelint: not a key file>"}
---
apiVersion: v1
kind: Secret
metadata: {name: besu-jwt, namespace: eth}
stringData: {jwt.hex: "<withheld by stakelint: not a key file>"}
"#;
    let d = Dir::new("withheld", &[("in.yaml", manifests)]);
    let a = lint(&[&d.path("in.yaml")]);
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    assert!(!a.findings.iter().any(|f| f.rule == "jwt-secret-mismatch"));
    let na: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.rule == "not-assessed" && f.message.contains("jwt-secret-mismatch"))
        .collect();
    assert_eq!(na.len(), 1, "{:?}", a.findings);
    let j = &a.model.environments[0].ops.jwt[0];
    assert!(matches!(
        &j.consensus.source,
        JwtSource::Known { digest: None, .. }
    ));
}

#[test]
fn no_output_shows_a_jwt_value() {
    let bin = env!("CARGO_BIN_EXE_stakelint");
    for format in ["human", "json", "sarif", "markdown", "github", "junit"] {
        let out = std::process::Command::new(bin)
            .args(["lint", "--today", "2026-11-29", "--format", format])
            .arg("fixtures/jwt-secret-mismatch/fail")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("jwt-secret-mismatch"), "{format}: {text}");
        for secret in ["1111111111111111", "2222222222222222"] {
            assert!(
                !text.contains(secret),
                "{format} shows a JWT value:\n{text}"
            );
        }
    }
}

#[test]
fn inventory_fields_are_validated_with_locations() {
    let inv = "apiVersion: stakelint.io/v1
kind: Inventory
metadata: {name: t}
spec:
  environments:
    - name: prod
      relays: [boost-relay.example]
      nodes:
        - {name: a, exposed: [p2p]}
      validatorClients:
        - {name: v, client: teku, feeRecipient: '0x1234', slashingProtectionStorage: tmpfs}
";
    let d = Dir::new("inventory", &[("inventory.yaml", inv)]);
    let a = lint(&[&d.path("inventory.yaml")]);
    let mut got: Vec<(usize, String)> = a
        .errors
        .iter()
        .map(|e| (a.db.position(e.origin.unwrap()).1, e.message.clone()))
        .collect();
    got.sort();
    let lines: Vec<usize> = got.iter().map(|g| g.0).collect();
    assert_eq!(lines, [7, 9, 11, 11], "{got:?}");
    assert!(got[0].1.contains("not a relay URL"), "{got:?}");
    assert!(got[1].1.contains("unknown API `p2p`"), "{got:?}");
}

#[test]
fn config_keys_are_validated_with_locations() {
    let cfg = "expected_fee_recipient: 0xnot-an-address\nrelay_allowlist:\n  - https://0x1234@relay.example\n  - https://relay.example\n";
    let d = Dir::new("config", &[(".stakelint.yaml", cfg), ("empty.yaml", "")]);
    let a = analyze(&request(
        &[&d.path("empty.yaml")],
        Some(Path::new(&d.path(".stakelint.yaml")).to_path_buf()),
    ));
    let lines: Vec<(usize, bool)> = a
        .errors
        .iter()
        .map(|e| {
            (
                a.db.position(e.origin.unwrap()).1,
                e.message.contains("expected_fee_recipient") || e.message.contains("relay URL"),
            )
        })
        .collect();
    assert_eq!(lines, [(1, true), (3, true)], "{:?}", a.errors);
    // the valid relay still counts
    assert_eq!(a.config.relay_allowlist.as_ref().map(Vec::len), Some(1));
}
