//! Operational facts of an environment that the second-wave rules check (SPEC §4.2):
//! where slashing-protection data is kept, which APIs leave the cluster, which JWT secret
//! each side of a pair reads, fee recipients, client versions, metrics and MEV relays.
//!
//! Every element names its holder (a workload, or an inventory element) so an inventory
//! can state the same element and win (SPEC §2.1).

use crate::model::{Located, Origin, PubKey};

/// All second-wave facts of one environment.
#[derive(Debug, Clone, Default)]
pub struct Ops {
    pub stores: Vec<SlashingStore>,
    pub exposures: Vec<Exposure>,
    pub jwt: Vec<JwtPair>,
    pub fee_recipients: Vec<FeeRecipients>,
    pub versions: Vec<Versioned>,
    pub metrics: Vec<MetricsState>,
    pub relays: Vec<Relays>,
}

/// Whether some storage outlives the pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Storage {
    /// A PersistentVolumeClaim, hostPath, or a declared persistent store (what it is).
    Persistent(String),
    /// emptyDir, the container's own filesystem, or a declared ephemeral store (why).
    Ephemeral(String),
    /// Cannot be told from the inputs (why).
    Unknown(String),
}

/// Where one validator client or signer keeps its slashing-protection data.
#[derive(Debug, Clone)]
pub struct SlashingStore {
    pub holder: Located<String>,
    pub client: String,
    pub kind: StoreKind,
}

/// A local database file, or a database server (web3signer).
#[derive(Debug, Clone)]
pub enum StoreKind {
    /// On the holder's filesystem; `at` is what decides the location (flag, mount, field).
    Local { storage: Storage, at: Origin },
    /// A database server: its URL as each group of instances sees it (one entry when all
    /// instances share the configuration); empty when none is configured.
    Database {
        urls: Vec<Located<String>>,
        instances: u32,
        at: Origin,
    },
}

/// An API reachable from outside the cluster.
#[derive(Debug, Clone)]
pub struct Exposure {
    pub holder: Located<String>,
    pub client: String,
    /// `engine API`, `beacon API`, `keymanager API`, `signer API`.
    pub api: String,
    pub port: u16,
    /// How it is exposed (`Service `x` of type LoadBalancer`), located at the cause.
    pub via: Located<String>,
    /// The container port or flag that serves it.
    pub target: Option<Origin>,
}

/// The JWT secret each side of a CL:EL pair reads.
#[derive(Debug, Clone)]
pub struct JwtPair {
    pub pair: Located<String>,
    pub consensus: JwtEnd,
    pub execution: JwtEnd,
}

/// One side of a pair: its workload, client and JWT source.
#[derive(Debug, Clone)]
pub struct JwtEnd {
    pub workload: String,
    pub client: String,
    pub source: JwtSource,
}

/// Where a JWT secret file comes from.
#[derive(Debug, Clone)]
pub enum JwtSource {
    /// A source both sides can share: `Secret ns/name key k`, `ConfigMap …`, a pod-local
    /// volume (`volume v of pod p`), or an inventory identifier. `flag` locates the JWT
    /// flag; `from` the volume or Secret that provides the file.
    Known {
        id: String,
        flag: Origin,
        from: Option<Origin>,
        /// SHA-256 of the secret's value when the Secret or ConfigMap is in the inputs, so
        /// two copies of one value (charts that render a Secret per release) count as one
        /// secret. The value itself is never kept.
        digest: Option<[u8; 32]>,
    },
    /// The file's source cannot be told (why, located at the flag or the container).
    Unknown { why: String, at: Origin },
}

/// The fee recipients a validator client proposes with.
#[derive(Debug, Clone)]
pub struct FeeRecipients {
    pub holder: Located<String>,
    pub client: String,
    /// The client-wide fee recipient (flag, config file, inventory `feeRecipient`).
    pub default: Option<Located<String>>,
    /// Per-key overrides (validator_definitions.yml, proposer configs).
    pub per_key: Vec<KeyFee>,
}

/// A per-key fee recipient (`pubkey` is `None` for a file's `default_config`).
#[derive(Debug, Clone)]
pub struct KeyFee {
    pub pubkey: Option<PubKey>,
    pub address: Located<String>,
}

