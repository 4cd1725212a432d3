//! `stakelint cluster` and `kubectl stakelint` against a local stand-in for the Kubernetes
//! API server (no API server can be installed here): the real kube client talks HTTP to a
//! server on 127.0.0.1 that answers like the API server does — `…List` bodies whose items
//! carry no `kind`, `metadata.continue` pagination, a 403 `Status` for what RBAC forbids,
//! and endpoints that answer late or never. A kubeconfig written by each test points at it.
//!
//! Covered: actual placement (Pods → ReplicaSets → Deployments, Nodes' labels), Secrets
//! with public keys only, `--dump` read back by `lint` to the same findings at the same
//! lines, 403s that name the missing permission, timeouts and unreachable clusters within
//! `--request-timeout`, deploy/rbac.yaml against what is read, the krew manifest, and
//! kubectl's plugin dispatch with the real kubectl binary.
#![cfg(feature = "cluster")]
#![allow(clippy::too_many_lines)]

use serde_json::{Value, json};
use stakelint::app::{self, Analysis, Request};
use stakelint::model::{Environment, Placement};
use stakelint::source::cluster::{self, Options, Snapshot};
use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const NS: &str = "eth-prod";
const CONTEXT: &str = "prod-fra";
/// Values that must never leave a Secret: a keystore's ciphertext, a password.
const SECRET_VALUES: &[&str] = &[
    "ae445fb22d6b5a6121b9843a3d98175b95507e56fa8df7a039d4e4c84f91e46b",
    "1a20b0cda00c21585edf332fc66676b18f7f5e444710366c97272f52d1e6f4ba",
    "correct-horse-battery-staple",
];
const PUBKEYS: &[&str] = &[
    "0xb3e445d43871965d890a398f719348a1405ac72e35b92727cc570026f54471af7ea7b2040622a8fd0b5bfb2a209b5911",
    "0xaeb399bf5648b0e9980c1731824c269631a41320c3d7f730c40587e1a37a5e1c8b5755fd90080a7b3fb90d3fd419c0a7",
];

// ---------------------------------------------------------------------------------------
// A stand-in for the API server.
// ---------------------------------------------------------------------------------------

/// How an endpoint misbehaves.
#[derive(Clone, Copy)]
enum Fault {
    /// 403 Forbidden with a Kubernetes `Status` body.
    Forbidden,
    /// Answers after this long.
    Slow(Duration),
}

/// One resource the server serves: its group/version, list kind and objects.
struct Served {
    group_version: &'static str,
    list_kind: &'static str,
    items: Vec<Value>,
}

struct Mock {
    port: u16,
    /// Every request line's target (`/api/v1/pods?limit=500`).
    requests: Arc<Mutex<Vec<String>>>,
    in_flight: Arc<InFlight>,
    stop: Arc<AtomicBool>,
}

/// Requests being answered (from the request read to the response ready to be written),
/// and the most there were at the same moment.
#[derive(Default)]
struct InFlight {
    now: AtomicUsize,
    max: AtomicUsize,
}

impl Drop for Mock {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Objects per page the server hands out, whatever the client's `limit` (the API server
/// may return fewer than asked): every list of more than 2 objects is paginated.
const SERVER_PAGE: usize = 2;

/// A server state shared by the connection threads: resources, faults, page size.
type State = (
    HashMap<&'static str, Served>,
    HashMap<&'static str, Fault>,
    usize,
);

impl Mock {
    /// Serves `resources` (plural → what) with `faults`; `silent` accepts connections and
    /// never answers. Stops when dropped, and by itself after 60 s.
    fn start(
        resources: HashMap<&'static str, Served>,
        faults: HashMap<&'static str, Fault>,
        silent: bool,
    ) -> Mock {
        Self::start_paged(resources, faults, silent, SERVER_PAGE)
    }

