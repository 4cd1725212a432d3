//! The live-cluster source (`stakelint cluster`, `kubectl stakelint`): reads what runs,
//! read-only, through kube's typed `Api<K>` — `list` only, paginated with
//! `limit`/`continue`, every kind concurrently, each request bounded by
//! `--request-timeout`.
//!
//! Every object read is written out as YAML text and registered in the [`SourceDb`] under
//! a virtual path that names it, `cluster:<context>/<namespace>/<Kind>/<name>` (Nodes:
//! `cluster:<context>/Node/<name>`). That text goes through the same span-tree parser and
//! [`crate::source::manifests::build`] as files do, so findings point at the object and
//! the line of its text, and the same texts concatenated are `--dump`, which `stakelint
//! lint` reads back to the same findings.
//!
//! Secrets are read only when asked (`--include-secrets`), and only their public keys are
//! kept: each entry that holds key files becomes a list of the public keys found in it (a
//! Lighthouse `validator_definitions.yml` with `voting_public_key`s only, or web3signer
//! `type` lines for keys whose public key cannot be read offline); every other value is
//! replaced by a marker before any text exists. No Secret value reaches the source
//! database, an output or the dump.

use crate::diagnostic::InputError;
use crate::model::{FileId, Span};
use crate::source::files::SourceFile;
use crate::source::load::Loaded;
use crate::source::{k8s, keyfiles, yaml};
use k8s_openapi::ByteString;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::{ConfigMap, Node, Pod, Secret, Service};
use kube::api::{Api, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};
use kube::{Client, Config};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Objects per list request (`limit`); the rest is fetched with `continue`.
pub const PAGE_SIZE: u32 = 500;
/// A list that has not ended after this many pages is abandoned (a server that keeps
/// handing out `continue` tokens must not keep the run going).
const MAX_PAGES: usize = 10_000;
/// The object budget: a list of one kind holding more objects than this stops with an
/// error rather than growing without bound (a validator cluster holds hundreds, a hostile
/// or misbehaving API server could hand out any number; see SECURITY.md).
pub const MAX_OBJECTS_PER_LIST: usize = 100_000;
/// Written instead of a Secret value that holds no key file.
pub const WITHHELD: &str = "<withheld by stakelint: not a key file>";
/// Starts the value written instead of a Secret entry that looks like a key file but
/// cannot be read; the reason follows.
pub const UNREADABLE: &str = "<withheld by stakelint: a key file that cannot be read";
/// Annotations kept on a Secret (every other annotation may quote its data, e.g.
/// `kubectl.kubernetes.io/last-applied-configuration`).
fn keep_secret_annotation(key: &str) -> bool {
    key == "helm.sh/hook" || key.contains("stakelint.io/")
}

/// How to reach the cluster and what to read (kubectl's flags).
#[derive(Debug, Clone)]
pub struct Options {
    /// `--kubeconfig`; else `KUBECONFIG`, else `~/.kube/config`, else the in-cluster
    /// service account.
    pub kubeconfig: Option<PathBuf>,
    /// `--context`; else the kubeconfig's current context.
    pub context: Option<String>,
    /// `-n`; else the context's namespace (`default` when it names none).
    pub namespace: Option<String>,
    /// `-A`: every namespace.
    pub all_namespaces: bool,
    /// Bound of each request (connect, send, answer).
    pub request_timeout: Duration,
    /// `--include-secrets`: read Secrets (public keys only).
    pub include_secrets: bool,
    /// `--max-objects`: the object budget of one list ([`MAX_OBJECTS_PER_LIST`]).
    pub max_objects: usize,
}

/// One kind stakelint reads, as RBAC names it, and what is not assessed without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resource {
    pub kind: &'static str,
    /// API group (`""` for the core group).
    pub group: &'static str,
    /// RBAC resource name.
    pub plural: &'static str,
    pub namespaced: bool,
    /// What cannot be assessed when it cannot be read.
    pub without: &'static str,
}

