//! The normalized operator picture (SPEC §3), independent of the source it came from.
//!
//! operator → environments → { CL:EL pairs, validator clients, remote signers, keys }.
//! Every element keeps its [`Origin`] so a finding can point at the line to change.
//! No I/O here: sources build it, rules read it.

pub mod clients;
mod keys;
mod located;
pub mod ops;

pub use keys::{Holder, HolderKind, KeySet, PubKey};
pub use located::{FileId, Located, Origin, Span};
use std::collections::{HashMap, HashSet};

/// The whole operator: what every rule checks.
#[derive(Debug, Default, Clone)]
pub struct Model {
    /// Operator name (inventory `metadata.name`).
    pub operator: Option<Located<String>>,
    pub environments: Vec<Environment>,
    /// Suppressions from every source (inventory `ignore`, config `waivers`, annotations).
    pub suppressions: Vec<Suppression>,
    /// Keys found in sources that no validator client or signer holds (a Secret nobody
    /// mounts), one entry per source.
    pub unassigned_keys: Vec<UnassignedKeys>,
    /// The chains key files name (interchange `genesis_validators_root`, deposit data
    /// `network_name`), one entry per file.
    pub chains: Vec<Chain>,
}

/// What a key file says about the chain its keys belong to.
#[derive(Debug, Clone)]
pub struct Chain {
    /// `genesis_validators_root` or `network_name`.
    pub kind: &'static str,
    pub value: Located<String>,
}

/// Keys that belong to no environment.
#[derive(Debug, Clone)]
pub struct UnassignedKeys {
    /// What holds them (e.g. `Secret eth/keystores`), located at its name.
    pub source: Located<String>,
    pub keys: Vec<Located<PubKey>>,
}

impl Model {
    /// The environment called `name`, created (declared at `origin`) if it does not exist yet.
    /// Environments of the same name from several sources are one environment (SPEC §2.1).
    pub fn environment_mut(&mut self, name: &str, origin: Origin) -> &mut Environment {
        let idx = if let Some(i) = self.environments.iter().position(|e| e.name.value == name) {
            i
        } else {
            {
                self.environments
                    .push(Environment::new(Located::new(name.to_owned(), origin)));
                self.environments.len() - 1
            }
        };
        &mut self.environments[idx]
    }

    /// Total number of distinct keys over all environments (explicit keys deduplicated).
    pub fn key_count(&self) -> u64 {
        let mut seen = HashSet::new();
        let mut counted = 0;
        for env in &self.environments {
            for h in env.holders() {
                let explicit = h.pubkeys().filter(|k| seen.insert(k.value)).count() as u64;
                counted += explicit
                    + h.key_count().unwrap_or(0).saturating_sub(
                        h.pubkeys().map(|k| k.value).collect::<HashSet<_>>().len() as u64,
                    );
            }
        }
        counted
    }
}

/// One environment: the unit of blast radius (a set of validator clients, signers and
/// CL:EL pairs that serve the same keys).
#[derive(Debug, Clone)]
pub struct Environment {
    pub name: Located<String>,
    pub pairs: Vec<Pair>,
    pub validator_clients: Vec<ValidatorClient>,
    pub signers: Vec<Signer>,
    /// Every recognised client or component image (for `image-pinning`).
    pub images: Vec<ImageRef>,
    /// Workloads that look like Ethereum software but could not be classified.
    pub unrecognised: Vec<Unrecognised>,
    /// A region for every pair that has none of its own (inventory `region` of an environment).
    pub region: Option<Located<String>>,
    /// Facts for the second-wave rules (storage, exposure, JWT, fee recipients, versions,
    /// metrics, relays).
    pub ops: ops::Ops,
}

/// A container image of a recognised client or component.
#[derive(Debug, Clone)]
pub struct ImageRef {
    /// Client or component id.
    pub client: String,
    /// The workload running it.
    pub workload: String,
    /// The image reference as written.
    pub image: Located<String>,
}

/// A workload that looks like Ethereum software but matches no known client.
#[derive(Debug, Clone)]
pub struct Unrecognised {
    pub workload: Located<String>,
    /// The container image (or the workload name when it has none).
    pub image: Located<String>,
}

