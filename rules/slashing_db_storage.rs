//! `slashing-db-storage`: slashing-protection data outlives the pod, and web3signer
//! instances share one database.

use crate::declare_rule;
use crate::finding::Finding;
use crate::model::ops::{Storage, StoreKind, is_loopback};
use crate::model::{Environment, Located, Model, PubKey};
use crate::rule::{CheckCtx, Rule};
use std::collections::{BTreeSet, HashMap, HashSet};

declare_rule! {
    /// ## What it does
    /// Flags a validator client or remote signer whose slashing-protection database lives on
    /// ephemeral storage, and web3signer instances that do not share one database. Where
    /// each client keeps it comes from the client table: Lighthouse and Nimbus
    /// `<validators-dir>` (`--validators-dir`, else `--datadir`/`--data-dir` + `validators`),
    /// Teku `--data-validator-path` (else `--data-base-path`/`--data-path` + `validator`),
    /// Prysm `--datadir` (else `--wallet-dir`), Lodestar `--dataDir` + `validator-db`,
    /// Grandine `--data-dir`, Dirk's `storage-path`, and web3signer's
    /// `--slashing-protection-db-url` (`eth2.slashing-protection-db-url` in its config
    /// file). The directory is matched to the container's volume mounts: an emptyDir, a
    /// generic ephemeral volume or no volume at all is an error. In the inventory:
    /// `slashingProtectionStorage: ephemeral` on a validator client or Dirk signer, and
    /// web3signer signers with overlapping keys and different `slashingProtectionDb`.
    ///
    /// ## Why is this bad?
    /// Slashing protection only protects what it remembers. A database on an emptyDir or the
    /// container's filesystem is wiped by every rescheduling or image update: the client
    /// restarts with an empty history and will sign again for slots it already signed —
    /// after a failover or a restore, that is a slashing. Several web3signer instances that
    /// each keep their own database (a PostgreSQL on `localhost` in every pod, or different
    /// JDBC URLs for the same keys) protect nothing against each other.
    ///
    /// ## Example
    /// A Lighthouse VC with `--datadir=/data` and `/data` an `emptyDir`; a web3signer with
    /// `replicas: 3` and `--slashing-protection-db-url=jdbc:postgresql://localhost/web3signer`.
    /// Use instead: a PersistentVolumeClaim (a StatefulSet `volumeClaimTemplate`) at the data
    /// directory; one PostgreSQL shared by every web3signer instance.
    ///
    /// ## Notes
    /// Without a data-directory flag the database is at the client default under the
    /// container's home; when the container mounts a persistent volume elsewhere, the rule
    /// cannot tell and reports `not-assessed`. Vouch keeps no slashing-protection data (it
    /// relies on Dirk) and is not checked.
    pub SlashingDbStorage { id: "slashing-db-storage", severity: Error }
}

impl Rule for SlashingDbStorage {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &META
    }

    fn check(&self, model: &Model, cx: &mut CheckCtx<'_>) {
        for env in &model.environments {
            for s in &env.ops.stores {
                match &s.kind {
                    StoreKind::Local { storage, at } => match storage {
                        Storage::Ephemeral(why) => cx.report(
                            Finding::new(&META, Some(*at), format!("the slashing-protection database of `{}` ({}) is on ephemeral storage: {why}", s.holder.value, s.client))
                                .env(&env.name.value)
                                .label("lost when the pod goes")
                                .related(s.holder.origin, "this workload")
                                .help("keep the data directory on a PersistentVolumeClaim (a StatefulSet volumeClaimTemplate)"),
                        ),
                        Storage::Unknown(why) => {
                            cx.not_assessed(Some(&env.name.value), Some(*at), &format!("`{}`: {why}", s.holder.value));
                        }
                        Storage::Persistent(_) => {}
                    },
                    StoreKind::Database { urls, instances, at } => {
                        database(env, &s.holder, urls, *instances, *at, cx);
                    }
                }
            }
            shared_keys_share_database(env, cx);
        }
    }
}

/// One web3signer cluster: a database is configured, and not one per pod.
fn database(
    env: &Environment,
    holder: &Located<String>,
    urls: &[Located<String>],
    instances: u32,
    at: crate::model::Origin,
    cx: &mut CheckCtx<'_>,
) {
    let off = env
        .signer(&holder.value)
        .and_then(|s| s.slashing_protection.as_ref())
        .is_some_and(|sp| !sp.value);
    if urls.is_empty() && !off {
        cx.report(
            Finding::new(&META, Some(at), format!("web3signer `{}` has no slashing-protection database", holder.value))
                .env(&env.name.value)
                .label("no --slashing-protection-db-url")
                .help("set `--slashing-protection-db-url=jdbc:postgresql://…` (or `eth2.slashing-protection-db-url` in its config file) to one database shared by every instance"),
        );
    }
    for u in urls
        .iter()
        .filter(|u| instances > 1 && is_loopback(&u.value))
    {
        cx.report(
            Finding::new(&META, Some(u.origin), format!("the {instances} instances of web3signer `{}` each use their own slashing-protection database at `{}`", holder.value, u.value))
                .env(&env.name.value)
                .label("a database on localhost is one per pod")
                .help("point every instance at one shared PostgreSQL (a Service name, not localhost)"),
        );
    }
    let distinct: HashSet<String> = urls.iter().map(|u| canonical(&u.value)).collect();
    if distinct.len() > 1 {
        cx.report(
            Finding::new(
                &META,
                Some(urls[1].origin),
                format!(
                    "instances of web3signer `{}` use different slashing-protection databases",
                    holder.value
                ),
            )
            .env(&env.name.value)
            .related(urls[0].origin, "another instance's database")
            .help("point every instance at the same JDBC URL"),
        );
    }
}