/// Every kind read, in the order objects are handed to the model (and written to
/// `--dump`). Secrets come last and only with `--include-secrets`.
pub const RESOURCES: &[Resource] = &[
    Resource {
        kind: "Node",
        group: "",
        plural: "nodes",
        namespaced: false,
        without: "the regions and zones of the nodes pods run on are not assessed (pairs keep the regions their workloads declare)",
    },
    Resource {
        kind: "StatefulSet",
        group: "apps",
        plural: "statefulsets",
        namespaced: true,
        without: "clients run by StatefulSets are not assessed",
    },
    Resource {
        kind: "Deployment",
        group: "apps",
        plural: "deployments",
        namespaced: true,
        without: "clients run by Deployments are not assessed",
    },
    Resource {
        kind: "DaemonSet",
        group: "apps",
        plural: "daemonsets",
        namespaced: true,
        without: "clients run by DaemonSets are not assessed",
    },
    Resource {
        kind: "ReplicaSet",
        group: "apps",
        plural: "replicasets",
        namespaced: true,
        without: "the pods of Deployments cannot be traced to them, so their actual placement is not assessed",
    },
    Resource {
        kind: "Pod",
        group: "",
        plural: "pods",
        namespaced: true,
        without: "actual placement (hosts, regions, zones) is not assessed: workloads are judged on what they declare",
    },
    Resource {
        kind: "Service",
        group: "",
        plural: "services",
        namespaced: true,
        without: "engine-API and signer links through Services are not resolved",
    },
    Resource {
        kind: "ConfigMap",
        group: "",
        plural: "configmaps",
        namespaced: true,
        without: "keys in ConfigMaps are not assessed",
    },
    Resource {
        kind: "HorizontalPodAutoscaler",
        group: "autoscaling",
        plural: "horizontalpodautoscalers",
        namespaced: true,
        without: "autoscalers on validator clients are not assessed",
    },
    Resource {
        kind: "Secret",
        group: "",
        plural: "secrets",
        namespaced: true,
        without: "keys in Secrets are not assessed",
    },
];

/// One object read, as text.
#[derive(Debug)]
pub struct Doc {
    /// `cluster:<context>/<namespace>/<Kind>/<name>`.
    pub path: String,
    /// `---` and the object as YAML (JSON when YAML would not read back the same).
    pub text: String,
    /// The parsed text (parsed once, to check that it reads back as the object).
    tree: Option<yaml::At<yaml::Node>>,
}

/// What was read from the cluster.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// The kubeconfig context (`in-cluster` for a service account).
    pub context: String,
    /// The API server's URL.
    pub server: String,
    /// `all namespaces`, or `namespace <ns>`.
    pub scope: String,
    pub docs: Vec<Doc>,
    /// Resources that could not be read, and a cluster that could not be reached.
    pub errors: Vec<InputError>,
}

/// Which namespaces to list.
#[derive(Debug, Clone)]
enum Scope {
    All,
    Namespace(String),
}

/// Why a list failed.
#[derive(Debug)]
enum Failure {
    /// HTTP 403: the credentials lack `list` on the resource.
    Forbidden,
    /// HTTP 401: the credentials were rejected.
    Unauthorized,
    /// HTTP 404: the server does not serve this API version.
    NotServed,
    /// Another error status.
    Status(u16, String),
    /// No answer within the timeout.
    Timeout,
    /// No connection (refused, DNS, TLS, …).
    Transport(String),
    /// A page that could not be parsed, or a list that never ended.
    Other(String),
}

/// Reads the cluster. Never panics and never waits longer than the request timeout per
/// request: what cannot be read is an error in the snapshot; the rest is kept.
pub fn read(opts: &Options) -> Snapshot {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            let mut s = Snapshot::default();
            s.errors.push(InputError::file(
                "cluster",
                "cluster",
                format!("cannot start the cluster client: {e}"),
            ));
            return s;
        }
    };
    runtime.block_on(read_async(opts))
}

