//! `jwt-secret-mismatch`: the two sides of a CL:EL pair read one JWT secret.

use crate::declare_rule;
use crate::finding::Finding;
use crate::model::Model;
use crate::model::ops::{JwtPair, JwtSource};
use crate::rule::{CheckCtx, Rule, Severity};
use std::collections::BTreeMap;

declare_rule! {
    /// ## What it does
    /// Flags a CL:EL pair whose consensus and execution clients read their Engine API JWT
    /// secret from different sources. Each side's JWT flag (`--execution-jwt`,
    /// `--jwt-secret`, `--ee-jwt-secret-file`, `--authrpc.jwtsecret`,
    /// `--JsonRpc.JwtSecretFile`, `--engine-jwt-secret`, …) is resolved through the
    /// container's volume mounts (`subPath`, `items`, projected volumes) to the Secret or
    /// ConfigMap key, hostPath, or pod-local volume that holds the file. One secret shared by
    /// unrelated pairs is reported as info. Two Secrets (or ConfigMap keys) in the inputs
    /// that hold the same value count as one secret — charts that render a Secret per
    /// release are compared by value (a SHA-256 kept in memory, never the value); two such
    /// objects whose values are not in the inputs (a live cluster withholds Secret values)
    /// are `not-assessed`. In the inventory: `jwtSecret:` under a node's
    /// `consensus` and `execution` (any identifier of the source; both must be equal).
    ///
    /// ## Why is this bad?
    /// With different secrets the execution client rejects every Engine API call: the
    /// beacon node cannot import blocks or build payloads, and every validator on the pair
    /// misses attestations and proposals until someone notices — a silent outage that
    /// looks healthy from Kubernetes. One secret shared across unrelated pairs means one
    /// leak opens every execution client.
    ///
    /// ## Example
    /// Lighthouse `--execution-jwt=/secrets/jwt.hex` from Secret `lighthouse-jwt` and geth
    /// `--authrpc.jwtsecret=/data/jwt.hex` from Secret `geth-jwt`.
    /// Use instead: mount the same Secret key into both containers.
    ///
    /// ## Notes
    /// A side whose JWT flag is missing or whose file is on no mounted volume cannot be
    /// compared and is reported `not-assessed` (the client may generate its own secret).
    pub JwtSecretMismatch { id: "jwt-secret-mismatch", severity: Error }
}

impl Rule for JwtSecretMismatch {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &META
    }

    fn check(&self, model: &Model, cx: &mut CheckCtx<'_>) {
        for env in &model.environments {
            // JWT source → the pairs that use it on both sides.
            let mut shared: BTreeMap<&str, Vec<&JwtPair>> = BTreeMap::new();
            for p in &env.ops.jwt {
                match (&p.consensus.source, &p.execution.source) {
                    (
                        JwtSource::Known {
                            id: cl,
                            flag: cl_at,
                            digest: cl_d,
                            ..
                        },
                        JwtSource::Known {
                            id: el,
                            flag: el_at,
                            digest: el_d,
                            ..
                        },
                    ) => {
                        if cl == el {
                            shared.entry(cl.as_str()).or_default().push(p);
                            continue;
                        }
                        // Two copies of one value (a Secret per chart release) are one secret.
                        if cl_d.is_some() && cl_d == el_d {
                            continue;
                        }
                        let object =
                            |id: &str| id.starts_with("Secret `") || id.starts_with("ConfigMap `");
                        if (cl_d.is_none() || el_d.is_none()) && object(cl) && object(el) {
                            // Two objects whose values are not in the inputs (a live cluster
                            // withholds Secret values): they may hold one value.
                            cx.not_assessed(Some(&env.name.value), Some(*cl_at), &format!(
                                "pair `{}`: the consensus client reads its JWT secret from {cl}, the execution client from {el}, and their values are not in the inputs",
                                p.pair.value
                            ));
                            continue;
                        }
                        let values = if cl_d.is_some() && el_d.is_some() {
                            " (they hold different values)"
                        } else {
                            ""
                        };
                        cx.report(
                            Finding::new(&META, Some(*cl_at), format!(
                                "pair `{}`: the consensus client ({}) reads its JWT secret from {cl}, the execution client `{}` ({}) from {el}{values}",
                                p.pair.value, p.consensus.client, p.execution.workload, p.execution.client
                            ))
                            .env(&env.name.value)
                            .label("this JWT secret")
                            .related(*el_at, "differs from this one")
                            .help("mount the same Secret key into both containers (e.g. one Secret `<pair>-jwt` with key `jwt.hex`)"),
                        );
                    }
                    (cl, el) => {
                        for s in [cl, el] {
                            if let JwtSource::Unknown { why, at } = s {
                                cx.not_assessed(
                                    Some(&env.name.value),
                                    Some(*at),
                                    &format!("pair `{}`: {why}", p.pair.value),
                                );
                            }
                        }
                    }
                }
            }
            for (id, pairs) in shared {
                report_shared(id, &pairs, &env.name.value, cx);
            }
        }
    }
}

/// One secret used by pairs that share neither their consensus nor execution workload.
fn report_shared(id: &str, pairs: &[&JwtPair], env: &str, cx: &mut CheckCtx<'_>) {
    let Some(first) = pairs.first() else { return };
    for p in &pairs[1..] {
        let related = p.consensus.workload == first.consensus.workload
            || p.execution.workload == first.execution.workload;
        if related {
            continue;
        }
        let (JwtSource::Known { flag: at, .. }, JwtSource::Known { flag: first_at, .. }) =
            (&p.consensus.source, &first.consensus.source)
        else {
            continue;
        };
        cx.report(
            Finding::new(
                &META,
                Some(*at),
                format!(
                    "pairs `{}` and `{}` share one JWT secret ({id})",
                    first.pair.value, p.pair.value
                ),
            )
            .env(env)
            .severity(Severity::Info)
            .related(*first_at, "also used here")
            .help(
                "give each CL:EL pair its own JWT secret, so one leak opens one execution client",
            ),
        );
        return;
    }
}

#[cfg(test)]
mod tests {
    use super::JwtSecretMismatch;
    use crate::rules::test_support::{inventory, run};

    #[test]
    fn different_sources_fire_and_shared_ones_inform() {
        let y = inventory(
            "nodes:\n  - {name: a, consensus: {client: teku, jwtSecret: s1}, execution: {client: besu, jwtSecret: s2}}\n  - {name: b, consensus: {client: teku, jwtSecret: s3}, execution: {client: geth, jwtSecret: s3}}\n  - {name: c, consensus: {client: nimbus, jwtSecret: s3}, execution: {client: reth, jwtSecret: s3}}\n",
        );
        let f = run(&JwtSecretMismatch, &y);
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f[0].2.contains("from s1"), "{f:?}");
        assert!(f[1].2.contains("share one JWT secret (s3)"), "{f:?}");
    }

    #[test]
    fn one_source_per_pair_passes() {
        let y = inventory(
            "nodes:\n  - {name: a, consensus: {client: teku, jwtSecret: s1}, execution: {client: besu, jwtSecret: s1}}\n  - {name: b, consensus: {client: teku}, execution: {client: besu}}\n",
        );
        assert!(run(&JwtSecretMismatch, &y).is_empty());
    }
}
