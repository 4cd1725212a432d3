//! The normalized operator picture (SPEC §3), independent of the source it came from.
//!
//! operator → environments → { CL:EL pairs, validator clients, remote signers, keys }.
//! Every element keeps its [`Origin`] so a finding can point at the line to change.
//! No I/O here: sources build it, rules read it.

pub mod clients;
mod keys;
mod located;

pub use keys::{Holder, HolderKind, KeySet, PubKey};
pub use located::{FileId, Located, Origin, Span};

/// The whole operator: what every rule checks.
#[derive(Debug, Default, Clone)]
pub struct Model {
    /// Operator name (inventory `metadata.name`).
    pub operator: Option<Located<String>>,
    pub environments: Vec<Environment>,
    /// Suppressions from every source (inventory `ignore`, config `waivers`, annotations).
    pub suppressions: Vec<Suppression>,
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
        let mut seen = std::collections::HashSet::new();
        let mut counted = 0;
        for env in &self.environments {
            for h in env.holders() {
                let explicit = h.pubkeys().filter(|k| seen.insert(k.value)).count() as u64;
                counted += explicit + h.extra_count();
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
}

impl Environment {
    pub fn new(name: Located<String>) -> Self {
        Self {
            name,
            pairs: Vec::new(),
            validator_clients: Vec::new(),
            signers: Vec::new(),
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