async fn read_async(opts: &Options) -> Snapshot {
    let mut snap = Snapshot::default();
    let (config, context) = match configure(opts).await {
        Ok(c) => c,
        Err(message) => {
            snap.context = opts.context.clone().unwrap_or_default();
            snap.errors.push(
                InputError::file("cluster", "cluster", message)
                    .help("pass --kubeconfig FILE and --context NAME, or set KUBECONFIG"),
            );
            return snap;
        }
    };
    snap.context = context;
    snap.server = config.cluster_url.to_string();
    let scope = if opts.all_namespaces {
        Scope::All
    } else {
        Scope::Namespace(
            opts.namespace
                .clone()
                .unwrap_or_else(|| config.default_namespace.clone()),
        )
    };
    snap.scope = match &scope {
        Scope::All => "all namespaces".to_owned(),
        Scope::Namespace(ns) => format!("namespace {ns}"),
    };
    let client = match Client::try_from(config) {
        Ok(c) => c,
        Err(e) => {
            snap.errors.push(InputError::file(
                "cluster",
                &snap.origin_path(),
                format!("cannot create a client for `{}`: {e}", snap.server),
            ));
            return snap;
        }
    };
    let results = list_everything(&client, &scope, opts).await;
    snap.collect(results, &scope, opts.request_timeout);
    snap
}

/// The kube configuration and the context's name: the kubeconfig (`--kubeconfig`, else
/// `KUBECONFIG`, else `~/.kube/config`) with `--context`; without any kubeconfig, the
/// in-cluster service account.
async fn configure(opts: &Options) -> Result<(Config, String), String> {
    let kubeconfig = match &opts.kubeconfig {
        Some(path) => Some(Kubeconfig::read_from(path).map_err(|e| kubeconfig_error(&e))?),
        None => match Kubeconfig::read() {
            Ok(k) => Some(k),
            // Explicitly configured (KUBECONFIG, --context) but unreadable: say so.
            Err(e) if std::env::var_os("KUBECONFIG").is_some() || opts.context.is_some() => {
                return Err(kubeconfig_error(&e));
            }
            Err(_) => None,
        },
    };
    let mut config;
    let context;
    if let Some(kc) = kubeconfig {
        context = opts
            .context
            .clone()
            .or_else(|| kc.current_context.clone())
            .ok_or("the kubeconfig has no current context; pass --context NAME")?;
        let options = KubeConfigOptions {
            context: Some(context.clone()),
            ..KubeConfigOptions::default()
        };
        config = Config::from_custom_kubeconfig(kc, &options)
            .await
            .map_err(|e| format!("cannot use context `{context}`: {}", kubeconfig_error(&e)))?;
    } else {
        config = Config::incluster().map_err(|e| {
            format!(
                "no kubeconfig found (no --kubeconfig, KUBECONFIG unset, no ~/.kube/config) and not running in a cluster: {e}"
            )
        })?;
        context = "in-cluster".to_owned();
    }
    let t = Some(opts.request_timeout);
    config.connect_timeout = t;
    config.read_timeout = t;
    config.write_timeout = t;
    // A 429/503 is reported, not retried for up to 15 times: the run must end in time.
    config.default_retry = false;
    Ok((config, context))
}

/// A kubeconfig error, without quoting the file (it holds tokens and keys).
fn kubeconfig_error(e: &KubeconfigError) -> String {
    match e {
        KubeconfigError::Parse(p) => match p.location() {
            Some(l) => format!(
                "cannot parse the kubeconfig (line {}, column {})",
                l.line(),
                l.column()
            ),
            None => "cannot parse the kubeconfig".to_owned(),
        },
        KubeconfigError::ReadConfig(io, path) => {
            format!("cannot read kubeconfig `{}`: {io}", path.display())
        }
        other => other.to_string(),
    }
}

type Listed = Result<Vec<Value>, Failure>;