impl Environment {
    pub fn new(name: Located<String>) -> Self {
        Self {
            name,
            pairs: Vec::new(),
            validator_clients: Vec::new(),
            signers: Vec::new(),
            images: Vec::new(),
            unrecognised: Vec::new(),
            region: None,
            ops: ops::Ops::default(),
        }
    }

    /// Whether this environment runs validators (has validator clients, signers or keys).
    pub fn runs_validators(&self) -> bool {
        !self.validator_clients.is_empty() || !self.signers.is_empty()
    }

    /// The signer called `name` in this environment.
    pub fn signer(&self, name: &str) -> Option<&Signer> {
        self.signers.iter().find(|s| s.name.value == name)
    }
}

/// Layer of an Ethereum client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    Execution,
    Consensus,
}

impl Layer {
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Execution => "execution",
            Layer::Consensus => "consensus",
        }
    }
}

/// A client instance: which client (lower-case id) and which version.
#[derive(Debug, Clone)]
pub struct ClientRef {
    pub client: Located<String>,
    pub version: Option<Located<String>>,
}

/// Where the instances of a pair can be scheduled.
#[derive(Debug, Clone)]
pub enum Placement {
    /// A concrete host (inventory `host`, a pod pinned by `nodeName`, a live pod's node).
    Host(Located<String>),
    /// One of several replicas that pod anti-affinity or topology spread on
    /// `kubernetes.io/hostname` keeps on distinct hosts; `group` names the workload.
    Spread { group: String, origin: Origin },
    /// Nothing keeps it off a host that other pairs use.
    Unconstrained { origin: Origin },
    /// The source does not say.
    Unknown,
}

/// One CL:EL pair instance.
#[derive(Debug, Clone)]
pub struct Pair {
    pub name: Located<String>,
    pub consensus: Option<ClientRef>,
    /// `None` when the CL's execution client could not be resolved.
    pub execution: Option<ClientRef>,
    /// The engine-API endpoint the CL is configured with (the flag's value), when the
    /// execution client was looked up through it.
    pub engine_endpoint: Option<Located<String>>,
    pub placement: Placement,
    pub region: Option<Located<String>>,
    pub zone: Option<Located<String>>,
}

impl Pair {
    pub fn client(&self, layer: Layer) -> Option<&ClientRef> {
        match layer {
            Layer::Execution => self.execution.as_ref(),
            Layer::Consensus => self.consensus.as_ref(),
        }
    }
}

/// A validator client (VC) workload.
#[derive(Debug, Clone)]
pub struct ValidatorClient {
    pub name: Located<String>,
    /// Client id (`lighthouse`, `vouch`, …), when known.
    pub client: Option<Located<String>>,
    /// Number of replicas (the inventory's `replicas`, a workload's `spec.replicas`).
    pub replicas: Located<u32>,
    /// Other reasons two processes can run at once (a `RollingUpdate` Deployment, an HPA,
    /// a DaemonSet), each pointing at what causes it.
    pub concurrent_runs: Vec<Located<String>>,
    /// Explicitly on/off; `None` when the source does not say (client default applies).
    pub doppelganger: Option<Located<bool>>,
    /// Explicitly on/off; `None` when the source does not say.
    pub slashing_protection: Option<Located<bool>>,
    /// Name of the remote signer it signs through; `None` for local keys.
    pub signer: Option<Located<String>>,
    pub keys: KeySet,
}

/// Kind of remote signer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignerKind {
    Dirk,
    Web3signer,
}

impl SignerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SignerKind::Dirk => "dirk",
            SignerKind::Web3signer => "web3signer",
        }
    }
}

/// A remote-signer cluster (all instances of one web3signer or Dirk cluster).
#[derive(Debug, Clone)]
pub struct Signer {
    pub name: Located<String>,
    pub kind: Located<SignerKind>,
    pub instances: Located<u32>,
    /// T of a T-of-N threshold cluster.
    pub threshold: Option<Located<u32>>,
    pub slashing_protection: Option<Located<bool>>,
    pub keys: KeySet,
}

