//! Second-wave facts from Kubernetes manifests (SPEC §4.2), kept apart from the topology
//! code of the parent module: where each validator client or signer keeps its
//! slashing-protection data, which APIs leave the cluster, which JWT secret each side of a
//! pair reads, fee recipients, versions, metrics and MEV relays.
//!
//! Everything is read from the client table (`rules/data/clients.yaml`): flags, the
//! configuration files a container mounts from ConfigMaps, and the volumes behind paths.
//! Secret values are only ever searched for public data (fee-recipient addresses, public
//! keys); nothing else of them is kept.

use super::{Builder, Classified, Token, Workload, flag, resolve};
use crate::data::clients::{Api, Entry, Role, Setting};
use crate::model::ops::{
    Exposure, FeeRecipients, JwtEnd, JwtPair, JwtSource, KeyFee, MetricsState, Ops, Relays,
    SlashingStore, Storage, StoreKind, Versioned, is_loopback,
};
use crate::model::{Located, Origin, PubKey, Span};
use crate::source::k8s::slim::{Volume, VolumeMount};
use crate::source::k8s::{Object, Typed, escape};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// A data entry of a Secret or ConfigMap a container mounts (borrowed from the object).
struct MountedEntry<'o> {
    text: std::borrow::Cow<'o, str>,
    origin: Origin,
    /// From a ConfigMap (configuration files are only read from ConfigMaps).
    config_map: bool,
}

impl<'a> Builder<'a> {
    /// Adds the second-wave facts of one recognised container to `ops`.
    pub(super) fn second_wave(
        &self,
        w: &Workload<'a>,
        c: &Classified<'_>,
        entry: &'static Entry,
        all: &[Workload<'a>],
        ops: &mut Ops,
    ) {
        let holder = Located::new(w.name().to_owned(), w.obj.name_origin());
        let image_at = w
            .obj
            .at(&format!("{}/image", c.ptr))
            .unwrap_or(holder.origin);
        let entries = self.mounted_entries(w, c);
        ops.versions.push(Versioned {
            holder: holder.clone(),
            client: entry.id.clone(),
            version: c
                .container
                .image
                .as_deref()
                .and_then(crate::data::clients::tag)
                .map(|t| Located::new(t.to_owned(), image_at)),
            at: image_at,
        });
        if let Some(m) = &entry.metrics {
            let (enabled, decided_at) = metrics_of((w.obj, c), m, &entries, self);
            ops.metrics.push(MetricsState {
                holder: holder.clone(),
                client: entry.id.clone(),
                enabled,
                decided_at,
                at: image_at,
            });
        }
        for api in &entry.apis {
            self.exposures(w, c, entry, api, &entries, &holder, ops);
        }
        let runs_validators = entry.role == Role::Validator
            || (entry.role == Role::Consensus
                && entry
                    .validator_flags
                    .iter()
                    .any(|f| flag(&c.tokens, std::slice::from_ref(f)).is_some()));
        if entry.role == Role::Consensus
            && let Some(j) = self.jwt_pair(w, c, entry, all)
        {
            ops.jwt.push(j);
        }
        if runs_validators && let Some(fr) = &entry.fee_recipient {
            let default = setting(
                (w.obj, c),
                &Setting {
                    flags: fr.flags.clone(),
                    config_keys: fr.config_keys.clone(),
                    env: Vec::new(),
                },
                &entries,
                self,
            );
            ops.fee_recipients.push(FeeRecipients {
                holder: holder.clone(),
                client: entry.id.clone(),
                default,
                per_key: per_key_fees(&entries, self),
            });
        }
        if (runs_validators || entry.role == Role::Signer)
            && let Some(db) = &entry.slashing_db
        {
            let kind = self.local_store(w, c, db, &entries, image_at);
            ops.stores.push(SlashingStore {
                holder: holder.clone(),
                client: entry.id.clone(),
                kind,
            });
        }
        if let Some(db) = &entry.db_url {
            let url = setting((w.obj, c), db, &entries, self);
            ops.stores.push(SlashingStore {
                holder: holder.clone(),
                client: entry.id.clone(),
                kind: StoreKind::Database {
                    urls: url.into_iter().collect(),
                    instances: w.instances(),
                    at: image_at,
                },
            });
        }
        if let Some(r) = &entry.relays {
            let mut relays = Vec::new();
            for v in values((w.obj, c), r, &entries, self) {
                relays.extend(split_list(&v, self));
            }
            if !relays.is_empty() {
                ops.relays.push(Relays { holder, relays });
            }
        }
    }

    /// Data entries of the ConfigMaps and Secrets mounted by the container (Secret values
    /// are decoded; only public data is ever taken from them).
    fn mounted_entries(&self, w: &Workload<'_>, c: &Classified<'_>) -> Vec<MountedEntry<'a>> {
        let mounted: Vec<&str> = c
            .container
            .volume_mounts
            .iter()
            .flatten()
            .map(|m| m.name.as_str())
            .collect();
        let mut out = Vec::new();
        for v in w.pod.volumes.iter().flatten() {
            if !mounted.contains(&v.name.as_str()) {
                continue;
            }
            let mut sources: Vec<(&str, &str)> = Vec::new();
            if let Some(s) = v.secret.as_ref().and_then(|s| s.secret_name.as_deref()) {
                sources.push(("Secret", s));
            }
            if let Some(cm) = &v.config_map {
                sources.push(("ConfigMap", cm.name.as_str()));
            }
            for p in v.projected.iter().flat_map(|p| p.sources.iter().flatten()) {
                if let Some(s) = &p.secret {
                    sources.push(("Secret", s.name.as_str()));
                }
                if let Some(cm) = &p.config_map {
                    sources.push(("ConfigMap", cm.name.as_str()));
                }
            }
            for (kind, name) in sources {
                let Some(o) = self.index.get(self.objects, kind, &w.namespace, name) else {
                    continue;
                };
                out.extend(object_entries(o));
            }
        }
        out
    }

