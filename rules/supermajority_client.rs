//! `supermajority-client`: no client at or above the supermajority share of the network.

use crate::declare_rule;
use crate::finding::Finding;
use crate::model::{Layer, Model};
use crate::rule::{CheckCtx, Param, Rule};
use std::collections::BTreeMap;

declare_rule! {
    /// ## What it does
    /// Flags an environment that runs an execution or consensus client whose share of the
    /// Ethereum network is at or above `threshold` (default 0.66), according to the dated
    /// client-share table (`rules/data/client-shares.yaml`, or `--client-shares FILE`).
    ///
    /// ## Why is this bad?
    /// Finality needs 2/3 of the stake. A client above 2/3 can finalize an invalid chain on
    /// its own after a bug; validators that followed it cannot return to the correct chain
    /// without being slashed and are stranded. Running a minority client removes that risk.
    ///
    /// ## Example
    /// A pair with `execution: {client: geth}` when Geth has 70% of the network.
    /// Use instead: a minority execution client (Nethermind, Besu, Erigon, Reth).
    ///
    /// ## Notes
    /// The message states the share, and the date and source of the data. A client missing
    /// from the table, or a pair whose client is unknown, is `not-assessed`.
    ///
    /// ## References
    /// - clientdiversity.org, supermajority.info
    pub SupermajorityClient {
        id: "supermajority-client",
        severity: Error,
        params: [Param { name: "threshold", default: 0.66, integer: false, doc: "network share (0–1) at or above which a client is a supermajority" }],
    }
}

impl Rule for SupermajorityClient {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &META
    }

    fn check(&self, model: &Model, cx: &mut CheckCtx<'_>) {
        let threshold = cx.param("threshold");
        let shares = &cx.data.shares;
        let (date, source) = (shares.date.value, shares.source.clone());
        for env in &model.environments {
            let name = &env.name.value;
            for layer in [Layer::Execution, Layer::Consensus] {
                let mut used: BTreeMap<&str, Vec<&crate::model::ClientRef>> = BTreeMap::new();
                let mut unknown = None;
                for p in &env.pairs {
                    match p.client(layer) {
                        Some(c) => used.entry(c.client.value.as_str()).or_default().push(c),
                        None => unknown = unknown.or(Some(p)),
                    }
                }
                if let Some(p) = unknown {
                    let (at, why) = p.unknown_client(layer);
                    cx.not_assessed(Some(name), Some(at), &why);
                }
                for (client, refs) in used {
                    let Some(share) = cx.data.shares.share(layer, client).map(|s| s.value) else {
                        let why = format!(
                            "the client-share table has no {} share for `{client}`",
                            layer.as_str()
                        );
                        cx.not_assessed(Some(name), Some(refs[0].client.origin), &why);
                        continue;
                    };
                    if share < threshold {
                        continue;
                    }
                    let mut f = Finding::new(
                        &META,
                        Some(refs[0].client.origin),
                        format!(
                            "`{client}` has {:.1}% of the {} network, at or above the {:.1}% supermajority threshold (data of {date}, {source})",
                            share * 100.0,
                            layer.as_str(),
                            threshold * 100.0
                        ),
                    )
                    .env(name)
                    .label(format!("supermajority {} client", layer.as_str()))
                    .help(format!("switch this pair to a minority {} client", layer.as_str()));
                    for r in &refs[1..] {
                        f = f.related(r.client.origin, "also used here");
                    }
                    cx.report(f);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SupermajorityClient;
    use crate::rule::{CheckCtx, Rule};
    use crate::rules::test_support::{inventory, rule_data};
    use crate::source::{files::SourceFile, load::Loaded};

    fn run_with_geth_share(share: f64, env: &str) -> Vec<crate::finding::Finding> {
        let mut loaded = Loaded::default();
        let id = loaded
            .db
            .add(SourceFile::new("t.yaml".into(), inventory(env)));
        loaded.add_text(id);
        let mut data = rule_data(&mut loaded);
        data.shares.execution.get_mut("geth").unwrap().value = share;
        let mut cx = CheckCtx::new(SupermajorityClient.meta(), &data, None);
        SupermajorityClient.check(&loaded.model, &mut cx);
        cx.into_findings()
    }

    const PAIRS: &str = "nodes:\n  - {name: a, consensus: {client: teku}, execution: {client: geth}}\n  - {name: b, consensus: {client: nimbus}, execution: {client: geth}}\n";

    #[test]
    fn fires_on_a_supermajority_client() {
        let f = run_with_geth_share(0.70, PAIRS);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message
                .contains("`geth` has 70.0% of the execution network"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].related.len(), 1);
    }

    #[test]
    fn silent_below_the_threshold() {
        assert!(run_with_geth_share(0.43, PAIRS).is_empty());
    }
}
