//! End to end: secrets planted in every input kind — keystore `crypto` sections, a keystore
//! password file, a web3signer `privateKey`, Kubernetes Secret `data` and `stringData`
//! (well-formed, syntactically broken, and with values that do not type), a truncated key
//! file, an inventory — appear in no output format, on neither stdout nor stderr, whatever
//! the run reports (findings, input errors, snippets).

use std::path::{Path, PathBuf};
use std::process::Command;

const KEYSTORE: &str = "fixtures/keys/web3signer/keystore-m_12381_3600_12_0_0.json";
const FILE_RAW: &str = "fixtures/keys/web3signer/file-raw.yaml";

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let p =
            std::env::temp_dir().join(format!("stakelint-secrets-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Self(p)
    }
    fn write(&self, name: &str, text: &str) {
        let p = self.0.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn secret_object(name: &str, body: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {name}\n  namespace: eth\n  labels: {{stakelint.io/environment: prod}}\n{body}"
    )
}

/// Plants secrets in every input kind; returns the directory and the planted values.
fn planted() -> (TempDir, Vec<String>) {
    let d = TempDir::new("planted");
    let mut secrets = Vec::new();
    // an EIP-2335 keystore: its crypto section
    let ks_text = std::fs::read_to_string(root().join(KEYSTORE)).unwrap();
    let ks: serde_json::Value = serde_json::from_str(&ks_text).unwrap();
    for field in ["cipher", "checksum"] {
        secrets.push(ks["crypto"][field]["message"].as_str().unwrap().to_owned());
    }
    secrets.push(
        ks["crypto"]["kdf"]["params"]["salt"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    d.write("keys/keystore.json", &ks_text);
    // its password file (never opened)
    d.write("keys/keystore.txt", "PLANTED-KEYSTORE-PASSWORD-1");
    secrets.push("PLANTED-KEYSTORE-PASSWORD-1".into());
    // a web3signer file-raw private key
    let raw = std::fs::read_to_string(root().join(FILE_RAW)).unwrap();
    let pk = raw
        .lines()
        .find_map(|l| l.strip_prefix("privateKey: "))
        .unwrap()
        .trim()
        .to_owned();
    secrets.push(pk.trim_start_matches("0x").to_owned());
    d.write("keys/file-raw.yaml", &raw);
    // a truncated keystore: its secret values cannot be told apart
    d.write(
        "keys/broken-keystore.json",
        "{\"pubkey\": \"8e7cf20e0a\", \"crypto\": {\"cipher\": {\"message\": \"PLANTEDBROKENCIPHER0123\"",
    );
    secrets.push("PLANTEDBROKENCIPHER0123".into());
    // a web3signer file-raw key that is not a valid key
    d.write(
        "keys/bad-raw.yaml",
        "type: file-raw\nkeyType: BLS\nprivateKey: 0xPLANTEDBADRAWKEY99\n",
    );
    secrets.push("PLANTEDBADRAWKEY99".into());
    // Kubernetes Secrets: well-formed, broken YAML, values that do not type
    d.write(
        "k8s/secret.yaml",
        &secret_object(
            "s1",
            "stringData:\n  password: PLANTED-SECRET-STRING-1\ndata:\n  token: UExBTlRFRC1TRUNSRVQtREFUQS0x\n",
        ),
    );
    secrets.push("PLANTED-SECRET-STRING-1".into());
    secrets.push("UExBTlRFRC1TRUNSRVQtREFUQS0x".into());
    d.write(
        "k8s/broken.yaml",
        &secret_object(
            "s2",
            "stringData:\n  password: PLANTED-SECRET-STRING-2\n  other: [unclosed\n",
        ),
    );
    secrets.push("PLANTED-SECRET-STRING-2".into());
    d.write(
        "k8s/untyped.yaml",
        &secret_object(
            "s3",
            "data:\n  key: PLANTED!!not*base64\n  list: [PLANTED-IN-A-LIST]\nstringData:\n  n: {PLANTED-MAP-KEY: 1}\n",
        ),
    );
    secrets.push("PLANTED!!not".into());
    secrets.push("PLANTED-IN-A-LIST".into());
    secrets.push("PLANTED-MAP-KEY".into());
    d.write(
        "k8s/list.yaml",
        &secret_object("s5", "data: [PLANTED-DATA-LIST, {a: PLANTED-DATA-MAP}]\n"),
    );
    secrets.push("PLANTED-DATA-LIST".into());
    secrets.push("PLANTED-DATA-MAP".into());
    // `kubectl apply` keeps the applied object, values included, in an annotation: every
    // `kubectl get -o yaml` dump of a Secret carries it, here just above a line a finding
    // shows
    d.write(
        "k8s/applied.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s6\n  namespace: eth\n  labels: {stakelint.io/environment: prod}\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: |\n      {\"stringData\":{\"pw\":\"PLANTED-APPLIED-COPY\"},\"kind\":\"Secret\"}\nstringData: {keystore-0.json: '{\"crypto\": {\"kdf\": {}}, \"pubkey\": \"0xzz\", \"version\": 4}'}\n",
    );
    secrets.push("PLANTED-APPLIED-COPY".into());
    d.write(
        "k8s/annotation-list.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s7\n  namespace: eth\n  annotations:\n    copy: [PLANTED-ANNOTATION-LIST]\nstringData: {a: b}\n",
    );
    secrets.push("PLANTED-ANNOTATION-LIST".into());
    // a duplicate key inside a Secret: the whole file fails to parse
    d.write(
        "k8s/dup.yaml",
        &secret_object(
            "s4",
            "stringData:\n  password: PLANTED-SECRET-STRING-4\n  password: PLANTED-SECRET-STRING-5\n",
        ),
    );
    secrets.push("PLANTED-SECRET-STRING-4".into());
    secrets.push("PLANTED-SECRET-STRING-5".into());
    // an inventory claiming the key directory
    d.write(
        "inventory.yaml",
        "apiVersion: stakelint.io/v1\nkind: Inventory\nmetadata: {name: op}\nspec:\n  environments:\n    - name: prod\n      validatorClients:\n        - name: vc\n          client: lighthouse\n          keys: {from: keys}\n",
    );
    (d, secrets)
}

#[test]
fn no_planted_secret_reaches_any_output() {
    let (d, secrets) = planted();
    let dir = d.0.to_str().unwrap();
    let bin = env!("CARGO_BIN_EXE_stakelint");
    for format in ["human", "json", "sarif", "junit", "github", "markdown"] {
        for color in ["never", "always"] {
            let out = Command::new(bin)
                .args([
                    "lint",
                    "--today",
                    "2026-11-29",
                    "--color",
                    color,
                    "--format",
                    format,
                ])
                .arg(dir)
                .current_dir(root())
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{format}: {stderr}");
            assert!(!stderr.contains("panicked"), "{stderr}");
            for s in &secrets {
                assert!(
                    !stdout.contains(s.as_str()),
                    "{format}: `{s}` on stdout:\n{stdout}"
                );
                assert!(
                    !stderr.contains(s.as_str()),
                    "{format}: `{s}` on stderr:\n{stderr}"
                );
            }
        }
    }
}
