//! Recognising Ethereum software in a container, from the one data table
//! `rules/data/clients.yaml` (images, programs, subcommands, flags, defaults).

use serde::Deserialize;
use std::sync::OnceLock;

/// The embedded recognition table.
pub const TABLE: &str = include_str!("../../rules/data/clients.yaml");

/// What a piece of software does in the topology.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Execution,
    Consensus,
    Validator,
    Signer,
    Component,
}

/// Doppelganger-protection flags and default of a validator client.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Doppelganger {
    pub flags: Vec<String>,
    pub default: bool,
}

/// One (client, role) entry of the table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub id: String,
    pub role: Role,
    #[serde(default)]
    pub images: Vec<String>,
    #[serde(default)]
    pub programs: Vec<String>,
    #[serde(default)]
    pub subcommands: Vec<String>,
    #[serde(default)]
    pub engine_flags: Vec<String>,
    #[serde(default)]
    pub beacon_flags: Vec<String>,
    #[serde(default)]
    pub signer_flags: Vec<String>,
    pub doppelganger: Option<Doppelganger>,
    #[serde(default)]
    pub slashing_off: Vec<String>,
    #[serde(default)]
    pub slashing_flags: Vec<String>,
    #[serde(default)]
    pub validator_flags: Vec<String>,
    /// The Engine API JWT secret file flag (EL and CL).
    #[serde(default)]
    pub jwt_flags: Vec<String>,
    /// APIs that must not be reachable from outside the cluster.
    #[serde(default)]
    pub apis: Vec<Api>,
    pub metrics: Option<Metrics>,
    pub fee_recipient: Option<FeeRecipient>,
    pub slashing_db: Option<SlashingDb>,
    /// web3signer's slashing-protection database URL.
    pub db_url: Option<Setting>,
    /// MEV relay URLs (mev-boost).
    pub relays: Option<Setting>,
}

/// A setting read from flags, configuration files or environment variables.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setting {
    #[serde(default)]
    pub flags: Vec<String>,
    #[serde(default)]
    pub config_keys: Vec<String>,
    #[serde(default)]
    pub env: Vec<String>,
}

/// One API a client serves (never to be exposed outside the cluster).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Api {
    /// `engine`, `beacon`, `keymanager` or `signer`.
    pub api: String,
    /// Default port.
    pub port: u16,
    #[serde(default)]
    pub port_flags: Vec<String>,
    /// Empty: always on; else on only with one of these flags (or by default when
    /// `enabled_by_default`).
    #[serde(default)]
    pub enable_flags: Vec<String>,
    #[serde(default)]
    pub enabled_by_default: bool,
    /// Listen-address flags.
    #[serde(default)]
    pub addr_flags: Vec<String>,
    #[serde(default)]
    pub config_port_keys: Vec<String>,
}

impl Api {
    /// What the API is called in messages.
    pub fn title(&self) -> &'static str {
        match self.api.as_str() {
            "engine" => "engine API",
            "beacon" => "beacon API",
            "keymanager" => "keymanager API",
            "signer" => "signer API",
            _ => "API",
        }
    }
}

/// The metrics endpoint of a client.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metrics {
    #[serde(default)]
    pub flags: Vec<String>,
    #[serde(default)]
    pub off_flags: Vec<String>,
    #[serde(default)]
    pub config_keys: Vec<String>,
    pub default: bool,
}

/// Where a validator client's fee recipient is set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeRecipient {
    #[serde(default)]
    pub flags: Vec<String>,
    #[serde(default)]
    pub config_keys: Vec<String>,
    /// Flags naming proposer-config files with per-key fee recipients.
    #[serde(default)]
    pub proposer_config_flags: Vec<String>,
}

/// Where a local slashing-protection database lives.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlashingDb {
    /// In priority order: the database is in `<flag value>/<sub>`.
    pub paths: Vec<DbPath>,
    #[serde(default)]
    pub config_keys: Vec<String>,
    /// The client's default location (for messages).
    pub default: String,
}

/// A flag whose directory holds the slashing-protection database (in `sub`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DbPath {
    pub flag: String,
    #[serde(default)]
    pub sub: String,
}

/// The whole table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    pub clients: Vec<Entry>,
    pub hints: Vec<String>,
}

/// The parsed embedded table (parsed once; a unit test proves it parses).
pub fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        serde_saphyr::from_str(TABLE).unwrap_or(Table {
            clients: Vec::new(),
            hints: Vec::new(),
        })
    })
}

/// The repository of an image reference: registry host, tag and digest removed, lower-case
/// (`gcr.io/offchainlabs/prysm/beacon-chain:v6.0.4` → `offchainlabs/prysm/beacon-chain`).
pub fn repository(image: &str) -> String {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last_slash = no_digest.rfind('/').map_or(0, |i| i + 1);
    let no_tag = match no_digest[last_slash..].find(':') {
        Some(i) => &no_digest[..last_slash + i],
        None => no_digest,
    };
    let mut parts: Vec<&str> = no_tag.split('/').collect();
    if parts.len() > 1
        && (parts[0].contains('.') || parts[0].contains(':') || parts[0] == "localhost")
    {
        parts.remove(0);
    }
    if parts.first() == Some(&"library") && parts.len() > 1 {
        parts.remove(0);
    }
    parts.join("/").to_ascii_lowercase()
}

/// The tag of an image reference, if any (`sigp/lighthouse:v7.0.1` → `v7.0.1`).
pub fn tag(image: &str) -> Option<&str> {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last_slash = no_digest.rfind('/').map_or(0, |i| i + 1);
    no_digest[last_slash..]
        .find(':')
        .map(|i| &no_digest[last_slash + i + 1..])
}

