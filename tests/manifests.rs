//! The Kubernetes-manifest source end to end: recognition, pairing through every
//! Service-name form, flags, Secrets, `List` input, hooks, namespaces, the inventory
//! overlay, and the real chart renders in `../shared/real-charts/`.
#![allow(clippy::format_collect)]

use stakelint::app::{Analysis, Request, analyze};
use stakelint::lint::Options;
use stakelint::model::{Environment, Placement};
use std::path::PathBuf;

fn today() -> jiff::civil::Date {
    jiff::civil::date(2026, 11, 29)
}

fn lint_paths(paths: &[&str], namespace: &str) -> Analysis {
    let req = Request {
        paths: paths.iter().map(|p| (*p).to_owned()).collect(),
        config: None,
        client_shares: None,
        today: today(),
        options: Options::default(),
        namespace: namespace.to_owned(),
    };
    analyze(&req)
}

/// Writes `text` to a fresh temp file and lints it.
fn lint_text(name: &str, text: &str) -> Analysis {
    let dir =
        std::env::temp_dir().join(format!("stakelint-manifests-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path: PathBuf = dir.join("in.yaml");
    std::fs::write(&path, text).unwrap();
    let a = lint_paths(&[path.to_str().unwrap()], "");
    let _ = std::fs::remove_dir_all(&dir);
    a
}

fn env<'a>(a: &'a Analysis, name: &str) -> &'a Environment {
    a.model
        .environments
        .iter()
        .find(|e| e.name.value == name)
        .unwrap_or_else(|| {
            panic!(
                "no env {name}: {:?}",
                a.model
                    .environments
                    .iter()
                    .map(|e| &e.name.value)
                    .collect::<Vec<_>>()
            )
        })
}

fn line_of(a: &Analysis, o: stakelint::model::Origin) -> usize {
    a.db.position(o).1
}

/// A StatefulSet running `image` with `args`, plus extra YAML lines in the pod spec.
fn sts(name: &str, ns: &str, image: &str, args: &[&str]) -> String {
    let args: String = args
        .iter()
        .map(|a| format!("\n            - \"{a}\""))
        .collect();
    format!(
        "---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  replicas: 1\n  serviceName: {name}\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      containers:\n        - name: main\n          image: {image}\n          args:{args}\n"
    )
}

fn service(name: &str, ns: &str, app: &str) -> String {
    format!(
        "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  clusterIP: None\n  selector: {{app: {app}}}\n  ports: [{{port: 8551}}]\n"
    )
}

#[test]
fn pairs_through_every_service_name_form() {
    let forms = [
        "http://geth-engine:8551",
        "http://geth-engine.eth:8551",
        "http://geth-engine.eth.svc:8551",
        "http://geth-engine.eth.svc.cluster.local:8551",
        "http://geth-0.geth-engine:8551",
        "http://geth-0.geth-engine.eth.svc.cluster.local:8551",
    ];
    for url in forms {
        let text = sts(
            "geth",
            "eth",
            "ethereum/client-go:v1.15.11",
            &["--authrpc.addr=0.0.0.0"],
        ) + &service("geth-engine", "eth", "geth")
            + &sts(
                "lighthouse",
                "eth",
                "sigp/lighthouse:v7.0.1",
                &["lighthouse", "bn", &format!("--execution-endpoint={url}")],
            );
        let a = lint_text("forms", &text);
        assert!(a.errors.is_empty(), "{url}: {:?}", a.errors);
        let e = env(&a, "eth");
        assert_eq!(e.pairs.len(), 1, "{url}");
        let el = e.pairs[0]
            .execution
            .as_ref()
            .unwrap_or_else(|| panic!("{url} did not resolve"));
        assert_eq!(el.client.value, "geth", "{url}");
        assert_eq!(el.version.as_ref().unwrap().value, "v1.15.11");
    }
}