/// Lists every resource concurrently; results in [`RESOURCES`] order.
async fn list_everything(
    client: &Client,
    scope: &Scope,
    opts: &Options,
) -> Vec<(Resource, Listed)> {
    let mut set = tokio::task::JoinSet::new();
    let mut tasks = std::collections::HashMap::new();
    let t = ListLimits {
        timeout: opts.request_timeout,
        max_objects: opts.max_objects,
    };
    for (i, r) in RESOURCES.iter().enumerate() {
        let c = client.clone();
        let s = scope.clone();
        let task = match r.kind {
            "Node" => set.spawn(async move { (i, list::<Node>(Api::all(c), t, plain).await) }),
            "StatefulSet" => {
                set.spawn(async move { (i, list(api::<StatefulSet>(c, &s), t, plain).await) })
            }
            "Deployment" => {
                set.spawn(async move { (i, list(api::<Deployment>(c, &s), t, plain).await) })
            }
            "DaemonSet" => {
                set.spawn(async move { (i, list(api::<DaemonSet>(c, &s), t, plain).await) })
            }
            "ReplicaSet" => {
                set.spawn(async move { (i, list(api::<ReplicaSet>(c, &s), t, plain).await) })
            }
            "Pod" => set.spawn(async move { (i, list(api::<Pod>(c, &s), t, plain).await) }),
            "Service" => set.spawn(async move { (i, list(api::<Service>(c, &s), t, plain).await) }),
            "ConfigMap" => {
                set.spawn(async move { (i, list(api::<ConfigMap>(c, &s), t, plain).await) })
            }
            "HorizontalPodAutoscaler" => set.spawn(async move {
                (
                    i,
                    list(api::<HorizontalPodAutoscaler>(c, &s), t, plain).await,
                )
            }),
            "Secret" if opts.include_secrets => {
                set.spawn(async move { (i, list(api::<Secret>(c, &s), t, public_secret).await) })
            }
            _ => continue,
        };
        tasks.insert(task.id(), i);
    }
    let mut out: Vec<(usize, Listed)> = Vec::new();
    while let Some(joined) = set.join_next_with_id().await {
        match joined {
            Ok((_, r)) => out.push(r),
            // A task that panicked (it should not): its resource is reported as unread.
            Err(e) => {
                if let Some(i) = tasks.get(&e.id()) {
                    out.push((*i, Err(Failure::Other(format!("the reader stopped: {e}")))));
                }
            }
        }
    }
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(i, r)| (RESOURCES[i], r)).collect()
}

fn api<K>(client: Client, scope: &Scope) -> Api<K>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope>,
    <K as kube::Resource>::DynamicType: Default,
{
    match scope {
        Scope::All => Api::all(client),
        Scope::Namespace(ns) => Api::namespaced(client, ns),
    }
}

/// Lists every object of `api`, page by page, each page within `timeout`, and turns each
/// into JSON (through `to_value`, which drops what must not be kept).
/// What one list may take: time per page, objects in all.
#[derive(Debug, Clone, Copy)]
struct ListLimits {
    timeout: Duration,
    max_objects: usize,
}

async fn list<K>(api: Api<K>, limits: ListLimits, to_value: fn(K) -> Option<Value>) -> Listed
where
    K: Clone + DeserializeOwned + Debug + Serialize,
{
    let ListLimits {
        timeout,
        max_objects,
    } = limits;
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut params = ListParams::default().limit(PAGE_SIZE);
        if let Some(t) = &token {
            params = params.continue_token(t);
        }
        let page = match tokio::time::timeout(timeout, api.list(&params)).await {
            Err(_) => return Err(Failure::Timeout),
            Ok(Err(e)) => return Err(failure(e)),
            Ok(Ok(page)) => page,
        };
        if out.len() + page.items.len() > max_objects {
            return Err(Failure::Other(format!(
                "the list holds more than {max_objects} objects, the object budget of one \
                 list (--max-objects): stopped"
            )));
        }
        out.extend(page.items.into_iter().filter_map(to_value));
        match page.metadata.continue_ {
            Some(next) if !next.is_empty() && token.as_deref() != Some(next.as_str()) => {
                token = Some(next);
            }
            _ => return Ok(out),
        }
    }
    Err(Failure::Other(format!(
        "the list did not end after {MAX_PAGES} pages"
    )))
}

fn failure(e: kube::Error) -> Failure {
    match e {
        kube::Error::Api(status) => match status.code {
            403 => Failure::Forbidden,
            401 => Failure::Unauthorized,
            404 => Failure::NotServed,
            code => Failure::Status(code, status.message.clone()),
        },
        kube::Error::SerdeError(e) => Failure::Other(format!("unexpected answer: {e}")),
        other => {
            // The innermost cause says most ("Connection refused", "deadline has elapsed").
            let mut cause: &dyn std::error::Error = &other;
            while let Some(next) = cause.source() {
                cause = next;
            }
            let text = cause.to_string();
            if text.contains("elapsed") || text.to_lowercase().contains("timed out") {
                Failure::Timeout
            } else {
                Failure::Transport(text)
            }
        }
    }
}

/// An object as JSON, without `managedFields` and the last-applied copy of itself.
fn plain<K: Serialize>(object: K) -> Option<Value> {
    let mut v = serde_json::to_value(object).ok()?;
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
        if let Some(a) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            a.remove("kubectl.kubernetes.io/last-applied-configuration");
            if a.is_empty() {
                meta.remove("annotations");
            }
        }
    }
    Some(v)
}

