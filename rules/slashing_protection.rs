//! `slashing-protection`: slashing protection is never turned off.

use crate::declare_rule;
use crate::finding::Finding;
use crate::model::Model;
use crate::rule::{CheckCtx, Rule};

declare_rule! {
    /// ## What it does
    /// Flags a validator client or remote signer whose slashing protection is turned off:
    /// web3signer `--slashing-protection-enabled=false`, Teku
    /// `--validators-external-signer-slashing-protection-enabled=false`, Lighthouse
    /// `--disable-slashing-protection-web3signer`, or `slashingProtection: false` in the
    /// inventory.
    ///
    /// ## Why is this bad?
    /// Slashing protection is the database that refuses to sign a second, conflicting
    /// message for a slot already signed. Without it, any duplicate key, restored backup or
    /// failover race turns straight into a slashing.
    ///
    /// ## Example
    /// `args: [eth2, --slashing-protection-enabled=false]` on web3signer.
    /// Use instead: `--slashing-protection-enabled=true` with
    /// `--slashing-protection-db-url=jdbc:postgresql://…` shared by all instances.
    pub SlashingProtection { id: "slashing-protection", severity: Error }
}

impl Rule for SlashingProtection {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &META
    }

    fn check(&self, model: &Model, cx: &mut CheckCtx<'_>) {
        for env in &model.environments {
            let vcs = env
                .validator_clients
                .iter()
                .map(|v| ("validator client", &v.name, &v.slashing_protection));
            let signers = env
                .signers
                .iter()
                .map(|s| ("signer", &s.name, &s.slashing_protection));
            for (what, name, sp) in vcs.chain(signers) {
                if let Some(off) = sp.as_ref().filter(|s| !s.value) {
                    cx.report(
                        Finding::new(&META, Some(off.origin), format!("{what} `{}` runs with slashing protection off", name.value))
                            .env(&env.name.value)
                            .label("turned off")
                            .help("turn slashing protection on; a remote signer's must be one database shared by every instance"),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SlashingProtection;
    use crate::rules::test_support::{inventory, run};

    #[test]
    fn fires_when_turned_off() {
        let y = inventory(
            "signers:\n  - {name: w, kind: web3signer, instances: 3, slashingProtection: false}\n",
        );
        let f = run(&SlashingProtection, &y);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].1, 8);
    }

    #[test]
    fn silent_when_on_or_unstated() {
        let y = inventory(
            "signers:\n  - {name: w, kind: web3signer, slashingProtection: true}\nvalidatorClients:\n  - {name: v}\n",
        );
        assert!(run(&SlashingProtection, &y).is_empty());
    }
}