/// What a suppression applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every finding of the rule, anywhere.
    All,
    /// Findings of the rule in one environment.
    Environment(String),
    /// Findings whose primary location lies inside this span (a workload's document).
    Within(Origin),
}

/// Where a suppression was written; `--no-inline-suppressions` drops the inline ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuppressionSource {
    /// Inventory `ignore:` or a manifest annotation.
    Inline,
    /// `.stakelint.yaml` `waivers:`.
    Config,
}

/// A request not to report a rule somewhere, with its reason and expiry.
#[derive(Debug, Clone)]
pub struct Suppression {
    /// Rule id, or `*` for every rule.
    pub rule: Located<String>,
    pub reason: Option<Located<String>>,
    pub expires: Option<Located<jiff::civil::Date>>,
    pub scope: Scope,
    pub source: SuppressionSource,
    /// The whole entry.
    pub origin: Origin,
}

/// Why a suppression does not suppress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SuppressionProblem {
    NoReason,
    Expired(jiff::civil::Date),
}

impl Suppression {
    /// `None` when the suppression is valid on `today`.
    pub fn problem(&self, today: jiff::civil::Date) -> Option<SuppressionProblem> {
        if self
            .reason
            .as_ref()
            .is_none_or(|r| r.value.trim().is_empty())
        {
            return Some(SuppressionProblem::NoReason);
        }
        match &self.expires {
            Some(e) if e.value < today => Some(SuppressionProblem::Expired(e.value)),
            _ => None,
        }
    }

    pub fn matches_rule(&self, rule: &str) -> bool {
        self.rule.value == "*" || self.rule.value == rule
    }
}

/// A broad geographic area (SPEC §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Area {
    Amers,
    Emea,
    Apac,
}

impl Area {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_uppercase().as_str() {
            "AMERS" => Some(Area::Amers),
            "EMEA" => Some(Area::Emea),
            "APAC" => Some(Area::Apac),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Area::Amers => "AMERS",
            Area::Emea => "EMEA",
            Area::Apac => "APAC",
        }
    }
}

impl Model {
    /// Lays `top` (an inventory) over `self` (what manifests or a cluster say): environments
    /// of the same name are one; elements of the same name are one, and every field `top`
    /// states wins; elements only `top` has are added (SPEC §2.1).
    pub fn overlay(&mut self, top: Model) {
        if top.operator.is_some() {
            self.operator = top.operator;
        }
        // (by name through a map: thousands of environments, or of elements in one, made
        // a scan per element quadratic)
        let mut env_at: HashMap<String, usize> = HashMap::new();
        for (i, e) in self.environments.iter().enumerate() {
            env_at.entry(e.name.value.clone()).or_insert(i);
        }
        for env in top.environments {
            let i = if let Some(&i) = env_at.get(&env.name.value) {
                i
            } else {
                env_at.insert(env.name.value.clone(), self.environments.len());
                self.environments.push(Environment::new(Located::new(
                    env.name.value.clone(),
                    env.name.origin,
                )));
                self.environments.len() - 1
            };
            let base = &mut self.environments[i];
            base.name = env.name;
            if env.region.is_some() {
                base.region = env.region;
            }
            merge_by_name(&mut base.pairs, env.pairs, |p| &p.name.value, overlay_pair);
            merge_by_name(
                &mut base.validator_clients,
                env.validator_clients,
                |v| &v.name.value,
                overlay_vc,
            );
            merge_by_name(
                &mut base.signers,
                env.signers,
                |s| &s.name.value,
                overlay_signer,
            );
            base.images.extend(env.images);
            base.unrecognised.extend(env.unrecognised);
            base.ops.overlay(env.ops);
        }
        self.suppressions.extend(top.suppressions);
        self.unassigned_keys.extend(top.unassigned_keys);
        self.chains.extend(top.chains);
    }