/// A Secret with nothing but public keys: each entry that holds key files becomes the list
/// of the public keys found in it; every other value becomes a marker. Written as
/// `stringData`, so the dump shows which keys were taken.
fn public_secret(mut s: Secret) -> Option<Value> {
    let mut public: BTreeMap<String, String> = BTreeMap::new();
    let data = s.data.take().unwrap_or_default();
    let string_data = s.string_data.take().unwrap_or_default();
    let entries = data
        .into_iter()
        .map(|(k, ByteString(v))| (k, String::from_utf8_lossy(&v).into_owned()))
        .chain(string_data);
    for (key, text) in entries {
        match keyfiles::parse(&text) {
            Ok(Some(f)) => {
                let (keys, opaque) = public_key_files(&f);
                match (keys, opaque) {
                    (Some(k), Some(o)) => {
                        public.insert(key.clone(), k);
                        public.insert(format!("{key}.opaque"), o);
                    }
                    (Some(t), None) | (None, Some(t)) => {
                        public.insert(key, t);
                    }
                    (None, None) => {
                        public.insert(key, WITHHELD.to_owned());
                    }
                }
            }
            Ok(None) => {
                public.insert(key, WITHHELD.to_owned());
            }
            Err(e) => {
                public.insert(key, format!("{UNREADABLE}: {}>", e.message));
            }
        }
    }
    s.string_data = (!public.is_empty()).then_some(public);
    s.metadata.managed_fields = None;
    if let Some(a) = &mut s.metadata.annotations {
        a.retain(|k, _| keep_secret_annotation(k));
        if a.is_empty() {
            s.metadata.annotations = None;
        }
    }
    plain(s)
}

/// The public part of a key file: its keys as a Lighthouse `validator_definitions.yml`
/// (keeping `enabled`), and its keys that have no public key offline as web3signer
/// documents of their `type` only.
fn public_key_files(f: &keyfiles::KeyFile) -> (Option<String>, Option<String>) {
    let keys = (!f.keys.is_empty()).then(|| {
        let mut t = format!(
            "# public keys stakelint took from this entry ({}); everything else is withheld\n",
            f.format.as_str()
        );
        for k in &f.keys {
            t.push_str(&format!(
                "- enabled: {}\n  voting_public_key: \"{}\"\n",
                k.enabled, k.pubkey
            ));
        }
        t
    });
    let opaque = (!f.opaque.is_empty()).then(|| {
        let docs: Vec<String> = f
            .opaque
            .iter()
            .map(|o| format!("type: \"{}\"\nkeyType: BLS\n", o.kind))
            .collect();
        format!(
            "# keys whose public key cannot be read offline; everything else is withheld\n{}",
            docs.join("---\n")
        )
    });
    (keys, opaque)
}

/// `---` and the object as YAML; as JSON when the YAML would not read back as the same
/// object (JSON is YAML, and reads back exactly). Returns the text and its parse.
fn document(value: &Value) -> (String, Option<yaml::At<yaml::Node>>) {
    let parse = |text: &str| {
        let src = SourceFile::new(String::new(), text);
        yaml::parse_stream(FileId(0), &src)
            .ok()
            .and_then(|mut docs| (docs.len() == 1).then(|| docs.remove(0)))
    };
    if let Ok(body) = serde_saphyr::to_string(value) {
        let text = format!("---\n{body}");
        if let Some(tree) = parse(&text).filter(|t| t.value.to_json() == *value) {
            return (text, Some(tree));
        }
    }
    let body = serde_json::to_string_pretty(value).unwrap_or_else(|_| "{}".to_owned());
    let text = format!("---\n{body}\n");
    let tree = parse(&text);
    (text, tree)
}

impl Snapshot {
    /// The path of errors that concern the whole cluster.
    fn origin_path(&self) -> String {
        format!("cluster:{}", self.context)
    }

    fn object_path(&self, kind: &str, value: &Value) -> String {
        let meta = value.get("metadata");
        let field = |f: &str| meta.and_then(|m| m.get(f)).and_then(Value::as_str);
        let name = field("name").unwrap_or("");
        match field("namespace") {
            Some(ns) => format!("cluster:{}/{ns}/{kind}/{name}", self.context),
            None => format!("cluster:{}/{kind}/{name}", self.context),
        }
    }