    /// [`Mock::start`] with at most `page` objects per answer.
    fn start_paged(
        resources: HashMap<&'static str, Served>,
        faults: HashMap<&'static str, Fault>,
        silent: bool,
        page: usize,
    ) -> Mock {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let in_flight = Arc::new(InFlight::default());
        let stop = Arc::new(AtomicBool::new(false));
        let state: Arc<State> = Arc::new((resources, faults, page));
        let (log, flight, halt) = (
            Arc::clone(&requests),
            Arc::clone(&in_flight),
            Arc::clone(&stop),
        );
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(60);
            while !halt.load(Ordering::SeqCst) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (state, log, flight, halt) = (
                            Arc::clone(&state),
                            Arc::clone(&log),
                            Arc::clone(&flight),
                            Arc::clone(&halt),
                        );
                        std::thread::spawn(move || {
                            if silent {
                                // Hold the connection open, answer nothing.
                                let until = Instant::now() + Duration::from_secs(5);
                                while Instant::now() < until && !halt.load(Ordering::SeqCst) {
                                    std::thread::sleep(Duration::from_millis(20));
                                }
                                drop(stream);
                                return;
                            }
                            serve(stream, &state, &log, &flight);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Mock {
            port,
            requests,
            in_flight,
            stop,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// The most requests that were being answered at the same moment.
    fn max_in_flight(&self) -> usize {
        self.in_flight.max.load(Ordering::SeqCst)
    }
}

fn serve(mut stream: TcpStream, state: &State, log: &Mutex<Vec<String>>, flight: &InFlight) {
    let (resources, faults, server_page) = (&state.0, &state.1, state.2);
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 65_536 {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let head = String::from_utf8_lossy(&buf);
    let target = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("/")
        .to_owned();
    if let Ok(mut l) = log.lock() {
        l.push(target.clone());
    }
    let now = flight.now.fetch_add(1, Ordering::SeqCst) + 1;
    flight.max.fetch_max(now, Ordering::SeqCst);
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let params: HashMap<&str, &str> = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .collect();
    // /api/v1[/namespaces/NS]/PLURAL or /apis/GROUP/VERSION[/namespaces/NS]/PLURAL
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let rest = match parts.first() {
        Some(&"api") => &parts[2.min(parts.len())..],
        _ => &parts[3.min(parts.len())..],
    };
    let (ns, plural) = match rest {
        ["namespaces", ns, plural] => (Some(*ns), *plural),
        [plural] => (None, *plural),
        _ => (None, ""),
    };
    let (status, body) = match (faults.get(plural), resources.get(plural)) {
        (Some(Fault::Forbidden), _) => {
            let scope = ns.map_or_else(
                || "at the cluster scope".to_owned(),
                |n| format!("in the namespace \"{n}\""),
            );
            (
                403,
                json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                    "message": format!("{plural} is forbidden: User \"system:serviceaccount:stakelint:stakelint\" cannot list resource \"{plural}\" in API group \"\" {scope}"),
                    "reason": "Forbidden", "details": {"kind": plural}, "code": 403}),
            )
        }
        (fault, Some(served)) => {
            if let Some(Fault::Slow(d)) = fault {
                std::thread::sleep(*d);
            }
            let items: Vec<&Value> = served
                .items
                .iter()
                .filter(|v| ns.is_none_or(|n| v["metadata"]["namespace"] == n))
                .collect();
            let limit: usize = params
                .get("limit")
                .and_then(|l| l.parse().ok())
                .unwrap_or(usize::MAX)
                .min(server_page);
            let from: usize = params
                .get("continue")
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            let page: Vec<&Value> = items.iter().skip(from).take(limit).copied().collect();
            let mut meta = json!({"resourceVersion": "4242"});
            if from + page.len() < items.len() {
                meta["continue"] = json!((from + page.len()).to_string());
                meta["remainingItemCount"] = json!(items.len() - from - page.len());
            }
            (
                200,
                json!({"kind": served.list_kind, "apiVersion": served.group_version,
                    "metadata": meta, "items": page}),
            )
        }
        (_, None) => (
            404,
            json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": "the server could not find the requested resource", "reason": "NotFound", "code": 404}),
        ),
    };
    let body = body.to_string();
    let reason = match status {
        200 => "OK",
        403 => "Forbidden",
        _ => "Not Found",
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    // No longer in flight once the answer is ready: a client that waits for it before its
    // next request is never counted twice.
    flight.now.fetch_sub(1, Ordering::SeqCst);
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.flush();
}

// ---------------------------------------------------------------------------------------
// The cluster: a validator setup as `kubectl get -o json` shows it.
// ---------------------------------------------------------------------------------------

fn meta(name: &str, ns: Option<&str>) -> Value {
    let mut m = json!({"name": name, "uid": format!("uid-{name}"), "resourceVersion": "100",
        "creationTimestamp": "2026-11-01T10:00:00Z",
        "managedFields": [{"manager": "kubectl", "operation": "Update", "apiVersion": "v1", "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {}}}]});
    if let Some(ns) = ns {
        m["namespace"] = json!(ns);
    }
    m
}

fn owned(name: &str, kind: &str, owner: &str, api_version: &str) -> Value {
    let mut m = meta(name, Some(NS));
    m["ownerReferences"] = json!([{"apiVersion": api_version, "kind": kind, "name": owner,
        "uid": format!("uid-{owner}"), "controller": true, "blockOwnerDeletion": true}]);
    m
}

fn node(name: &str, region: &str, zone: &str) -> Value {
    json!({"metadata": {"name": name, "uid": format!("uid-{name}"),
        "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
            "topology.kubernetes.io/region": region, "topology.kubernetes.io/zone": zone,
            "node.kubernetes.io/instance-type": "m6i.2xlarge"}},
        "spec": {"providerID": format!("aws:///{zone}/i-0{name}")},
        "status": {"conditions": [{"type": "Ready", "status": "True"}],
            "addresses": [{"type": "Hostname", "address": name}]}})
}

fn beacon_pod_spec() -> Value {
    json!({"containers": [
        {"name": "lighthouse", "image": "sigp/lighthouse:v7.0.1",
         "args": ["lighthouse", "bn", "--network=hoodi", "--execution-endpoint=http://localhost:8551",
                  "--execution-jwt=/jwt/jwt.hex", "--http", "--http-address=0.0.0.0"],
         "ports": [{"containerPort": 5052, "name": "http", "protocol": "TCP"}]},
        {"name": "geth", "image": "ethereum/client-go:v1.15.11",
         "args": ["--hoodi", "--authrpc.addr=0.0.0.0", "--authrpc.jwtsecret=/jwt/jwt.hex"]}],
        "restartPolicy": "Always", "terminationGracePeriodSeconds": 300})
}

fn validator_pod_spec() -> Value {
    json!({"containers": [
        {"name": "vc", "image": "sigp/lighthouse:v7.0.1",
         "args": ["lighthouse", "vc", "--network=hoodi", "--beacon-nodes=http://beacon:5052",
                  "--enable-doppelganger-protection"],
         "volumeMounts": [{"name": "keys", "mountPath": "/keys", "readOnly": true}]}],
        "volumes": [{"name": "keys", "secret": {"secretName": "validator-keys", "defaultMode": 420}}]})
}

fn pod(name: &str, owner_kind: &str, owner: &str, node: &str, spec: &Value) -> Value {
    let api_version =
        if owner_kind == "DaemonSet" || owner_kind == "StatefulSet" || owner_kind == "ReplicaSet" {
            "apps/v1"
        } else {
            "v1"
        };
    let mut spec = spec.clone();
    spec["nodeName"] = json!(node);
    let mut m = owned(name, owner_kind, owner, api_version);
    m["labels"] = json!({"app": owner.split('-').next().unwrap_or(owner)});
    json!({"metadata": m, "spec": spec,
        "status": {"phase": "Running", "podIP": "10.0.0.7", "hostIP": "10.0.1.2",
            "conditions": [{"type": "Ready", "status": "True"}]}})
}

fn b64(bytes: &[u8]) -> Value {
    serde_json::to_value(k8s_openapi::ByteString(bytes.to_vec())).expect("base64")
}

fn keystore(i: usize) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!(
        "fixtures/keys/deposit/keystore-m_12381_3600_{i}_0_0-1750000000.json"
    ));
    std::fs::read(path).expect("fixture keystore")
}

/// The served cluster: Nodes in two regions, a beacon StatefulSet (Lighthouse + Geth in one
/// pod) whose three pods landed on two nodes, a validator-client Deployment (through its
/// ReplicaSet) with an HPA, its key Secret, a Service, a ConfigMap and kube-proxy.
fn cluster() -> HashMap<&'static str, Served> {
    let mut r = HashMap::new();
    let served = |gv, kind, items| Served {
        group_version: gv,
        list_kind: kind,
        items,
    };
    r.insert(
        "nodes",
        served(
            "v1",
            "NodeList",
            vec![
                node("node-fra-1", "eu-central-1", "eu-central-1a"),
                node("node-fra-2", "eu-central-1", "eu-central-1b"),
                node("node-dub-1", "eu-west-1", "eu-west-1a"),
            ],
        ),
    );
    r.insert(
        "statefulsets",
        served(
            "apps/v1",
            "StatefulSetList",
            vec![json!({"metadata": meta("beacon", Some(NS)),
            "spec": {"replicas": 3, "serviceName": "beacon", "selector": {"matchLabels": {"app": "beacon"}},
                "template": {"metadata": {"labels": {"app": "beacon"}}, "spec": beacon_pod_spec()}},
            "status": {"replicas": 3, "readyReplicas": 3}})],
        ),
    );
    r.insert(
        "deployments",
        served(
            "apps/v1",
            "DeploymentList",
            vec![json!({"metadata": meta("validator", Some(NS)),
            "spec": {"replicas": 1, "strategy": {"type": "Recreate"}, "selector": {"matchLabels": {"app": "validator"}},
                "template": {"metadata": {"labels": {"app": "validator"}}, "spec": validator_pod_spec()}}})],
        ),
    );
    r.insert(
        "replicasets",
        served(
            "apps/v1",
            "ReplicaSetList",
            vec![json!({"metadata": owned("validator-6d9f7c8b5", "Deployment", "validator", "apps/v1"),
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "validator"}},
                "template": {"metadata": {"labels": {"app": "validator"}}, "spec": validator_pod_spec()}}})],
        ),
    );
    r.insert(
        "daemonsets",
        served(
            "apps/v1",
            "DaemonSetList",
            vec![json!({"metadata": meta("kube-proxy", Some(NS)),
            "spec": {"selector": {"matchLabels": {"app": "kube-proxy"}},
                "template": {"metadata": {"labels": {"app": "kube-proxy"}},
                    "spec": {"containers": [{"name": "kube-proxy", "image": "registry.k8s.io/kube-proxy:v1.35.0"}]}}}})],
        ),
    );
    let beacon = beacon_pod_spec();
    let vc = validator_pod_spec();
    r.insert(
        "pods",
        served(
            "v1",
            "PodList",
            vec![
                pod("beacon-0", "StatefulSet", "beacon", "node-fra-1", &beacon),
                pod("beacon-1", "StatefulSet", "beacon", "node-fra-1", &beacon),
                pod("beacon-2", "StatefulSet", "beacon", "node-dub-1", &beacon),
                pod(
                    "validator-6d9f7c8b5-q7x2m",
                    "ReplicaSet",
                    "validator-6d9f7c8b5",
                    "node-fra-2",
                    &vc,
                ),
                pod(
                    "kube-proxy-abcde",
                    "DaemonSet",
                    "kube-proxy",
                    "node-fra-1",
                    &json!({"containers": [{"name": "kube-proxy", "image": "registry.k8s.io/kube-proxy:v1.35.0"}]}),
                ),
            ],
        ),
    );
    r.insert(
        "services",
        served(
            "v1",
            "ServiceList",
            vec![json!({"metadata": meta("beacon", Some(NS)),
            "spec": {"selector": {"app": "beacon"}, "clusterIP": "10.96.0.12", "type": "ClusterIP",
                "ports": [{"name": "http", "port": 5052, "protocol": "TCP", "targetPort": 5052}]}})],
        ),
    );
    r.insert(
        "configmaps",
        served(
            "v1",
            "ConfigMapList",
            vec![json!({"metadata": meta("kube-root-ca.crt", Some(NS)),
            "data": {"ca.crt": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"}})],
        ),
    );
    r.insert(
        "horizontalpodautoscalers",
        served(
            "autoscaling/v2",
            "HorizontalPodAutoscalerList",
            vec![json!({"metadata": meta("validator", Some(NS)),
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "validator"},
                "minReplicas": 1, "maxReplicas": 2}})],
        ),
    );
    let mut secret_meta = meta("validator-keys", Some(NS));
    secret_meta["annotations"] = json!({"kubectl.kubernetes.io/last-applied-configuration":
        "{\"stringData\":{\"password.txt\":\"correct-horse-battery-staple\"}}"});
    r.insert(
        "secrets",
        served(
            "v1",
            "SecretList",
            vec![json!({"metadata": secret_meta, "type": "Opaque",
            "data": {"keystore-0.json": b64(&keystore(0)), "keystore-1.json": b64(&keystore(1)),
                "password.txt": b64(b"correct-horse-battery-staple")}})],
        ),
    );
    r
}

// ---------------------------------------------------------------------------------------
// Helpers.
// ---------------------------------------------------------------------------------------

/// A directory under the system temp dir, removed when the test ends (pass or fail).
struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<std::ffi::OsStr> for TempDir {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.as_os_str()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir(name: &str) -> TempDir {
    let d = std::env::temp_dir().join(format!("stakelint-cluster-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    TempDir(d)
}

/// A kubeconfig whose context `prod-fra` (namespace eth-prod) points at `server`.
fn kubeconfig(dir: &Path, server: &str) -> PathBuf {
    let path = dir.join("kubeconfig");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: {CONTEXT}\nclusters:\n- name: fra\n  cluster:\n    server: {server}\ncontexts:\n- name: {CONTEXT}\n  context: {{cluster: fra, user: stakelint, namespace: {NS}}}\n- name: other\n  context: {{cluster: fra, user: stakelint}}\nusers:\n- name: stakelint\n  user:\n    token: not-a-real-token\n"
        ),
    )
    .expect("write kubeconfig");
    path
}

fn options(kubeconfig: &Path) -> Options {
    Options {
        kubeconfig: Some(kubeconfig.to_owned()),
        context: None,
        namespace: None,
        all_namespaces: false,
        request_timeout: Duration::from_secs(5),
        include_secrets: true,
        max_objects: stakelint::source::cluster::MAX_OBJECTS_PER_LIST,
    }
}

fn request() -> Request {
    Request {
        paths: Vec::new(),
        config: Some(PathBuf::from("/nonexistent/.stakelint.yaml")),
        client_shares: None,
        today: jiff::civil::date(2026, 11, 29),
        options: stakelint::lint::Options::default(),
        namespace: String::new(),
    }
}

/// Lints a snapshot as `stakelint cluster` does.
fn lint(snapshot: Snapshot) -> Analysis {
    let mut a = app::analyze_with(&request(), |loaded| {
        snapshot.load_into(loaded);
        loaded.finish();
    });
    // (no config file: its absence is not an input error of the cluster)
    a.errors.retain(|e| e.code != "config");
    a
}

fn env<'a>(a: &'a Analysis, name: &str) -> &'a Environment {
    a.model
        .environments
        .iter()
        .find(|e| e.name.value == name)
        .unwrap_or_else(|| panic!("no environment {name}"))
}

fn rules_of(a: &Analysis) -> Vec<&str> {
    a.findings.iter().map(|f| f.rule).collect()
}

fn bin(name: &str) -> Command {
    let exe = match name {
        "kubectl-stakelint" => env!("CARGO_BIN_EXE_kubectl-stakelint"),
        _ => env!("CARGO_BIN_EXE_stakelint"),
    };
    let mut c = Command::new(exe);
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env_remove("KUBECONFIG")
        .stdin(Stdio::null());
    c
}

fn run(c: &mut Command) -> (i32, String, String) {
    let out = c.output().expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn no_secret_in(text: &str, what: &str) {
    for s in SECRET_VALUES {
        assert!(!text.contains(s), "{what} contains a secret value `{s}`");
    }
}

// ---------------------------------------------------------------------------------------
// Tests.
// ---------------------------------------------------------------------------------------

#[test]
fn live_placement_comes_from_pods_and_nodes() {
    let mock = Mock::start(cluster(), HashMap::new(), false);
    let dir = temp_dir("placement");
    let snapshot = cluster::read(&options(&kubeconfig(&dir, &mock.url())));
    assert!(snapshot.errors.is_empty(), "{:?}", snapshot.errors);
    assert_eq!(snapshot.context, CONTEXT);
    let a = lint(snapshot);
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    let e = env(&a, NS);
    // Three pairs (one per beacon replica), on the nodes their pods run on.
    let hosts: Vec<&str> = e
        .pairs
        .iter()
        .map(|p| match &p.placement {
            Placement::Host(h) => h.value.as_str(),
            other => panic!("not a host: {other:?}"),
        })
        .collect();
    assert_eq!(hosts, ["node-fra-1", "node-fra-1", "node-dub-1"]);
    let regions: Vec<&str> = e
        .pairs
        .iter()
        .map(|p| p.region.as_ref().map_or("", |r| r.value.as_str()))
        .collect();
    assert_eq!(regions, ["eu-central-1", "eu-central-1", "eu-west-1"]);
    assert_eq!(
        e.pairs[2].zone.as_ref().map(|z| z.value.as_str()),
        Some("eu-west-1a")
    );
    // Each host is located at its pod's nodeName, each region at its node's label.
    let Placement::Host(h) = &e.pairs[1].placement else {
        unreachable!()
    };
    assert_eq!(
        a.db.position(h.origin).0,
        "cluster:prod-fra/eth-prod/Pod/beacon-1"
    );
    assert_eq!(a.db.pointer(h.origin), Some("/spec/nodeName"));
    let r = e.pairs[2].region.as_ref().unwrap();
    assert_eq!(
        a.db.position(r.origin).0,
        "cluster:prod-fra/Node/node-dub-1"
    );
    assert_eq!(
        a.db.pointer(r.origin),
        Some("/metadata/labels/topology.kubernetes.io~1region")
    );
    // Two hosts for three pairs: host-spread fires on actual placement, at a pod.
    let hs = a
        .findings
        .iter()
        .find(|f| f.rule == "host-spread")
        .expect("host-spread");
    assert!(hs.message.contains("on 2 hosts"), "{}", hs.message);
    let at = a.db.position(hs.primary.expect("located")).0;
    assert!(
        at.starts_with("cluster:prod-fra/eth-prod/Pod/beacon-"),
        "{at}"
    );
    // Regions are known: geo-spread and geo-area are assessed, and pass (two EMEA regions).
    let rules = rules_of(&a);
    assert!(!rules.contains(&"geo-spread"), "{rules:?}");
    assert!(!rules.contains(&"geo-area"), "{rules:?}");
    assert!(
        !a.findings
            .iter()
            .any(|f| f.rule == "not-assessed" && f.message.contains("region")),
        "{:?}",
        a.findings.iter().map(|f| &f.message).collect::<Vec<_>>()
    );
    // The validator client: keys from its Secret, its HPA, and the Deployment's pod.
    let vc = &e.validator_clients[0];
    assert_eq!(vc.name.value, "validator");
    let keys: HashSet<String> = vc
        .keys
        .pubkeys
        .iter()
        .map(|k| k.value.to_string())
        .collect();
    assert_eq!(keys, PUBKEYS.iter().map(|k| (*k).to_owned()).collect());
    assert!(rules.contains(&"vc-single-writer"), "{rules:?}");
    assert_eq!(a.summary.keys, 2);
    // kube-proxy is no Ethereum client; the ReplicaSet and pods are not workloads of their own.
    assert_eq!(e.validator_clients.len(), 1);
    // Every list was paginated with limit/continue, in the context's namespace.
    let reqs = mock.requests();
    assert!(
        reqs.iter()
            .any(|r| r.starts_with("/api/v1/namespaces/eth-prod/pods?") && r.contains("limit=500")),
        "{reqs:?}"
    );
    assert!(
        reqs.iter()
            .any(|r| r.contains("/pods?") && r.contains("continue=2")),
        "{reqs:?}"
    );
    assert!(reqs.iter().any(|r| r.starts_with("/api/v1/nodes?")));
    assert!(reqs.iter().any(|r| {
        r.starts_with("/apis/autoscaling/v2/namespaces/eth-prod/horizontalpodautoscalers?")
    }));
    // Read-only: nothing but list requests (GET with limit) was sent.
    assert!(reqs.iter().all(|r| r.contains("limit=")), "{reqs:?}");
}

#[test]
fn the_json_location_names_the_object_and_the_field() {
    let mock = Mock::start(cluster(), HashMap::new(), false);
    let dir = temp_dir("json");
    let kc = kubeconfig(&dir, &mock.url());
    let (code, out, err) = run(bin("stakelint").args([
        "cluster",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "--include-secrets",
        "--format",
        "json",
        "--today",
        "2026-11-29",
    ]));
    assert_eq!(code, 1, "{err}");
    let doc: Value = serde_json::from_str(&out).expect("JSON");
    let hs = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "host-spread")
        .expect("host-spread");
    let loc = &hs["location"];
    assert!(
        loc["path"]
            .as_str()
            .unwrap()
            .starts_with("cluster:prod-fra/eth-prod/Pod/beacon-"),
        "{loc}"
    );
    assert_eq!(loc["pointer"], "/spec/nodeName");
    assert!(loc["line"].as_u64().unwrap() > 1);
    let single = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "vc-single-writer")
        .expect("vc-single-writer");
    assert_eq!(
        single["location"]["path"],
        "cluster:prod-fra/eth-prod/HorizontalPodAutoscaler/validator"
    );
    assert_eq!(single["location"]["pointer"], "/spec/scaleTargetRef/name");
    // Related locations name their field too.
    assert!(
        hs["related"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["pointer"] == "/spec/nodeName"),
        "{hs}"
    );
    no_secret_in(&out, "the JSON report");
    no_secret_in(&err, "stderr");
}

#[test]
fn secrets_give_public_keys_and_no_value_reaches_any_output() {
    let mock = Mock::start(cluster(), HashMap::new(), false);
    let dir = temp_dir("secrets");
    let kc = kubeconfig(&dir, &mock.url());
    let dump = dir.join("dump.yaml");
    let mut c = bin("stakelint");
    c.args([
        "cluster",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "--include-secrets",
    ])
    .args(["--today", "2026-11-29", "--format", "human"])
    .arg("--dump")
    .arg(&dump);
    for (f, file) in [
        ("json", "r.json"),
        ("sarif", "r.sarif"),
        ("junit", "r.xml"),
        ("github", "r.txt"),
        ("markdown", "r.md"),
    ] {
        c.arg("--format")
            .arg(format!("{f}={}", dir.join(file).display()));
    }
    let (code, out, err) = run(&mut c);
    assert_eq!(code, 1, "{err}");
    no_secret_in(&out, "human output");
    no_secret_in(&err, "stderr");
    for file in ["r.json", "r.sarif", "r.xml", "r.txt", "r.md", "dump.yaml"] {
        let text = std::fs::read_to_string(dir.join(file)).expect(file);
        no_secret_in(&text, file);
    }
    let dumped = std::fs::read_to_string(&dump).unwrap();
    // The public keys are in the dump (for audits), as a Secret entry stakelint reads back.
    for k in PUBKEYS {
        assert!(dumped.contains(k), "the dump lacks {k}");
    }
    assert!(dumped.contains(cluster::WITHHELD));
    assert!(!dumped.contains("last-applied-configuration"));
    assert!(!dumped.contains("managedFields"));
    // Without --include-secrets no Secret is asked for.
    let requests_before = mock.requests().len();
    let (_, out, _) = run(bin("stakelint").args([
        "cluster",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "--format",
        "json",
    ]));
    let new: Vec<String> = mock.requests()[requests_before..].to_vec();
    assert!(!new.iter().any(|r| r.contains("secrets")), "{new:?}");
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap()["summary"]["keys"],
        0
    );
}

/// `--dump` read back by `stakelint lint` gives the same findings: same rules, messages,
/// environments, and the same line in each object's text.
#[test]
fn the_dump_reproduces_the_findings() {
    let mock = Mock::start(cluster(), HashMap::new(), false);
    let dir = temp_dir("dump");
    let snapshot = cluster::read(&options(&kubeconfig(&dir, &mock.url())));
    let dump = snapshot.dump();
    // Where each object's text starts in the dump (1-based line).
    let header = dump.lines().take_while(|l| l.starts_with('#')).count();
    let mut starts: HashMap<String, usize> = HashMap::new();
    let mut next_start = header + 1;
    for d in &snapshot.docs {
        starts.insert(d.path.clone(), next_start);
        next_start += d.text.lines().count();
    }
    let live = lint(snapshot);
    let path = dir.join("dump.yaml");
    std::fs::write(&path, &dump).unwrap();
    let mut req = request();
    req.paths = vec![path.to_string_lossy().into_owned()];
    let mut file = app::analyze(&req);
    file.errors.retain(|e| e.code != "config");
    assert!(file.errors.is_empty(), "{:?}", file.errors);
    let key = |a: &Analysis, map: &dyn Fn(&str, usize) -> usize| {
        let mut v: Vec<String> = a
            .findings
            .iter()
            .map(|f| {
                let at = f.primary.map(|o| {
                    let (p, l, c) = a.db.position(o);
                    (map(p, l), c)
                });
                format!(
                    "{} {} {:?} {:?} {} {:?}",
                    f.rule,
                    f.severity.as_str(),
                    f.environment,
                    at,
                    f.message,
                    f.suppressed.is_some()
                )
            })
            .collect();
        v.sort();
        v
    };
    // (findings about built-in data, e.g. stale-client-data, keep their line)
    let from_live = key(&live, &|p, l| starts.get(p).map_or(l, |s| s + l - 1));
    let from_file = key(&file, &|_, l| l);
    assert!(!from_live.is_empty());
    assert_eq!(from_live, from_file);
    assert_eq!(live.summary.keys, file.summary.keys);
    assert_eq!(live.summary.environments, file.summary.environments);
    assert_eq!(live.model.environments[0].pairs.len(), 3);
}

#[test]
fn the_cli_dump_lints_to_the_same_findings() {
    let mock = Mock::start(cluster(), HashMap::new(), false);
    let dir = temp_dir("cli-dump");
    let kc = kubeconfig(&dir, &mock.url());
    let dump = dir.join("cluster.yaml");
    let (code, out, err) = run(bin("stakelint")
        .args([
            "cluster",
            "--kubeconfig",
            kc.to_str().unwrap(),
            "--context",
            CONTEXT,
        ])
        .args([
            "-n",
            NS,
            "--include-secrets",
            "--format",
            "json",
            "--today",
            "2026-11-29",
        ])
        .arg("--dump")
        .arg(&dump));
    assert_eq!(code, 1, "{err}");
    let (code2, out2, err2) = run(bin("stakelint").arg("lint").arg(&dump).args([
        "--format",
        "json",
        "--today",
        "2026-11-29",
    ]));
    assert_eq!(code2, code, "{err2}");
    let strip = |text: &str| {
        let doc: Value = serde_json::from_str(text).expect("JSON");
        let mut f: Vec<String> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{} {} {} {}",
                    f["rule"], f["severity"], f["environment"], f["message"]
                )
            })
            .collect();
        f.sort();
        let mut summary = doc["summary"].clone();
        summary["files"] = json!(null);
        (f, summary)
    };
    assert_eq!(strip(&out), strip(&out2));
}