    /// Applies environment-wide defaults: a pair without a region takes its environment's.
    pub fn finalize(&mut self) {
        for env in &mut self.environments {
            if let Some(r) = &env.region {
                for p in env.pairs.iter_mut().filter(|p| p.region.is_none()) {
                    p.region = Some(r.clone());
                }
            }
        }
    }
}

/// Lays each element of `top` over the first of `base` with its name (`merge`), or adds it.
fn merge_by_name<T>(
    base: &mut Vec<T>,
    top: Vec<T>,
    name: impl Fn(&T) -> &String,
    merge: impl Fn(&mut T, T),
) {
    if top.is_empty() {
        return;
    }
    let mut at: HashMap<String, usize> = HashMap::new();
    for (i, b) in base.iter().enumerate() {
        at.entry(name(b).clone()).or_insert(i);
    }
    for t in top {
        if let Some(i) = at.get(name(&t)).copied() {
            merge(&mut base[i], t);
        } else {
            at.insert(name(&t).clone(), base.len());
            base.push(t);
        }
    }
}

fn overlay_pair(b: &mut Pair, p: Pair) {
    if p.consensus.is_some() {
        b.consensus = p.consensus;
    }
    if p.execution.is_some() {
        b.execution = p.execution;
    }
    if !matches!(p.placement, Placement::Unknown) {
        b.placement = p.placement;
    }
    if p.region.is_some() {
        b.region = p.region;
    }
    if p.zone.is_some() {
        b.zone = p.zone;
    }
}

fn overlay_vc(b: &mut ValidatorClient, v: ValidatorClient) {
    // An inventory's unstated `replicas` defaults to 1 at the name: keep the workload's then.
    if v.replicas.origin != v.name.origin {
        b.replicas = v.replicas;
    }
    if v.client.is_some() {
        b.client = v.client;
    }
    if v.doppelganger.is_some() {
        b.doppelganger = v.doppelganger;
    }
    if v.slashing_protection.is_some() {
        b.slashing_protection = v.slashing_protection;
    }
    if v.signer.is_some() {
        b.signer = v.signer;
    }
    if v.keys.is_declared() {
        b.keys = v.keys;
    }
    b.concurrent_runs.extend(v.concurrent_runs);
}

fn overlay_signer(b: &mut Signer, s: Signer) {
    if s.instances.origin != s.name.origin {
        b.instances = s.instances;
    }
    b.kind = s.kind;
    if s.threshold.is_some() {
        b.threshold = s.threshold;
    }
    if s.slashing_protection.is_some() {
        b.slashing_protection = s.slashing_protection;
    }
    if s.keys.is_declared() {
        b.keys = s.keys;
    }
}

impl Pair {
    /// Where to point, and what to say, when the client of `layer` is unknown: at the
    /// engine-API flag when the execution client could not be resolved through it.
    pub fn unknown_client(&self, layer: Layer) -> (Origin, String) {
        match (layer, &self.engine_endpoint) {
            (Layer::Execution, Some(url)) => (
                url.origin,
                format!(
                    "the execution client of pair `{}` is unknown: engine endpoint `{}` does not lead to an execution client in the inputs",
                    self.name.value, url.value
                ),
            ),
            _ => (
                self.name.origin,
                format!(
                    "the {} client of pair `{}` is unknown",
                    layer.as_str(),
                    self.name.value
                ),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::merge_by_name;

    #[test]
    fn elements_are_laid_over_the_first_of_their_name_or_added_in_order() {
        let item = |n: &str, v: u32| (n.to_owned(), v);
        let mut base = vec![item("a", 1), item("b", 2), item("a", 3)];
        let top = vec![item("c", 10), item("a", 20), item("c", 30), item("d", 40)];
        merge_by_name(&mut base, top, |x| &x.0, |b, t| b.1 += t.1);
        // `a` merges into the first `a`; the second `c` into the `c` just added
        assert_eq!(
            base,
            vec![
                item("a", 21),
                item("b", 2),
                item("a", 3),
                item("c", 40),
                item("d", 40)
            ]
        );
        merge_by_name(&mut base, Vec::new(), |x| &x.0, |b, t| b.1 += t.1);
        assert_eq!(base.len(), 5);
    }
}
