//! `api-exposed`: the engine, beacon, keymanager and signer APIs stay inside the cluster.

use crate::declare_rule;
use crate::finding::Finding;
use crate::model::Model;
use crate::rule::{CheckCtx, Rule};

declare_rule! {
    /// ## What it does
    /// Flags an engine, beacon, keymanager or signer API that is reachable from outside the
    /// cluster. That is an engine API (8551), beacon API, validator client keymanager API or
    /// web3signer API selected by a Service of
    /// type `LoadBalancer` or `NodePort` or one with `externalIPs`, published with a
    /// `hostPort`, or served on `hostNetwork: true` with a non-loopback listen address. Each
    /// client's default ports and the flags that change them and turn the APIs on come from
    /// the client table (e.g. Lighthouse `--http --http-port` 5052, Teku `--rest-api-port`
    /// 5051 and `--validator-api-port` 5052, Prysm 3500 and gRPC 4000, Lodestar
    /// `--rest.port` 9596 and `--keymanager.port` 5062, web3signer `--http-listen-port`
    /// 9000); P2P ports are fine. In the inventory: `exposed: [engine-api, beacon-api]` on a
    /// node, `[keymanager-api]` on a validator client, `[signer-api]` on a signer.
    ///
    /// ## Why is this bad?
    /// These APIs are not built for the internet. The keymanager API imports and deletes
    /// keys and exports slashing-protection data; a signer API signs whatever it is asked;
    /// the beacon API can be flooded until validators miss duties, and publishes blocks and
    /// exits; the engine API is one JWT away from driving the execution client. Exposed,
    /// they invite key theft, denial of service and — through a second signer fed the same
    /// keys — slashing.
    ///
    /// ## Example
    /// A `Service` of `type: LoadBalancer` with `port: 5052` selecting a Lighthouse beacon
    /// node. Use instead: a `ClusterIP` Service for the API, and a separate `LoadBalancer`
    /// or `NodePort` Service with only the P2P ports.
    ///
    /// ## Notes
    /// Dirk is left out: its API accepts only mutual-TLS clients with certificates it
    /// knows, and a distributed Dirk set must be reached across regions by design. With
    /// `hostNetwork`, client defaults are taken to bind loopback. Ingress objects are not
    /// read.
    pub ApiExposed { id: "api-exposed", severity: Error }
}

impl Rule for ApiExposed {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &META
    }

    fn check(&self, model: &Model, cx: &mut CheckCtx<'_>) {
        for env in &model.environments {
            for e in &env.ops.exposures {
                let port = if e.port > 0 {
                    format!(" (port {})", e.port)
                } else {
                    String::new()
                };
                let client = if e.client.is_empty() {
                    String::new()
                } else {
                    format!("{} ", e.client)
                };
                let mut f = Finding::new(
                    &META,
                    Some(e.via.origin),
                    format!(
                        "the {client}{}{port} of `{}` is reachable from outside the cluster through {}",
                        e.api, e.holder.value, e.via.value
                    ),
                )
                .env(&env.name.value)
                .label("reachable from outside")
                .help("serve APIs through a ClusterIP Service only; expose P2P ports alone (a separate Service), never the API port");
                if let Some(t) = e.target {
                    f = f.related(t, "the API served");
                }
                cx.report(f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ApiExposed;
    use crate::rules::test_support::{inventory, run};

    #[test]
    fn declared_exposure_fires() {
        let y = inventory(
            "nodes:\n  - name: a\n    exposed: [engine-api]\nvalidatorClients:\n  - {name: v, exposed: [keymanager-api]}\n",
        );
        let f = run(&ApiExposed, &y);
        assert_eq!(f.len(), 2);
        assert!(f[0].2.contains("engine API of `a`"), "{f:?}");
    }

    #[test]
    fn nothing_declared_passes() {
        let y = inventory("nodes:\n  - {name: a}\n");
        assert!(run(&ApiExposed, &y).is_empty());
    }
}
