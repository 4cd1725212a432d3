//! Minimum client versions per network upgrade (`rules/data/min-versions.yaml`) and the
//! version comparison `client-min-version` uses.

use serde::Deserialize;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The embedded table.
pub const TABLE: &str = include_str!("../../rules/data/min-versions.yaml");

/// The whole table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MinVersions {
    /// When the table was last checked.
    pub checked: String,
    pub upgrades: Vec<Upgrade>,
}

/// One network upgrade.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Upgrade {
    pub name: String,
    /// Mainnet activation date (`YYYY-MM-DD`), `None` when not scheduled.
    pub mainnet: Option<String>,
    pub source: String,
    #[serde(default)]
    pub clients: BTreeMap<String, Minimum>,
}

/// The minimum version of one client for an upgrade.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Minimum {
    pub version: String,
    pub date: String,
    pub source: String,
}

impl Upgrade {
    /// The mainnet activation date, when scheduled.
    pub fn activation(&self) -> Option<jiff::civil::Date> {
        self.mainnet.as_deref()?.trim().parse().ok()
    }
}

/// The parsed embedded table (a unit test proves it parses).
pub fn table() -> &'static MinVersions {
    static T: OnceLock<MinVersions> = OnceLock::new();
    T.get_or_init(|| {
        serde_saphyr::from_str(TABLE).unwrap_or(MinVersions {
            checked: String::new(),
            upgrades: Vec::new(),
        })
    })
}

/// A release version read from an image tag or an inventory `version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub parts: [u64; 3],
    /// `rc.1`, `beta.2`, …: older than the release itself.
    pub pre: Option<String>,
}

/// Suffixes that mark a pre-release; any other suffix is an image variant.
const PRE: &[&str] = &[
    "rc", "alpha", "beta", "pre", "dev", "snapshot", "nightly", "unstable",
];

impl Version {
    /// Reads `v1.16.7`, `25.11.0`, `multiarch-v25.6.0`, `v8.0.0-rc.1`, `1.35.2-chiseled`,
    /// `1.10`; `None` for tags that are not versions (`latest`, `stable`, `develop`, a commit).
    pub fn parse(tag: &str) -> Option<Version> {
        let tag = tag.trim();
        let bytes = tag.as_bytes();
        let start = (0..bytes.len()).find(|&i| {
            bytes[i].is_ascii_digit()
                && (i == 0 || matches!(bytes[i - 1], b'v' | b'V' | b'-' | b'_' | b'/'))
                && version_core(&tag[i..]).is_some()
        })?;
        let (parts, len) = version_core(&tag[start..])?;
        let rest = &tag[start + len..];
        let suffix = rest.trim_start_matches(['-', '+', '.', '_']);
        let pre = PRE
            .iter()
            .any(|p| suffix.to_ascii_lowercase().starts_with(p))
            .then(|| suffix.to_owned());
        Some(Version { parts, pre })
    }
}

/// `major.minor[.patch]` at the start of `s`, and its length.
fn version_core(s: &str) -> Option<([u64; 3], usize)> {
    let mut parts = [0u64; 3];
    let mut n = 0;
    let mut len = 0;
    for (i, seg) in s.split('.').enumerate() {
        if i == 3 {
            break;
        }
        let digits: String = seg.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() {
            break;
        }
        parts[i] = digits.parse().ok()?;
        n += 1;
        len += digits.len() + usize::from(i > 0);
        if digits.len() < seg.len() {
            break;
        }
    }
    (n >= 2).then_some((parts, len))
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.parts
            .cmp(&other.parts)
            .then_with(|| match (&self.pre, &other.pre) {
                (None, None) => Ordering::Equal,
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some(a), Some(b)) => a.cmp(b),
            })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap_or_else(|| panic!("{s}"))
    }

    #[test]
    fn the_table_parses_with_dated_sources() {
        let t: MinVersions = serde_saphyr::from_str(TABLE).unwrap();
        let fusaka = &t.upgrades[0];
        assert!(fusaka.activation().is_some());
        for id in [
            "lighthouse",
            "prysm",
            "teku",
            "nimbus",
            "lodestar",
            "grandine",
            "geth",
            "nethermind",
            "besu",
            "erigon",
            "reth",
        ] {
            let m = &fusaka.clients[id];
            assert!(Version::parse(&m.version).is_some(), "{id}");
            assert!(m.date.parse::<jiff::civil::Date>().is_ok(), "{id}");
            assert!(!m.source.is_empty(), "{id}");
        }
        assert!(t.upgrades.iter().any(|u| u.activation().is_none()));
    }

    #[test]
    fn versions_compare_as_numbers() {
        assert!(v("v1.16.10") > v("v1.16.7"));
        assert!(v("1.9.1") > v("v1.9.0"));
        assert_eq!(v("v8.0.0").cmp(&v("8.0.0")), Ordering::Equal);
        assert!(v("v8.0.0-rc.2") < v("v8.0.0"));
        assert_eq!(v("1.35.2-chiseled").cmp(&v("1.35.2")), Ordering::Equal);
        assert_eq!(v("v8.0.1-modern").parts, [8, 0, 1]);
        assert_eq!(v("multiarch-v25.6.0").parts, [25, 6, 0]);
        assert_eq!(v("1.10").parts, [1, 10, 0]);
        assert!(v("25.11.0") > v("25.6.1"));
    }

    #[test]
    fn tags_that_are_not_versions() {
        for t in [
            "latest", "stable", "develop", "nightly", "alltools", "abc123", "", "v8",
        ] {
            assert!(Version::parse(t).is_none(), "{t}");
        }
    }
}