#[test]
fn forbidden_secrets_name_the_permission_and_the_rest_is_linted() {
    let faults = HashMap::from([("secrets", Fault::Forbidden)]);
    let mock = Mock::start(cluster(), faults, false);
    let dir = temp_dir("forbidden");
    let kc = kubeconfig(&dir, &mock.url());
    let (code, out, err) = run(bin("stakelint").args([
        "cluster",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "--include-secrets",
        "--format",
        "json",
    ]));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("forbidden: list secrets in namespace eth-prod"),
        "{err}"
    );
    assert!(err.contains("lacks `list` on `secrets`"), "{err}");
    assert!(err.contains("keys in Secrets are not assessed"), "{err}");
    assert!(
        err.contains("kubectl auth can-i list secrets -n eth-prod"),
        "{err}"
    );
    let doc: Value = serde_json::from_str(&out).expect("JSON");
    let rules: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    assert!(rules.contains(&"host-spread"), "{rules:?}");
    assert_eq!(doc["errors"][0]["code"], "cluster");
    assert_eq!(doc["errors"][0]["path"], "cluster:prod-fra");
}

#[test]
fn forbidden_cluster_scope_lists_say_what_is_not_assessed() {
    let faults = HashMap::from([("nodes", Fault::Forbidden), ("pods", Fault::Forbidden)]);
    let mock = Mock::start(cluster(), faults, false);
    let dir = temp_dir("forbidden-nodes");
    let mut o = options(&kubeconfig(&dir, &mock.url()));
    o.all_namespaces = true;
    let a = lint(cluster::read(&o));
    let messages: Vec<&str> = a.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].starts_with("forbidden: list nodes at the cluster scope"));
    assert!(messages[1].starts_with("forbidden: list pods at the cluster scope"));
    assert!(messages[1].contains("actual placement"));
    // Without pods, placement is what the StatefulSet declares (nothing keeps replicas apart).
    let e = env(&a, NS);
    assert!(
        e.pairs
            .iter()
            .all(|p| matches!(p.placement, Placement::Unconstrained { .. }))
    );
    assert!(
        mock.requests()
            .iter()
            .any(|r| r.starts_with("/api/v1/pods?"))
    );
}

