//! `mev-relay-allowlist`: mev-boost only uses allowed relays.

use crate::config::parse_relay;
use crate::declare_rule;
use crate::finding::Finding;
use crate::model::Model;
use crate::rule::{CheckCtx, Rule};

declare_rule! {
    /// ## What it does
    /// Flags an MEV relay that mev-boost uses and that is not in `relay_allowlist` of
    /// `.stakelint.yaml`. Relays are read from `-relay`/`-relays` (comma lists included) and
    /// the `RELAYS` environment variable. Relays compare by host and relay public key
    /// (`https://0x<pubkey>@host`); an allow-list entry without a public key allows any key
    /// on that host. In the inventory: `relays:` on an environment.
    ///
    /// ## Why is this bad?
    /// The relay decides which block a validator proposes and whether it is paid for it. A
    /// relay outside the vetted list may censor, withhold payloads (a missed slot), pay
    /// less than it promised, or break the staking protocol's rules: Lido keeps a
    /// DAO-approved relay list that its node operators must follow. A relay URL with the
    /// wrong public key accepts bids signed by someone else.
    ///
    /// ## Example
    /// `relay_allowlist: ["https://0xac6e77…@boost-relay.flashbots.net"]` and mev-boost
    /// with `-relays https://0xa1559a…@unvetted-relay.example`.
    /// Use instead: only relays from the allow-list.
    ///
    /// ## Notes
    /// Without `relay_allowlist` the rule reports `not-assessed` once when relays are
    /// configured.
    pub MevRelayAllowlist { id: "mev-relay-allowlist", severity: Warning }
}

impl Rule for MevRelayAllowlist {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &META
    }

    fn check(&self, model: &Model, cx: &mut CheckCtx<'_>) {
        let allow = cx.config().and_then(|c| c.relay_allowlist.clone());
        let Some(allow) = allow else {
            let first = model.environments.iter().find_map(|e| {
                e.ops
                    .relays
                    .iter()
                    .find_map(|r| r.relays.first())
                    .map(|r| (e, r))
            });
            if let Some((env, r)) = first {
                cx.not_assessed(
                    Some(&env.name.value),
                    Some(r.origin),
                    "no `relay_allowlist` in .stakelint.yaml",
                );
            }
            return;
        };
        let allowed: Vec<String> = allow
            .iter()
            .filter_map(|a| parse_relay(&a.value).ok())
            .collect();
        for env in &model.environments {
            for set in &env.ops.relays {
                for r in &set.relays {
                    let why = match parse_relay(&r.value) {
                        Ok(c) if permitted(&c, &allowed) => continue,
                        Ok(_) => "is not in `relay_allowlist`".to_owned(),
                        Err(e) => format!("is not a relay URL ({e})"),
                    };
                    let mut f = Finding::new(
                        &META,
                        Some(r.origin),
                        format!("mev-boost `{}` uses the relay `{}`, which {why}", set.holder.value, r.value),
                    )
                    .env(&env.name.value)
                    .label("not allowed")
                    .help("use only relays from `relay_allowlist` (for Lido: the DAO-approved relay list)");
                    if let Some(a) = allow.first() {
                        f = f.related(a.origin, "the allow-list");
                    }
                    cx.report(f);
                }
            }
        }
    }
}

/// Whether a canonical relay (`pubkey@host` or `host`) is allowed: same host, and the same
/// key unless the allow-list entry names none.
fn permitted(relay: &str, allowed: &[String]) -> bool {
    let split = |s: &str| match s.rsplit_once('@') {
        Some((k, h)) => (Some(k.to_owned()), h.to_owned()),
        None => (None, s.to_owned()),
    };
    let (key, host) = split(relay);
    allowed.iter().any(|a| {
        let (akey, ahost) = split(a);
        ahost == host && (akey.is_none() || akey == key)
    })
}

#[cfg(test)]
mod tests {
    use super::{MevRelayAllowlist, permitted};
    use crate::rules::test_support::{inventory, run, run_with_config};

    #[test]
    fn relays_outside_the_allowlist_fire() {
        let k = "0x".to_owned() + &"ab".repeat(48);
        let y = inventory(&format!(
            "relays:\n  - https://{k}@relay.a\n  - https://{k}@relay.b\n"
        ));
        let cfg = format!("relay_allowlist: ['https://{k}@relay.a']\n");
        let f = run_with_config(&MevRelayAllowlist, &y, &cfg);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].1, 9);
    }

    #[test]
    fn matching_by_host_and_key() {
        let allowed = vec!["0xaa@relay.a".to_owned(), "relay.b".to_owned()];
        assert!(permitted("0xaa@relay.a", &allowed));
        assert!(!permitted("0xbb@relay.a", &allowed));
        assert!(permitted("0xcc@relay.b", &allowed));
        assert!(!permitted("0xaa@relay.c", &allowed));
    }

    #[test]
    fn without_allowlist_it_is_not_assessed_once() {
        let k = "0x".to_owned() + &"ab".repeat(48);
        let y = inventory(&format!(
            "relays:\n  - https://{k}@relay.a\n  - https://{k}@relay.b\n"
        ));
        let f = run(&MevRelayAllowlist, &y);
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].0.as_str(), f[0].1), ("not-assessed", 8));
    }
}
