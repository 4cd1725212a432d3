//! `client-diversity`: no single client in every pair; enough distinct CL:EL combinations.

use crate::declare_rule;
use crate::finding::Finding;
use crate::model::{Layer, Model};
use crate::rule::{CheckCtx, Param, Rule};
use std::collections::BTreeSet;

declare_rule! {
    /// ## What it does
    /// Flags an environment where one execution client or one consensus client runs in
    /// every CL:EL pair, or where the pairs use fewer distinct CL:EL combinations than
    /// `min_combinations` (default 2).
    ///
    /// ## Why is this bad?
    /// The pairs of an environment exist to fail over to each other. If every pair runs the
    /// same client, one bug in that client (a bad release, a consensus issue) takes every
    /// pair down at once and all the environment's validators go offline together.
    ///
    /// ## Example
    /// Three pairs `lighthouse:geth`, `teku:geth`, `nimbus:geth`: Geth is in every pair.
    /// Use instead: `lighthouse:nethermind`, `teku:besu`, `nimbus:geth`.
    ///
    /// ## Notes
    /// Checked for environments with two or more pairs (a single pair is `cl-el-pairs`'
    /// finding). Pairs whose client is unknown make that layer `not-assessed` unless the
    /// known clients already differ. The combination check only fires when neither layer
    /// already fired, so one problem gives one finding.
    pub ClientDiversity {
        id: "client-diversity",
        severity: Warning,
        params: [Param { name: "min_combinations", default: 2.0, integer: true, doc: "fewest distinct CL:EL combinations an environment may use" }],
    }
}

impl Rule for ClientDiversity {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &META
    }

    fn check(&self, model: &Model, cx: &mut CheckCtx<'_>) {
        let min = cx.param_u64("min_combinations");
        for env in model.environments.iter().filter(|e| e.pairs.len() >= 2) {
            let name = &env.name.value;
            let mut fired = false;
            for layer in [Layer::Execution, Layer::Consensus] {
                let known: Vec<_> = env
                    .pairs
                    .iter()
                    .filter_map(|p| p.client(layer).map(|c| (p, c)))
                    .collect();
                let distinct: BTreeSet<&str> =
                    known.iter().map(|(_, c)| c.client.value.as_str()).collect();
                if distinct.len() > 1 {
                    continue;
                }
                if known.len() < env.pairs.len() {
                    if let Some(p) = env.pairs.iter().find(|p| p.client(layer).is_none()) {
                        let (at, why) = p.unknown_client(layer);
                        cx.not_assessed(Some(name), Some(at), &why);
                    }
                    continue;
                }
                let Some(((_, last), others)) = known.split_last() else {
                    continue;
                };
                let client = &last.client.value;
                let mut f = Finding::new(
                    &META,
                    Some(last.client.origin),
                    format!("every CL:EL pair of environment `{name}` runs {} client `{client}`: one `{client}` bug takes all {} pairs down", layer.as_str(), env.pairs.len()),
                )
                .env(name)
                .label(format!("`{client}` here too"))
                .help(format!("run a different {} client in at least one pair", layer.as_str()));
                for (p, c) in others {
                    f = f.related(c.client.origin, format!("pair `{}`", p.name.value));
                }
                cx.report(f);
                fired = true;
            }
            if fired {
                continue;
            }
            let combos: BTreeSet<(&str, &str)> = env
                .pairs
                .iter()
                .filter_map(|p| {
                    Some((
                        p.consensus.as_ref()?.client.value.as_str(),
                        p.execution.as_ref()?.client.value.as_str(),
                    ))
                })
                .collect();
            let complete = env
                .pairs
                .iter()
                .all(|p| p.consensus.is_some() && p.execution.is_some());
            if complete && (combos.len() as u64) < min {
                cx.report(
                    Finding::new(
                        &META,
                        Some(env.name.origin),
                        format!(
                            "environment `{name}` uses {} CL:EL combination{}, fewer than {min}",
                            combos.len(),
                            if combos.len() == 1 { "" } else { "s" }
                        ),
                    )
                    .env(name)
                    .help("vary the client combinations of the pairs"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ClientDiversity;
    use crate::rules::test_support::{inventory, run};

    #[test]
    fn fires_when_one_execution_client_runs_everywhere() {
        let y = inventory(
            "nodes:\n  - {name: a, consensus: {client: lighthouse}, execution: {client: geth}}\n  - {name: b, consensus: {client: teku}, execution: {client: geth}}\n",
        );
        let f = run(&ClientDiversity, &y);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].1, 9);
        assert!(f[0].2.contains("execution client `geth`"));
    }

    #[test]
    fn silent_on_diverse_pairs() {
        let y = inventory(
            "nodes:\n  - {name: a, consensus: {client: lighthouse}, execution: {client: geth}}\n  - {name: b, consensus: {client: teku}, execution: {client: besu}}\n",
        );
        assert!(run(&ClientDiversity, &y).is_empty());
    }
}
