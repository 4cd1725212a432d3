//! `client-min-version`: clients run at least the release their network upgrades need.

use crate::data::versions::{self, Version};
use crate::declare_rule;
use crate::finding::Finding;
use crate::model::Model;
use crate::model::ops::Versioned;
use crate::rule::{CheckCtx, Rule};

declare_rule! {
    /// ## What it does
    /// Flags a client older than the minimum version for the network upgrade in force on
    /// mainnet, or for the next one scheduled there (`rules/data/min-versions.yaml`). The
    /// table is dated and gives each minimum with its source and date (Fusaka —
    /// mainnet since 2025-12-03 — for Lighthouse, Prysm, Teku, Nimbus, Lodestar, Grandine,
    /// Geth, Nethermind, Besu, Erigon, Reth, web3signer and mev-boost). Versions come from
    /// image tags and the inventory's `version`; the comparison is numeric and ignores a
    /// `v` or other prefix (`multiarch-v25.6.0`); `-rc.N` and other pre-releases count as
    /// older than the release, variant suffixes (`-modern`, `-jdk21`) do not. A tag that is
    /// not a version (`latest`, `stable`, a digest only) is `not-assessed`.
    ///
    /// ## Why is this bad?
    /// A client without the upgrade's release does not follow the fork: at the activation
    /// epoch it stays on the old chain, its validators stop earning and start leaking, and
    /// getting back means a resync. For an upgrade still ahead, the table gives the date by
    /// which every pair must be updated.
    ///
    /// ## Example
    /// `image: sigp/lighthouse:v7.0.1` (older than v8.0.0, the Fusaka minimum).
    /// Use instead: `image: sigp/lighthouse:v8.0.1` or later.
    ///
    /// ## Notes
    /// The minimums are for mainnet; a testnet may have needed an earlier release. Clients
    /// the table does not list (Dirk, Vouch, Charon, SSV) and inventory elements without a
    /// `version` are not checked. An upgrade with no mainnet date (Glamsterdam, as of the
    /// table's `checked` date) enforces nothing yet.
    pub ClientMinVersion { id: "client-min-version", severity: Error }
}

impl Rule for ClientMinVersion {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &META
    }

    fn check(&self, model: &Model, cx: &mut CheckCtx<'_>) {
        for env in &model.environments {
            for v in &env.ops.versions {
                check_one(&env.name.value, v, cx);
            }
        }
    }
}

fn check_one(env: &str, v: &Versioned, cx: &mut CheckCtx<'_>) {
    let today = cx.data.today;
    let table = versions::table();
    let required: Vec<_> = table
        .upgrades
        .iter()
        .filter_map(|u| Some((u, u.activation()?, u.clients.get(&v.client)?)))
        .collect();
    if required.is_empty() {
        return;
    }
    let Some(tag) = &v.version else {
        cx.not_assessed(
            Some(env),
            Some(v.at),
            &format!(
                "the {} version of `{}` is unknown: its image has no version tag (none, or a digest only)",
                v.client, v.holder.value
            ),
        );
        return;
    };
    let Some(running) = Version::parse(&tag.value) else {
        cx.not_assessed(
            Some(env),
            Some(tag.origin),
            &format!(
                "`{}` ({} of `{}`) is not a version",
                tag.value, v.client, v.holder.value
            ),
        );
        return;
    };
    // The most recent requirement that is not met.
    let failing = required
        .iter()
        .rev()
        .find(|(_, _, m)| Version::parse(&m.version).is_some_and(|min| running < min));
    let Some((upgrade, date, min)) = failing else {
        return;
    };
    let when = if *date <= today {
        format!("mainnet since {date}")
    } else {
        format!("on mainnet {date}")
    };
    cx.report(
        Finding::new(
            &META,
            Some(tag.origin),
            format!(
                "`{}` runs {} {}, older than {}, the minimum for {} ({when})",
                v.holder.value, v.client, tag.value, min.version, upgrade.name
            ),
        )
        .env(env)
        .label("too old")
        .help(format!(
            "upgrade to {} {} or later (source: {}, {})",
            v.client, min.version, min.source, min.date
        )),
    );
}

#[cfg(test)]
mod tests {
    use super::ClientMinVersion;
    use crate::rules::test_support::{inventory, run};

    #[test]
    fn old_versions_fire_and_tags_that_are_not_versions_are_not_assessed() {
        let y = inventory(
            "nodes:\n  - {name: a, consensus: {client: lighthouse, version: v7.0.1}, execution: {client: geth, version: v1.16.7}}\n  - {name: b, consensus: {client: teku, version: latest}, execution: {client: besu, version: 25.10.0-rc.1}}\n",
        );
        let f = run(&ClientMinVersion, &y);
        let rules: Vec<&str> = f.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(
            rules,
            ["client-min-version", "not-assessed", "client-min-version"],
            "{f:?}"
        );
        assert!(
            f[0].2.contains("older than v8.0.0, the minimum for Fusaka"),
            "{f:?}"
        );
    }

    #[test]
    fn current_versions_pass() {
        let y = inventory(
            "nodes:\n  - {name: a, consensus: {client: nimbus, version: multiarch-v25.11.1}, execution: {client: nethermind, version: 1.35.2}}\nvalidatorClients:\n  - {name: v, client: vouch, version: 1.9.0}\n",
        );
        assert!(run(&ClientMinVersion, &y).is_empty());
    }
}