    /// Turns the lists into documents (sorted by namespace and name within each kind) and
    /// failures into errors that say what is not assessed.
    fn collect(&mut self, results: Vec<(Resource, Listed)>, scope: &Scope, timeout: Duration) {
        let mut unreachable: Vec<(Resource, Failure)> = Vec::new();
        for (r, listed) in results {
            match listed {
                Ok(mut values) => {
                    values.sort_by_cached_key(|v| self.object_path(r.kind, v));
                    for v in values {
                        let path = self.object_path(r.kind, &v);
                        let (text, tree) = document(&v);
                        self.docs.push(Doc { path, text, tree });
                    }
                }
                Err(f @ (Failure::Timeout | Failure::Transport(_))) => unreachable.push((r, f)),
                Err(f) => {
                    let e = self.list_error(r, &f, scope);
                    self.errors.push(e);
                }
            }
        }
        if unreachable.is_empty() {
            return;
        }
        let names: Vec<&str> = unreachable.iter().map(|(r, _)| r.plural).collect();
        let why = match &unreachable[0].1 {
            Failure::Transport(cause) => format!("cannot reach the cluster: {cause}"),
            _ => format!("no answer within {} (--request-timeout)", humanize(timeout)),
        };
        let what = if self.docs.is_empty() && self.errors.is_empty() {
            "nothing was read".to_owned()
        } else {
            format!("{} were not read", names.join(", "))
        };
        self.errors.push(
            InputError::file(
                "cluster",
                &self.origin_path(),
                format!(
                    "{why} (context `{}`, server {}); {what}",
                    self.context, self.server
                ),
            )
            .help("check the network path to the API server, or raise --request-timeout"),
        );
    }

    fn list_error(&self, r: Resource, f: &Failure, scope: &Scope) -> InputError {
        let (where_, can_i) = match (scope, r.namespaced) {
            (Scope::Namespace(ns), true) => (format!("in namespace {ns}"), format!("-n {ns}")),
            _ => ("at the cluster scope".to_owned(), "-A".to_owned()),
        };
        let group = if r.group.is_empty() {
            String::new()
        } else {
            format!(" in API group `{}`", r.group)
        };
        let (message, help) = match f {
            Failure::Forbidden => {
                let role = if r.kind == "Secret" {
                    "the Role (or ClusterRole)"
                } else {
                    "the ClusterRole"
                };
                (
                    format!(
                        "forbidden: list {} {where_}: {role} lacks `list` on `{}`{group}; {}",
                        r.plural, r.plural, r.without
                    ),
                    format!(
                        "deploy/rbac.yaml grants exactly what stakelint reads; check with `kubectl auth can-i list {} {can_i}`",
                        resource_name(r)
                    ),
                )
            }
            Failure::Unauthorized => (
                format!(
                    "unauthorized: the credentials of context `{}` were rejected listing {}; {}",
                    self.context, r.plural, r.without
                ),
                "refresh the credentials (e.g. log in again) and retry".to_owned(),
            ),
            Failure::NotServed => (
                format!(
                    "the server does not serve {}{group}; {}",
                    r.plural, r.without
                ),
                "stakelint reads apps/v1, autoscaling/v2 and v1 (Kubernetes 1.23 or later)"
                    .to_owned(),
            ),
            Failure::Status(code, msg) => (
                format!(
                    "list {} {where_} failed (HTTP {code}: {msg}); {}",
                    r.plural, r.without
                ),
                "retry later; the API server answered with an error".to_owned(),
            ),
            Failure::Timeout | Failure::Transport(_) | Failure::Other(_) => (
                format!(
                    "list {} {where_} failed: {}; {}",
                    r.plural,
                    match f {
                        Failure::Other(m) | Failure::Transport(m) => m.as_str(),
                        _ => "no answer in time",
                    },
                    r.without
                ),
                "retry; if it persists, report it with --dump".to_owned(),
            ),
        };
        InputError::file("cluster", &self.origin_path(), message).help(help)
    }

