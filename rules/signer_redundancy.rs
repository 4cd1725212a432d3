//! `signer-redundancy`: enough signer instances, and a threshold that is safe and live.

use crate::declare_rule;
use crate::finding::Finding;
use crate::model::Model;
use crate::rule::{CheckCtx, Param, Rule, Severity};

declare_rule! {
    /// ## What it does
    /// Flags a remote-signer cluster (web3signer, Dirk) with fewer than `min_instances`
    /// (default 3) instances; a threshold T of N instances with 2T ≤ N (an **error**: two
    /// disjoint quorums could each sign one of two conflicting messages); and T = N (one lost
    /// instance stops all signing).
    ///
    /// ## Why is this bad?
    /// The signer is on the path of every signature: a single instance is a single point of
    /// failure for every key it holds. A threshold cluster is only safe when any two quorums
    /// overlap (2T > N), so the per-instance slashing protection of the overlap refuses the
    /// second message; and only live when it tolerates a lost instance (T < N).
    ///
    /// ## Example
    /// `{kind: dirk, instances: 4, threshold: 2}`: two pairs of Dirks can each sign.
    /// Use instead: `instances: 3, threshold: 2` or `instances: 5, threshold: 3`.
    pub SignerRedundancy {
        id: "signer-redundancy",
        severity: Warning,
        params: [Param { name: "min_instances", default: 3.0, integer: true, doc: "fewest instances a signer cluster may run" }],
    }
}

impl Rule for SignerRedundancy {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &META
    }

    fn check(&self, model: &Model, cx: &mut CheckCtx<'_>) {
        let min = cx.param_u64("min_instances");
        for env in &model.environments {
            let name = &env.name.value;
            for s in &env.signers {
                let n = s.instances.value;
                if u64::from(n) < min {
                    cx.report(
                        Finding::new(&META, Some(s.instances.origin), format!("signer `{}` runs {n} instance{}, fewer than {min}", s.name.value, if n == 1 { "" } else { "s" }))
                            .env(name)
                            .label(format!("{n} of {min}"))
                            .help(format!("run at least {min} instances, with a threshold T where 2T > N and T < N")),
                    );
                }
                let Some(t) = &s.threshold else { continue };
                if 2 * t.value <= n {
                    cx.report(
                        Finding::new(&META, Some(t.origin), format!("threshold {} of {n} for signer `{}` lets two disjoint quorums sign conflicting messages", t.value, s.name.value))
                            .severity(Severity::Error)
                            .env(name)
                            .label("2T ≤ N")
                            .help(format!("raise the threshold to at least {}", n / 2 + 1)),
                    );
                } else if t.value == n && n > 1 {
                    cx.report(
                        Finding::new(&META, Some(t.origin), format!("threshold {n} of {n} for signer `{}`: one lost instance stops all signing", s.name.value))
                            .env(name)
                            .label("T = N")
                            .help("use a threshold below the instance count (e.g. 2 of 3, 3 of 5)"),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SignerRedundancy;
    use crate::rules::test_support::{inventory, run};

    #[test]
    fn fires_on_unsafe_thresholds_and_single_instances() {
        let y = inventory(
            "signers:\n  - {name: a, kind: dirk, instances: 4, threshold: 2}\n  - {name: b, kind: web3signer, instances: 1}\n  - {name: c, kind: dirk, instances: 3, threshold: 3}\n",
        );
        let f = run(&SignerRedundancy, &y);
        let lines: Vec<usize> = f.iter().map(|x| x.1).collect();
        assert_eq!(lines, vec![8, 9, 10], "{f:?}");
        assert!(f[0].2.contains("two disjoint quorums"));
        assert!(f[2].2.contains("one lost instance"));
    }

    #[test]
    fn silent_on_two_of_three_and_three_of_five() {
        let y = inventory(
            "signers:\n  - {name: a, kind: dirk, instances: 3, threshold: 2}\n  - {name: b, kind: dirk, instances: 5, threshold: 3}\n",
        );
        assert!(run(&SignerRedundancy, &y).is_empty());
    }
}