/// Whether an image reference carries a digest.
pub fn has_digest(image: &str) -> bool {
    image.contains("@sha256:")
}

fn basename(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// Classifies a container by image and by the words of its command and args (`tokens`,
/// flags included). Programs and subcommands decide first; for a shared image run without
/// a subcommand (e.g. `sigp/lighthouse` with only flags), the flags decide: an engine-API
/// flag makes it a beacon node, a beacon-node flag a validator client.
pub fn classify(image: Option<&str>, tokens: &[&str]) -> Option<&'static Entry> {
    let t = table();
    let words: Vec<&str> = tokens
        .iter()
        .copied()
        .filter(|w| !w.starts_with('-'))
        .collect();
    let repo = image.map(repository).unwrap_or_default();
    let image_hit = |e: &Entry| {
        e.images
            .iter()
            .any(|i| repo == *i || repo.ends_with(&format!("/{i}")))
    };
    let program_hit = |e: &Entry| {
        words
            .iter()
            .any(|w| e.programs.iter().any(|p| p == basename(w)))
    };
    let candidates: Vec<&'static Entry> = t
        .clients
        .iter()
        .filter(|e| image_hit(e) || program_hit(e))
        .collect();
    // A program named in the command beats the image (operators wrap clients in own images).
    let by_program: Vec<&'static Entry> = candidates
        .iter()
        .copied()
        .filter(|e| program_hit(e))
        .collect();
    let pool = if by_program.is_empty() {
        candidates
    } else {
        by_program
    };
    let sub_hit = |e: &&'static Entry| {
        !e.subcommands.is_empty() && e.subcommands.iter().any(|s| words.contains(&s.as_str()))
    };
    let has_flag = |flags: &[String]| {
        tokens.iter().any(|t| {
            flags.iter().any(|f| {
                *t == f.as_str()
                    || t.strip_prefix(f.as_str())
                        .is_some_and(|r| r.starts_with('='))
            })
        })
    };
    let flag_hit = |e: &&'static Entry| {
        has_flag(&e.engine_flags) || (e.role == Role::Validator && has_flag(&e.beacon_flags))
    };
    pool.iter()
        .copied()
        .find(sub_hit)
        .or_else(|| pool.iter().copied().find(|e| e.subcommands.is_empty()))
        .or_else(|| pool.iter().copied().find(flag_hit))
}

/// Whether an unrecognised container looks like Ethereum software.
pub fn looks_ethereum(image: Option<&str>, words: &[&str]) -> bool {
    let repo = image.map(repository).unwrap_or_default();
    table().hints.iter().any(|h| {
        repo.contains(h.as_str())
            || words
                .iter()
                .any(|w| w.to_ascii_lowercase().contains(h.as_str()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_and_covers_every_client() {
        let t: Table = serde_saphyr::from_str(TABLE).unwrap();
        for id in [
            "geth",
            "nethermind",
            "besu",
            "erigon",
            "reth",
            "lighthouse",
            "prysm",
            "teku",
            "nimbus",
            "lodestar",
            "grandine",
            "vouch",
            "web3signer",
            "dirk",
            "mev-boost",
            "charon",
            "ssv",
        ] {
            assert!(t.clients.iter().any(|e| e.id == id), "{id}");
        }
    }

    #[test]
    fn image_references() {
        assert_eq!(
            repository("gcr.io/offchainlabs/prysm/beacon-chain:v6.0.4"),
            "offchainlabs/prysm/beacon-chain"
        );
        assert_eq!(
            repository("docker.io/sigp/lighthouse:v7.0.1@sha256:abcd"),
            "sigp/lighthouse"
        );
        assert_eq!(repository("localhost:5000/geth"), "geth");
        assert_eq!(repository("ethereum/client-go"), "ethereum/client-go");
        assert_eq!(tag("registry:5000/sigp/lighthouse:v7.0.1"), Some("v7.0.1"));
        assert_eq!(tag("registry:5000/sigp/lighthouse"), None);
    }

    #[test]
    fn role_comes_from_subcommands_for_shared_images() {
        let bn = classify(Some("sigp/lighthouse:v7"), &["lighthouse", "bn"]).unwrap();
        assert_eq!((bn.id.as_str(), bn.role), ("lighthouse", Role::Consensus));
        let vc = classify(Some("sigp/lighthouse:v7"), &["lighthouse", "vc"]).unwrap();
        assert_eq!(vc.role, Role::Validator);
        let teku = classify(Some("consensys/teku:25.6.0"), &[]).unwrap();
        assert_eq!(teku.role, Role::Consensus);
        let tvc = classify(Some("consensys/teku:25.6.0"), &["validator-client"]).unwrap();
        assert_eq!(tvc.role, Role::Validator);
        let own = classify(Some("registry.example/ops/el:1"), &["/usr/local/bin/geth"]).unwrap();
        assert_eq!(own.id, "geth");
        assert!(classify(Some("nginx:1.27"), &["nginx"]).is_none());
        // a shared image with flags only: the engine flag makes it a beacon node
        let flags = classify(
            Some("sigp/lighthouse:v7"),
            &["--execution-endpoint=http://el:8551"],
        )
        .unwrap();
        assert_eq!(flags.role, Role::Consensus);
        let vcf = classify(
            Some("sigp/lighthouse:v7"),
            &["--beacon-nodes=http://bn:5052"],
        )
        .unwrap();
        assert_eq!(vcf.role, Role::Validator);
        assert!(classify(Some("sigp/lighthouse:v7"), &["--help"]).is_none());
        assert!(looks_ethereum(Some("acme/beacon-proxy:1"), &[]));
        assert!(!looks_ethereum(Some("nginx:1.27"), &["nginx"]));
    }
}