/// Every kind is listed concurrently. With every answer 50 ms late and one object per page,
/// list calls of different kinds are answered at the same moment (pages of one kind cannot
/// be: each waits for the previous page's `continue` token), every page of every kind is
/// fetched, and the objects read are those read without the delay. Nothing is timed: the
/// server counts the requests it is answering at once.
#[test]
fn kinds_are_listed_concurrently_and_every_page_is_fetched() {
    // Several kinds of several pages: 3 Nodes, 5 Pods, 4 ConfigMaps, 3 Services.
    let served = || {
        let mut r = cluster();
        let cms = r.get_mut("configmaps").unwrap();
        for i in 1..4 {
            cms.items
                .push(json!({"metadata": meta(&format!("extra-{i}"), Some(NS)),
                "data": {"network": "hoodi"}}));
        }
        let svcs = r.get_mut("services").unwrap();
        for i in 1..3 {
            svcs.items
                .push(json!({"metadata": meta(&format!("extra-{i}"), Some(NS)),
                "spec": {"ports": [{"port": 8080}]}}));
        }
        r
    };
    // (plural, continue token) of every page: one request per object, the first without
    // a token.
    let mut expected: Vec<(String, Option<String>)> = served()
        .iter()
        .flat_map(|(plural, s)| {
            (0..s.items.len()).map(|i| ((*plural).to_owned(), (i > 0).then(|| i.to_string())))
        })
        .collect();
    expected.sort();
    let kinds = served().len();
    let pages = |reqs: &[String]| {
        let mut p: Vec<(String, Option<String>)> = reqs
            .iter()
            .map(|r| {
                let (path, query) = r.split_once('?').unwrap_or((r, ""));
                let plural = path.rsplit('/').next().unwrap_or("").to_owned();
                let token = query
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("continue="))
                    .map(str::to_owned);
                (plural, token)
            })
            .collect();
        p.sort();
        p
    };
    let docs = |s: &Snapshot| -> Vec<(String, String)> {
        s.docs
            .iter()
            .map(|d| (d.path.clone(), d.text.clone()))
            .collect()
    };

    let plain = Mock::start_paged(served(), HashMap::new(), false, 1);
    let dir = temp_dir("concurrent-plain");
    let undelayed = cluster::read(&options(&kubeconfig(&dir, &plain.url())));
    assert!(undelayed.errors.is_empty(), "{:?}", undelayed.errors);
    assert_eq!(pages(&plain.requests()), expected);

    let late: HashMap<&'static str, Fault> = served()
        .keys()
        .map(|k| (*k, Fault::Slow(Duration::from_millis(50))))
        .collect();
    let mock = Mock::start_paged(served(), late, false, 1);
    let dir = temp_dir("concurrent");
    let delayed = cluster::read(&options(&kubeconfig(&dir, &mock.url())));
    assert!(delayed.errors.is_empty(), "{:?}", delayed.errors);
    // Every page of every kind, each once.
    let reqs = mock.requests();
    assert_eq!(pages(&reqs), expected, "{reqs:?}");
    // Lists of different kinds overlapped; never two pages of one kind.
    let max = mock.max_in_flight();
    assert!(
        max >= 2,
        "at most {max} request in flight: the lists ran one after another"
    );
    assert!(max <= kinds, "{max} requests in flight for {kinds} kinds");
    // The same objects, in the same order, as without the delay.
    assert_eq!(docs(&delayed), docs(&undelayed));
    assert_eq!(delayed.docs.len(), expected.len());
}