#[test]
fn an_unresolved_engine_endpoint_is_reported_at_the_flag() {
    let text = sts(
        "teku",
        "eth",
        "consensys/teku:25.6.0",
        &[
            "--network=mainnet",
            "--ee-endpoint=http://el.example.org:8551",
        ],
    ) + &sts(
        "teku2",
        "eth",
        "consensys/teku:25.6.0",
        &["--ee-endpoint=http://el.example.org:8551"],
    );
    let a = lint_text("unresolved", &text);
    let e = env(&a, "eth");
    assert!(e.pairs.iter().all(|p| p.execution.is_none()));
    let f = a
        .findings
        .iter()
        .find(|f| f.rule == "not-assessed" && f.message.contains("el.example.org"))
        .expect("a not-assessed note naming the endpoint");
    // `--ee-endpoint=…` of the first StatefulSet is on line 21
    assert_eq!(line_of(&a, f.primary.unwrap()), 21, "{}", f.message);
}

#[test]
fn same_pod_sidecars_pair_and_replicas_count() {
    let text = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: node, namespace: eth}\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: node}}\n  template:\n    metadata: {labels: {app: node}}\n    spec:\n      affinity:\n        podAntiAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            - topologyKey: kubernetes.io/hostname\n              labelSelector: {matchLabels: {app: node}}\n      containers:\n        - {name: el, image: 'nethermind/nethermind:1.31.0'}\n        - {name: cl, image: 'statusim/nimbus-eth2:multiarch-v25.6.0', args: [--el=http://localhost:8551]}\n";
    let a = lint_text("sidecar", text);
    let e = env(&a, "eth");
    assert_eq!(e.pairs.len(), 3);
    assert!(e.pairs.iter().all(|p| {
        p.execution
            .as_ref()
            .is_some_and(|c| c.client.value == "nethermind")
    }));
    assert!(
        e.pairs
            .iter()
            .all(|p| matches!(p.placement, Placement::Spread { .. }))
    );
    assert_eq!(e.pairs[2].name.value, "node-2");
}

#[test]
fn each_clients_doppelganger_flag_is_read() {
    let cases = [
        (
            "sigp/lighthouse:v7.0.1",
            vec!["lighthouse", "vc", "--enable-doppelganger-protection"],
            Some(true),
        ),
        (
            "gcr.io/offchainlabs/prysm/validator:v6.0.4",
            vec!["--enable-doppelganger"],
            Some(true),
        ),
        (
            "consensys/teku:25.6.0",
            vec!["validator-client", "--doppelganger-detection-enabled=true"],
            Some(true),
        ),
        (
            "consensys/teku:25.6.0",
            vec!["vc", "--doppelganger-detection-enabled=false"],
            Some(false),
        ),
        (
            "statusim/nimbus-validator-client:multiarch-v25.6.0",
            vec!["--doppelganger-detection=false"],
            Some(false),
        ),
        (
            "chainsafe/lodestar:v1.30.0",
            vec!["validator", "--doppelgangerProtection"],
            Some(true),
        ),
        (
            "sigp/lighthouse:v7.0.1",
            vec!["lighthouse", "validator_client"],
            None,
        ),
    ];
    for (image, args, expected) in cases {
        let a = lint_text("dg", &sts("vc", "eth", image, &args));
        let e = env(&a, "eth");
        assert_eq!(e.validator_clients.len(), 1, "{image} {args:?}");
        assert_eq!(
            e.validator_clients[0]
                .doppelganger
                .as_ref()
                .map(|d| d.value),
            expected,
            "{image} {args:?}"
        );
    }
    // Grandine runs validators in the beacon process when given keystores.
    let a = lint_text(
        "grandine",
        &sts(
            "grandine",
            "eth",
            "sifrai/grandine:1.1.0",
            &[
                "--keystore-dir=/keys",
                "--detect-doppelgangers",
                "--eth1-rpc-urls=http://localhost:8551",
            ],
        ),
    );
    let e = env(&a, "eth");
    assert_eq!((e.pairs.len(), e.validator_clients.len()), (1, 1));
    assert_eq!(
        e.validator_clients[0]
            .doppelganger
            .as_ref()
            .map(|d| d.value),
        Some(true)
    );
}

#[test]
fn sh_c_scripts_are_split_into_located_words() {
    let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: vc, namespace: eth}\nspec:\n  strategy: {type: Recreate}\n  selector: {matchLabels: {app: vc}}\n  template:\n    metadata: {labels: {app: vc}}\n    spec:\n      containers:\n        - name: vc\n          image: sigp/lighthouse:v7.0.1\n          command: [sh, -ac]\n          args:\n            - >\n              exec lighthouse vc\n              --beacon-nodes=http://bn:5052\n              --enable-doppelganger-protection\n";
    let a = lint_text("shc", text);
    let vc = &env(&a, "eth").validator_clients[0];
    let d = vc.doppelganger.as_ref().expect("flag read from the script");
    assert!(d.value);
    assert_eq!(
        a.db.position(d.origin).1,
        18,
        "the flag's own line inside the folded script"
    );
    assert_eq!(a.db.text(d.origin), "--enable-doppelganger-protection");
}

