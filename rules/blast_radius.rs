//! `blast-radius`: at most `max_keys` validator keys per environment.

use crate::declare_rule;
use crate::finding::{Finding, thousands};
use crate::model::Model;
use crate::rule::{CheckCtx, Param, Rule};

declare_rule! {
    /// ## What it does
    /// Flags an environment that holds more validator keys than `max_keys` (default 1,000).
    ///
    /// ## Why is this bad?
    /// An environment is the unit of blast radius: one bug, one bad deploy, one outage or one
    /// slashing incident in it hits every key it holds. Large operators cap environments at
    /// 1,000 keys (the practice CryptoManufaktur reported to the Lido DAO) so that no single
    /// failure touches more.
    ///
    /// ## Example
    /// An environment whose validator clients declare `keys: {count: 1200}`.
    /// Use instead: two environments of 600 keys each, with their own CL:EL pairs and signers.
    ///
    /// ## Notes
    /// Keys are counted per holder (a signer with the validator clients that sign through it,
    /// or a validator client with local keys); explicit public keys are deduplicated, counts
    /// are taken as declared. An environment whose key count is unknown is `not-assessed`.
    ///
    /// ## References
    /// - research.lido.fi/t/cryptomanufaktur-week-18-2023/4532
    pub BlastRadius {
        id: "blast-radius",
        severity: Error,
        params: [Param { name: "max_keys", default: 1000.0, integer: true, doc: "most keys one environment may hold" }],
    }
}

impl Rule for BlastRadius {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &META
    }

    fn check(&self, model: &Model, cx: &mut CheckCtx<'_>) {
        let max = cx.param_u64("max_keys");
        for env in model.environments.iter().filter(|e| e.runs_validators()) {
            let name = &env.name.value;
            let Some(count) = env.key_count() else {
                let why = format!("no key count is known for environment `{name}`");
                cx.not_assessed(Some(name), Some(env.name.origin), &why);
                continue;
            };
            if count <= max {
                continue;
            }
            let holders = env.holders();
            let mut f = Finding::new(
                &META,
                Some(env.name.origin),
                format!("environment `{name}` holds {} keys, more than {}", thousands(count), thousands(max)),
            )
            .env(name)
            .label(format!("{} keys", thousands(count)))
            .help(format!(
                "split the keys over environments of at most {} keys each, with their own pairs and signers",
                thousands(max)
            ));
            if let Some(h) = holders.iter().max_by_key(|h| h.key_count().unwrap_or(0))
                && let (Some(n), Some(o)) = (h.key_count(), h.origin())
            {
                f = f.related(
                    o,
                    format!("`{}` holds {} of them", h.name.value, thousands(n)),
                );
            }
            cx.report(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::BlastRadius;
    use crate::rules::test_support::{inventory, run};

    #[test]
    fn fires_above_the_limit_and_counts_vc_and_signer_once() {
        let y = inventory(
            "validatorClients:\n  - {name: vc, client: vouch, signer: d, keys: {count: 1200}}\nsigners:\n  - {name: d, kind: dirk, instances: 3, threshold: 2, keys: {count: 1200}}\n",
        );
        let f = run(&BlastRadius, &y);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].1, 6);
        assert!(f[0].2.contains("1,200 keys"), "{}", f[0].2);
    }

    #[test]
    fn silent_at_the_limit_and_not_assessed_without_counts() {
        let y = inventory(
            "validatorClients:\n  - {name: a, keys: {count: 600}}\n  - {name: b, keys: {count: 400}}\n",
        );
        assert!(run(&BlastRadius, &y).is_empty());
        let y = inventory("validatorClients:\n  - {name: a}\n");
        let f = run(&BlastRadius, &y);
        assert_eq!(f[0].0, "not-assessed");
    }
}
