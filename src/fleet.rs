//! A realistic operator of any size, for benchmarks (`examples/gen-fleet.rs`, `benches/`).
//!
//! Per environment: three execution StatefulSets with headless Services, three consensus
//! StatefulSets wired to them through the Services (Lighthouse, Teku, Nimbus against
//! Nethermind, Besu, Geth, in three regions of one area; environments rotate over AMERS,
//! EMEA and APAC), a Lighthouse validator client mounting a keystore Secret, a mev-boost
//! Deployment, filler ConfigMaps, and the environment's keys as EIP-2335 keystores in a key
//! directory that an inventory's bare-metal validator client claims with `keys.from`. Keys are
//! real BLS12-381 public keys (blst, from deterministic throwaway secrets); the keystores'
//! crypto sections are dummy values — nothing generated here can sign.

use std::fmt::Write as _;
use std::path::Path;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Spec {
    pub keys: usize,
    pub environments: usize,
    /// Filler ConfigMaps per environment (to scale manifests independently of keys).
    pub extra: usize,
    /// A CustomResourceDefinition of about this many KiB per environment (0: none), as
    /// charts that ship their CRDs render them: a large document of a kind no rule reads.
    pub crd_kib: usize,
    /// Every environment's objects in one namespace, `validators` (names end in `-eNNNN`,
    /// workloads carry a `stakelint.io/environment` label), as operators who do not give
    /// each environment a namespace of its own lay them out.
    pub one_namespace: bool,
    /// Each client StatefulSet carries an `ignore-check.stakelint.io/metrics-disabled`
    /// annotation: a suppression per workload, as a chart that silences a rule on every
    /// workload it renders.
    pub annotate: bool,
}

/// What was generated.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stats {
    pub manifests: usize,
    pub files: usize,
    pub bytes: u64,
}

