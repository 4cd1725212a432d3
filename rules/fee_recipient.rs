//! `fee-recipient`: every validator client proposes with the expected fee recipient.

use crate::config::parse_address;
use crate::declare_rule;
use crate::finding::Finding;
use crate::model::{Located, Model};
use crate::rule::{CheckCtx, Rule};

declare_rule! {
    /// ## What it does
    /// Flags a validator client whose fee recipient, client-wide or per key, differs from
    /// `expected_fee_recipient` in `.stakelint.yaml`. Read are its client-wide flag (Lighthouse, Prysm, Nimbus and Grandine
    /// `--suggested-fee-recipient`, Teku `--validators-proposer-default-fee-recipient`,
    /// Lodestar `--suggestedFeeRecipient`, Vouch `feerecipient.default-address`) and every
    /// per-key override in the files it mounts — Lighthouse `validator_definitions.yml`
    /// (`suggested_fee_recipient`) and Teku/Prysm/Lodestar proposer configs
    /// (`proposer_config.<key>.fee_recipient`, `default_config.fee_recipient`). In the
    /// inventory: `feeRecipient:` on a validator client. Addresses compare case-insensitively.
    ///
    /// ## Why is this bad?
    /// Priority fees and MEV of every proposal go to the fee recipient. A wrong one — a
    /// typo, a testnet address, a left-over default, the zero address — sends that income to
    /// someone else or burns it, and for a staking protocol it breaks the operator's
    /// obligations: Lido node operators must use the protocol's execution-layer rewards
    /// vault.
    ///
    /// ## Example
    /// `expected_fee_recipient: "0x388C818CA8B9251b393131C08a736A67ccB19297"` (Lido's
    /// mainnet `LidoExecutionLayerRewardsVault`, docs.lido.fi/deployed-contracts) and a
    /// Lighthouse VC with `--suggested-fee-recipient=0x0000000000000000000000000000000000000000`.
    /// Use instead: `--suggested-fee-recipient=0x388C818CA8B9251b393131C08a736A67ccB19297`.
    ///
    /// ## Notes
    /// Without `expected_fee_recipient` the rule reports `not-assessed` once: the right
    /// address is a business fact stakelint cannot guess. A validator client whose fee
    /// recipient is set nowhere stakelint reads (environment, a config file it does not
    /// parse, the beacon node's fallback) is `not-assessed`. Files named by inventory
    /// `keys.from` are not read for fee recipients.
    pub FeeRecipient { id: "fee-recipient", severity: Error }
}

impl Rule for FeeRecipient {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &META
    }

    fn check(&self, model: &Model, cx: &mut CheckCtx<'_>) {
        let expected = cx.config().and_then(|c| c.expected_fee_recipient.clone());
        let Some(expected) = expected else {
            let first = model
                .environments
                .iter()
                .find_map(|e| e.validator_clients.first().map(|v| (e, v)));
            if let Some((env, vc)) = first {
                cx.not_assessed(
                    Some(&env.name.value),
                    Some(vc.name.origin),
                    "no `expected_fee_recipient` in .stakelint.yaml (for Lido: the execution-layer rewards vault)",
                );
            }
            return;
        };
        for env in &model.environments {
            for vc in &env.validator_clients {
                let set = env
                    .ops
                    .fee_recipients
                    .iter()
                    .find(|f| f.holder.value == vc.name.value);
                let Some(set) = set.filter(|s| s.default.is_some() || !s.per_key.is_empty()) else {
                    cx.not_assessed(
                        Some(&env.name.value),
                        Some(vc.name.origin),
                        &format!("no fee recipient of validator client `{}` is set where stakelint reads it", vc.name.value),
                    );
                    continue;
                };
                let per_key = set
                    .per_key
                    .iter()
                    .map(|k| (&k.address, "a per-key fee recipient"));
                for (addr, what) in set
                    .default
                    .iter()
                    .map(|d| (d, "its fee recipient"))
                    .chain(per_key)
                {
                    check_one(&env.name.value, &vc.name.value, addr, what, &expected, cx);
                }
            }
        }
    }
}

fn check_one(
    env: &str,
    vc: &str,
    addr: &Located<String>,
    what: &str,
    expected: &Located<String>,
    cx: &mut CheckCtx<'_>,
) {
    let ok = parse_address(&addr.value).is_ok_and(|a| a == expected.value);
    if ok {
        return;
    }
    cx.report(
        Finding::new(
            &META,
            Some(addr.origin),
            format!(
                "validator client `{vc}`: {what} `{}` is not the expected fee recipient `{}`",
                addr.value, expected.value
            ),
        )
        .env(env)
        .label("wrong fee recipient")
        .related(expected.origin, "expected here")
        .help(format!("set it to {}", expected.value)),
    );
}

#[cfg(test)]
mod tests {
    use super::FeeRecipient;
    use crate::rules::test_support::{inventory, run, run_with_config};

    const LIDO: &str = "expected_fee_recipient: '0x388C818CA8B9251b393131C08a736A67ccB19297'\n";

    #[test]
    fn other_addresses_fire_case_insensitively() {
        let y = inventory(
            "validatorClients:\n  - {name: v, feeRecipient: '0x388c818ca8b9251b393131c08a736a67ccb19297'}\n  - {name: w, feeRecipient: '0x0000000000000000000000000000000000000000'}\n  - {name: x}\n",
        );
        let f = run_with_config(&FeeRecipient, &y, LIDO);
        let got: Vec<(&str, usize)> = f.iter().map(|x| (x.0.as_str(), x.1)).collect();
        assert_eq!(got, [("fee-recipient", 9), ("not-assessed", 10)], "{f:?}");
    }

    #[test]
    fn without_expectation_it_is_not_assessed_once() {
        let y = inventory(
            "validatorClients:\n  - {name: v, feeRecipient: '0x388C818CA8B9251b393131C08a736A67ccB19297'}\n  - {name: w}\n",
        );
        let f = run(&FeeRecipient, &y);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].0, "not-assessed");
    }
}
