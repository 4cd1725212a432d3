//! Validator public keys, key sets and key holders.

use super::{Environment, Located, Origin, Signer, ValidatorClient};
use std::collections::{HashMap, HashSet};
use std::fmt;

/// A BLS12-381 validator public key (48 bytes, compressed G1 point).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PubKey(pub [u8; 48]);

impl PubKey {
    /// Parses `0x` + 96 hex digits (the `0x` is optional, case-insensitive).
    pub fn parse(text: &str) -> Result<Self, String> {
        let hex = text
            .strip_prefix("0x")
            .or_else(|| text.strip_prefix("0X"))
            .unwrap_or(text);
        if hex.len() != 96 {
            return Err(format!(
                "a validator public key is 0x followed by 96 hex digits; this has {} digits",
                hex.len()
            ));
        }
        let mut out = [0u8; 48];
        for (i, pair) in hex.as_bytes().chunks(2).enumerate() {
            let hi = hex_val(pair[0]);
            let lo = hex_val(pair[1]);
            match (hi, lo) {
                (Some(h), Some(l)) => out[i] = h << 4 | l,
                _ => return Err("a validator public key may contain only hex digits".into()),
            }
        }
        Ok(Self(out))
    }

    /// `0xa1b2c3…c3d4`: enough to recognise a key in a message.
    pub fn short(&self) -> String {
        let full = self.to_string();
        format!("{}…{}", &full[..10], &full[full.len() - 4..])
    }
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl fmt::Display for PubKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("0x")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for PubKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PubKey({})", self.short())
    }
}

/// The keys a validator client or signer declares.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    /// Where the key declaration is (the `keys:` entry, a Secret mount, an annotation).
    pub origin: Option<Origin>,
    /// A declared number of keys.
    pub count: Option<Located<u64>>,
    /// Explicit public keys.
    pub pubkeys: Vec<Located<PubKey>>,
    /// Keys present but disabled (Lighthouse `enabled: false`): not signing now, but
    /// enabling them later signs.
    pub disabled: Vec<Located<PubKey>>,
    /// Keys present whose public key cannot be read offline (web3signer keys in a vault).
    pub opaque: u64,
}

impl KeySet {
    /// Whether anything is known about these keys.
    pub fn is_declared(&self) -> bool {
        self.count.is_some()
            || !self.pubkeys.is_empty()
            || !self.disabled.is_empty()
            || self.opaque > 0
    }
}

/// What holds keys (SPEC §4 `duplicate-keys`): a validator client with local keys, or a
/// remote-signer cluster together with the validator clients that sign through it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HolderKind {
    ValidatorClient,
    Signer,
}

/// One key holder of an environment and every key set that belongs to it.
#[derive(Debug, Clone)]
pub struct Holder<'m> {
    pub kind: HolderKind,
    pub name: &'m Located<String>,
    pub environment: &'m Located<String>,
    pub key_sets: Vec<&'m KeySet>,
}

impl<'m> Holder<'m> {
    /// Every explicit key of every key set (may repeat when the VC and its signer both list it).
    pub fn pubkeys(&self) -> impl Iterator<Item = &'m Located<PubKey>> + '_ {
        self.key_sets.iter().flat_map(|k| k.pubkeys.iter())
    }

    /// Every disabled key of every key set.
    pub fn disabled(&self) -> impl Iterator<Item = &'m Located<PubKey>> + '_ {
        self.key_sets.iter().flat_map(|k| k.disabled.iter())
    }

    fn opaque(&self) -> u64 {
        self.key_sets.iter().map(|k| k.opaque).sum()
    }

    fn distinct_explicit(&self) -> u64 {
        self.pubkeys()
            .map(|k| k.value)
            .collect::<HashSet<_>>()
            .len() as u64
    }

    /// Keys declared only by count, beyond the explicit ones (a VC saying `count: 800`
    /// and its signer listing the same 800 keys are 800 keys, not 1,600).
    pub fn extra_count(&self) -> u64 {
        let declared = self
            .key_sets
            .iter()
            .filter_map(|k| k.count.as_ref().map(|c| c.value))
            .max()
            .unwrap_or(0);
        declared.saturating_sub(self.distinct_explicit() + self.opaque())
    }

    /// Number of keys, or `None` when no key set declares any.
    pub fn key_count(&self) -> Option<u64> {
        if !self.key_sets.iter().any(|k| k.is_declared()) {
            return None;
        }
        Some(self.distinct_explicit() + self.opaque() + self.extra_count())
    }

    /// The key set to point at: the largest declared one.
    pub fn origin(&self) -> Option<Origin> {
        self.key_sets
            .iter()
            .filter(|k| k.is_declared())
            .max_by_key(|k| k.pubkeys.len() as u64 + k.count.as_ref().map_or(0, |c| c.value))
            .and_then(|k| k.origin)
            .or(Some(self.name.origin))
    }
}

impl Environment {
    /// The key holders of this environment: each signer with the VCs that use it, and
    /// each VC with local keys (or whose signer is not declared here).
    pub fn holders(&self) -> Vec<Holder<'_>> {
        let mut out: Vec<Holder<'_>> = self
            .signers
            .iter()
            .map(|s: &Signer| Holder {
                kind: HolderKind::Signer,
                name: &s.name,
                environment: &self.name,
                key_sets: vec![&s.keys],
            })
            .collect();
        // (signers by name: a search per validator client was quadratic in a large
        // environment; the first of a name, as a search finds it)
        let mut by_name: HashMap<&str, usize> = HashMap::new();
        if self.validator_clients.iter().any(|vc| vc.signer.is_some()) {
            for (i, s) in self.signers.iter().enumerate() {
                by_name.entry(s.name.value.as_str()).or_insert(i);
            }
        }
        for vc in &self.validator_clients {
            let via = vc
                .signer
                .as_ref()
                .and_then(|s| by_name.get(s.value.as_str()).copied());
            match via {
                Some(i) => out[i].key_sets.push(&vc.keys),
                None => out.push(vc_holder(vc, &self.name)),
            }
        }
        out
    }

    /// Number of keys in this environment, or `None` when no holder declares any.
    pub fn key_count(&self) -> Option<u64> {
        let holders = self.holders();
        if holders.iter().all(|h| h.key_count().is_none()) {
            return None;
        }
        let mut seen = HashSet::new();
        let mut total = 0;
        for h in &holders {
            total += h.pubkeys().filter(|k| seen.insert(k.value)).count() as u64;
            total += h.opaque() + h.extra_count();
        }
        Some(total)
    }
}

fn vc_holder<'m>(vc: &'m ValidatorClient, env: &'m Located<String>) -> Holder<'m> {
    Holder {
        kind: HolderKind::ValidatorClient,
        name: &vc.name,
        environment: env,
        key_sets: vec![&vc.keys],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_keys() {
        let text = format!("0x{}", "ab".repeat(48));
        let k = PubKey::parse(&text).unwrap();
        assert_eq!(k.to_string(), text);
        assert_eq!(k.short(), "0xabababab…abab");
        assert!(
            PubKey::parse("0x1234")
                .unwrap_err()
                .contains("96 hex digits")
        );
        assert!(PubKey::parse(&format!("0x{}", "zz".repeat(48))).is_err());
    }
}
