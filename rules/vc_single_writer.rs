//! `vc-single-writer`: a validator client with local keys never runs twice at once.

use crate::declare_rule;
use crate::finding::Finding;
use crate::model::Model;
use crate::rule::{CheckCtx, Rule};

declare_rule! {
    /// ## What it does
    /// Flags a validator client with local keys (no remote signer) that can run as more than
    /// one process at a time: `replicas` above 1, a Deployment with the `RollingUpdate`
    /// strategy (old and new pod overlap), a HorizontalPodAutoscaler on it, or a DaemonSet.
    ///
    /// ## Why is this bad?
    /// Two processes with the same keys sign the same duties twice, each with its own
    /// slashing-protection database that knows nothing of the other: the classic cause of
    /// slashing.
    ///
    /// ## Example
    /// `replicas: 2` on a validator client, or a Deployment with `strategy: RollingUpdate`.
    /// Use instead: `replicas: 1` in a StatefulSet (or a Deployment with
    /// `strategy: Recreate`), and doppelganger protection for fail-over.
    pub VcSingleWriter { id: "vc-single-writer", severity: Error }
}

impl Rule for VcSingleWriter {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &META
    }

    fn check(&self, model: &Model, cx: &mut CheckCtx<'_>) {
        for env in &model.environments {
            for vc in env.validator_clients.iter().filter(|v| v.signer.is_none()) {
                let name = &vc.name.value;
                if vc.replicas.value > 1 {
                    let mut f = Finding::new(&META, Some(vc.replicas.origin), format!("validator client `{name}` runs {} replicas with the same local keys", vc.replicas.value))
                        .env(&env.name.value)
                        .label("more than one process signs")
                        .help("set replicas to 1; use doppelganger protection, not replicas, for fail-over");
                    if let Some(o) = vc.keys.origin {
                        f = f.related(o, "every replica signs with these keys");
                    }
                    cx.report(f);
                }
                for why in &vc.concurrent_runs {
                    cx.report(
                        Finding::new(&META, Some(why.origin), format!("validator client `{name}` can run twice: {}", why.value))
                            .env(&env.name.value)
                            .help("run exactly one process: a StatefulSet with 1 replica, or a Deployment with `strategy: Recreate` and no autoscaler"),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::VcSingleWriter;
    use crate::rules::test_support::{inventory, run};

    #[test]
    fn fires_on_replicas_with_local_keys() {
        let y =
            inventory("validatorClients:\n  - name: vc\n    replicas: 2\n    keys: {count: 10}\n");
        let f = run(&VcSingleWriter, &y);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].1, 9, "points at `replicas`");
    }

    #[test]
    fn silent_on_one_replica_or_a_remote_signer() {
        let y = inventory(
            "validatorClients:\n  - {name: vc, replicas: 1}\n  - {name: v2, replicas: 2, signer: w}\nsigners:\n  - {name: w, kind: web3signer}\n",
        );
        assert!(run(&VcSingleWriter, &y).is_empty());
    }
}
