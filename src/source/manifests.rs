//! The Kubernetes-manifest source: workloads, Services, Secrets, ConfigMaps and HPAs into
//! CL:EL pairs, validator clients, signers and keys (SPEC §2.1).
//!
//! Every model element points at the YAML node it came from: a client at its container's
//! `image`, a flag at its `args` item (or the word inside an `sh -c` script), replicas at
//! `spec.replicas`, a region at its node selector value.

use crate::data::clients::{self, Entry, Role};
use crate::diagnostic::InputError;
use crate::model::{
    ClientRef, ImageRef, KeySet, Located, Model, Origin, Pair, Placement, PubKey, Scope, Signer,
    SignerKind, Suppression, SuppressionSource, UnassignedKeys, Unrecognised, ValidatorClient,
};
use crate::source::files::SourceDb;
use crate::source::k8s::slim::{Container, LabelSelector, Map, ObjectMeta, PodSpec};
use crate::source::k8s::{Object, Typed, escape};
use crate::source::keyfiles;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};

mod second_wave;

const ENV_LABEL: &str = "stakelint.io/environment";
const REGION_LABEL: &str = "stakelint.io/region";
const PUBKEYS: &str = "stakelint.io/pubkeys";
const KEY_COUNT: &str = "stakelint.io/key-count";
const IGNORE_PREFIX: &str = "ignore-check.stakelint.io/";
const IGNORE_ALL: &str = "stakelint.io/ignore-all";
const HOSTNAME: &str = "kubernetes.io/hostname";
const REGION_KEYS: &[&str] = &[
    "topology.kubernetes.io/region",
    "failure-domain.beta.kubernetes.io/region",
];
const ZONE_KEYS: &[&str] = &[
    "topology.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/zone",
];

/// A word of a container's command line and where it is written.
#[derive(Debug, Clone)]
struct Token {
    text: String,
    origin: Origin,
}

/// A container with its classification.
struct Classified<'o> {
    container: &'o Container,
    ptr: String,
    entry: Option<&'static Entry>,
    tokens: Vec<Token>,
}

/// A workload (StatefulSet, Deployment, DaemonSet, ReplicaSet or bare Pod).
struct Workload<'o> {
    /// Its position among the workloads.
    pos: usize,
    obj: &'o Object,
    namespace: String,
    pod: &'o PodSpec,
    pod_ptr: &'static str,
    template: Option<&'o ObjectMeta>,
    replicas: Option<i32>,
    containers: Vec<Classified<'o>>,
}

impl<'o> Workload<'o> {
    /// The labels of its pods: its template's, or a bare Pod's own.
    fn pod_label_pairs(&self) -> impl Iterator<Item = (&'o str, &'o str)> {
        let own = match &self.obj.typed {
            Typed::Pod(_) => self.obj.typed.meta().labels.as_ref(),
            _ => None,
        };
        let template = self.template.and_then(|m| m.labels.as_ref());
        template
            .into_iter()
            .flatten()
            .chain(own.into_iter().flatten())
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl Workload<'_> {
    fn name(&self) -> &str {
        self.obj.name()
    }
    fn pod_labels(&self) -> BTreeMap<String, String> {
        self.pod_label_pairs()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }
    /// A label or annotation on the workload or its pod template, with its origin.
    fn meta_value(&self, key: &str) -> Option<Located<String>> {
        let k = escape(key);
        let sources: [(Option<&ObjectMeta>, &str); 2] = [
            (Some(self.obj.typed.meta()), "/metadata"),
            (self.template, "/spec/template/metadata"),
        ];
        for (meta, ptr) in sources {
            let Some(meta) = meta else { continue };
            for (map, field) in [(&meta.labels, "labels"), (&meta.annotations, "annotations")] {
                if let Some(v) = map.as_ref().and_then(|m| m.get(key)) {
                    let origin = self
                        .obj
                        .at(&format!("{ptr}/{field}/{k}"))
                        .unwrap_or(self.obj.name_origin());
                    return Some(Located::new(v.clone(), origin));
                }
            }
        }
        None
    }
    fn instances(&self) -> u32 {
        u32::try_from(self.replicas.unwrap_or(1)).unwrap_or(0)
    }
    fn replicas_origin(&self) -> Origin {
        self.obj
            .at("/spec/replicas")
            .unwrap_or(self.obj.name_origin())
    }
}

/// Builds the model of all manifest objects. `namespace` is the one objects without
/// `metadata.namespace` take (`lint -n`, else `default`).
pub fn build(objects: &[Object], db: &SourceDb, namespace: &str) -> (Model, Vec<InputError>) {
    let mut b = Builder {
        db,
        objects,
        namespace,
        model: Model::default(),
        errors: Vec::new(),
        claimed: HashSet::new(),
        live: Live::index(objects, namespace),
        index: Index::new(objects, namespace),
        envs: HashMap::new(),
        finder: Finder::default(),
        exposed: HashMap::new(),
    };
    let workloads = b.workloads();
    b.finder = Finder::new(&workloads, namespace);
    b.exposed = exposed(objects, &b.finder, &workloads, namespace);
    // Each workload is read on its own (in parallel); what it adds is merged in input
    // order, so the model never depends on scheduling. In chunks, so the parts of every
    // workload are never held at once beside the model they are merged into.
    for chunk in workloads.chunks(1024) {
        let parts: Vec<(Option<Part>, Acc)> = {
            let b = &b;
            chunk
                .par_iter()
                .map(|w| {
                    let mut acc = Acc::default();
                    let part = b.workload(w, &workloads, &mut acc);
                    (part, acc)
                })
                .collect()
        };
        for (part, acc) in parts {
            b.errors.extend(acc.errors);
            b.claimed.extend(acc.claimed);
            b.model.suppressions.extend(acc.suppressions);
            if let Some(part) = part {
                b.merge(part);
            }
        }
    }
    // The workloads' classified containers (every command-line word, located) are not
    // needed past this point.
    drop(workloads);
    b.unclaimed_secrets();
    b.model.finalize();
    (b.model, b.errors)
}

struct Builder<'a> {
    db: &'a SourceDb,
    objects: &'a [Object],
    namespace: &'a str,
    model: Model,
    errors: Vec<InputError>,
    /// (namespace, Secret or ConfigMap name) mounted by a key holder.
    claimed: HashSet<(String, String)>,
    /// Running Pods and Nodes in the input (a live cluster): actual placement.
    live: Live<'a>,
    /// Objects by kind, namespace and name (no linear scans: linear in the input).
    index: Index<'a>,
    /// Environment name → position in `model.environments`.
    envs: HashMap<String, usize>,
    /// Workloads by pod label and by name.
    finder: Finder<'a>,
    /// Workload position → positions of the Services that select its pods and reach
    /// outside the cluster (second wave), in input order.
    exposed: HashMap<usize, Vec<usize>>,
}