    /// The objects read, as one multi-document YAML stream that `stakelint lint` reads
    /// back to the same findings. Secret values are not in it.
    pub fn dump(&self) -> String {
        let mut out = format!(
            "# stakelint cluster dump: context `{}`, {}, {} objects (stakelint {})\n# Secret values are withheld: only the public keys found in them are written.\n# Lint it again with `stakelint lint <this file>`.\n",
            self.context,
            self.scope,
            self.docs.len(),
            env!("CARGO_PKG_VERSION")
        );
        for d in &self.docs {
            out.push_str(&d.text);
        }
        out
    }

    /// Registers every object under its virtual path and hands it to the model, with the
    /// errors of what could not be read. Call [`Loaded::finish`] afterwards.
    pub fn load_into(self, loaded: &mut Loaded) {
        loaded.errors.extend(self.errors);
        for doc in self.docs {
            let id = loaded.db.add(SourceFile::new(doc.path, doc.text));
            loaded.files += 1;
            let tree = match doc.tree {
                Some(t) => t,
                None => match yaml::parse_stream(id, loaded.db.get(id)) {
                    Ok(mut docs) if !docs.is_empty() => docs.remove(0),
                    Ok(_) => continue,
                    Err(e) => {
                        loaded.errors.push(e);
                        continue;
                    }
                },
            };
            add_object(loaded, id, tree);
        }
    }
}

/// Types one object's tree, masks Secret values (there are only public keys and markers
/// left, but a dump read back masks them too: the snippets agree), indexes its pointers.
fn add_object(loaded: &mut Loaded, id: FileId, tree: yaml::At<yaml::Node>) {
    let len = loaded.db.get(id).text().len();
    let start = yaml::origin_of(id, 0, &tree).span.start as usize;
    let tree = Arc::new(tree);
    let mut pointers = Vec::new();
    index_pointers(&tree, &mut String::new(), &mut pointers);
    loaded.db.set_pointers(id, pointers);
    if tree.value.get("kind").and_then(|k| k.value.as_str()) == Some("Secret") {
        for field in ["data", "stringData"] {
            if let Some(yaml::Node::Map(entries)) = tree.value.get(field).map(|n| &n.value) {
                for (k, v) in entries {
                    let at = yaml::origin_of(id, 0, v);
                    loaded.db.mask(id, at.span);
                    if let Some(why) = v.value.as_str().and_then(|s| s.strip_prefix(UNREADABLE)) {
                        let name = tree
                            .value
                            .get("metadata")
                            .and_then(|m| m.value.get("name"))
                            .and_then(|n| n.value.as_str())
                            .unwrap_or("");
                        loaded.errors.push(crate::diagnostic::InputError::at(
                            "key-file",
                            at,
                            format!(
                                "Secret `{name}`, entry `{}`{}",
                                k.value,
                                why.trim_end_matches('>')
                            ),
                        ));
                    }
                }
            }
        }
    }
    match k8s::typed(id, &tree, "", Span::new(start, len - start.min(len))) {
        Ok(Some(o)) => loaded.objects.push(o),
        Ok(None) => {}
        Err(e) => loaded.errors.push(e),
    }
}

/// Every node's span → its JSON pointer (a mapping entry's key too), for locating
/// findings by field path.
fn index_pointers(node: &yaml::At<yaml::Node>, ptr: &mut String, out: &mut Vec<(Span, String)>) {
    let o = yaml::origin_of(FileId(0), 0, node);
    out.push((o.span, ptr.clone()));
    let len = ptr.len();
    match &node.value {
        yaml::Node::Map(entries) => {
            for (k, v) in entries {
                ptr.push('/');
                ptr.push_str(&k8s::escape(&k.value));
                out.push((yaml::origin_of(FileId(0), 0, k).span, ptr.clone()));
                index_pointers(v, ptr, out);
                ptr.truncate(len);
            }
        }
        yaml::Node::Seq(items) => {
            for (i, v) in items.iter().enumerate() {
                ptr.push_str(&format!("/{i}"));
                index_pointers(v, ptr, out);
                ptr.truncate(len);
            }
        }
        _ => {}
    }
}

/// `kubectl auth can-i` names: `pods`, `deployments.apps`.
fn resource_name(r: Resource) -> String {
    if r.group.is_empty() {
        r.plural.to_owned()
    } else {
        format!("{}.{}", r.plural, r.group)
    }
}