fn pubkey(i: usize) -> String {
    let mut ikm = [0u8; 32];
    ikm[..8].copy_from_slice(&(i as u64).to_le_bytes());
    ikm[8..16].copy_from_slice(b"stakelnt");
    let Ok(sk) = blst::min_pk::SecretKey::key_gen(&ikm, &[]) else {
        return String::new();
    };
    sk.sk_to_pk()
        .compress()
        .iter()
        .fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn keystore(pk: &str, i: usize) -> String {
    format!(
        r#"{{"crypto": {{"kdf": {{"function": "pbkdf2", "params": {{"dklen": 32, "c": 262144, "prf": "hmac-sha256", "salt": "{i:064x}"}}, "message": ""}}, "checksum": {{"function": "sha256", "params": {{}}, "message": "{:064x}"}}, "cipher": {{"function": "aes-128-ctr", "params": {{"iv": "{i:032x}"}}, "message": "{:064x}"}}}}, "description": "", "pubkey": "{pk}", "path": "m/12381/3600/{i}/0/0", "uuid": "00000000-0000-4000-8000-{i:012}", "version": 4}}"#,
        i * 7,
        i * 13
    )
}

/// A CRD with an OpenAPI schema of nested, described fields, about `kib` KiB long.
fn crd(ns: &str, kib: usize) -> String {
    let mut s = format!(
        "---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: things.{ns}.example.com\nspec:\n  group: {ns}.example.com\n  names: {{kind: Thing, plural: things}}\n  scope: Namespaced\n  versions:\n    - name: v1\n      served: true\n      storage: true\n      schema:\n        openAPIV3Schema:\n          type: object\n          properties:\n"
    );
    let mut i = 0;
    while s.len() < kib * 1024 {
        let _ = write!(
            s,
            "            field{i}:\n              type: object\n              description: Field {i} of the thing, described in a sentence as CRDs do.\n              properties:\n"
        );
        for j in 0..8 {
            let _ = writeln!(
                s,
                "                sub{j}: {{type: string, description: \"Sub-field {j} of field {i}.\"}}"
            );
        }
        i += 1;
    }
    s
}

fn b64(data: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len() * 4 / 3 + 4);
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for k in 0..4 {
            out.push(if k <= c.len() {
                T[(n >> (18 - 6 * k) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

/// Regions per area; environment `e` runs in area `e % 3`.
const AREAS: [[&str; 3]; 3] = [
    ["eu-central-1", "eu-west-1", "eu-north-1"],
    ["us-east-1", "us-east-2", "us-west-2"],
    ["ap-southeast-1", "ap-northeast-1", "ap-south-1"],
];
const PAIRS: [(&str, &str, &str, &str, &str); 3] = [
    (
        "lighthouse",
        "sigp/lighthouse:v8.2.1",
        "nethermind",
        "nethermind/nethermind:1.37.0",
        "--execution-endpoint",
    ),
    (
        "teku",
        "consensys/teku:26.7.1",
        "besu",
        "hyperledger/besu:26.2.0",
        "--ee-endpoint",
    ),
    (
        "nimbus",
        "statusim/nimbus-eth2:multiarch-v26.7.0",
        "geth",
        "ethereum/client-go:v1.17.4",
        "--el",
    ),
];

fn sts(
    name: &str,
    ns: &str,
    image: &str,
    args: &[String],
    host: &str,
    region: &str,
    extra_pod: &str,
) -> String {
    let args: String = args.iter().fold(String::new(), |mut s, a| {
        let _ = write!(s, "\n            - \"{a}\"");
        s
    });
    format!(
        "---\n# Source: fleet/templates/{name}.yaml\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels:\n    app.kubernetes.io/name: {name}\n    app.kubernetes.io/managed-by: Helm\nspec:\n  replicas: 1\n  serviceName: {name}\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: {name}\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: {name}\n    spec:\n      nodeSelector:\n        kubernetes.io/hostname: {host}\n        topology.kubernetes.io/region: {region}{extra_pod}\n      containers:\n        - name: main\n          image: {image}\n          args:{args}\n          resources:\n            requests: {{cpu: \"2\", memory: 8Gi}}\n"
    )
}

fn service(name: &str, ns: &str) -> String {
    format!(
        "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  clusterIP: None\n  selector:\n    app.kubernetes.io/name: {name}\n  ports:\n    - {{name: engine, port: 8551}}\n    - {{name: rpc, port: 8545}}\n"
    )
}

fn write(path: &Path, text: &str, bytes: &mut u64) -> std::io::Result<()> {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d)?;
    }
    *bytes += text.len() as u64;
    std::fs::write(path, text)
}

/// Writes the operator under `out` (replacing it).
pub fn generate(a: &Spec, out: &Path) -> std::io::Result<Stats> {
    let _ = std::fs::remove_dir_all(out);
    let per_env = a.keys.div_ceil(a.environments.max(1));
    let mut inventory = String::from(
        "apiVersion: stakelint.io/v1\nkind: Inventory\nmetadata: {name: fleet-operator}\nspec:\n  environments:\n",
    );
    let mut next_key = 0;
    let (mut manifests, mut files, mut bytes) = (0usize, 0usize, 0u64);
    for e in 0..a.environments {
        let ns = format!("env-{e:04}");
        // (the Kubernetes namespace and the ending of names: each environment's own, or one
        // for all)
        let (kns, sfx) = if a.one_namespace {
            ("validators".to_owned(), format!("-e{e:04}"))
        } else {
            (ns.clone(), String::new())
        };
        let labelled = |mut text: String| {
            if a.one_namespace {
                text = text.replace(
                    "    app.kubernetes.io/managed-by: Helm\n",
                    &format!("    app.kubernetes.io/managed-by: Helm\n    stakelint.io/environment: {ns}\n"),
                );
            }
            if a.annotate {
                text = text.replacen(
                    "\nspec:\n",
                    "\n  annotations:\n    ignore-check.stakelint.io/metrics-disabled: \"scraped by the node exporter\"\nspec:\n",
                    1,
                );
            }
            text
        };
        let regions = AREAS[e % 3];
        let mut text = String::new();
        for (p, (cl, cl_img, el, el_img, flag)) in PAIRS.iter().enumerate() {
            let host = format!("{ns}-node-{p}");
            let el_name = format!("{el}-{p}{sfx}");
            text += &labelled(sts(
                &el_name,
                &kns,
                el_img,
                &[
                    "--authrpc.addr=0.0.0.0".into(),
                    "--authrpc.jwtsecret=/jwt/jwt.hex".into(),
                ],
                &host,
                regions[p],
                "",
            ));
            text += &service(&el_name, &kns);
            let mut cl_args: Vec<String> = if *cl == "lighthouse" {
                vec!["lighthouse".into(), "bn".into()]
            } else {
                Vec::new()
            };
            cl_args.extend([
                format!("{flag}=http://{el_name}.{kns}.svc.cluster.local:8551"),
                "--network=mainnet".into(),
            ]);
            text += &labelled(sts(
                &format!("{cl}-{p}{sfx}"),
                &kns,
                cl_img,
                &cl_args,
                &host,
                regions[p],
                "",
            ));
            manifests += 3;
        }
        // keys: most in a key directory (inventory keys.from), one keystore Secret mounted by the VC
        let in_secret = per_env.min(5);
        let mut secret = format!(
            "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: vc-keystores{sfx}\n  namespace: {kns}\ntype: Opaque\ndata:\n"
        );
        for k in 0..per_env.min(a.keys - next_key) {
            let i = next_key;
            next_key += 1;
            let ks = keystore(&pubkey(i), i);
            if k < in_secret {
                let _ = writeln!(secret, "  keystore-{k}.json: {}", b64(ks.as_bytes()));
            } else {
                write(
                    &out.join(format!("keys/{ns}/keystore-{i}.json")),
                    &ks,
                    &mut bytes,
                )?;
                files += 1;
            }
        }
        let vol = format!(
            "\n      volumes:\n        - name: keys\n          secret: {{secretName: vc-keystores{sfx}}}"
        );
        text += &labelled(sts(
            &format!("lighthouse-vc{sfx}"),
            &kns,
            "sigp/lighthouse:v8.2.1",
            &[
                "lighthouse".into(),
                "vc".into(),
                format!("--beacon-nodes=http://lighthouse-0{sfx}.{kns}:5052"),
                "--enable-doppelganger-protection".into(),
            ],
            &format!("{ns}-node-0"),
            regions[0],
            &vol,
        ))
        .replace(
            "          resources:",
            "          volumeMounts: [{name: keys, mountPath: /keys}]\n          resources:",
        );
        text += &secret;
        let env_label = if a.one_namespace {
            format!("  labels: {{stakelint.io/environment: {ns}}}\n")
        } else {
            String::new()
        };
        text += &format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: mev-boost{sfx}\n  namespace: {kns}\n{env_label}spec:\n  replicas: 2\n  selector: {{matchLabels: {{app: mev-boost{sfx}}}}}\n  template:\n    metadata: {{labels: {{app: mev-boost{sfx}}}}}\n    spec:\n      containers:\n        - name: mev-boost\n          image: flashbots/mev-boost:1.12.0\n          args: [-mainnet, -relay-check, -relays=https://relay.example]\n"
        );
        manifests += 3;
        if a.crd_kib > 0 {
            text += &crd(&ns, a.crd_kib);
            manifests += 1;
        }
        for x in 0..a.extra {
            text += &format!(
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings-{x}{sfx}\n  namespace: {kns}\ndata:\n  network: mainnet\n  log-level: info\n  note: \"filler {x}\"\n"
            );
            manifests += 1;
        }
        write(&out.join(format!("deploy/{ns}.yaml")), &text, &mut bytes)?;
        files += 1;
        let _ = write!(
            inventory,
            "    - name: {ns}\n      validatorClients:\n        - name: vc-bare-metal\n          client: lighthouse\n          doppelganger: true\n          keys: {{from: ../keys/{ns}}}\n"
        );
    }
    write(
        &out.join("inventory/inventory.yaml"),
        &inventory,
        &mut bytes,
    )?;
    files += 1;
    Ok(Stats {
        manifests,
        files,
        bytes,
    })
}

/// One environment of `n` validator clients signing through `n / 4` web3signer clusters
/// (three keys each, neighbours sharing one, on databases of their own) beside `n / 4`
/// CL:EL pairs, in an inventory: the layout that stresses rules comparing the elements of
/// one environment. Writes `DIR/inventory.yaml`.
pub fn large_environment(n: usize, out: &Path) -> std::io::Result<Stats> {
    let _ = std::fs::remove_dir_all(out);
    let groups = (n / 4).max(1);
    let mut y = String::from(
        "apiVersion: stakelint.io/v1\nkind: Inventory\nmetadata: {name: large-environment}\nspec:\n  environments:\n    - name: one\n      nodes:\n",
    );
    for i in 0..groups {
        let _ = writeln!(
            y,
            "        - {{name: pair-{i}, host: host-{}, region: eu-central-1, consensus: {{client: lighthouse, version: v8.0.1, jwtSecret: jwt-{i}}}, execution: {{client: nethermind, version: 1.35.2, jwtSecret: jwt-{i}}}}}",
            i % 50
        );
    }
    y.push_str("      validatorClients:\n");
    for i in 0..n {
        let _ = writeln!(
            y,
            "        - {{name: vc-{i}, client: teku, version: 26.1.0, doppelganger: true, slashingProtection: true, signer: w3s-{}, keys: {{count: 3}}}}",
            i % groups
        );
    }
    y.push_str("      signers:\n");
    for i in 0..groups {
        let keys: Vec<String> = (0..3).map(|k| format!("0x{}", pubkey(i * 2 + k))).collect();
        let _ = writeln!(
            y,
            "        - {{name: w3s-{i}, kind: web3signer, instances: 2, threshold: 1, slashingProtectionDb: 'jdbc:postgresql://db-{i}/w3s', keys: {{pubkeys: [{}]}}}}",
            keys.join(", ")
        );
    }
    inventory_only(out, &y)
}

/// An inventory of `n` environments whose `keys.from` directories are missing: `n` input
/// errors in one file, each shown with its snippet. Writes `DIR/inventory.yaml`.
pub fn input_errors(n: usize, out: &Path) -> std::io::Result<Stats> {
    let _ = std::fs::remove_dir_all(out);
    let mut y = String::from(
        "apiVersion: stakelint.io/v1\nkind: Inventory\nmetadata: {name: input-errors}\nspec:\n  environments:\n",
    );
    for e in 0..n {
        let _ = write!(
            y,
            "    - name: env-{e:05}\n      validatorClients:\n        - name: vc\n          client: lighthouse\n          keys: {{from: ../missing/env-{e:05}}}\n"
        );
    }
    inventory_only(out, &y)
}

/// A validator client mounting one Secret of `n` EIP-2335 keystores (real public keys):
/// the layout of an operator that keeps all of a client's keys in one Secret. Writes
/// `DIR/keys.yaml`.
pub fn large_secret(n: usize, out: &Path) -> std::io::Result<Stats> {
    let _ = std::fs::remove_dir_all(out);
    let mut y = String::from(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: keystores, namespace: validators}\ntype: Opaque\ndata:\n",
    );
    for i in 0..n {
        let _ = writeln!(
            y,
            "  keystore-{i}.json: {}",
            b64(keystore(&pubkey(i), i).as_bytes())
        );
    }
    y.push_str("---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: vc, namespace: validators}\nspec:\n  replicas: 1\n  serviceName: vc\n  selector: {matchLabels: {app: vc}}\n  template:\n    metadata: {labels: {app: vc}}\n    spec:\n      volumes: [{name: keys, secret: {secretName: keystores}}]\n      containers:\n        - name: lighthouse\n          image: sigp/lighthouse:v8.2.1\n          args: [lighthouse, vc, --beacon-nodes=http://beacon:5052, --enable-doppelganger-protection]\n          volumeMounts: [{name: keys, mountPath: /keys}]\n");
    let mut bytes = 0;
    write(&out.join("keys.yaml"), &y, &mut bytes)?;
    Ok(Stats {
        manifests: 2,
        files: 1,
        bytes,
    })
}

/// Writes `text` as `DIR/inventory.yaml`, the only file of a layout.
fn inventory_only(out: &Path, text: &str) -> std::io::Result<Stats> {
    let mut bytes = 0;
    write(&out.join("inventory.yaml"), text, &mut bytes)?;
    Ok(Stats {
        manifests: 0,
        files: 1,
        bytes,
    })
}