/// A client instance and the version it runs.
#[derive(Debug, Clone)]
pub struct Versioned {
    pub holder: Located<String>,
    pub client: String,
    /// The version (an image tag, an inventory `version`); `None` when there is none.
    pub version: Option<Located<String>>,
    /// The image or field it was read from.
    pub at: Origin,
}

/// Whether a client instance exports metrics.
#[derive(Debug, Clone)]
pub struct MetricsState {
    pub holder: Located<String>,
    pub client: String,
    pub enabled: bool,
    /// The flag, key or field that decides it; `None` when it is the client's default.
    pub decided_at: Option<Origin>,
    /// The container image (or inventory element).
    pub at: Origin,
}

/// The MEV relays one mev-boost (or an inventory environment) uses.
#[derive(Debug, Clone)]
pub struct Relays {
    pub holder: Located<String>,
    pub relays: Vec<Located<String>>,
}

impl Ops {
    /// Gives back the spare capacity of every list.
    pub fn shrink_to_fit(&mut self) {
        self.stores.shrink_to_fit();
        self.exposures.shrink_to_fit();
        self.jwt.shrink_to_fit();
        self.fee_recipients.shrink_to_fit();
        self.versions.shrink_to_fit();
        self.metrics.shrink_to_fit();
        self.relays.shrink_to_fit();
    }

    /// Adds every element of `other`.
    pub fn append(&mut self, other: Ops) {
        self.stores.extend(other.stores);
        self.exposures.extend(other.exposures);
        self.jwt.extend(other.jwt);
        self.fee_recipients.extend(other.fee_recipients);
        self.versions.extend(other.versions);
        self.metrics.extend(other.metrics);
        self.relays.extend(other.relays);
    }

    /// Lays `top` (an inventory) over `self`: an element of `top` replaces those of `self`
    /// with the same holder (and client), others are added.
    pub fn overlay(&mut self, top: Ops) {
        fn replace<T>(base: &mut Vec<T>, top: Vec<T>, key: impl Fn(&T) -> (String, String)) {
            if top.is_empty() {
                return;
            }
            // (a set: an environment of thousands of elements in both was quadratic)
            let keys: std::collections::HashSet<(String, String)> = top.iter().map(&key).collect();
            base.retain(|b| !keys.contains(&key(b)));
            base.extend(top);
        }
        replace(&mut self.stores, top.stores, |s| {
            (s.holder.value.clone(), String::new())
        });
        replace(&mut self.exposures, top.exposures, |e| {
            (e.holder.value.clone(), e.api.clone())
        });
        replace(&mut self.jwt, top.jwt, |j| {
            (j.pair.value.clone(), String::new())
        });
        replace(&mut self.fee_recipients, top.fee_recipients, |f| {
            (f.holder.value.clone(), String::new())
        });
        replace(&mut self.versions, top.versions, |v| {
            (v.holder.value.clone(), v.client.clone())
        });
        replace(&mut self.metrics, top.metrics, |m| {
            (m.holder.value.clone(), m.client.clone())
        });
        replace(&mut self.relays, top.relays, |r| {
            (r.holder.value.clone(), String::new())
        });
    }
}

/// Whether a URL's or address's host is a loopback address.
pub fn is_loopback(host_or_url: &str) -> bool {
    let s = host_or_url.trim();
    let s = s.split_once("://").map_or(s, |(_, r)| r);
    let s = s.rsplit_once('@').map_or(s, |(_, r)| r);
    let host = if let Some(rest) = s.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        s.split([':', '/', '?']).next().unwrap_or(s)
    };
    matches!(host, "localhost" | "::1") || host.starts_with("127.")
}

#[cfg(test)]
mod tests {
    use super::is_loopback;

    #[test]
    fn loopback_hosts() {
        assert!(is_loopback("jdbc:postgresql://localhost:5432/web3signer"));
        assert!(is_loopback("127.0.0.1"));
        assert!(is_loopback("[::1]:8551"));
        assert!(!is_loopback("0.0.0.0"));
        assert!(!is_loopback("jdbc:postgresql://db.eth.svc/web3signer"));
        assert!(!is_loopback("$(POD_IP)"));
    }
}