#[test]
fn a_slow_endpoint_times_out_and_the_rest_is_linted() {
    let faults = HashMap::from([("pods", Fault::Slow(Duration::from_secs(4)))]);
    let mock = Mock::start(cluster(), faults, false);
    let dir = temp_dir("slow");
    let kc = kubeconfig(&dir, &mock.url());
    let started = Instant::now();
    let (code, out, err) = run(bin("stakelint").args([
        "cluster",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "--request-timeout",
        "500ms",
        "--format",
        "json",
    ]));
    let took = started.elapsed();
    assert_eq!(code, 2, "{err}");
    assert!(took < Duration::from_secs(3), "took {took:?}");
    assert!(err.contains("no answer within 500ms"), "{err}");
    assert!(err.contains("pods were not read"), "{err}");
    let doc: Value = serde_json::from_str(&out).expect("JSON");
    assert!(doc["summary"]["environments"].as_u64().unwrap() >= 1);
}

#[test]
fn a_list_above_the_object_budget_stops_with_a_clear_error() {
    let mock = Mock::start(cluster(), HashMap::new(), false);
    let dir = temp_dir("budget");
    let kc = kubeconfig(&dir, &mock.url());
    let (code, out, err) = run(bin("stakelint").args([
        "cluster",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "--max-objects",
        "3",
        "--format",
        "json",
    ]));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("more than 3 objects, the object budget of one list (--max-objects)"),
        "{err}"
    );
    // the kinds within the budget are still read and linted
    let doc: Value = serde_json::from_str(&out).expect("JSON");
    assert!(doc["summary"]["files"].as_u64().unwrap() >= 1, "{out}");
}

