//! `doppelganger-protection`: validator clients run with doppelganger protection.

use crate::data::clients::{self, Doppelganger, Role};
use crate::declare_rule;
use crate::finding::Finding;
use crate::model::Model;
use crate::rule::{CheckCtx, Rule};

/// The doppelganger settings of a validator client, from the client table
/// (`rules/data/clients.yaml`): its flags and its default.
fn settings(client: &str) -> Option<&'static Doppelganger> {
    clients::table()
        .clients
        .iter()
        .find(|e| e.id == client && e.role == Role::Validator)?
        .doppelganger
        .as_ref()
}

declare_rule! {
    /// ## What it does
    /// Flags a validator client that runs without doppelganger protection: turned off
    /// explicitly, or left at a client default that is off (every validator client but
    /// Nimbus; Vouch has no such feature).
    ///
    /// ## Why is this bad?
    /// Doppelganger protection makes a starting validator client listen for two or three
    /// epochs for its keys attesting elsewhere before it signs anything. It is the last line
    /// of defence when the same keys were started twice (a failed-over pod whose old copy
    /// still runs, keys restored on a second machine): it turns a slashing into a few missed
    /// attestations.
    ///
    /// ## Example
    /// A Lighthouse validator client without `--enable-doppelganger-protection`, or an
    /// inventory entry with `doppelganger: false`.
    /// Use instead: `doppelganger: true` and the client's flag.
    ///
    /// ## Notes
    /// A validator client whose client is unknown and that does not say is `not-assessed`.
    /// Distributed validators (Charon) should not enable it; suppress with a reason there.
    pub DoppelgangerProtection { id: "doppelganger-protection", severity: Warning }
}

impl Rule for DoppelgangerProtection {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &META
    }

    fn check(&self, model: &Model, cx: &mut CheckCtx<'_>) {
        for env in &model.environments {
            let env_name = &env.name.value;
            for vc in &env.validator_clients {
                let name = &vc.name.value;
                let client = vc.client.as_ref().map(|c| c.value.as_str());
                let known = client.and_then(settings);
                let help = match known.and_then(|d| d.flags.first()) {
                    Some(f) => format!("enable it with `{f}` and set `doppelganger: true`"),
                    None => "enable doppelganger protection in the validator client".to_owned(),
                };
                let c = client.unwrap_or("?");
                let f = match (&vc.doppelganger, client, known) {
                    (Some(d), _, _) if d.value => continue,
                    (Some(d), _, _) => Finding::new(
                        &META,
                        Some(d.origin),
                        format!("validator client `{name}` runs with doppelganger protection off"),
                    )
                    .label("turned off"),
                    (None, _, Some(d)) if d.default => continue,
                    (None, _, Some(d)) if d.flags.is_empty() => Finding::new(
                        &META,
                        Some(vc.name.origin),
                        format!(
                            "validator client `{name}` is `{c}`, which has no doppelganger protection"
                        ),
                    ),
                    (None, _, Some(_)) => Finding::new(
                        &META,
                        Some(vc.name.origin),
                        format!(
                            "validator client `{name}` runs `{c}`, whose doppelganger protection is off by default"
                        ),
                    ),
                    (None, _, None) => {
                        let why = format!(
                            "neither the client nor the doppelganger setting of validator client `{name}` is known"
                        );
                        cx.not_assessed(Some(env_name), Some(vc.name.origin), &why);
                        continue;
                    }
                };
                cx.report(f.env(env_name).help(help));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::DoppelgangerProtection;
    use crate::rules::test_support::{inventory, run};

    #[test]
    fn fires_when_off_explicitly_or_by_default() {
        let y = inventory(
            "validatorClients:\n  - {name: a, client: lighthouse, doppelganger: false}\n  - {name: b, client: teku}\n",
        );
        let f = run(&DoppelgangerProtection, &y);
        let lines: Vec<usize> = f.iter().map(|x| x.1).collect();
        assert_eq!(lines, vec![8, 9], "{f:?}");
        assert!(f[1].2.contains("off by default"));
    }

    #[test]
    fn silent_when_on_or_on_by_default() {
        let y = inventory(
            "validatorClients:\n  - {name: a, client: lighthouse, doppelganger: true}\n  - {name: b, client: nimbus}\n",
        );
        assert!(run(&DoppelgangerProtection, &y).is_empty());
    }
}