/// `10s`, `1.5s`, `2m`.
pub fn humanize(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(60_000) && ms > 0 {
        format!("{}m", ms / 60_000)
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// Parses kubectl's `--request-timeout`: a number of seconds, or a number with a unit
/// (`ms`, `s`, `m`, `h`), e.g. `10s`, `1m`, `500ms`. Zero is refused: the run must end.
pub fn parse_timeout(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{text}` is not a duration (e.g. 10s, 1m, 500ms)"))?;
    let secs = match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => {
            return Err(format!(
                "`{text}`: unknown unit `{unit}` (use ms, s, m or h)"
            ));
        }
    };
    if !(secs.is_finite() && secs > 0.0 && secs <= 86_400.0) {
        return Err(format!(
            "`{text}`: the request timeout must be above zero and at most 24h"
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_parse_like_kubectl() {
        assert_eq!(parse_timeout("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_timeout("5"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_timeout("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(parse_timeout("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_timeout("0").is_err());
        assert!(parse_timeout("10x").is_err());
        assert!(parse_timeout("").is_err());
        assert_eq!(humanize(Duration::from_secs(10)), "10s");
        assert_eq!(humanize(Duration::from_millis(1500)), "1500ms");
    }

    #[test]
    fn documents_read_back_as_the_object() {
        let v = serde_json::json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "x", "namespace": "ns", "labels": {"on": "yes", "n": "0644"}},
            "data": {"a": "true", "b": "1.0", "c": "null", "d": "line1\nline2\n", "e": "~", "f": "- x"}
        });
        let (text, tree) = document(&v);
        assert!(text.starts_with("---\n"));
        assert_eq!(tree.unwrap().value.to_json(), v);
    }

    #[test]
    fn secrets_keep_public_keys_only() {
        let pk = "0xaf51b856584c5e12a7ca95099fedae1e1959e1c4584d70a9556b705ff4a1db3c1c934770d47404e150afc349a49c4a27";
        let keystore = format!(
            r#"{{"crypto": {{"kdf": {{"function": "scrypt", "params": {{}}, "message": ""}}, "checksum": {{"function": "sha256", "params": {{}}, "message": "cafe"}}, "cipher": {{"function": "aes-128-ctr", "params": {{"iv": "00"}}, "message": "SECRETSECRET"}}}}, "pubkey": "{}", "path": "m/12381/3600/0/0/0", "uuid": "u", "version": 4}}"#,
            &pk[2..]
        );
        let s: Secret = serde_json::from_value(serde_json::json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "keys", "namespace": "v", "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": "{\"data\": \"SECRETSECRET\"}",
                "stakelint.io/note": "kept"}},
            "data": {
                "keystore-0.json": k8s_openapi::ByteString(keystore.into_bytes()),
                "password.txt": k8s_openapi::ByteString(b"SECRETSECRET".to_vec()),
            }
        }))
        .unwrap();
        let v = public_secret(s).unwrap();
        let text = v.to_string();
        assert!(!text.contains("SECRETSECRET"), "{text}");
        assert!(text.contains(&pk[2..]), "{text}");
        assert_eq!(v["stringData"]["password.txt"], WITHHELD);
        assert!(v.get("data").is_none());
        assert_eq!(v["metadata"]["annotations"]["stakelint.io/note"], "kept");
        // What is written is still a key file with the same key.
        let defs = v["stringData"]["keystore-0.json"].as_str().unwrap();
        let f = keyfiles::parse(defs).unwrap().unwrap();
        assert_eq!(f.keys.len(), 1);
        assert_eq!(f.keys[0].pubkey.to_string(), pk);
    }

    #[test]
    fn pointers_name_every_node_and_key() {
        let src = SourceFile::new(
            String::new(),
            "---\nspec:\n  containers:\n    - image: x\n      args: [a, b]\n",
        );
        let tree = yaml::parse_stream(FileId(0), &src).unwrap().remove(0);
        let mut out = Vec::new();
        index_pointers(&tree, &mut String::new(), &mut out);
        let at = |p: &str| out.iter().find(|(_, q)| q == p).map(|(s, _)| *s).unwrap();
        let b = at("/spec/containers/0/args/1");
        assert_eq!(&src.text()[b.start as usize..b.end()], "b");
    }
}