#[test]
fn secrets_are_decoded_for_public_keys_only_and_never_echoed() {
    let keys: Vec<String> = std::fs::read_to_string("fixtures/example/apac.yaml")
        .unwrap()
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- 0x").map(|k| format!("0x{k}")))
        .collect();
    let ks = |k: &str| {
        format!(
            "{{\"crypto\": {{\"kdf\": {{\"function\": \"scrypt\", \"params\": {{}}, \"message\": \"\"}}, \"checksum\": {{\"function\": \"sha256\", \"params\": {{}}, \"message\": \"SECRETCHECKSUM\"}}, \"cipher\": {{\"function\": \"aes-128-ctr\", \"params\": {{}}, \"message\": \"SECRETCIPHER\"}}}}, \"pubkey\": \"{}\", \"version\": 4}}",
            &k[2..]
        )
    };
    let b64 = |s: &str| {
        const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let b = s.as_bytes();
        let mut out = String::new();
        for c in b.chunks(3) {
            let n = (u32::from(c[0]) << 16)
                | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
                | u32::from(*c.get(2).unwrap_or(&0));
            for i in 0..4 {
                if i <= c.len() {
                    out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    };
    let text = format!(
        "{}---\napiVersion: v1\nkind: Secret\nmetadata: {{name: keystores, namespace: eth}}\ndata:\n  keystore-0.json: {}\n  keystore-1.json: {}\n  password.txt: {}\n",
        sts(
            "vc",
            "eth",
            "sigp/lighthouse:v7.0.1",
            &["lighthouse", "vc", "--enable-doppelganger-protection"]
        )
        .replace(
            "          args:",
            "          volumeMounts: [{name: k, mountPath: /k}]\n          args:"
        )
        .replace(
            "      containers:",
            "      volumes: [{name: k, secret: {secretName: keystores}}]\n      containers:"
        ),
        b64(&ks(&keys[0])),
        b64(&ks(&keys[1])),
        b64("hunter2-SECRETPASSWORD"),
    );
    let a = lint_text("secret", &text);
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    let vc = &env(&a, "eth").validator_clients[0];
    assert_eq!(vc.keys.pubkeys.len(), 2);
    assert_eq!(vc.keys.pubkeys[0].value.to_string(), keys[0]);
    // nothing secret in any output
    let out = stakelint::report::Output {
        db: &a.db,
        findings: &a.findings,
        errors: &a.errors,
        summary: a.summary,
    };
    for format in [
        stakelint::report::Format::Human,
        stakelint::report::Format::Json,
    ] {
        let text = stakelint::report::render(format, &out, false);
        for secret in ["SECRET", "hunter2"] {
            assert!(!text.contains(secret), "{format:?} output leaks {secret}");
        }
    }
    // A Secret with broken base64 is an error that names the field, not the value.
    let bad =
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata:\n  key: 'hunter2-not-base64!!'\n";
    let a = lint_text("badsecret", bad);
    assert_eq!(a.errors.len(), 1);
    assert!(
        !a.errors[0].message.contains("hunter2"),
        "{}",
        a.errors[0].message
    );
    assert_eq!(line_of(&a, a.errors[0].origin.unwrap()), 5);
}

#[test]
fn list_input_helm_hooks_owned_objects_and_namespaces() {
    let list = format!(
        "apiVersion: v1\nkind: List\nitems:\n{}",
        [
            sts("geth", "eth", "ethereum/client-go:v1.15.11", &[]),
            sts(
                "lighthouse",
                "eth",
                "sigp/lighthouse:v7.0.1",
                &["lighthouse", "bn", "--execution-endpoint=http://geth:8551"]
            ),
            service("geth", "eth", "geth"),
        ]
        .iter()
        .map(|d| {
            let body = d.trim_start_matches("---\n");
            let mut item = String::new();
            for (i, l) in body.lines().enumerate() {
                item.push_str(if i == 0 { "  - " } else { "    " });
                item.push_str(l);
                item.push('\n');
            }
            item
        })
        .collect::<String>()
    );
    let a = lint_text("list", &list);
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    let e = env(&a, "eth");
    assert_eq!(e.pairs.len(), 1);
    assert_eq!(e.pairs[0].execution.as_ref().unwrap().client.value, "geth");
    // the pair points into the List item
    let (_, line, _) = a.db.position(e.pairs[0].name.origin);
    assert!(
        list.lines()
            .nth(line - 1)
            .unwrap()
            .contains("name: lighthouse")
    );

    let hook = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: node-test-connection\n  annotations: {helm.sh/hook: test}\nspec:\n  containers: [{name: t, image: 'sigp/lighthouse:latest', args: [lighthouse, bn]}]\n";
    let owned = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: geth-0\n  namespace: eth\n  ownerReferences: [{apiVersion: apps/v1, kind: StatefulSet, name: geth, uid: x, controller: true}]\nspec:\n  containers: [{name: t, image: 'ethereum/client-go:v1.15.11'}]\n";
    let a = lint_text(
        "hooks",
        &format!(
            "{hook}---\n{owned}{}",
            sts("geth", "eth", "ethereum/client-go:v1.15.11", &[])
        ),
    );
    assert!(a.model.environments.iter().all(|e| {
        e.images
            .iter()
            .all(|i| i.workload != "node-test-connection" && i.workload != "geth-0")
    }));

    // objects without a namespace take -n, else `default`
    let dir = std::env::temp_dir().join(format!("stakelint-manifests-{}-ns", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("x.yaml");
    std::fs::write(
        &p,
        sts("geth", "eth", "ethereum/client-go:v1.15.11", &[]).replace("  namespace: eth\n", ""),
    )
    .unwrap();
    let a = lint_paths(&[p.to_str().unwrap()], "validators");
    assert_eq!(a.model.environments[0].name.value, "validators");
    let a = lint_paths(&[p.to_str().unwrap()], "");
    assert_eq!(a.model.environments[0].name.value, "default");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn environment_and_region_labels_and_the_inventory_overlay() {
    let text = sts("lighthouse", "eth", "sigp/lighthouse:v7.0.1", &["lighthouse", "bn"])
        .replace("  namespace: eth\n", "  namespace: eth\n  labels: {stakelint.io/environment: prod-1}\n")
        .replace("    spec:\n      containers:", "    spec:\n      nodeSelector: {topology.kubernetes.io/region: eu-west-1}\n      containers:")
        + "---\napiVersion: stakelint.io/v1\nkind: Inventory\nspec:\n  environments:\n    - name: prod-1\n      nodes:\n        - {name: lighthouse, host: bm-1, region: eu-central-1}\n        - {name: bare-metal-pair, host: bm-2, region: eu-west-1, consensus: {client: teku}, execution: {client: besu}}\n";
    let a = lint_text("overlay", &text);
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    let e = env(&a, "prod-1");
    assert_eq!(e.pairs.len(), 2, "the inventory adds the bare-metal pair");
    let p = &e.pairs[0];
    assert_eq!(
        p.region.as_ref().unwrap().value,
        "eu-central-1",
        "the inventory wins"
    );
    assert!(matches!(&p.placement, Placement::Host(h) if h.value == "bm-1"));
    assert_eq!(
        p.consensus.as_ref().unwrap().client.value,
        "lighthouse",
        "the manifest's client stays"
    );
}

#[test]
fn suppression_annotations_cover_their_workload() {
    let text = sts("lighthouse", "eth", "sigp/lighthouse:latest", &["lighthouse", "bn"]).replace("  namespace: eth\n", "  namespace: eth\n  annotations:\n    ignore-check.stakelint.io/image-pinning: \"canary, approved in OPS-12\"\n")
        + &sts("teku", "eth", "consensys/teku:latest", &[]);
    let a = lint_text("annot", &text);
    let pins: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.rule == "image-pinning")
        .collect();
    assert_eq!(pins.len(), 2);
    assert_eq!(pins.iter().filter(|f| f.suppressed.is_some()).count(), 1);
    let s = pins.iter().find(|f| f.suppressed.is_some()).unwrap();
    assert!(s.message.contains("lighthouse"));
    assert_eq!(
        s.suppressed.as_ref().unwrap().reason,
        "canary, approved in OPS-12"
    );
}

fn real(name: &str) -> Option<String> {
    let p = format!("../shared/real-charts/{name}/rendered.yaml");
    std::path::Path::new(&p).is_file().then_some(p)
}

fn unsuppressed(a: &Analysis, severity: &str) -> Vec<String> {
    a.findings
        .iter()
        .filter(|f| f.suppressed.is_none() && f.severity.as_str() == severity)
        .map(|f| f.rule.to_owned())
        .collect()
}

#[test]
fn real_chart_renders_give_their_intended_results() {
    let Some(three) = real("compliant-three-pairs") else {
        eprintln!("../shared/real-charts not present; skipped");
        return;
    };
    let a = lint_paths(&[&three], "validators-emea-1");
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    assert!(
        unsuppressed(&a, "error").is_empty() && unsuppressed(&a, "warning").is_empty(),
        "{:?}",
        a.findings.iter().map(|f| &f.message).collect::<Vec<_>>()
    );
    let e = env(&a, "validators-emea-1");
    let combos: Vec<String> = e
        .pairs
        .iter()
        .map(|p| {
            format!(
                "{}:{}",
                p.consensus.as_ref().unwrap().client.value,
                p.execution.as_ref().unwrap().client.value
            )
        })
        .collect();
    assert_eq!(
        combos,
        ["lighthouse:geth", "teku:nethermind", "nimbus:besu"]
    );
    assert_eq!(e.key_count(), Some(16));

    let umbrella = real("compliant-umbrella-ethereum-node").unwrap();
    let a = lint_paths(&[&umbrella], "validators-emea-2");
    assert!(unsuppressed(&a, "error").is_empty() && unsuppressed(&a, "warning").is_empty());
    assert_eq!(env(&a, "validators-emea-2").pairs.len(), 3);

    let bad = real("noncompliant-geth-two-pairs").unwrap();
    let a = lint_paths(&[&bad], "validators-amers-1");
    assert_eq!(unsuppressed(&a, "error"), ["cl-el-pairs"]);
    assert_eq!(unsuppressed(&a, "warning"), ["client-diversity"]);
}

#[test]
fn every_client_fixture_is_recognised_with_role_and_version() {
    let mut seen = 0;
    for entry in std::fs::read_dir("fixtures/clients").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|x| x != "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let expect = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{}: no expect line", path.display()));
        let [id, role, version]: [&str; 3] = expect
            .split_whitespace()
            .collect::<Vec<_>>()
            .try_into()
            .unwrap();
        let a = lint_paths(&[path.to_str().unwrap()], "");
        assert!(a.errors.is_empty(), "{}: {:?}", path.display(), a.errors);
        let envs = &a.model.environments;
        let image = envs
            .iter()
            .flat_map(|e| &e.images)
            .find(|i| i.client == id)
            .unwrap_or_else(|| panic!("{}: `{id}` not recognised", path.display()));
        assert!(
            image.image.value.ends_with(&format!(":{version}")),
            "{}: {}",
            path.display(),
            image.image.value
        );
        let ok = match role {
            "consensus" => envs.iter().flat_map(|e| &e.pairs).any(|p| {
                p.consensus.as_ref().is_some_and(|c| {
                    c.client.value == id && c.version.as_ref().is_some_and(|v| v.value == version)
                })
            }),
            "validator" => envs
                .iter()
                .flat_map(|e| &e.validator_clients)
                .any(|v| v.client.as_ref().is_some_and(|c| c.value == id)),
            "signer" => envs
                .iter()
                .flat_map(|e| &e.signers)
                .any(|s| s.kind.value.as_str() == id),
            "execution" | "component" => envs
                .iter()
                .all(|e| e.pairs.is_empty() && e.validator_clients.is_empty()),
            other => panic!("unknown role {other}"),
        };
        assert!(ok, "{}: `{id}` not recognised as {role}", path.display());
        assert!(
            !a.findings.iter().any(|f| f.rule == "unrecognised-workload"),
            "{}",
            path.display()
        );
        seen += 1;
    }
    assert!(seen >= 22, "{seen} client fixtures");
}

#[test]
fn the_compliant_k8s_example_is_silent_and_modelled_right() {
    let a = lint_paths(&["fixtures/k8s-example"], "");
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    // Without a config, `fee-recipient` and `mev-relay-allowlist` say once that they need
    // `expected_fee_recipient` / `relay_allowlist`: that is not noise about the example.
    let needs_config =
        |m: &str| m.contains("`fee-recipient`") || m.contains("`mev-relay-allowlist`");
    let loud: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.rule != "stale-client-data")
        .filter(|f| !(f.rule == "not-assessed" && needs_config(&f.message)))
        .map(|f| format!("{} {}", f.rule, f.message))
        .collect();
    assert!(loud.is_empty(), "{loud:#?}");
    let emea = env(&a, "eth-emea-1");
    let combos: Vec<String> = emea
        .pairs
        .iter()
        .map(|p| {
            format!(
                "{}:{}",
                p.consensus.as_ref().unwrap().client.value,
                p.execution.as_ref().unwrap().client.value
            )
        })
        .collect();
    assert_eq!(
        combos,
        ["lighthouse:nethermind", "teku:besu", "nimbus:geth"]
    );
    assert_eq!(
        emea.validator_clients[0].signer.as_ref().unwrap().value,
        "web3signer"
    );
    assert_eq!(emea.key_count(), Some(3));
    let amers = env(&a, "eth-amers-1");
    assert_eq!(amers.pairs.len(), 3);
    assert!(
        amers
            .pairs
            .iter()
            .all(|p| p.zone.is_some() && matches!(p.placement, Placement::Host(_)))
    );
    assert_eq!(amers.key_count(), Some(3));
    // `List` input as kubectl prints it
    let a = lint_paths(&["fixtures/k8s-list/list.yaml"], "");
    let e = env(&a, "eth-apac-1");
    assert_eq!((e.pairs.len(), e.key_count()), (1, Some(3)));
    assert_eq!(e.pairs[0].execution.as_ref().unwrap().client.value, "geth");
}

#[test]
fn parallel_reading_and_model_building_give_the_same_report_every_run() {
    // A generated operator (several environments, key directories, Secrets, filler
    // ConfigMaps: many reading batches and workloads): files are read, parsed and turned
    // into the model on several threads, so the report must not depend on their timing.
    // Over 2,048 files (8 batches of 256), so the walk has to wait for reading to catch up.
    let dir = std::env::temp_dir().join(format!("stakelint-parallel-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let spec = stakelint::fleet::Spec {
        keys: 2_600,
        environments: 3,
        extra: 40,
        crd_kib: 0,
        one_namespace: false,
        annotate: false,
    };
    let stats = stakelint::fleet::generate(&spec, &dir).expect("generates the fleet");
    assert!(stats.files > 2_048 + 256, "{stats:?}");
    let run = || lint_generated(&dir);
    let first = run();
    let doc: serde_json::Value = serde_json::from_str(&first).expect("JSON");
    assert_eq!(doc["summary"]["keys"], 2_600, "{}", doc["summary"]);
    assert_eq!(doc["summary"]["files"], stats.files, "every file read once");
    assert!(
        doc["findings"].as_array().is_some_and(|f| f.len() > 10),
        "findings from every environment"
    );
    for _ in 0..3 {
        assert_eq!(run(), first, "the same report on every run");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn crds_in_a_render_change_no_finding() {
    // Charts that ship their CRDs render large documents of a kind no rule reads: they are
    // checked as YAML but not built, and the findings are those of the render without them.
    let lint = |crd_kib: usize| {
        let dir =
            std::env::temp_dir().join(format!("stakelint-crds-{crd_kib}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let spec = stakelint::fleet::Spec {
            keys: 0,
            environments: 3,
            extra: 1,
            crd_kib,
            one_namespace: false,
            annotate: false,
        };
        stakelint::fleet::generate(&spec, &dir).expect("generates the fleet");
        let deploy = dir.join("deploy");
        let text = std::fs::read_to_string(deploy.join("env-0000.yaml")).expect("reads");
        assert_eq!(
            text.contains("kind: CustomResourceDefinition"),
            crd_kib > 0,
            "the render has its CRD"
        );
        assert!(text.len() > crd_kib * 1024);
        let doc: serde_json::Value = serde_json::from_str(&lint_generated(&deploy)).expect("JSON");
        let _ = std::fs::remove_dir_all(&dir);
        let mut found: Vec<(String, String)> = doc["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| (f["rule"].to_string(), f["message"].to_string()))
            .collect();
        found.sort();
        found
    };
    let plain = lint(0);
    assert!(!plain.is_empty(), "the render has findings");
    assert_eq!(lint(64), plain);
}

#[test]
fn one_namespace_for_every_environment_gives_the_same_topology() {
    // Operators who keep every environment in one namespace: each consensus client is
    // paired through a Service in a namespace of hundreds of workloads (found by an index of
    // pod labels, not a scan of the namespace), and every workload lands in the environment
    // its label names. The model must be the one of one namespace per environment.
    type Env = (
        String,
        Vec<(String, String, String)>,
        Vec<(String, Option<String>)>,
        Option<u64>,
    );
    let lint = |one_namespace: bool| {
        let dir = std::env::temp_dir().join(format!(
            "stakelint-one-ns-{one_namespace}-{}",
            std::process::id()
        ));
        let spec = stakelint::fleet::Spec {
            keys: 600,
            environments: 60,
            extra: 1,
            crd_kib: 0,
            one_namespace,
            annotate: false,
        };
        stakelint::fleet::generate(&spec, &dir).expect("generates the fleet");
        let a = lint_paths(&[dir.to_str().expect("UTF-8 path")], "");
        let _ = std::fs::remove_dir_all(&dir);
        let strip = |s: &str| s.split("-e0").next().unwrap_or(s).to_owned();
        let mut envs: Vec<Env> = a
            .model
            .environments
            .iter()
            .map(|e| {
                let pairs = e
                    .pairs
                    .iter()
                    .map(|p| {
                        let client = |c: &Option<stakelint::model::ClientRef>| {
                            c.as_ref()
                                .map_or("-".to_owned(), |c| c.client.value.clone())
                        };
                        (
                            strip(&p.name.value),
                            client(&p.consensus),
                            client(&p.execution),
                        )
                    })
                    .collect();
                let vcs = e
                    .validator_clients
                    .iter()
                    .map(|v| {
                        (
                            strip(&v.name.value),
                            v.signer.as_ref().map(|s| strip(&s.value)),
                        )
                    })
                    .collect();
                (e.name.value.clone(), pairs, vcs, e.key_count())
            })
            .collect();
        envs.sort();
        let rules: Vec<&str> = a.findings.iter().map(|f| f.rule).collect();
        (envs, rules.len())
    };
    let (apart, found_apart) = lint(false);
    let (together, found_together) = lint(true);
    assert_eq!(apart.len(), 60);
    assert!(
        apart.iter().all(|(_, pairs, vcs, keys)| pairs.len() == 3
            && pairs.iter().all(|p| p.2 != "-")
            && vcs.len() == 2
            && *keys == Some(10)),
        "every consensus client paired: {:?}",
        apart[0]
    );
    assert_eq!(together, apart);
    assert_eq!(found_together, found_apart);
}

#[test]
fn the_benchmark_layouts_are_what_they_say() {
    // scripts/bench.sh times each of these at n and 5n: each must exercise what it names.
    let tmp =
        |name: &str| std::env::temp_dir().join(format!("stakelint-{name}-{}", std::process::id()));
    // an ignore annotation on every client StatefulSet: their metrics findings suppressed
    let lint_fleet = |annotate: bool| {
        let dir = tmp(&format!("annotated-{annotate}"));
        let spec = stakelint::fleet::Spec {
            keys: 0,
            environments: 4,
            extra: 0,
            crd_kib: 0,
            one_namespace: false,
            annotate,
        };
        stakelint::fleet::generate(&spec, &dir).expect("generates the fleet");
        let a = lint_paths(&[dir.join("deploy").to_str().expect("UTF-8")], "");
        let _ = std::fs::remove_dir_all(&dir);
        a.findings
            .iter()
            .filter(|f| f.rule == "metrics-disabled")
            .map(|f| f.suppressed.is_some())
            .collect::<Vec<bool>>()
    };
    let (plain, annotated) = (lint_fleet(false), lint_fleet(true));
    assert!(!plain.is_empty() && plain.iter().all(|s| !s), "{plain:?}");
    assert_eq!(annotated.len(), plain.len());
    assert!(annotated.iter().all(|s| *s), "{annotated:?}");
    // one environment: neighbouring web3signer clusters share a key on their own databases
    let dir = tmp("large-environment");
    stakelint::fleet::large_environment(40, &dir).expect("writes");
    let a = lint_paths(&[dir.to_str().expect("UTF-8")], "");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    let count = |rule: &str| a.findings.iter().filter(|f| f.rule == rule).count();
    assert_eq!(a.model.environments.len(), 1);
    assert_eq!(a.model.environments[0].validator_clients.len(), 40);
    assert_eq!(
        (count("duplicate-keys"), count("slashing-db-storage")),
        (9, 9)
    );
    // one input error per environment
    let dir = tmp("input-errors");
    stakelint::fleet::input_errors(25, &dir).expect("writes");
    let a = lint_paths(&[dir.to_str().expect("UTF-8")], "");
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(a.errors.len(), 25, "{:?}", a.errors.first());
    // one Secret of keystores, mounted by a validator client that holds all its keys
    let dir = tmp("large-secret");
    stakelint::fleet::large_secret(30, &dir).expect("writes");
    let a = lint_paths(&[dir.to_str().expect("UTF-8")], "");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    assert_eq!(a.model.key_count(), 30);
}

/// `stakelint lint PATH` of a generated operator as JSON (no key cache, a fixed date, exit 0
/// whatever it finds).
fn lint_generated(path: &std::path::Path) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stakelint"))
        .args([
            "lint",
            &path.to_string_lossy(),
            "--no-cache",
            "--format",
            "json",
        ])
        .args(["--today", "2026-11-29", "--fail-on", "never"])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}