/// web3signer clusters holding the same keys must share one database. (Pairs are found
/// through the keys they share: comparing every pair of clusters, each looked up by name,
/// was cubic in the signers of an environment.)
fn shared_keys_share_database(env: &Environment, cx: &mut CheckCtx<'_>) {
    let dbs: Vec<(&Located<String>, &Located<String>)> = env
        .ops
        .stores
        .iter()
        .filter_map(|s| match &s.kind {
            StoreKind::Database { urls, .. } => urls.first().map(|u| (&s.holder, u)),
            StoreKind::Local { .. } => None,
        })
        .collect();
    if dbs.len() < 2 {
        return;
    }
    let mut signers: HashMap<&str, &crate::model::Signer> = HashMap::new();
    for s in &env.signers {
        signers.entry(s.name.value.as_str()).or_insert(s);
    }
    // key → the databases (positions) whose signer holds it, ascending
    let mut holders: HashMap<&PubKey, Vec<usize>> = HashMap::new();
    for (i, (holder, _)) in dbs.iter().enumerate() {
        let keys = signers
            .get(holder.value.as_str())
            .map(|s| s.keys.pubkeys.iter().map(|k| &k.value))
            .into_iter()
            .flatten();
        for k in keys {
            let at = holders.entry(k).or_default();
            if at.last() != Some(&i) {
                at.push(i);
            }
        }
    }
    let mut sharing: BTreeSet<(usize, usize)> = BTreeSet::new();
    for at in holders.values() {
        for (n, &i) in at.iter().enumerate() {
            sharing.extend(at[n + 1..].iter().map(|&j| (i, j)));
        }
    }
    let urls: Vec<String> = dbs.iter().map(|(_, u)| canonical(&u.value)).collect();
    for (i, j) in sharing {
        let ((a, ua), (b, ub)) = (dbs[i], dbs[j]);
        if a.value == b.value || urls[i] == urls[j] {
            continue;
        }
        cx.report(
            Finding::new(&META, Some(ub.origin), format!("web3signer `{}` and `{}` hold the same keys but use different slashing-protection databases", a.value, b.value))
                .env(&env.name.value)
                .related(ua.origin, "the other database")
                .help("signers of the same keys must share one slashing-protection database"),
        );
    }
}

/// A JDBC URL for comparison: trimmed, lower-case, without a trailing slash.
fn canonical(url: &str) -> String {
    url.trim().trim_end_matches('/').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::SlashingDbStorage;
    use crate::rules::test_support::{KEYS, inventory, run};

    #[test]
    fn ephemeral_and_unshared_databases_fire() {
        let y = inventory(&format!(
            "validatorClients:\n  - {{name: v, client: lighthouse, slashingProtectionStorage: ephemeral}}\nsigners:\n  - {{name: a, kind: web3signer, instances: 2, slashingProtectionDb: 'jdbc:postgresql://localhost/w3s', keys: {{pubkeys: [{k}]}}}}\n  - {{name: b, kind: web3signer, slashingProtectionDb: 'jdbc:postgresql://db-b/w3s', keys: {{pubkeys: [{k}]}}}}\n",
            k = KEYS[0]
        ));
        let f = run(&SlashingDbStorage, &y);
        let lines: Vec<usize> = f.iter().map(|x| x.1).collect();
        assert_eq!(lines, [8, 10, 11], "{f:?}");
    }

    #[test]
    fn each_pair_of_clusters_sharing_keys_on_different_databases_fires_once() {
        // a–b share two keys (one finding), b–c one; a–c share none; d shares a's database.
        let signer = |name: &str, db: &str, keys: &[usize]| {
            let keys: Vec<&str> = keys.iter().map(|&i| KEYS[i]).collect();
            format!(
                "  - {{name: {name}, kind: web3signer, slashingProtectionDb: 'jdbc:postgresql://{db}/w3s', keys: {{pubkeys: [{}]}}}}\n",
                keys.join(", ")
            )
        };
        let y = inventory(&format!(
            "signers:\n{}{}{}{}",
            signer("a", "db-a", &[0, 1]),
            signer("b", "db-b", &[0, 1, 2]),
            signer("c", "db-c", &[2, 3]),
            signer("d", "DB-A", &[0, 3]),
        ));
        let f = run(&SlashingDbStorage, &y);
        let said: Vec<&str> = f.iter().map(|x| x.2.as_str()).collect();
        assert_eq!(
            said,
            [
                "web3signer `a` and `b` hold the same keys but use different slashing-protection databases",
                "web3signer `b` and `c` hold the same keys but use different slashing-protection databases",
                "web3signer `b` and `d` hold the same keys but use different slashing-protection databases",
                "web3signer `c` and `d` hold the same keys but use different slashing-protection databases",
            ],
            "{f:?}"
        );
    }

    #[test]
    fn persistent_and_shared_pass() {
        let y = inventory(
            "validatorClients:\n  - {name: v, client: teku, slashingProtectionStorage: persistent}\nsigners:\n  - {name: a, kind: web3signer, instances: 3, slashingProtectionDb: 'jdbc:postgresql://db/w3s'}\n",
        );
        assert!(run(&SlashingDbStorage, &y).is_empty());
    }
}