    /// Where a local slashing-protection database lives, and on what storage.
    fn local_store(
        &self,
        w: &Workload<'_>,
        c: &Classified<'_>,
        db: &crate::data::clients::SlashingDb,
        entries: &[MountedEntry<'_>],
        image_at: Origin,
    ) -> StoreKind {
        let from_flag = db.paths.iter().find_map(|p| {
            flag(&c.tokens, std::slice::from_ref(&p.flag))
                .filter(|v| !v.value.is_empty())
                .map(|v| v.map(|dir| join(&dir, &p.sub)))
        });
        let path = from_flag.or_else(|| {
            let s = Setting {
                flags: Vec::new(),
                config_keys: db.config_keys.clone(),
                env: Vec::new(),
            };
            setting((w.obj, c), &s, entries, self)
        });
        if let Some(path) = path {
            let storage = match mount_for(c, &path.value) {
                Some(m) => volume_storage(w, &m.name),
                None => Storage::Ephemeral(format!(
                    "no volume is mounted at `{}`: it is on the container's own filesystem",
                    path.value
                )),
            };
            return StoreKind::Local {
                storage,
                at: path.origin,
            };
        }
        let persistent: Vec<String> = c
            .container
            .volume_mounts
            .iter()
            .flatten()
            .filter(|m| !m.read_only.unwrap_or(false))
            .filter(|m| matches!(volume_storage(w, &m.name), Storage::Persistent(_)))
            .map(|m| format!("`{}`", m.mount_path))
            .collect();
        let flags: Vec<&str> = db.paths.iter().map(|p| p.flag.as_str()).collect();
        let flags = match flags.as_slice() {
            [one] => format!("`{one}` is not set"),
            _ => format!(
                "none of {} is set",
                crate::finding::names(flags.iter().copied())
            ),
        };
        let storage = if persistent.is_empty() {
            Storage::Ephemeral(format!(
                "{flags}, so it is at the client default `{}`, and the container mounts no persistent volume",
                db.default
            ))
        } else {
            Storage::Unknown(format!(
                "{flags}: the database is at the client default `{}`, which may or may not be on the persistent mount {}",
                db.default,
                persistent.join(", ")
            ))
        };
        StoreKind::Local {
            storage,
            at: image_at,
        }
    }

    /// The APIs of one container that leave the cluster: hostNetwork with a non-loopback
    /// listen address, a hostPort, or a LoadBalancer/NodePort/externalIPs Service.
    #[allow(clippy::too_many_arguments)]
    fn exposures(
        &self,
        w: &Workload<'_>,
        c: &Classified<'_>,
        entry: &Entry,
        api: &Api,
        entries: &[MountedEntry<'_>],
        holder: &Located<String>,
        ops: &mut Ops,
    ) {
        let enabled = api.enable_flags.is_empty()
            || match super::bool_flag(&c.tokens, &api.enable_flags) {
                Some(on) => on.value,
                None => api.enabled_by_default,
            };
        if !enabled {
            return;
        }
        let port_setting = Setting {
            flags: api.port_flags.clone(),
            config_keys: api.config_port_keys.clone(),
            env: Vec::new(),
        };
        let port_at = setting((w.obj, c), &port_setting, entries, self);
        let port = port_at
            .as_ref()
            .and_then(|p| p.value.trim().parse::<u16>().ok())
            .unwrap_or(api.port);
        let mut push = |via: Located<String>, target: Option<Origin>| {
            ops.exposures.push(Exposure {
                holder: holder.clone(),
                client: entry.id.clone(),
                api: api.title().to_owned(),
                port,
                via,
                target,
            });
        };
        if w.pod.host_network == Some(true)
            && let Some(addr) = flag(&c.tokens, &api.addr_flags)
                .filter(|a| !a.value.is_empty() && !is_loopback(&a.value))
        {
            let at = w
                .obj
                .at(&format!("{}/hostNetwork", w.pod_ptr))
                .unwrap_or(holder.origin);
            push(
                Located::new(
                    format!(
                        "`hostNetwork: true` with the listen address `{}`",
                        addr.value
                    ),
                    at,
                ),
                Some(addr.origin),
            );
        }
        for (i, p) in c.container.ports.iter().flatten().enumerate() {
            if p.container_port == i32::from(port) && p.host_port.is_some_and(|h| h > 0) {
                let at = w
                    .obj
                    .at(&format!("{}/ports/{i}/hostPort", c.ptr))
                    .unwrap_or(holder.origin);
                push(
                    Located::new(format!("hostPort {}", p.host_port.unwrap_or(0)), at),
                    port_at.as_ref().map(|p| p.origin),
                );
            }
        }
        for (svc, via) in self.exposing_services(w) {
            let Typed::Service(s) = &svc.typed else {
                continue;
            };
            for (i, sp) in s
                .spec
                .iter()
                .flat_map(|sp| sp.ports.iter().flatten())
                .enumerate()
            {
                let target = match &sp.target_port {
                    None => Some(sp.port),
                    Some(IntOrString::Int(n)) => Some(*n),
                    Some(IntOrString::String(name)) => c
                        .container
                        .ports
                        .iter()
                        .flatten()
                        .find(|p| p.name.as_deref() == Some(name.as_str()))
                        .map(|p| p.container_port),
                };
                if target == Some(i32::from(port)) {
                    push(via.clone(), svc.at(&format!("/spec/ports/{i}")));
                }
            }
        }
    }

    /// Services in the workload's namespace that select its pods and reach outside the
    /// cluster, each with how (located at `type` or `externalIPs`).
    fn exposing_services(&self, w: &Workload<'_>) -> Vec<(&'a Object, Located<String>)> {
        let mut out = Vec::new();
        for &i in self.exposed.get(&w.pos).into_iter().flatten() {
            let o = &self.objects[i];
            let Typed::Service(s) = &o.typed else {
                continue;
            };
            let Some(spec) = &s.spec else { continue };
            let kind = spec.type_.as_deref().unwrap_or("ClusterIP");
            if matches!(kind, "LoadBalancer" | "NodePort") {
                let at = o.at("/spec/type").unwrap_or(o.name_origin());
                out.push((
                    o,
                    Located::new(format!("Service `{}` of type {kind}", o.name()), at),
                ));
            } else if spec.external_ips.as_ref().is_some_and(|e| !e.is_empty()) {
                let at = o.at("/spec/externalIPs").unwrap_or(o.name_origin());
                out.push((
                    o,
                    Located::new(format!("Service `{}` with externalIPs", o.name()), at),
                ));
            }
        }
        out
    }

    /// The JWT sources of a consensus client and the execution client it pairs with.
    fn jwt_pair(
        &self,
        w: &Workload<'a>,
        c: &Classified<'_>,
        entry: &Entry,
        all: &[Workload<'a>],
    ) -> Option<JwtPair> {
        let same_pod = w
            .containers
            .iter()
            .find(|x| x.entry.is_some_and(|e| e.role == Role::Execution))
            .map(|el| (w, el));
        let (ew, el) = same_pod.or_else(|| {
            let url = flag(&c.tokens, &entry.engine_flags)?;
            let all_ref: &[Workload<'a>] = all;
            let target = resolve(
                self.objects,
                &self.index,
                &self.finder,
                all_ref,
                w,
                &url.value,
                Role::Execution,
            )?;
            // `resolve` borrows from `all`; find the same workload by name to keep lifetimes simple.
            let ew = all.iter().find(|x| std::ptr::eq(*x, target.0))?;
            let el = ew
                .containers
                .iter()
                .find(|x| x.entry.is_some_and(|e| e.role == Role::Execution))?;
            Some((ew, el))
        })?;
        let el_entry = el.entry?;
        Some(JwtPair {
            pair: Located::new(w.name().to_owned(), w.obj.name_origin()),
            consensus: JwtEnd {
                workload: w.name().to_owned(),
                client: entry.id.clone(),
                source: self.jwt_source(w, c, &entry.jwt_flags),
            },
            execution: JwtEnd {
                workload: ew.name().to_owned(),
                client: el_entry.id.clone(),
                source: self.jwt_source(ew, el, &el_entry.jwt_flags),
            },
        })
    }

    /// Where the file a JWT flag names comes from.
    #[allow(clippy::many_single_char_names)]
    fn jwt_source(&self, w: &Workload<'_>, c: &Classified<'_>, flags: &[String]) -> JwtSource {
        let image_at = w
            .obj
            .at(&format!("{}/image", c.ptr))
            .unwrap_or(w.obj.name_origin());
        let Some(path) = flag(&c.tokens, flags).filter(|p| !p.value.is_empty()) else {
            return JwtSource::Unknown {
                why: format!(
                    "`{}` sets no JWT secret file ({})",
                    w.name(),
                    crate::finding::names(flags.iter().map(String::as_str))
                ),
                at: image_at,
            };
        };
        let Some(m) = mount_for(c, &path.value) else {
            return JwtSource::Unknown {
                why: format!(
                    "the JWT file `{}` of `{}` is on no mounted volume",
                    path.value,
                    w.name()
                ),
                at: path.origin,
            };
        };
        let rel = relative(&m.mount_path, &path.value);
        let inner = match &m.sub_path {
            Some(sp) if !sp.is_empty() => join(sp, &rel),
            _ => rel,
        };
        let first = inner.split('/').next().unwrap_or("").to_owned();
        let vol = volume(w, &m.name);
        let at_volume = w
            .pod
            .volumes
            .iter()
            .flatten()
            .position(|v| v.name == m.name)
            .and_then(|i| w.obj.at(&format!("{}/volumes/{i}", w.pod_ptr)));
        let mut digest = None;
        let mut object = |kind: &str, name: &str, key: &str| {
            digest = self.digest_of(kind, &w.namespace, name, key);
            format!("{kind} `{}/{name}`, key `{key}`", w.namespace)
        };
        let id = match vol {
            Some(v) if v.secret.is_some() => {
                let s = v.secret.as_ref();
                let name = s.and_then(|s| s.secret_name.clone()).unwrap_or_default();
                let key = item_key(s.and_then(|s| s.items.as_deref()), &first);
                object("Secret", &name, &key)
            }
            Some(v) if v.config_map.is_some() => {
                let cm = v.config_map.as_ref();
                let name = cm.map(|c| c.name.clone()).unwrap_or_default();
                let key = item_key(cm.and_then(|c| c.items.as_deref()), &first);
                object("ConfigMap", &name, &key)
            }
            Some(v) if v.projected.is_some() => {
                let mut id = None;
                for p in v.projected.iter().flat_map(|p| p.sources.iter().flatten()) {
                    if let Some(s) = &p.secret
                        && item_provides(s.items.as_deref(), &first)
                    {
                        let key = item_key(s.items.as_deref(), &first);
                        id = Some(object("Secret", &s.name, &key));
                        break;
                    }
                    if let Some(cm) = &p.config_map
                        && item_provides(cm.items.as_deref(), &first)
                    {
                        let key = item_key(cm.items.as_deref(), &first);
                        id = Some(object("ConfigMap", &cm.name, &key));
                        break;
                    }
                }
                id.unwrap_or_else(|| format!("projected volume `{}` of `{}`", m.name, w.name()))
            }
            Some(v) if v.host_path.is_some() => format!(
                "hostPath `{}`",
                join(
                    &v.host_path
                        .as_ref()
                        .map(|h| h.path.clone())
                        .unwrap_or_default(),
                    &inner
                )
            ),
            _ => format!(
                "volume `{}` of pod `{}/{}`, file `{inner}`",
                m.name,
                w.namespace,
                w.name()
            ),
        };
        JwtSource::Known {
            id,
            flag: path.origin,
            from: at_volume,
            digest,
        }
    }

    /// SHA-256 of one entry of a Secret or ConfigMap in the inputs (trimmed, so a trailing
    /// newline does not make two copies differ); the value itself is dropped at once.
    fn digest_of(&self, kind: &str, ns: &str, name: &str, key: &str) -> Option<[u8; 32]> {
        use sha2::{Digest, Sha256};
        let o = self.index.get(self.objects, kind, ns, name)?;
        let bytes: Vec<u8> = match &o.typed {
            Typed::Secret(s) => s
                .data
                .as_ref()
                .and_then(|d| d.get(key))
                .map(|b| b.0.clone())
                .or_else(|| {
                    s.string_data
                        .as_ref()
                        .and_then(|d| d.get(key))
                        .map(|v| v.as_bytes().to_vec())
                })?,
            Typed::ConfigMap(cm) => cm.data.as_ref()?.get(key)?.as_bytes().to_vec(),
            _ => return None,
        };
        let text = String::from_utf8_lossy(&bytes);
        // A live cluster's Secrets arrive with every value withheld: nothing to compare.
        if text.trim_start().starts_with("<withheld by stakelint") {
            return None;
        }
        Some(Sha256::digest(text.trim().as_bytes()).into())
    }
}

/// The entries of a Secret or ConfigMap with their locations.
fn object_entries(o: &Object) -> Vec<MountedEntry<'_>> {
    let mut out = Vec::new();
    let at = |field: &str, k: &str| {
        o.at(&format!("/{field}/{}", escape(k)))
            .unwrap_or(o.name_origin())
    };
    match &o.typed {
        Typed::Secret(s) => {
            for (k, v) in s.data.iter().flatten() {
                out.push(MountedEntry {
                    text: String::from_utf8_lossy(&v.0),
                    origin: at("data", k),
                    config_map: false,
                });
            }
            for (k, v) in s.string_data.iter().flatten() {
                out.push(MountedEntry {
                    text: std::borrow::Cow::Borrowed(v.as_str()),
                    origin: at("stringData", k),
                    config_map: false,
                });
            }
        }
        Typed::ConfigMap(cm) => {
            for (k, v) in cm.data.iter().flatten() {
                out.push(MountedEntry {
                    text: std::borrow::Cow::Borrowed(v.as_str()),
                    origin: at("data", k),
                    config_map: true,
                });
            }
        }
        _ => {}
    }
    out
}

/// A YAML or JSON document, when the text is one (bounded by serde-saphyr's budgets).
fn parse_doc(text: &str) -> Option<serde_json::Value> {
    let t = text.trim_start();
    if t.is_empty() {
        return None;
    }
    serde_saphyr::from_str_with_options::<serde_json::Value>(
        text,
        crate::source::yaml::options(text.len()),
    )
    .ok()
}

/// The value at a dotted key: flat (`eth2.slashing-protection-db-url: …`) or nested.
fn lookup<'v>(doc: &'v serde_json::Value, key: &str) -> Option<&'v serde_json::Value> {
    let map = doc.as_object()?;
    if let Some(v) = map.get(key) {
        return Some(v);
    }
    let (head, rest) = key.split_once('.')?;
    lookup(map.get(head)?, rest)
}

fn scalar(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Narrows `origin` (a whole config entry) to where `needle` is written in it, when found.
fn narrow(b: &Builder<'_>, origin: Origin, needle: &str) -> Origin {
    let text = b.db.text_to_search(origin);
    match text.find(needle) {
        Some(at) if !needle.is_empty() => Origin::new(
            origin.file,
            Span::new(origin.span.start as usize + at, needle.len()),
        ),
        _ => origin,
    }
}

/// Every value of a setting: its flags, environment variables and config-file keys.
fn values(
    (obj, c): (&Object, &Classified<'_>),
    s: &Setting,
    entries: &[MountedEntry<'_>],
    b: &Builder<'_>,
) -> Vec<Located<String>> {
    let mut out = Vec::new();
    if let Some(v) = value_of(&c.tokens, &s.flags) {
        out.push(v);
    }
    for (i, e) in c.container.env.iter().flatten().enumerate() {
        if s.env.contains(&e.name)
            && let Some(v) = &e.value
        {
            let ptr = format!("{}/env/{i}/value", c.ptr);
            if let Some(at) = obj.at(&ptr) {
                out.push(Located::new(v.clone(), at));
            }
        }
    }
    if !s.config_keys.is_empty() {
        // Parse only entries that mention a key (key files can be large; this stays linear).
        let mentions = |text: &str| {
            s.config_keys
                .iter()
                .any(|k| text.contains(k.rsplit('.').next().unwrap_or(k)))
        };
        for e in entries.iter().filter(|e| e.config_map && mentions(&e.text)) {
            let Some(doc) = parse_doc(&e.text) else {
                continue;
            };
            for k in &s.config_keys {
                if let Some(v) = lookup(&doc, k).and_then(scalar) {
                    out.push(Located::new(v.clone(), narrow(b, e.origin, &v)));
                }
            }
        }
    }
    out
}

/// The first value of a setting.
fn setting(
    at: (&Object, &Classified<'_>),
    s: &Setting,
    entries: &[MountedEntry<'_>],
    b: &Builder<'_>,
) -> Option<Located<String>> {
    values(at, s, entries, b).into_iter().next()
}

/// A flag's value, located at the value's own word for `--x value`.
fn value_of(tokens: &[Token], names: &[String]) -> Option<Located<String>> {
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
                let next = tokens.get(i + 1).filter(|x| !x.text.starts_with('-'))?;
                return Some(Located::new(next.text.clone(), next.origin));
            }
        }
    }
    None
}

/// Splits a comma-separated list, locating each item inside the value when possible.
fn split_list(v: &Located<String>, b: &Builder<'_>) -> Vec<Located<String>> {
    v.value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| Located::new(s.to_owned(), narrow(b, v.origin, s)))
        .collect()
}

/// Whether the metrics endpoint is on, and what decides it.
fn metrics_of(
    (obj, c): (&Object, &Classified<'_>),
    m: &crate::data::clients::Metrics,
    entries: &[MountedEntry<'_>],
    b: &Builder<'_>,
) -> (bool, Option<Origin>) {
    if let Some(off) = super::bool_flag(&c.tokens, &m.off_flags)
        && off.value
    {
        return (false, Some(off.origin));
    }
    let s = Setting {
        flags: m.flags.clone(),
        config_keys: m.config_keys.clone(),
        env: Vec::new(),
    };
    if let Some(f) = flag(&c.tokens, &m.flags) {
        let on = !matches!(f.value.to_ascii_lowercase().as_str(), "false" | "0" | "no");
        return (on, Some(f.origin));
    }
    if let Some(v) = setting((obj, c), &s, entries, b) {
        let on = !matches!(
            v.value.trim().to_ascii_lowercase().as_str(),
            "false" | "0" | "no" | ""
        );
        return (on, Some(v.origin));
    }
    (m.default, None)
}

/// Per-key fee recipients in mounted files: Lighthouse `validator_definitions.yml`
/// (`suggested_fee_recipient`) and proposer configs (`proposer_config.<key>.fee_recipient`,
/// `default_config.fee_recipient`) of Teku, Prysm and Lodestar.
fn per_key_fees(entries: &[MountedEntry<'_>], b: &Builder<'_>) -> Vec<KeyFee> {
    let mut out = Vec::new();
    for e in entries.iter().filter(|e| e.text.contains("fee_recipient")) {
        let Some(doc) = parse_doc(&e.text) else {
            continue;
        };
        let mut add = |pubkey: Option<PubKey>, addr: &serde_json::Value| {
            if let Some(a) = addr.as_str() {
                out.push(KeyFee {
                    pubkey,
                    address: Located::new(a.to_owned(), narrow(b, e.origin, a)),
                });
            }
        };
        if let Some(list) = doc.as_array() {
            for d in list {
                if let Some(a) = d.get("suggested_fee_recipient") {
                    let key = d
                        .get("voting_public_key")
                        .and_then(|k| k.as_str())
                        .and_then(|k| PubKey::parse(k).ok());
                    add(key, a);
                }
            }
        }
        if let Some(map) = doc.get("proposer_config").and_then(|p| p.as_object()) {
            for (k, v) in map {
                if let Some(a) = v.get("fee_recipient") {
                    add(PubKey::parse(k).ok(), a);
                }
            }
        }
        if let Some(a) = doc
            .get("default_config")
            .and_then(|d| d.get("fee_recipient"))
        {
            add(None, a);
        }
    }
    out
}

/// The mount of the container whose path holds `path` (the longest such mount path).
fn mount_for<'c>(c: &'c Classified<'_>, path: &str) -> Option<&'c VolumeMount> {
    c.container
        .volume_mounts
        .iter()
        .flatten()
        .filter(|m| under(path, &m.mount_path))
        .max_by_key(|m| m.mount_path.trim_end_matches('/').len())
}

/// Whether `path` is `dir` or inside it (whole path components).
fn under(path: &str, dir: &str) -> bool {
    let dir = dir.trim_end_matches('/');
    if dir.is_empty() {
        return path.starts_with('/');
    }
    path == dir || path.strip_prefix(dir).is_some_and(|r| r.starts_with('/'))
}

/// `path` relative to `dir` (which holds it).
fn relative(dir: &str, path: &str) -> String {
    path.strip_prefix(dir.trim_end_matches('/'))
        .unwrap_or(path)
        .trim_start_matches('/')
        .to_owned()
}

fn join(dir: &str, sub: &str) -> String {
    if sub.is_empty() {
        dir.to_owned()
    } else if dir.is_empty() {
        sub.to_owned()
    } else {
        format!(
            "{}/{}",
            dir.trim_end_matches('/'),
            sub.trim_start_matches('/')
        )
    }
}

fn volume<'w>(w: &'w Workload<'_>, name: &str) -> Option<&'w Volume> {
    w.pod.volumes.iter().flatten().find(|v| v.name == name)
}

/// The Secret/ConfigMap key behind the file `path` of a volume with `items`.
fn item_key(items: Option<&[crate::source::k8s::slim::KeyToPath]>, path: &str) -> String {
    items
        .and_then(|i| i.iter().find(|k| k.path == path))
        .map_or_else(|| path.to_owned(), |k| k.key.clone())
}

/// Whether a projected source provides the file `path` (any file, without `items`).
fn item_provides(items: Option<&[crate::source::k8s::slim::KeyToPath]>, path: &str) -> bool {
    items.is_none_or(|i| i.iter().any(|k| k.path == path))
}

/// Whether the volume `name` of a workload outlives its pod.
fn volume_storage(w: &Workload<'_>, name: &str) -> Storage {
    if let Some(v) = volume(w, name) {
        return match () {
            () if v.persistent_volume_claim.is_some() => Storage::Persistent(format!(
                "PersistentVolumeClaim `{}`",
                v.persistent_volume_claim
                    .as_ref()
                    .map_or("", |p| p.claim_name.as_str())
            )),
            () if v.empty_dir => Storage::Ephemeral(format!(
                "volume `{name}` is an emptyDir, deleted with the pod"
            )),
            () if v.ephemeral => Storage::Ephemeral(format!(
                "volume `{name}` is a generic ephemeral volume, deleted with the pod"
            )),
            () if v.host_path.is_some() => Storage::Persistent(format!("hostPath volume `{name}`")),
            () if v.secret.is_some()
                || v.config_map.is_some()
                || v.projected.is_some()
                || v.downward_api =>
            {
                Storage::Ephemeral(format!(
                    "volume `{name}` is a read-only Secret/ConfigMap volume"
                ))
            }
            () => Storage::Persistent(format!("volume `{name}`")),
        };
    }
    if let Typed::StatefulSet(s) = &w.obj.typed
        && s.spec
            .as_ref()
            .is_some_and(|sp| sp.volume_claim_names.iter().any(|n| n == name))
    {
        return Storage::Persistent(format!("volumeClaimTemplate `{name}`"));
    }
    Storage::Unknown(format!("volume `{name}` is not declared in the pod"))
}

#[cfg(test)]
mod tests {
    use super::{join, lookup, relative, under};

    #[test]
    fn paths_match_whole_components() {
        assert!(under("/data/validators", "/data"));
        assert!(under("/data", "/data/"));
        assert!(!under("/database", "/data"));
        assert!(under("/x", "/"));
        assert_eq!(relative("/jwt/", "/jwt/token"), "token");
        assert_eq!(join("/data", "validators"), "/data/validators");
        assert_eq!(join("/data/", ""), "/data/");
    }

    #[test]
    fn dotted_keys_are_read_flat_and_nested() {
        let flat: serde_json::Value =
            serde_json::json!({"eth2.slashing-protection-db-url": "jdbc:a"});
        let nested: serde_json::Value =
            serde_json::json!({"metrics": {"prometheus": {"listen-address": "0.0.0.0:8081"}}});
        assert_eq!(
            lookup(&flat, "eth2.slashing-protection-db-url").and_then(|v| v.as_str()),
            Some("jdbc:a")
        );
        assert_eq!(
            lookup(&nested, "metrics.prometheus.listen-address").and_then(|v| v.as_str()),
            Some("0.0.0.0:8081")
        );
        assert!(lookup(&nested, "metrics.enabled").is_none());
    }
}