/// Workloads by what finds them, built once: a URL is followed to a workload through a
/// Service's selector or by name, and a Service that reaches outside the cluster exposes
/// the workloads it selects. (Scanning every workload of the namespace per lookup made an
/// operator that keeps its workloads in one namespace quadratic: 40,000 workloads took a
/// minute.)
#[derive(Default)]
struct Finder<'a> {
    /// (namespace, pod label, value) → positions of the workloads whose pods carry it,
    /// ascending.
    by_label: HashMap<(&'a str, &'a str, &'a str), Vec<usize>>,
    /// Workload name → positions, ascending.
    by_name: HashMap<&'a str, Vec<usize>>,
}

impl<'a> Finder<'a> {
    fn new(all: &[Workload<'a>], default_ns: &'a str) -> Self {
        let mut f = Finder::default();
        for (i, w) in all.iter().enumerate() {
            let ns = ns_or(w.obj, default_ns);
            for (k, v) in w.pod_label_pairs() {
                f.by_label.entry((ns, k, v)).or_default().push(i);
            }
            f.by_name.entry(w.obj.name()).or_default().push(i);
        }
        f
    }

    /// Positions (ascending) of the workloads of namespace `ns` whose pods `selector`
    /// selects: those carrying its first label, checked for the others.
    fn selected<'s>(
        &'s self,
        all: &'s [Workload<'_>],
        ns: &'s str,
        selector: &'s Map<String>,
    ) -> impl Iterator<Item = usize> + 's {
        selector
            .iter()
            .next()
            .and_then(|(k, v)| self.by_label.get(&(ns, k.as_str(), v.as_str())))
            .into_iter()
            .flatten()
            .copied()
            .filter(move |&i| selects(selector, &all[i].pod_labels()))
    }

    /// Positions (ascending) of the workloads named one of `names`.
    fn named(&self, names: &[&str]) -> Vec<usize> {
        let mut at: Vec<usize> = names
            .iter()
            .filter_map(|n| self.by_name.get(n))
            .flatten()
            .copied()
            .collect();
        at.sort_unstable();
        at.dedup();
        at
    }
}

/// Workload position → the Services (positions, in input order) that select its pods and
/// reach outside the cluster: of type LoadBalancer or NodePort, or with external IPs.
fn exposed(
    objects: &[Object],
    finder: &Finder<'_>,
    all: &[Workload<'_>],
    default_ns: &str,
) -> HashMap<usize, Vec<usize>> {
    let mut out: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, o) in objects.iter().enumerate() {
        let Typed::Service(s) = &o.typed else {
            continue;
        };
        let Some(spec) = &s.spec else { continue };
        let exposing = matches!(spec.type_.as_deref(), Some("LoadBalancer" | "NodePort"))
            || spec.external_ips.as_ref().is_some_and(|e| !e.is_empty());
        let Some(selector) = spec.selector.as_ref().filter(|_| exposing) else {
            continue;
        };
        for w in finder.selected(all, ns_or(o, default_ns), selector) {
            out.entry(w).or_default().push(i);
        }
    }
    out
}

/// What reading one workload adds besides its environment's elements.
#[derive(Default)]
struct Acc {
    errors: Vec<InputError>,
    /// (namespace, Secret or ConfigMap name) mounted by a key holder.
    claimed: Vec<(String, String)>,
    suppressions: Vec<Suppression>,
}

/// The elements one workload adds to its environment.
struct Part {
    env_name: String,
    env_origin: Origin,
    pairs: Vec<Pair>,
    vcs: Vec<ValidatorClient>,
    signers: Vec<Signer>,
    images: Vec<ImageRef>,
    unrecognised: Vec<Unrecognised>,
    ops: crate::model::ops::Ops,
}

/// Lookups over the input objects, built once; keys borrow the objects' own strings.
struct Index<'a> {
    /// (kind, namespace, name) → object position.
    by_name: HashMap<(&'a str, &'a str, &'a str), usize>,
    /// (namespace, target kind, target name) → HPA positions.
    hpas: HashMap<(&'a str, &'a str, &'a str), Vec<usize>>,
}

/// An object's namespace, `default_ns` when it has none.
fn ns_or<'a>(o: &'a Object, default_ns: &'a str) -> &'a str {
    o.typed.meta().namespace.as_deref().unwrap_or(default_ns)
}

impl<'a> Index<'a> {
    fn new(objects: &'a [Object], default_ns: &'a str) -> Self {
        let mut by_name = HashMap::with_capacity(objects.len());
        let mut hpas: HashMap<(&str, &str, &str), Vec<usize>> = HashMap::new();
        for (i, o) in objects.iter().enumerate() {
            by_name
                .entry((o.kind, ns_or(o, default_ns), o.name()))
                .or_insert(i);
            if let Typed::Hpa(h) = &o.typed
                && let Some(spec) = &h.spec
            {
                let t = &spec.scale_target_ref;
                hpas.entry((ns_or(o, default_ns), t.kind.as_str(), t.name.as_str()))
                    .or_default()
                    .push(i);
            }
        }
        Self { by_name, hpas }
    }

    fn get<'o>(
        &self,
        objects: &'o [Object],
        kind: &str,
        ns: &str,
        name: &str,
    ) -> Option<&'o Object> {
        self.by_name.get(&(kind, ns, name)).map(|&i| &objects[i])
    }
}

impl<'a> Builder<'a> {
    fn ns_of(&self, o: &Object) -> String {
        o.typed
            .meta()
            .namespace
            .clone()
            .unwrap_or_else(|| self.namespace.to_owned())
    }