#[test]
fn a_silent_server_ends_within_the_timeout() {
    let mock = Mock::start(HashMap::new(), HashMap::new(), true);
    let dir = temp_dir("silent");
    let kc = kubeconfig(&dir, &mock.url());
    let started = Instant::now();
    let (code, _, err) = run(bin("kubectl-stakelint").args([
        "--kubeconfig",
        kc.to_str().unwrap(),
        "--request-timeout",
        "1",
    ]));
    assert_eq!(code, 2, "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert!(err.contains("no answer within 1s"), "{err}");
    assert!(err.contains("nothing was read"), "{err}");
}

#[test]
fn an_unreachable_cluster_is_a_clear_error() {
    // A port nobody listens on: bind, note it, close it.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap();
    let dir = temp_dir("unreachable");
    let kc = kubeconfig(&dir, &format!("http://127.0.0.1:{port}"));
    let started = Instant::now();
    let (code, out, err) = run(bin("stakelint").args([
        "cluster",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "--request-timeout",
        "2s",
    ]));
    assert_eq!(code, 2, "{err}");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(err.contains("cannot reach the cluster"), "{err}");
    assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");
    assert!(out.contains("could not be read"), "{out}");
    // A context that does not exist, and a kubeconfig that does not exist: usage-like errors.
    let (code, _, err) = run(bin("stakelint").args([
        "cluster",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "--context",
        "nope",
    ]));
    assert_eq!(code, 2);
    assert!(err.contains("cannot use context `nope`"), "{err}");
    let (code, _, err) =
        run(bin("stakelint").args(["cluster", "--kubeconfig", "/nonexistent/kubeconfig"]));
    assert_eq!(code, 2);
    assert!(
        err.contains("cannot read kubeconfig `/nonexistent/kubeconfig`"),
        "{err}"
    );
}

#[test]
fn kubeconfig_env_and_context_namespace_are_honoured() {
    let mock = Mock::start(cluster(), HashMap::new(), false);
    let dir = temp_dir("env");
    let kc = kubeconfig(&dir, &mock.url());
    // KUBECONFIG, and the context `other` that names no namespace: `default`.
    let (_, _, err) = run(bin("stakelint").env("KUBECONFIG", &kc).args([
        "cluster",
        "--context",
        "other",
        "--format",
        "json",
    ]));
    assert!(!err.contains("cannot"), "{err}");
    let reqs = mock.requests();
    assert!(
        reqs.iter()
            .any(|r| r.starts_with("/apis/apps/v1/namespaces/default/statefulsets?")),
        "{reqs:?}"
    );
    // -n and -A conflict, as in kubectl.
    let (code, _, err) = run(bin("stakelint").args(["cluster", "-n", "x", "-A"]));
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(bin("stakelint").args(["cluster", "--request-timeout", "0"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("above zero"), "{err}");
}

/// deploy/rbac.yaml grants get/list on exactly what stakelint reads, Secrets in a Role
/// of their own, and no other verb.
#[test]
fn rbac_grants_exactly_what_is_read() {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/rbac.yaml"))
            .expect("deploy/rbac.yaml");
    let docs: Vec<Value> = serde_saphyr::from_multiple(&text).expect("YAML");
    let rules_of = |kind: &str| -> Vec<(String, String, Vec<String>)> {
        docs.iter()
            .filter(|d| d["kind"] == kind)
            .flat_map(|d| d["rules"].as_array().cloned().unwrap_or_default())
            .flat_map(|r| {
                let verbs: Vec<String> = r["verbs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_owned())
                    .collect();
                let groups: Vec<String> = r["apiGroups"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_owned())
                    .collect();
                let resources: Vec<String> = r["resources"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_owned())
                    .collect();
                groups
                    .into_iter()
                    .flat_map(move |g| {
                        let verbs = verbs.clone();
                        resources
                            .clone()
                            .into_iter()
                            .map(move |res| (g.clone(), res, verbs.clone()))
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let mut cluster_role: Vec<(String, String)> = rules_of("ClusterRole")
        .into_iter()
        .map(|(g, r, verbs)| {
            assert_eq!(verbs, ["get", "list"], "{g}/{r}");
            (g, r)
        })
        .collect();
    cluster_role.sort();
    let mut expected: Vec<(String, String)> = cluster::RESOURCES
        .iter()
        .filter(|r| r.kind != "Secret")
        .map(|r| (r.group.to_owned(), r.plural.to_owned()))
        .collect();
    expected.sort();
    assert_eq!(cluster_role, expected);
    let role = rules_of("Role");
    assert_eq!(
        role,
        [(
            String::new(),
            "secrets".to_owned(),
            vec!["get".to_owned(), "list".to_owned()]
        )]
    );
    assert!(docs.iter().any(|d| d["kind"] == "ClusterRoleBinding"));
    assert!(docs.iter().any(|d| d["kind"] == "ServiceAccount"));
}

/// plugins/stakelint.yaml is a krew `Plugin` manifest (a template for krew-release-bot):
/// with its template expressions filled in, every platform installs `kubectl-stakelint`.
#[test]
fn the_krew_manifest_is_complete() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("plugins/stakelint.yaml"),
    )
    .expect("plugins/stakelint.yaml");
    assert!(text.contains("{{ .TagName }}"));
    // Fill in the krew-release-bot expressions as a release would.
    let mut filled = String::new();
    for line in text.lines() {
        let l = if let Some(i) = line.find("{{ addURIAndSha") {
            let url_start = line[i..].find('"').map(|j| i + j + 1).unwrap();
            let url_end = line[url_start..].find('"').map(|j| url_start + j).unwrap();
            let url = line[url_start..url_end].replace("{{ .TagName }}", "v0.1.0");
            format!(
                "{}uri: {url}\n{}sha256: {}",
                &line[..i],
                " ".repeat(i),
                "ab".repeat(32)
            )
        } else {
            line.replace("{{ .TagName }}", "v0.1.0")
        };
        filled.push_str(&l);
        filled.push('\n');
    }
    let doc: Value = serde_saphyr::from_str(&filled).expect("the filled manifest is YAML");
    assert_eq!(
        doc["apiVersion"],
        "krew.googlecontainertools.github.com/v1alpha2"
    );
    assert_eq!(doc["kind"], "Plugin");
    assert_eq!(doc["metadata"]["name"], "stakelint");
    assert_eq!(doc["spec"]["version"], "v0.1.0");
    let platforms = doc["spec"]["platforms"].as_array().unwrap();
    assert!(platforms.len() >= 3);
    for p in platforms {
        assert!(p["bin"].as_str().unwrap().starts_with("kubectl-stakelint"));
        assert!(p["uri"].as_str().unwrap().contains("v0.1.0"));
        assert_eq!(p["sha256"].as_str().unwrap().len(), 64);
        assert!(p["selector"]["matchLabels"]["os"].is_string());
    }
}

/// The real kubectl finds `kubectl-stakelint` on PATH and runs it: `kubectl plugin list`,
/// `kubectl stakelint --help`, and a lint of the stand-in cluster through kubectl.
#[test]
fn kubectl_dispatches_to_the_plugin() {
    let Some(kubectl) = find_on_path("kubectl") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "kubectl is not installed; .ci/run installs it (Debian package kubernetes-client)"
        );
        eprintln!("skipped: kubectl is not installed");
        return;
    };
    let dir = temp_dir("kubectl");
    let plugin_dir = dir.join("bin");
    std::fs::create_dir_all(&plugin_dir).unwrap();
    let plugin = plugin_dir.join("kubectl-stakelint");
    // A hard link where the file system allows it (the debug binary is large), else a copy.
    let built = env!("CARGO_BIN_EXE_kubectl-stakelint");
    std::fs::hard_link(built, &plugin)
        .or_else(|_| std::fs::copy(built, &plugin).map(|_| ()))
        .expect("put the plugin on the PATH");
    let path = format!(
        "{}:{}",
        plugin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let kubectl_cmd = || {
        let mut c = Command::new(&kubectl);
        c.env("PATH", &path)
            .env("NO_COLOR", "1")
            .env("HOME", &dir)
            .env_remove("KUBECONFIG")
            .stdin(Stdio::null());
        c
    };
    let (code, out, err) = run(kubectl_cmd().args(["plugin", "list"]));
    assert!(
        out.contains(&plugin.display().to_string()),
        "kubectl plugin list (exit {code}):\n{out}\n{err}"
    );
    let (code, out, err) = run(kubectl_cmd().args(["stakelint", "--help"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Usage: kubectl stakelint"), "{out}");
    assert!(out.contains("--include-secrets"), "{out}");
    // kubectl passes every argument through to the plugin.
    let mock = Mock::start(cluster(), HashMap::new(), false);
    let kc = kubeconfig(&dir, &mock.url());
    let (code, out, err) = run(kubectl_cmd().args([
        "stakelint",
        "--kubeconfig",
        kc.to_str().unwrap(),
        "--format",
        "json",
        "--fail-on",
        "never",
    ]));
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).expect("JSON from the plugin");
    assert!(doc["summary"]["environments"].as_u64().unwrap() >= 1);
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// The join of Pods and Nodes works on files too (`kubectl get ds,deploy,rs,pods,nodes -o
/// yaml`): a DaemonSet counts one instance per scheduled pod, finished and unscheduled
/// pods place nothing, and a replica without a scheduled pod keeps its declared placement.
#[test]
fn actual_placement_from_files_with_pods_and_nodes() {
    let ds_pod = |name: &str, node: Option<&str>, phase: &str| {
        let node = node.map_or(String::new(), |n| format!("\n    nodeName: {n}"));
        format!(
            "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: {name}\n    namespace: eth\n    ownerReferences: [{{apiVersion: apps/v1, kind: DaemonSet, name: cl, uid: u1, controller: true}}]\n  spec:{node}\n    containers: [{{name: lighthouse, image: sigp/lighthouse:v7.0.1}}]\n  status: {{phase: {phase}}}\n"
        )
    };
    let text = format!(
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Node\n  metadata:\n    name: n1\n    labels: {{kubernetes.io/hostname: host-1, topology.kubernetes.io/region: us-east-1}}\n- apiVersion: v1\n  kind: Node\n  metadata:\n    name: n2\n    labels: {{topology.kubernetes.io/region: eu-west-1}}\n- apiVersion: apps/v1\n  kind: DaemonSet\n  metadata: {{name: cl, namespace: eth}}\n  spec:\n    selector: {{matchLabels: {{app: cl}}}}\n    template:\n      metadata: {{labels: {{app: cl}}}}\n      spec:\n        containers:\n        - {{name: lighthouse, image: sigp/lighthouse:v7.0.1, args: [lighthouse, bn]}}\n        - {{name: geth, image: ethereum/client-go:v1.15.11}}\n{}{}{}{}",
        ds_pod("cl-a", Some("n1"), "Running"),
        ds_pod("cl-b", Some("n2"), "Running"),
        ds_pod("cl-c", Some("n2"), "Succeeded"),
        ds_pod("cl-d", None, "Pending"),
    );
    let dir = temp_dir("files");
    let path = dir.join("get.yaml");
    std::fs::write(&path, text).unwrap();
    let mut req = request();
    req.paths = vec![path.to_string_lossy().into_owned()];
    let mut a = app::analyze(&req);
    a.errors.retain(|e| e.code != "config");
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    let e = env(&a, "eth");
    let placed: Vec<(String, String)> = e
        .pairs
        .iter()
        .map(|p| {
            let host = match &p.placement {
                Placement::Host(h) => h.value.clone(),
                other => format!("{other:?}"),
            };
            (
                host,
                p.region
                    .as_ref()
                    .map(|r| r.value.clone())
                    .unwrap_or_default(),
            )
        })
        .collect();
    // The node's hostname label names the host; a node without one goes by its name.
    assert_eq!(
        placed,
        [
            ("host-1".to_owned(), "us-east-1".to_owned()),
            ("n2".to_owned(), "eu-west-1".to_owned())
        ]
    );
    assert!(rules_of(&a).contains(&"geo-area"), "{:?}", rules_of(&a));
}

/// Measures a cluster of about 2,000 objects (`cargo test --release --test cluster --
/// --ignored --nocapture`): 200 validator setups of a 3-replica beacon StatefulSet, its
/// pods, a Service and a ConfigMap, on 100 nodes.
#[test]
#[ignore = "a measurement, not a check"]
#[allow(clippy::print_stdout)]
fn measure_a_large_cluster() {
    let mut r = cluster();
    let nodes: Vec<Value> = (0..100)
        .map(|i| {
            node(
                &format!("node-{i}"),
                if i % 2 == 0 {
                    "eu-central-1"
                } else {
                    "eu-west-1"
                },
                "a",
            )
        })
        .collect();
    let mut sts = Vec::new();
    let mut pods = Vec::new();
    let mut svcs = Vec::new();
    let mut cms = Vec::new();
    let spec = beacon_pod_spec();
    for i in 0..200 {
        let name = format!("beacon{i}");
        sts.push(json!({"metadata": meta(&name, Some(NS)),
            "spec": {"replicas": 3, "serviceName": name, "selector": {"matchLabels": {"app": name}},
                "template": {"metadata": {"labels": {"app": name}}, "spec": spec}}}));
        for j in 0..3 {
            pods.push(pod(
                &format!("{name}-{j}"),
                "StatefulSet",
                &name,
                &format!("node-{}", (i + j * 7) % 100),
                &spec,
            ));
        }
        svcs.push(json!({"metadata": meta(&name, Some(NS)), "spec": {"selector": {"app": name}, "ports": [{"port": 5052}]}}));
        cms.push(json!({"metadata": meta(&format!("{name}-config"), Some(NS)), "data": {"config.yaml": "network: hoodi\n"}}));
    }
    let n = nodes.len() + sts.len() + pods.len() + svcs.len() + cms.len();
    for (k, items) in [
        ("nodes", nodes),
        ("statefulsets", sts),
        ("pods", pods),
        ("services", svcs),
        ("configmaps", cms),
    ] {
        r.get_mut(k).unwrap().items = items;
    }
    let mock = Mock::start_paged(r, HashMap::new(), false, 500);
    let dir = temp_dir("measure");
    let opts = options(&kubeconfig(&dir, &mock.url()));
    let t = Instant::now();
    let snapshot = cluster::read(&opts);
    let read = t.elapsed();
    assert!(snapshot.errors.is_empty(), "{:?}", snapshot.errors);
    let docs = snapshot.docs.len();
    let bytes: usize = snapshot.docs.iter().map(|d| d.text.len()).sum();
    let t = Instant::now();
    let a = lint(snapshot);
    let linted = t.elapsed();
    println!(
        "{docs} objects (~{n} generated), {} KiB of YAML: read+serialize {read:?}, model+rules {linted:?}, {} findings, {} pairs",
        bytes / 1024,
        a.findings.len(),
        a.model
            .environments
            .iter()
            .map(|e| e.pairs.len())
            .sum::<usize>()
    );
}
