//! `metrics-disabled`: every client exports metrics.

use crate::data::clients::table;
use crate::declare_rule;
use crate::finding::Finding;
use crate::model::Model;
use crate::rule::{CheckCtx, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a client that runs without its metrics endpoint, turned off or left at a
    /// default that is off. That is: the flag is absent where the client's default is off (Lighthouse, Nimbus, Lodestar, Grandine, Geth, Erigon, Reth
    /// `--metrics`; Teku `--metrics-enabled`; Besu `--metrics-enabled`; Nethermind
    /// `--Metrics.Enabled`; web3signer `--metrics-enabled`; Vouch
    /// `metrics.prometheus.listen-address`; Dirk `metrics.listen-address`), or it is turned
    /// off explicitly (`--metrics=false`, Prysm `--disable-monitoring`). In the inventory:
    /// `metrics: false` on a node's `consensus`/`execution`, a validator client or a signer.
    ///
    /// ## Why is this bad?
    /// Operators find out about missed attestations, a stalled sync, a full disk or a
    /// signer that stopped answering from alerts on these metrics. A client that exports
    /// none is invisible: it fails silently until the rewards report shows the loss.
    ///
    /// ## Example
    /// `lighthouse vc --beacon-nodes=…` without `--metrics`.
    /// Use instead: `--metrics --metrics-address=0.0.0.0 --metrics-port=5064`, scraped by
    /// Prometheus (a ServiceMonitor or pod annotations).
    pub MetricsDisabled { id: "metrics-disabled", severity: Info }
}

impl Rule for MetricsDisabled {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &META
    }

    fn check(&self, model: &Model, cx: &mut CheckCtx<'_>) {
        for env in &model.environments {
            for m in env.ops.metrics.iter().filter(|m| !m.enabled) {
                let how = if m.decided_at.is_some() {
                    "its metrics are turned off"
                } else {
                    "it exports no metrics by default"
                };
                cx.report(
                    Finding::new(
                        &META,
                        Some(m.decided_at.unwrap_or(m.at)),
                        format!(
                            "{} of `{}` runs without a metrics endpoint: {how}",
                            m.client, m.holder.value
                        ),
                    )
                    .env(&env.name.value)
                    .label("no metrics")
                    .help(help(&m.client)),
                );
            }
        }
    }
}

/// How to turn the metrics of `client` on, from the client table.
fn help(client: &str) -> String {
    let entry = table()
        .clients
        .iter()
        .find(|e| e.id == client && e.metrics.is_some());
    let Some(m) = entry.and_then(|e| e.metrics.as_ref()) else {
        return "turn the client's metrics endpoint on and scrape it".to_owned();
    };
    if let Some(off) = m.off_flags.first() {
        return format!("remove `{off}` and scrape the metrics port");
    }
    match (m.flags.first(), m.config_keys.first()) {
        (_, Some(k)) => format!("set `{k}` in its configuration file and scrape it"),
        (Some(f), None) => format!("add `{f}` (listening on a pod address) and scrape it"),
        (None, None) => "turn the client's metrics endpoint on and scrape it".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::MetricsDisabled;
    use crate::rules::test_support::{inventory, run};

    #[test]
    fn declared_off_fires() {
        let y = inventory(
            "nodes:\n  - {name: a, consensus: {client: teku, metrics: false}, execution: {client: besu, metrics: true}}\n",
        );
        let f = run(&MetricsDisabled, &y);
        assert_eq!(f.len(), 1);
        assert!(f[0].2.starts_with("teku of `a`"), "{f:?}");
    }

    #[test]
    fn unstated_passes() {
        let y = inventory("nodes:\n  - {name: a, consensus: {client: teku}}\n");
        assert!(run(&MetricsDisabled, &y).is_empty());
    }
}
