//! `cl-el-pairs`: at least `min_pairs` CL:EL pairs per environment that runs validators.

use crate::declare_rule;
use crate::finding::Finding;
use crate::model::Model;
use crate::rule::{CheckCtx, Param, Rule};

declare_rule! {
    /// ## What it does
    /// Flags an environment that runs validators with fewer than `min_pairs` (default 3)
    /// consensus:execution client pairs.
    ///
    /// ## Why is this bad?
    /// With two pairs, taking one down for maintenance leaves a single pair and no failover:
    /// the next crash or bad upgrade takes every validator of the environment offline and
    /// they leak rewards. Three pairs keep failover through maintenance.
    ///
    /// ## Example
    /// An inventory environment with `nodes:` listing two pairs.
    /// Use instead: three pairs, ideally on three hosts with different clients.
    ///
    /// ## Notes
    /// Each replica of a StatefulSet counts as one pair. A consensus client whose execution
    /// client cannot be resolved still counts as a pair.
    pub ClElPairs {
        id: "cl-el-pairs",
        severity: Error,
        params: [Param { name: "min_pairs", default: 3.0, integer: true, doc: "fewest CL:EL pairs an environment may run" }],
    }
}

impl Rule for ClElPairs {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &META
    }

    fn check(&self, model: &Model, cx: &mut CheckCtx<'_>) {
        let min = cx.param_u64("min_pairs");
        for env in model.environments.iter().filter(|e| e.runs_validators()) {
            let n = env.pairs.len() as u64;
            if n >= min {
                continue;
            }
            let name = &env.name.value;
            let mut f = Finding::new(
                &META,
                Some(env.name.origin),
                format!(
                    "environment `{name}` runs {n} CL:EL pair{}, fewer than {min}",
                    if n == 1 { "" } else { "s" }
                ),
            )
            .env(name)
            .label(format!("{n} of {min} pairs"))
            .help(format!(
                "run at least {min} CL:EL pairs so that maintenance of one never removes failover"
            ));
            for p in &env.pairs {
                f = f.related(p.name.origin, format!("pair `{}`", p.name.value));
            }
            cx.report(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ClElPairs;
    use crate::rules::test_support::{inventory, run};

    const VC: &str = "validatorClients:\n  - {name: vc, keys: {count: 10}}\n";

    #[test]
    fn fires_with_two_pairs() {
        let y = inventory(&format!("nodes:\n  - {{name: a}}\n  - {{name: b}}\n{VC}"));
        let f = run(&ClElPairs, &y);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].1, 6);
        assert!(f[0].2.contains("runs 2 CL:EL pairs"));
    }

    #[test]
    fn silent_with_three_pairs_or_without_validators() {
        let y = inventory(&format!(
            "nodes:\n  - {{name: a}}\n  - {{name: b}}\n  - {{name: c}}\n{VC}"
        ));
        assert!(run(&ClElPairs, &y).is_empty());
        let y = inventory("nodes:\n  - {name: a}\n");
        assert!(run(&ClElPairs, &y).is_empty());
    }
}
