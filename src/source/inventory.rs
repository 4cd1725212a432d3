//! The inventory source (SPEC §6): `apiVersion: stakelint.io/v1`, `kind: Inventory`.
//!
//! Parsed with serde-saphyr into spanned types (`deny_unknown_fields`, so a typo is a
//! located error), then validated into model pieces in a second pass that collects every
//! problem with its location.

use crate::diagnostic::InputError;
use crate::model::ops::{
    Exposure, FeeRecipients, JwtEnd, JwtPair, JwtSource, MetricsState, Ops, Relays, SlashingStore,
    Storage, StoreKind, Versioned,
};
use crate::model::{
    ClientRef, Environment, FileId, HolderKind, KeySet, Located, Model, Origin, Pair, Placement,
    PubKey, Scope, Signer, SignerKind, Suppression, SuppressionSource, ValidatorClient, clients,
};
use crate::source::files::SourceFile;
use crate::source::keyfiles;
use crate::source::yaml::{self, origin_of};
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::HashSet;

/// The `apiVersion` of an inventory.
pub const API_VERSION: &str = "stakelint.io/v1";

type S<T> = Spanned<T>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct InventoryDoc {
    api_version: S<String>,
    #[allow(dead_code)]
    kind: S<String>,
    metadata: Option<MetadataDoc>,
    spec: SpecDoc,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MetadataDoc {
    name: Option<S<String>>,
    #[allow(dead_code)]
    labels: Option<std::collections::BTreeMap<String, String>>,
    #[allow(dead_code)]
    annotations: Option<std::collections::BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecDoc {
    #[serde(default)]
    environments: Vec<EnvDoc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct EnvDoc {
    name: S<String>,
    region: Option<S<String>>,
    #[serde(default)]
    nodes: Vec<NodeDoc>,
    #[serde(default)]
    validator_clients: Vec<VcDoc>,
    #[serde(default)]
    signers: Vec<SignerDoc>,
    #[serde(default)]
    ignore: Vec<IgnoreDoc>,
    /// MEV relays this environment's mev-boost uses (`mev-relay-allowlist`).
    relays: Option<Vec<S<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeDoc {
    name: S<String>,
    host: Option<S<String>>,
    region: Option<S<String>>,
    zone: Option<S<String>>,
    consensus: Option<ClientDoc>,
    execution: Option<ClientDoc>,
    /// APIs of this pair reachable from outside (`engine-api`, `beacon-api`).
    exposed: Option<Vec<S<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ClientDoc {
    client: S<String>,
    version: Option<S<String>>,
    /// Where the Engine API JWT secret comes from (any identifier; CL and EL must match).
    jwt_secret: Option<S<String>>,
    metrics: Option<S<bool>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct VcDoc {
    name: S<String>,
    client: Option<S<String>>,
    replicas: Option<S<u32>>,
    doppelganger: Option<S<bool>>,
    slashing_protection: Option<S<bool>>,
    signer: Option<S<String>>,
    keys: Option<S<KeysDoc>>,
    version: Option<S<String>>,
    fee_recipient: Option<S<String>>,
    metrics: Option<S<bool>>,
    exposed: Option<Vec<S<String>>>,
    /// `persistent` or `ephemeral`.
    slashing_protection_storage: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SignerDoc {
    name: S<String>,
    kind: S<String>,
    instances: Option<S<u32>>,
    threshold: Option<S<u32>>,
    slashing_protection: Option<S<bool>>,
    keys: Option<S<KeysDoc>>,
    version: Option<S<String>>,
    metrics: Option<S<bool>>,
    exposed: Option<Vec<S<String>>>,
    /// `persistent` or `ephemeral` (Dirk's local slashing-protection store).
    slashing_protection_storage: Option<S<String>>,
    /// web3signer's slashing-protection database (JDBC URL), shared by every instance.
    slashing_protection_db: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeysDoc {
    count: Option<S<u64>>,
    pubkeys: Option<Vec<S<String>>>,
    from: Option<S<String>>,
}

/// An `ignore:` / `waivers:` entry (shared with the config file).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct IgnoreDoc {
    pub(crate) rule: S<String>,
    pub(crate) environment: Option<S<String>>,
    pub(crate) reason: Option<S<String>>,
    pub(crate) expires: Option<S<String>>,
}

/// Whether a parsed YAML document is an inventory.
pub fn is_inventory(root: &yaml::Node) -> bool {
    let api = root.get("apiVersion").and_then(|n| n.value.as_str());
    let kind = root.get("kind").and_then(|n| n.value.as_str());
    kind == Some("Inventory") && api.is_some_and(|a| a.starts_with("stakelint.io/"))
}

/// A `keys.from` to resolve: key files for one holder, relative to the inventory file.
#[derive(Debug, Clone)]
pub struct FromRequest {
    pub environment: String,
    pub holder: HolderKind,
    pub name: String,
    pub path: String,
    /// The `from:` value.
    pub origin: Origin,
}

/// Reads one inventory document (`text`, starting at byte `base` of `src`) into `model`,
/// returning the `keys.from` paths its holders name. On any error nothing of this document
/// is added and every problem is returned.
pub fn read(
    file: FileId,
    src: &SourceFile,
    base: usize,
    text: &str,
    model: &mut Model,
) -> Result<Vec<FromRequest>, Vec<InputError>> {
    let doc: InventoryDoc = yaml::parse_typed(file, src, base, text).map_err(|e| vec![e])?;
    let mut cx = Cx {
        file,
        base,
        errors: Vec::new(),
        requests: Vec::new(),
        env: String::new(),
        ops: Ops::default(),
    };
    let mut staged = Model::default();
    if doc.api_version.value != API_VERSION {
        cx.error(
            &doc.api_version,
            format!(
                "unsupported inventory apiVersion `{}`",
                doc.api_version.value
            ),
            format!("use `apiVersion: {API_VERSION}`"),
        );
    }
    staged.operator = doc.metadata.and_then(|m| m.name).map(|n| cx.loc(n));
    let mut env_names = HashSet::new();
    for env in doc.spec.environments {
        if !env_names.insert(env.name.value.clone()) {
            cx.error(
                &env.name,
                format!("environment `{}` is declared twice", env.name.value),
                "merge the two entries",
            );
            continue;
        }
        cx.environment(env, &mut staged);
    }
    if !cx.errors.is_empty() {
        return Err(cx.errors);
    }
    // Several inventories add up: environments of the same name are one.
    model.overlay(staged);
    Ok(cx.requests)
}

struct Cx {
    file: FileId,
    base: usize,
    requests: Vec<FromRequest>,
    /// The environment being read.
    env: String,
    errors: Vec<InputError>,
    /// Second-wave facts of the environment being read.
    ops: Ops,
}

impl Cx {
    fn origin<T>(&self, s: &S<T>) -> Origin {
        origin_of(self.file, self.base, s)
    }

    fn loc<T>(&self, s: S<T>) -> Located<T> {
        let origin = self.origin(&s);
        Located::new(s.value, origin)
    }

    fn error<T>(&mut self, at: &S<T>, message: String, help: impl Into<String>) {
        let origin = self.origin(at);
        self.errors
            .push(InputError::at("inventory", origin, message).help(help));
    }

    /// Checks a client id against the known ids of a role.
    fn client(&mut self, s: &S<String>, known: &[&str], role: &str) -> Located<String> {
        let id = s.value.to_ascii_lowercase();
        if !known.contains(&id.as_str()) {
            self.error(
                s,
                format!("unknown {role} client `{}`", s.value),
                format!("expected one of: {}", known.join(", ")),
            );
        }
        let origin = self.origin(s);
        Located::new(id, origin)
    }

    fn environment(&mut self, env: EnvDoc, model: &mut Model) {
        let name = self.loc(env.name);
        self.env.clone_from(&name.value);
        let region = env.region.map(|r| self.loc(r));
        let signer_names: HashSet<String> =
            env.signers.iter().map(|s| s.name.value.clone()).collect();
        let mut pairs = Vec::new();
        let mut seen = HashSet::new();
        for n in env.nodes {
            if !seen.insert(n.name.value.clone()) {
                self.error(
                    &n.name,
                    format!(
                        "node `{}` is declared twice in `{}`",
                        n.name.value, name.value
                    ),
                    "give each CL:EL pair its own name",
                );
            }
            pairs.push(self.pair(n));
        }
        let mut vcs = Vec::new();
        seen.clear();
        for v in env.validator_clients {
            if !seen.insert(v.name.value.clone()) {
                self.error(
                    &v.name,
                    format!(
                        "validator client `{}` is declared twice in `{}`",
                        v.name.value, name.value
                    ),
                    "give each validator client its own name",
                );
            }
            if let Some(s) = &v.signer
                && !signer_names.contains(&s.value)
            {
                self.error(
                    s,
                    format!("signer `{}` is not declared in environment `{}`", s.value, name.value),
                    "declare it under `signers:` of this environment, or remove `signer:` for local keys",
                );
            }
            vcs.push(self.validator_client(v));
        }
        let mut signers = Vec::new();
        seen.clear();
        for s in env.signers {
            if !seen.insert(s.name.value.clone()) {
                self.error(
                    &s.name,
                    format!(
                        "signer `{}` is declared twice in `{}`",
                        s.name.value, name.value
                    ),
                    "give each signer cluster its own name",
                );
            }
            if let Some(sg) = self.signer(s) {
                signers.push(sg);
            }
        }
        for i in env.ignore {
            let supp = self.suppression(
                i,
                Scope::Environment(name.value.clone()),
                SuppressionSource::Inline,
            );
            model.suppressions.extend(supp);
        }
        for r in env.relays.into_iter().flatten() {
            self.relay(r, &name);
        }
        // (names are checked unique: a new environment of the staged model)
        model.environments.push(Environment::new(name));
        let Some(target) = model.environments.last_mut() else {
            return;
        };
        target.pairs = pairs;
        target.validator_clients = vcs;
        target.signers = signers;
        target.region = region;
        target.ops = std::mem::take(&mut self.ops);
    }

    fn pair(&mut self, n: NodeDoc) -> Pair {
        let name = self.loc(n.name.clone());
        self.exposed(n.exposed, &name, &["engine-api", "beacon-api"]);
        let jwt = (
            n.consensus
                .as_ref()
                .and_then(|c| c.jwt_secret.as_ref())
                .map(|j| self.loc(j.clone())),
            n.execution
                .as_ref()
                .and_then(|c| c.jwt_secret.as_ref())
                .map(|j| self.loc(j.clone())),
        );
        if let (Some(cl), Some(el)) = jwt {
            let end = |s: Located<String>, client: Option<&ClientDoc>| JwtEnd {
                workload: name.value.clone(),
                client: client
                    .map(|c| c.client.value.to_ascii_lowercase())
                    .unwrap_or_default(),
                source: JwtSource::Known {
                    id: s.value,
                    flag: s.origin,
                    from: None,
                    digest: None,
                },
            };
            self.ops.jwt.push(JwtPair {
                pair: name.clone(),
                consensus: end(cl, n.consensus.as_ref()),
                execution: end(el, n.execution.as_ref()),
            });
        }
        for c in n.consensus.iter().chain(n.execution.iter()) {
            self.client_ops(&name, &c.client, c.version.as_ref(), c.metrics.as_ref());
        }
        let consensus = n
            .consensus
            .map(|c| self.client_ref(c, clients::CONSENSUS, "consensus"));
        let execution = n
            .execution
            .map(|c| self.client_ref(c, clients::EXECUTION, "execution"));
        Pair {
            name: self.loc(n.name),
            consensus,
            execution,
            placement: n
                .host
                .map_or(Placement::Unknown, |h| Placement::Host(self.loc(h))),
            engine_endpoint: None,
            region: n.region.map(|r| self.loc(r)),
            zone: n.zone.map(|z| self.loc(z)),
        }
    }

    fn client_ref(&mut self, c: ClientDoc, known: &[&str], role: &str) -> ClientRef {
        ClientRef {
            client: self.client(&c.client, known, role),
            version: c.version.map(|v| self.loc(v)),
        }
    }

    fn validator_client(&mut self, v: VcDoc) -> ValidatorClient {
        let name = self.loc(v.name);
        self.exposed(v.exposed, &name, &["keymanager-api"]);
        if let Some(c) = &v.client {
            self.client_ops(&name, c, v.version.as_ref(), v.metrics.as_ref());
        }
        if let Some(f) = &v.fee_recipient {
            match crate::config::parse_address(&f.value) {
                Ok(_) => self.ops.fee_recipients.push(FeeRecipients {
                    holder: name.clone(),
                    client: v
                        .client
                        .as_ref()
                        .map(|c| c.value.to_ascii_lowercase())
                        .unwrap_or_default(),
                    default: Some(self.loc(f.clone())),
                    per_key: Vec::new(),
                }),
                Err(why) => self.error(
                    f,
                    format!("`feeRecipient` is not an address: {why}"),
                    "write it as 0x followed by 40 hex digits",
                ),
            }
        }
        self.store(v.slashing_protection_storage, &name, v.client.as_ref());
        let client = v
            .client
            .map(|c| self.client(&c, clients::VALIDATOR, "validator"));
        let replicas = v
            .replicas
            .map_or_else(|| Located::new(1, name.origin), |r| self.loc(r));
        ValidatorClient {
            client,
            replicas,
            concurrent_runs: Vec::new(),
            doppelganger: v.doppelganger.map(|d| self.loc(d)),
            slashing_protection: v.slashing_protection.map(|d| self.loc(d)),
            signer: v.signer.map(|s| self.loc(s)),
            keys: self.keys(v.keys, HolderKind::ValidatorClient, &name.value),
            name,
        }
    }

    fn signer(&mut self, s: SignerDoc) -> Option<Signer> {
        let kind = match s.kind.value.to_ascii_lowercase().as_str() {
            "dirk" => SignerKind::Dirk,
            "web3signer" => SignerKind::Web3signer,
            other => {
                let msg = format!("unknown signer kind `{other}`");
                self.error(&s.kind, msg, "expected `dirk` or `web3signer`");
                return None;
            }
        };
        let name = self.loc(s.name);
        let instances = s
            .instances
            .map_or_else(|| Located::new(1, name.origin), |i| self.loc(i));
        let mut kind_id = s.kind.clone();
        kind_id.value = kind_id.value.to_ascii_lowercase();
        self.exposed(s.exposed, &name, &["signer-api"]);
        self.client_ops(&name, &kind_id, s.version.as_ref(), s.metrics.as_ref());
        self.store(s.slashing_protection_storage, &name, Some(&kind_id));
        if let Some(url) = s.slashing_protection_db {
            let at = self.origin(&url);
            self.ops.stores.push(SlashingStore {
                holder: name.clone(),
                client: kind_id.value.clone(),
                kind: StoreKind::Database {
                    urls: vec![self.loc(url)],
                    instances: instances.value,
                    at,
                },
            });
        }
        if let Some(t) = &s.threshold
            && (t.value == 0 || t.value > instances.value)
        {
            let msg = format!(
                "threshold {} is impossible with {} instances",
                t.value, instances.value
            );
            self.error(t, msg, "a threshold T of N instances needs 1 ≤ T ≤ N");
        }
        Some(Signer {
            kind: self.loc(s.kind).map(|_| kind),
            instances,
            threshold: s.threshold.map(|t| self.loc(t)),
            slashing_protection: s.slashing_protection.map(|d| self.loc(d)),
            keys: self.keys(s.keys, HolderKind::Signer, &name.value),
            name,
        })
    }

    /// Version and metrics of one client of an inventory element.
    fn client_ops(
        &mut self,
        holder: &Located<String>,
        client: &S<String>,
        version: Option<&S<String>>,
        metrics: Option<&S<bool>>,
    ) {
        let id = client.value.to_ascii_lowercase();
        let at = self.origin(client);
        if let Some(v) = version {
            self.ops.versions.push(Versioned {
                holder: holder.clone(),
                client: id.clone(),
                version: Some(self.loc(v.clone())),
                at,
            });
        }
        if let Some(m) = metrics {
            let decided = self.origin(m);
            self.ops.metrics.push(MetricsState {
                holder: holder.clone(),
                client: id,
                enabled: m.value,
                decided_at: Some(decided),
                at: decided,
            });
        }
    }

    /// `exposed: [...]` of a node, validator client or signer.
    fn exposed(&mut self, list: Option<Vec<S<String>>>, holder: &Located<String>, known: &[&str]) {
        for e in list.into_iter().flatten() {
            let v = e.value.trim().to_ascii_lowercase();
            if !known.contains(&v.as_str()) {
                self.error(
                    &e,
                    format!("unknown API `{}` in `exposed`", e.value),
                    format!("expected one of: {}", known.join(", ")),
                );
                continue;
            }
            let api = v.replace("-api", " API");
            self.ops.exposures.push(Exposure {
                holder: holder.clone(),
                client: String::new(),
                api,
                port: 0,
                via: Located::new("the inventory".to_owned(), self.origin(&e)),
                target: None,
            });
        }
    }

    /// `slashingProtectionStorage: persistent | ephemeral`.
    fn store(
        &mut self,
        s: Option<S<String>>,
        holder: &Located<String>,
        client: Option<&S<String>>,
    ) {
        let Some(s) = s else { return };
        let storage = match s.value.trim().to_ascii_lowercase().as_str() {
            "persistent" => Storage::Persistent("declared persistent in the inventory".into()),
            "ephemeral" => Storage::Ephemeral("the inventory declares it ephemeral".into()),
            _ => {
                let msg = format!("unknown storage `{}`", s.value);
                self.error(&s, msg, "expected `persistent` or `ephemeral`");
                return;
            }
        };
        let at = self.origin(&s);
        self.ops.stores.push(SlashingStore {
            holder: holder.clone(),
            client: client
                .map(|c| c.value.to_ascii_lowercase())
                .unwrap_or_default(),
            kind: StoreKind::Local { storage, at },
        });
    }

    /// An environment's `relays:` entry.
    fn relay(&mut self, r: S<String>, env: &Located<String>) {
        if let Err(why) = crate::config::parse_relay(&r.value) {
            let msg = format!("`{}` is not a relay URL: {why}", r.value);
            self.error(
                &r,
                msg,
                "write relays as mev-boost takes them: https://0x<relay public key>@<host>",
            );
            return;
        }
        let relay = self.loc(r);
        match self
            .ops
            .relays
            .iter_mut()
            .find(|x| x.holder.value == env.value)
        {
            Some(x) => x.relays.push(relay),
            None => self.ops.relays.push(Relays {
                holder: env.clone(),
                relays: vec![relay],
            }),
        }
    }

    fn keys(&mut self, k: Option<S<KeysDoc>>, holder: HolderKind, holder_name: &str) -> KeySet {
        let Some(k) = k else { return KeySet::default() };
        let origin = self.origin(&k);
        let doc = k.value;
        if let Some(from) = &doc.from {
            self.requests.push(FromRequest {
                environment: self.env.clone(),
                holder,
                name: holder_name.to_owned(),
                path: from.value.clone(),
                origin: self.origin(from),
            });
        }
        let mut pubkeys = Vec::new();
        for p in doc.pubkeys.unwrap_or_default() {
            match PubKey::parse(p.value.trim())
                .and_then(|k| keyfiles::validate(&k).map(|()| k).map_err(str::to_owned))
            {
                Ok(key) => pubkeys.push(Located::new(key, self.origin(&p))),
                Err(why) => self.error(
                    &p,
                    format!("malformed public key: {why}"),
                    "write each key as 0x followed by 96 hex digits",
                ),
            }
        }
        KeySet {
            origin: Some(origin),
            count: doc.count.map(|c| self.loc(c)),
            pubkeys,
            ..KeySet::default()
        }
    }

    fn suppression(
        &mut self,
        i: IgnoreDoc,
        scope: Scope,
        source: SuppressionSource,
    ) -> Option<Suppression> {
        let entry = self.origin(&i.rule);
        if let Some(e) = &i.environment {
            self.error(
                e,
                "`environment` is implied inside an environment's `ignore:`".into(),
                "remove it",
            );
        }
        let expires = match i
            .expires
            .map(|e| parse_expiry("inventory", self.file, self.base, &e))
            .transpose()
        {
            Ok(e) => e,
            Err(err) => {
                self.errors.push(err);
                return None;
            }
        };
        Some(Suppression {
            rule: self.loc(i.rule),
            reason: i.reason.map(|r| self.loc(r)),
            expires,
            scope,
            source,
            origin: entry,
        })
    }
}

/// Parses the expiry date of a waiver; shared with the config file.
pub(crate) fn parse_expiry(
    code: &'static str,
    file: FileId,
    base: usize,
    e: &S<String>,
) -> Result<Located<jiff::civil::Date>, InputError> {
    let origin = origin_of(file, base, e);
    e.value
        .trim()
        .parse::<jiff::civil::Date>()
        .map(|d| Located::new(d, origin))
        .map_err(|_| {
            InputError::at(code, origin, format!("`{}` is not a date", e.value))
                .help("write the expiry as YYYY-MM-DD")
        })
}
