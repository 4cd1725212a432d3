//! `unrecognised-workload`: Ethereum-looking software that stakelint could not classify.

use crate::declare_rule;
use crate::finding::Finding;
use crate::model::Model;
use crate::rule::{CheckCtx, Rule};

declare_rule! {
    /// ## What it does
    /// Reports a container that looks like Ethereum software (its image or command mentions
    /// a client, a beacon node, a validator, web3signer, …) but matches no known client or
    /// component by image or command, so it takes no part in the checks.
    ///
    /// ## Why is this bad?
    /// Nothing may be skipped silently: an own-built image of a beacon node that stakelint
    /// cannot see is a pair missing from `cl-el-pairs`, `client-diversity` and
    /// `supermajority-client`, and the guardrails may pass for the wrong reason.
    ///
    /// ## Example
    /// `image: registry.example/ops/beacon:1.0` with `command: [/usr/local/bin/run-beacon]`.
    /// Use instead: run the client's own binary name in `command`/`args` (e.g. `lighthouse bn`)
    /// so stakelint recognises it, or suppress with a reason if it is not a client.
    pub UnrecognisedWorkload { id: "unrecognised-workload", severity: Info }
}

impl Rule for UnrecognisedWorkload {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &META
    }

    fn check(&self, model: &Model, cx: &mut CheckCtx<'_>) {
        for env in &model.environments {
            for u in &env.unrecognised {
                cx.report(
                    Finding::new(&META, Some(u.image.origin), format!("workload `{}` looks like Ethereum software but matches no known client", u.workload.value))
                        .env(&env.name.value)
                        .label("unrecognised")
                        .help("name the client's binary in `command`/`args`, or suppress with `ignore-check.stakelint.io/unrecognised-workload`"),
                );
            }
        }
    }
}