    /// The workloads of the topology: Helm hooks and objects whose controller is also in the
    /// input (a Deployment's ReplicaSets, a StatefulSet's Pods) are left out.
    fn workloads(&self) -> Vec<Workload<'a>> {
        let present: HashSet<(&str, &str, &str)> = self
            .objects
            .iter()
            .map(|o| (o.kind, ns_or(o, self.namespace), o.name()))
            .collect();
        let mut out = Vec::new();
        for o in self.objects {
            let meta = o.typed.meta();
            if meta
                .annotations
                .as_ref()
                .is_some_and(|a| a.contains_key("helm.sh/hook"))
            {
                continue;
            }
            let ns = self.ns_of(o);
            let owned = meta.owner_references.iter().flatten().any(|r| {
                r.controller == Some(true)
                    && present.contains(&(r.kind.as_str(), ns.as_str(), r.name.as_str()))
            });
            if owned {
                continue;
            }
            let w = match &o.typed {
                Typed::StatefulSet(w)
                | Typed::Deployment(w)
                | Typed::ReplicaSet(w)
                | Typed::DaemonSet(w) => w.spec.as_ref().and_then(|sp| {
                    Some((
                        sp.template.spec.as_ref()?,
                        Some(&sp.template.metadata),
                        sp.replicas,
                    ))
                }),
                Typed::Pod(p) => p.spec.as_ref().map(|sp| (sp, None, None)),
                _ => None,
            };
            let Some((pod, template, mut replicas)) = w else {
                continue;
            };
            // A live DaemonSet runs one instance per node it was scheduled on.
            if matches!(o.typed, Typed::DaemonSet(_)) {
                let running = self.live.running(&ns, o.kind, o.name()).len();
                if running > 0 {
                    replicas = i32::try_from(running).ok();
                }
            }
            let template = template.and_then(|t| t.as_ref());
            let pod_ptr = if matches!(o.typed, Typed::Pod(_)) {
                "/spec"
            } else {
                "/spec/template/spec"
            };
            out.push(Workload {
                pos: out.len(),
                obj: o,
                namespace: ns,
                pod,
                pod_ptr,
                template,
                replicas,
                containers: Vec::new(),
            });
        }
        // Containers are classified (their command lines split into located words) in
        // parallel: each workload on its own.
        out.par_iter_mut().for_each(|w| {
            w.containers = w
                .pod
                .containers
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let ptr = format!("{}/containers/{i}", w.pod_ptr);
                    let tokens = self.tokens(w.obj, &ptr, c);
                    let words: Vec<&str> = tokens.iter().map(|t| t.text.as_str()).collect();
                    let entry = clients::classify(c.image.as_deref(), &words);
                    Classified {
                        container: c,
                        ptr,
                        entry,
                        tokens,
                    }
                })
                .collect();
        });
        out
    }

    /// The words of a container's command and args, each with its exact location; the
    /// script of `sh -c` is split into words too.
    fn tokens(&self, o: &Object, ptr: &str, c: &Container) -> Vec<Token> {
        let mut out = Vec::new();
        for (field, items) in [("command", &c.command), ("args", &c.args)] {
            for (i, item) in items.iter().flatten().enumerate() {
                let Some(origin) = o.at(&format!("{ptr}/{field}/{i}")) else {
                    continue;
                };
                if !item.contains(char::is_whitespace) {
                    out.push(Token {
                        text: item.clone(),
                        origin,
                    });
                    continue;
                }
                let src = self.db.text_to_search(origin);
                let mut cursor = 0;
                for raw in item.split_whitespace() {
                    let word =
                        raw.trim_matches(|ch| matches!(ch, '"' | '\'' | ';' | '\\' | '(' | ')'));
                    if word.is_empty() || matches!(word, "&&" | "||" | "exec" | "|") {
                        continue;
                    }
                    let origin = match src[cursor.min(src.len())..].find(word) {
                        Some(at) => {
                            let start = cursor + at;
                            cursor = start + word.len();
                            Origin::new(
                                origin.file,
                                crate::model::Span::new(
                                    origin.span.start as usize + start,
                                    word.len(),
                                ),
                            )
                        }
                        None => origin,
                    };
                    out.push(Token {
                        text: word.to_owned(),
                        origin,
                    });
                }
            }
        }
        out
    }

    fn workload(&self, w: &Workload<'a>, all: &[Workload<'a>], acc: &mut Acc) -> Option<Part> {
        let (env_name, env_origin) = Self::environment_of(w);
        let sites = self.sites(w);
        Self::suppressions(w, acc);
        let mut pairs = Vec::new();
        let mut vcs = Vec::new();
        let mut signers = Vec::new();
        let mut images = Vec::new();
        let mut unrecognised = Vec::new();
        let mut ops = crate::model::ops::Ops::default();
        for c in &w.containers {
            let image = c.container.image.as_deref().and_then(|i| {
                Some(Located::new(
                    i.to_owned(),
                    w.obj.at(&format!("{}/image", c.ptr))?,
                ))
            });
            let Some(entry) = c.entry else {
                let words: Vec<&str> = c.tokens.iter().map(|t| t.text.as_str()).collect();
                if clients::looks_ethereum(c.container.image.as_deref(), &words) {
                    let name = Located::new(w.name().to_owned(), w.obj.name_origin());
                    unrecognised.push(Unrecognised {
                        image: image.clone().unwrap_or_else(|| name.clone()),
                        workload: name,
                    });
                }
                continue;
            };
            self.second_wave(w, c, entry, all, &mut ops);
            if let Some(img) = &image {
                images.push(ImageRef {
                    client: entry.id.clone(),
                    workload: w.name().to_owned(),
                    image: img.clone(),
                });
            }
            match entry.role {
                Role::Consensus => {
                    pairs.extend(self.pairs(w, c, entry, all, &sites));
                    if entry
                        .validator_flags
                        .iter()
                        .any(|f| flag(&c.tokens, std::slice::from_ref(f)).is_some())
                    {
                        vcs.push(self.validator_client(w, c, entry, all, acc));
                    }
                }
                Role::Validator => vcs.push(self.validator_client(w, c, entry, all, acc)),
                Role::Signer => signers.push(self.signer(w, c, entry, acc)),
                Role::Execution | Role::Component => {}
            }
        }
        if pairs.is_empty()
            && vcs.is_empty()
            && signers.is_empty()
            && images.is_empty()
            && unrecognised.is_empty()
        {
            return None;
        }
        // Parts wait for every workload to be read before they are merged: keep them small
        // (a vector's first push makes room for four).
        ops.shrink_to_fit();
        pairs.shrink_to_fit();
        vcs.shrink_to_fit();
        signers.shrink_to_fit();
        images.shrink_to_fit();
        Some(Part {
            env_name,
            env_origin,
            pairs,
            vcs,
            signers,
            images,
            unrecognised,
            ops,
        })
    }

    /// Adds what one workload found to its environment (created on first sight).
    fn merge(&mut self, part: Part) {
        let Part {
            env_name,
            env_origin,
            pairs,
            vcs,
            signers,
            images,
            unrecognised,
            ops,
        } = part;
        let at = if let Some(&i) = self.envs.get(&env_name) {
            i
        } else {
            let env = crate::model::Environment::new(Located::new(env_name.clone(), env_origin));
            self.model.environments.push(env);
            self.envs
                .insert(env_name, self.model.environments.len() - 1);
            self.model.environments.len() - 1
        };
        let env = &mut self.model.environments[at];
        env.pairs.extend(pairs);
        env.validator_clients.extend(vcs);
        env.signers.extend(signers);
        env.images.extend(images);
        env.unrecognised.extend(unrecognised);
        env.ops.append(ops);
    }

    fn environment_of(w: &Workload<'_>) -> (String, Origin) {
        if let Some(l) = w.meta_value(ENV_LABEL) {
            return (l.value, l.origin);
        }
        let origin = w
            .obj
            .at("/metadata/namespace")
            .unwrap_or(w.obj.name_origin());
        (w.namespace.clone(), origin)
    }

    fn pairs(
        &self,
        w: &Workload<'a>,
        c: &Classified<'_>,
        entry: &Entry,
        all: &[Workload<'a>],
        sites: &[Site],
    ) -> Vec<Pair> {
        let consensus = client_ref(w, c, entry);
        let endpoint = flag(&c.tokens, &entry.engine_flags);
        let same_pod = w
            .containers
            .iter()
            .find(|x| x.entry.is_some_and(|e| e.role == Role::Execution));
        let execution = match (same_pod, &endpoint) {
            (Some(el), _) => el.entry.map(|e| client_ref(w, el, e)),
            (None, Some(url)) => resolve(
                self.objects,
                &self.index,
                &self.finder,
                all,
                w,
                &url.value,
                Role::Execution,
            )
            .and_then(|(t, el)| el.entry.map(|e| client_ref(t, el, e))),
            (None, None) => None,
        };
        let name = w.name().to_owned();
        (0..w.instances())
            .map(|i| Pair {
                name: Located::new(
                    if w.instances() == 1 {
                        name.clone()
                    } else {
                        format!("{name}-{i}")
                    },
                    w.obj.name_origin(),
                ),
                consensus: Some(consensus.clone()),
                execution: execution.clone(),
                engine_endpoint: endpoint.clone(),
                placement: sites
                    .get(i as usize)
                    .map_or(Placement::Unknown, |s| s.placement.clone()),
                region: sites.get(i as usize).and_then(|s| s.region.clone()),
                zone: sites.get(i as usize).and_then(|s| s.zone.clone()),
            })
            .collect()
    }

    fn validator_client(
        &self,
        w: &Workload<'a>,
        c: &Classified<'_>,
        entry: &Entry,
        all: &[Workload<'a>],
        acc: &mut Acc,
    ) -> ValidatorClient {
        let name = Located::new(w.name().to_owned(), w.obj.name_origin());
        let doppelganger = entry
            .doppelganger
            .as_ref()
            .and_then(|d| bool_flag(&c.tokens, &d.flags));
        let mut slashing = entry
            .slashing_off
            .iter()
            .find_map(|f| flag(&c.tokens, std::slice::from_ref(f)))
            .map(|t| t.map(|_| false));
        if slashing.is_none() {
            slashing = bool_flag(&c.tokens, &entry.slashing_flags);
        }
        let signer = flag(&c.tokens, &entry.signer_flags).map(|url| {
            match resolve(
                self.objects,
                &self.index,
                &self.finder,
                all,
                w,
                &url.value,
                Role::Signer,
            ) {
                Some((t, _)) => Located::new(t.name().to_owned(), url.origin),
                None => url,
            }
        });
        ValidatorClient {
            client: Some(Located::new(
                entry.id.clone(),
                w.obj.at(&format!("{}/image", c.ptr)).unwrap_or(name.origin),
            )),
            replicas: Located::new(w.instances(), w.replicas_origin()),
            concurrent_runs: self.concurrent_runs(w),
            doppelganger,
            slashing_protection: slashing,
            signer,
            keys: self.keys(w, c, acc),
            name,
        }
    }

    fn signer(&self, w: &Workload<'a>, c: &Classified<'_>, entry: &Entry, acc: &mut Acc) -> Signer {
        let name = Located::new(w.name().to_owned(), w.obj.name_origin());
        let kind = if entry.id == "dirk" {
            SignerKind::Dirk
        } else {
            SignerKind::Web3signer
        };
        Signer {
            kind: Located::new(
                kind,
                w.obj.at(&format!("{}/image", c.ptr)).unwrap_or(name.origin),
            ),
            instances: Located::new(w.instances(), w.replicas_origin()),
            threshold: None,
            slashing_protection: bool_flag(&c.tokens, &entry.slashing_flags),
            keys: self.keys(w, c, acc),
            name,
        }
    }

    /// Why a validator client can run twice besides its replica count.
    fn concurrent_runs(&self, w: &Workload<'_>) -> Vec<Located<String>> {
        let mut out = Vec::new();
        match &w.obj.typed {
            Typed::Deployment(d) => {
                let strategy = d.spec.as_ref().and_then(|s| s.strategy.clone());
                match strategy.as_deref() {
                    Some("Recreate") => {}
                    Some(_) => out.push(Located::new("a Deployment with the `RollingUpdate` strategy starts the new pod before the old one stops".to_owned(), w.obj.at("/spec/strategy/type").unwrap_or(w.obj.name_origin()))),
                    None => out.push(Located::new("a Deployment without `strategy` uses `RollingUpdate`, which starts the new pod before the old one stops".to_owned(), w.obj.at("/kind").unwrap_or(w.obj.name_origin()))),
                }
            }
            Typed::DaemonSet(_) => out.push(Located::new(
                "a DaemonSet runs one copy on every node".to_owned(),
                w.obj.at("/kind").unwrap_or(w.obj.name_origin()),
            )),
            _ => {}
        }
        let key = (w.namespace.as_str(), w.obj.kind, w.name());
        for &i in self.index.hpas.get(&key).into_iter().flatten() {
            let o = &self.objects[i];
            let origin = o.at("/spec/scaleTargetRef/name").unwrap_or(o.name_origin());
            out.push(Located::new(
                format!("HorizontalPodAutoscaler `{}` scales it", o.name()),
                origin,
            ));
        }
        out
    }

    /// Keys of a validator client or signer: annotations, and key files in the Secrets and
    /// ConfigMaps its container mounts.
    fn keys(&self, w: &Workload<'_>, c: &Classified<'_>, acc: &mut Acc) -> KeySet {
        let mut set = KeySet::default();
        if let Some(a) = w.meta_value(PUBKEYS) {
            set.origin = Some(a.origin);
            let text = self.db.text_to_search(a.origin);
            let mut cursor = 0;
            for raw in a
                .value
                .split(|ch: char| ch == ',' || ch.is_whitespace())
                .filter(|s| !s.is_empty())
            {
                let origin = match text[cursor.min(text.len())..].find(raw) {
                    Some(at) if a.origin.span.len > 0 => {
                        cursor += at + raw.len();
                        Origin::new(
                            a.origin.file,
                            crate::model::Span::new(
                                a.origin.span.start as usize + cursor - raw.len(),
                                raw.len(),
                            ),
                        )
                    }
                    _ => a.origin,
                };
                match PubKey::parse(raw)
                    .and_then(|k| keyfiles::validate(&k).map(|()| k).map_err(str::to_owned))
                {
                    Ok(k) => set.pubkeys.push(Located::new(k, origin)),
                    Err(why) => acc.errors.push(InputError::at(
                        "kubernetes",
                        origin,
                        format!("malformed public key in `{PUBKEYS}`: {why}"),
                    )),
                }
            }
        }
        if let Some(n) = w.meta_value(KEY_COUNT) {
            set.origin = set.origin.or(Some(n.origin));
            match n.value.trim().parse::<u64>() {
                Ok(count) => set.count = Some(Located::new(count, n.origin)),
                Err(_) => acc.errors.push(InputError::at(
                    "kubernetes",
                    n.origin,
                    format!("`{KEY_COUNT}` must be a whole number"),
                )),
            }
        }
        // The container's mounts, and its pod's init containers' (Lighthouse is usually fed
        // by an `account validator import` init container).
        let inits = w.pod.init_containers.iter().flatten();
        let mounted: HashSet<&str> = std::iter::once(c.container)
            .chain(inits)
            .flat_map(|x| x.volume_mounts.iter().flatten())
            .map(|m| m.name.as_str())
            .collect();
        for (i, v) in w.pod.volumes.iter().flatten().enumerate() {
            if !mounted.contains(v.name.as_str()) {
                continue;
            }
            let mut sources: Vec<(&str, String)> = Vec::new();
            if let Some(s) = v.secret.as_ref().and_then(|s| s.secret_name.clone()) {
                sources.push(("Secret", s));
            }
            if let Some(cm) = &v.config_map {
                sources.push(("ConfigMap", cm.name.clone()));
            }
            for p in v.projected.iter().flat_map(|p| p.sources.iter().flatten()) {
                if let Some(s) = &p.secret {
                    sources.push(("Secret", s.name.clone()));
                }
                if let Some(cm) = &p.config_map {
                    sources.push(("ConfigMap", cm.name.clone()));
                }
            }
            for (kind, name) in sources {
                let found = self.key_files(kind, &w.namespace, &name);
                acc.errors.extend(found.errors);
                if !found.active.is_empty() || !found.disabled.is_empty() || found.opaque > 0 {
                    acc.claimed.push((w.namespace.clone(), name.clone()));
                    set.origin = set
                        .origin
                        .or_else(|| w.obj.at(&format!("{}/volumes/{i}/name", w.pod_ptr)));
                    set.pubkeys.extend(found.active);
                    set.disabled.extend(found.disabled);
                    set.opaque += found.opaque;
                }
            }
        }
        // A Lighthouse definition that disables a key wins over its keystore beside it.
        let off: HashSet<PubKey> = set.disabled.iter().map(|k| k.value).collect();
        set.pubkeys.retain(|k| !off.contains(&k.value));
        set
    }

    /// Public keys in the key files of a Secret or ConfigMap (never anything else from it):
    /// active keys, disabled keys, opaque keys, and errors (which never quote the content).
    fn key_files(&self, kind: &str, ns: &str, name: &str) -> SecretKeys {
        let mut out = SecretKeys::default();
        let Some(o) = self.index.get(self.objects, kind, ns, name) else {
            return out;
        };
        let mut files: Vec<(String, String, &str)> = Vec::new();
        match &o.typed {
            Typed::Secret(s) => {
                for (k, v) in s.data.iter().flatten() {
                    files.push((
                        k.clone(),
                        String::from_utf8_lossy(&v.0).into_owned(),
                        "data",
                    ));
                }
                for (k, v) in s.string_data.iter().flatten() {
                    files.push((k.clone(), v.clone(), "stringData"));
                }
            }
            Typed::ConfigMap(cm) => {
                for (k, v) in cm.data.iter().flatten() {
                    files.push((k.clone(), v.clone(), "data"));
                }
            }
            _ => {}
        }
        for (key, text, field) in files {
            let origin = o
                .at(&format!("/{field}/{}", escape(&key)))
                .unwrap_or(o.name_origin());
            match keyfiles::parse(&text) {
                Ok(Some(f)) => {
                    for k in f.keys {
                        let l = Located::new(k.pubkey, origin);
                        if k.enabled {
                            out.active.push(l);
                        } else {
                            out.disabled.push(l);
                        }
                    }
                    out.opaque += f.opaque.len() as u64;
                }
                Ok(None) => {}
                Err(e) => out.errors.push(InputError::at(
                    "key-file",
                    origin,
                    format!("{kind} `{name}`, entry `{key}`: {}", e.message),
                )),
            }
        }
        out
    }

    /// Secrets with keys that no validator client or signer mounts.
    fn unclaimed_secrets(&mut self) {
        // Each one's entries are parsed in parallel; the results are taken in input order
        // (only those with keys or errors: most ConfigMaps hold neither).
        let found: Vec<(&Object, SecretKeys)> = self
            .objects
            .par_iter()
            .filter(|o| {
                matches!(o.typed, Typed::Secret(_) | Typed::ConfigMap(_))
                    && !self.claimed.contains(&(self.ns_of(o), o.name().to_owned()))
            })
            .filter_map(|o| {
                let found = self.key_files(o.kind, &self.ns_of(o), o.name());
                let empty =
                    found.active.is_empty() && found.disabled.is_empty() && found.errors.is_empty();
                (!empty).then_some((o, found))
            })
            .collect();
        for (o, found) in found {
            // (errors of unmounted Secrets are reported too: a broken keystore is broken)
            self.errors.extend(found.errors);
            let keys: Vec<_> = found.active.into_iter().chain(found.disabled).collect();
            if !keys.is_empty() {
                let source = Located::new(
                    format!("{} `{}/{}`", o.kind, self.ns_of(o), o.name()),
                    o.name_origin(),
                );
                self.model
                    .unassigned_keys
                    .push(UnassignedKeys { source, keys });
            }
        }
    }

    /// `ignore-check.stakelint.io/<rule>` and `stakelint.io/ignore-all` annotations.
    fn suppressions(w: &Workload<'_>, acc: &mut Acc) {
        let metas: [(Option<&ObjectMeta>, &str); 2] = [
            (Some(w.obj.typed.meta()), "/metadata"),
            (w.template, "/spec/template/metadata"),
        ];
        for (meta, ptr) in metas {
            for (k, v) in meta
                .and_then(|m| m.annotations.as_ref())
                .into_iter()
                .flatten()
            {
                let rule = if k == IGNORE_ALL {
                    "*"
                } else if let Some(r) = k.strip_prefix(IGNORE_PREFIX) {
                    r
                } else {
                    continue;
                };
                let value_at = w
                    .obj
                    .at(&format!("{ptr}/annotations/{}", escape(k)))
                    .unwrap_or(w.obj.name_origin());
                let key_at = w
                    .obj
                    .key_at(&format!("{ptr}/annotations/{}", escape(k)))
                    .unwrap_or(value_at);
                acc.suppressions.push(Suppression {
                    rule: Located::new(rule.to_owned(), key_at),
                    reason: Some(Located::new(v.clone(), value_at)),
                    expires: None,
                    scope: Scope::Within(Origin::new(w.obj.file, w.obj.extent)),
                    source: SuppressionSource::Inline,
                    origin: key_at,
                });
            }
        }
    }
}

/// What the key files of one Secret or ConfigMap hold.
#[derive(Default)]
struct SecretKeys {
    active: Vec<Located<PubKey>>,
    disabled: Vec<Located<PubKey>>,
    opaque: u64,
    errors: Vec<InputError>,
}

fn client_ref(w: &Workload<'_>, c: &Classified<'_>, entry: &Entry) -> ClientRef {
    let origin = w
        .obj
        .at(&format!("{}/image", c.ptr))
        .unwrap_or(w.obj.name_origin());
    let version = c
        .container
        .image
        .as_deref()
        .and_then(clients::tag)
        .map(|t| Located::new(t.to_owned(), origin));
    ClientRef {
        client: Located::new(entry.id.clone(), origin),
        version,
    }
}

/// The value of the first of `names` on the command line: `--x=v`, `--x v`, or `""` for a
/// bare `--x`; located at the flag's word.
fn flag(tokens: &[Token], names: &[String]) -> Option<Located<String>> {
    for (i, t) in tokens.iter().enumerate() {
        for n in names {
            if let Some(v) = t
                .text
                .strip_prefix(n.as_str())
                .and_then(|r| r.strip_prefix('='))
            {
                return Some(Located::new(v.to_owned(), t.origin));
            }
            if t.text == *n {
                let next = tokens.get(i + 1).filter(|x| !x.text.starts_with('-'));
                return Some(Located::new(
                    next.map_or_else(String::new, |x| x.text.clone()),
                    t.origin,
                ));
            }
        }
    }
    None
}

/// A boolean flag: present → true unless its value is `false`.
fn bool_flag(tokens: &[Token], names: &[String]) -> Option<Located<bool>> {
    let f = flag(tokens, names)?;
    let on = !matches!(f.value.to_ascii_lowercase().as_str(), "false" | "0" | "no");
    // `--x somethingelse` reads the next word as a value; only true/false count as one.
    Some(f.map(|_| on))
}

/// The host of a URL (`http://geth-0.geth.ns.svc:8551/x` → `geth-0.geth.ns.svc`).
fn url_host(url: &str) -> &str {
    let first = url.split(',').next().unwrap_or(url).trim();
    let rest = first.split_once("://").map_or(first, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    let host = rest.split(['/', '?']).next().unwrap_or(rest);
    if host.starts_with('[') {
        return host
            .split(']')
            .next()
            .unwrap_or(host)
            .trim_start_matches('[');
    }
    host.split(':').next().unwrap_or(host)
}

fn selects(selector: &Map<String>, labels: &BTreeMap<String, String>) -> bool {
    !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// Follows a URL to the workload (and container of `role`) it reaches: the same pod for
/// localhost; else a Service by name (`svc`, `svc.ns`, `svc.ns.svc[.cluster.local]`, or the
/// headless `pod-0.svc[.ns…]`) and the workloads its selector matches.
fn resolve<'w, 'o>(
    objects: &[Object],
    index: &Index,
    finder: &Finder<'_>,
    all: &'w [Workload<'o>],
    from: &'w Workload<'o>,
    url: &str,
    role: Role,
) -> Option<(&'w Workload<'o>, &'w Classified<'o>)> {
    let with_role = |w: &'w Workload<'o>| {
        w.containers
            .iter()
            .find(|c| c.entry.is_some_and(|e| e.role == role))
            .map(|c| (w, c))
    };
    let host = url_host(url);
    if matches!(host, "localhost" | "127.0.0.1" | "::1" | "0.0.0.0") {
        return with_role(from);
    }
    let labels: Vec<&str> = host.split('.').collect();
    let ns_at = |i: usize| {
        labels
            .get(i)
            .filter(|s| **s != "svc")
            .map_or(from.namespace.as_str(), |s| *s)
    };
    // (service name, namespace) candidates: `svc[.ns]` and `pod.svc[.ns]`.
    let candidates = [
        (labels[0], ns_at(1)),
        (labels.get(1).copied().unwrap_or(""), ns_at(2)),
    ];
    for (svc, ns) in candidates {
        let Some(o) = index.get(objects, "Service", ns, svc) else {
            continue;
        };
        let Typed::Service(s) = &o.typed else {
            continue;
        };
        let Some(selector) = s.spec.as_ref().and_then(|sp| sp.selector.as_ref()) else {
            continue;
        };
        let hit = finder
            .selected(all, ns, selector)
            .map(|i| &all[i])
            .find_map(with_role);
        if hit.is_some() {
            return hit;
        }
    }
    // Some charts address a StatefulSet's pods directly by workload name.
    let names: Vec<&str> = labels.iter().take(2).copied().collect();
    finder
        .named(&names)
        .into_iter()
        .map(|i| &all[i])
        .find_map(with_role)
}

/// The region (or zone) of a workload: its `stakelint.io/region` label or annotation, else a
/// node selector or a required node-affinity term with one value.
fn region_of(w: &Workload<'_>, keys: &[&str], label: bool) -> Option<Located<String>> {
    if label && let Some(l) = w.meta_value(REGION_LABEL) {
        return Some(l);
    }
    for k in keys {
        if let Some(v) = w.pod.node_selector.as_ref().and_then(|s| s.get(k)) {
            let origin = w
                .obj
                .at(&format!("{}/nodeSelector/{}", w.pod_ptr, escape(k)))?;
            return Some(Located::new(v.clone(), origin));
        }
    }
    required_node_value(w, keys)
}

/// A required node-affinity `In` expression on one of `keys` with exactly one value.
fn required_node_value(w: &Workload<'_>, keys: &[&str]) -> Option<Located<String>> {
    let req = w
        .pod
        .affinity
        .as_ref()?
        .node_affinity
        .as_ref()?
        .required_during_scheduling_ignored_during_execution
        .as_ref()?;
    let [term] = req.node_selector_terms.as_slice() else {
        return None;
    };
    for (i, e) in term.match_expressions.iter().flatten().enumerate() {
        if keys.contains(&e.key.as_str())
            && e.operator == "In"
            && let Some([v]) = e.values.as_deref()
        {
            let ptr = format!(
                "{}/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms/0/matchExpressions/{i}/values/0",
                w.pod_ptr
            );
            return Some(Located::new(v.clone(), w.obj.at(&ptr)?));
        }
    }
    None
}

fn selector_key(ns: &str, s: Option<&LabelSelector>) -> String {
    format!(
        "{ns}/{:?}/{:?}",
        s.and_then(|s| s.match_labels.as_ref()),
        s.and_then(|s| s.match_expressions.as_ref()).map(|e| e
            .iter()
            .map(|x| (&x.key, &x.operator, &x.values))
            .collect::<Vec<_>>())
    )
}

/// Where each replica can be scheduled.
fn placement_of(w: &Workload<'_>) -> Vec<Placement> {
    let n = w.instances() as usize;
    let name_origin = w.obj.name_origin();
    if let Some(node) = &w.pod.node_name {
        let origin = w
            .obj
            .at(&format!("{}/nodeName", w.pod_ptr))
            .unwrap_or(name_origin);
        return vec![Placement::Host(Located::new(node.clone(), origin)); n];
    }
    if let Some(h) = w.pod.node_selector.as_ref().and_then(|s| s.get(HOSTNAME)) {
        let origin = w
            .obj
            .at(&format!("{}/nodeSelector/{}", w.pod_ptr, escape(HOSTNAME)))
            .unwrap_or(name_origin);
        return vec![Placement::Host(Located::new(h.clone(), origin)); n];
    }
    if let Some(h) = required_node_value(w, &[HOSTNAME]) {
        return vec![Placement::Host(h); n];
    }
    let anti = w
        .pod
        .affinity
        .as_ref()
        .and_then(|a| a.pod_anti_affinity.as_ref())
        .and_then(|p| {
            p.required_during_scheduling_ignored_during_execution
                .as_ref()
        });
    let labels = w.pod_labels();
    let matches_self = |s: Option<&LabelSelector>| {
        s.and_then(|s| s.match_labels.as_ref())
            .is_some_and(|m| m.iter().all(|(k, v)| labels.get(k) == Some(v)))
    };
    for (i, t) in anti.iter().flat_map(|v| v.iter()).enumerate() {
        if t.topology_key == HOSTNAME && matches_self(t.label_selector.as_ref()) {
            let origin = w.obj.at(&format!("{}/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/{i}/topologyKey", w.pod_ptr)).unwrap_or(name_origin);
            return vec![
                Placement::Spread {
                    group: selector_key(&w.namespace, t.label_selector.as_ref()),
                    origin
                };
                n
            ];
        }
    }
    for (i, t) in w
        .pod
        .topology_spread_constraints
        .iter()
        .flatten()
        .enumerate()
    {
        if t.topology_key == HOSTNAME
            && t.when_unsatisfiable == "DoNotSchedule"
            && t.max_skew == 1
            && matches_self(t.label_selector.as_ref())
        {
            let origin = w
                .obj
                .at(&format!(
                    "{}/topologySpreadConstraints/{i}/topologyKey",
                    w.pod_ptr
                ))
                .unwrap_or(name_origin);
            return vec![
                Placement::Spread {
                    group: selector_key(&w.namespace, t.label_selector.as_ref()),
                    origin
                };
                n
            ];
        }
    }
    vec![
        Placement::Unconstrained {
            origin: name_origin
        };
        n
    ]
}

// ---------------------------------------------------------------------------------------
// Live placement: where the pods of a workload actually run.
//
// A live cluster (`stakelint cluster`, or `kubectl get … -o yaml` with Pods and Nodes)
// holds each workload's running Pods and the Nodes they run on. Each Pod is joined to its
// workload through its controller (a StatefulSet, DaemonSet or ReplicaSet directly; a
// Deployment through its ReplicaSet), and its `spec.nodeName` to the Node's
// `kubernetes.io/hostname`, `topology.kubernetes.io/region` and `…/zone` labels. Where a
// replica has a scheduled Pod, that is its placement, region and zone (actual placement,
// not intent); replicas without one keep what the workload declares.
// ---------------------------------------------------------------------------------------

/// Where one instance of a workload is (or can be): placement, region and zone.
#[derive(Debug, Clone)]
struct Site {
    placement: Placement,
    region: Option<Located<String>>,
    zone: Option<Located<String>>,
}

/// Running Pods by the workload that controls them, and Nodes by name.
#[derive(Default)]
struct Live<'a> {
    /// (namespace, controller kind, controller name) → its scheduled Pods, in instance order.
    pods: HashMap<(String, String, String), Vec<&'a Object>>,
    nodes: HashMap<&'a str, &'a Object>,
}

impl<'a> Live<'a> {
    fn index(objects: &'a [Object], default_ns: &str) -> Self {
        let ns_of = |o: &Object| {
            o.typed
                .meta()
                .namespace
                .clone()
                .unwrap_or_else(|| default_ns.to_owned())
        };
        let mut live = Live::default();
        let mut replica_sets: HashMap<(String, &str), &Object> = HashMap::new();
        for o in objects {
            match &o.typed {
                Typed::Node(_) => {
                    live.nodes.insert(o.name(), o);
                }
                Typed::ReplicaSet(_) => {
                    replica_sets.insert((ns_of(o), o.name()), o);
                }
                _ => {}
            }
        }
        for o in objects {
            let Typed::Pod(p) = &o.typed else { continue };
            let scheduled = p.spec.as_ref().is_some_and(|s| s.node_name.is_some());
            let finished = p.phase.as_deref();
            if !scheduled
                || matches!(finished, Some("Succeeded" | "Failed"))
                || o.typed.meta().deleting
            {
                continue;
            }
            let ns = ns_of(o);
            let Some(owner) = controller(o.typed.meta()) else {
                continue;
            };
            // A Deployment's Pods belong to it through its ReplicaSet.
            if owner.kind == "ReplicaSet"
                && let Some(rs) = replica_sets.get(&(ns.clone(), owner.name.as_str()))
                && let Some(d) = controller(rs.typed.meta()).filter(|d| d.kind == "Deployment")
            {
                live.pods
                    .entry((ns.clone(), d.kind.clone(), d.name.clone()))
                    .or_default()
                    .push(o);
            }
            live.pods
                .entry((ns, owner.kind.clone(), owner.name.clone()))
                .or_default()
                .push(o);
        }
        for pods in live.pods.values_mut() {
            // StatefulSet pods by ordinal (`web-10` after `web-9`), others by name.
            pods.sort_by_cached_key(|p| {
                let name = p.name();
                let ordinal = name
                    .rsplit_once('-')
                    .and_then(|(_, n)| n.parse::<u64>().ok());
                (ordinal.is_none(), ordinal, name.to_owned())
            });
        }
        live
    }

    /// The scheduled Pods of the workload `kind`/`name` in `ns`.
    fn running(&self, ns: &str, kind: &str, name: &str) -> &[&'a Object] {
        self.pods
            .get(&(ns.to_owned(), kind.to_owned(), name.to_owned()))
            .map_or(&[], Vec::as_slice)
    }

    /// Where a scheduled Pod runs: its node's hostname (located at the Pod's `nodeName`),
    /// and the node's region and zone labels (located at the Node's labels).
    fn site_of(&self, pod: &Object) -> Option<Site> {
        let Typed::Pod(p) = &pod.typed else {
            return None;
        };
        let node_name = p.spec.as_ref()?.node_name.as_deref()?;
        let at = pod.at("/spec/nodeName").unwrap_or(pod.name_origin());
        let node = self.nodes.get(node_name);
        let label = |keys: &[&str]| {
            let n = node?;
            let labels = n.typed.meta().labels.as_ref()?;
            keys.iter().find_map(|k| {
                let v = labels.get(k)?;
                let origin = n
                    .at(&format!("/metadata/labels/{}", escape(k)))
                    .unwrap_or(n.name_origin());
                Some(Located::new(v.clone(), origin))
            })
        };
        let host = label(&[HOSTNAME]).map_or_else(|| node_name.to_owned(), |h| h.value);
        Some(Site {
            placement: Placement::Host(Located::new(host, at)),
            region: label(REGION_KEYS),
            zone: label(ZONE_KEYS),
        })
    }
}

/// The controller owner reference of an object.
fn controller(meta: &ObjectMeta) -> Option<&crate::source::k8s::slim::OwnerReference> {
    meta.owner_references
        .iter()
        .flatten()
        .find(|r| r.controller == Some(true))
}

impl Builder<'_> {
    /// Where each instance of a workload is: the declared placement, region and zone, with
    /// the actual node, region and zone of each instance that has a scheduled Pod.
    fn sites(&self, w: &Workload<'_>) -> Vec<Site> {
        let region = region_of(w, REGION_KEYS, true);
        let zone = region_of(w, ZONE_KEYS, false);
        let mut sites: Vec<Site> = placement_of(w)
            .into_iter()
            .map(|placement| Site {
                placement,
                region: region.clone(),
                zone: zone.clone(),
            })
            .collect();
        let pods: Vec<&Object> = if matches!(w.obj.typed, Typed::Pod(_)) {
            vec![w.obj]
        } else {
            self.live
                .running(&w.namespace, w.obj.kind, w.name())
                .to_vec()
        };
        for (site, pod) in sites.iter_mut().zip(pods) {
            let Some(actual) = self.live.site_of(pod) else {
                continue;
            };
            site.placement = actual.placement;
            // A node without topology labels leaves the declared region (e.g. the
            // `stakelint.io/region` label of an on-premises workload).
            site.region = actual.region.or(site.region.take());
            site.zone = actual.zone.or(site.zone.take());
        }
        sites
    }
}
