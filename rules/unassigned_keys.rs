//! `unassigned-keys`: keys found that no validator client or signer holds.

use crate::declare_rule;
use crate::finding::{Finding, thousands};
use crate::model::Model;
use crate::rule::{CheckCtx, Rule};

declare_rule! {
    /// ## What it does
    /// Reports validator keys found in the inputs that no validator client or signer holds:
    /// a Secret or ConfigMap of keystores that no workload mounts, or key files found by
    /// walking a directory that no inventory `keys.from` or mount points at. One finding per
    /// source, counting its keys.
    ///
    /// ## Why is this bad?
    /// Stray keystores are keys nobody accounts for: they belong to no environment, so the
    /// blast-radius and duplicate-key checks cannot place them, and a later deploy that
    /// mounts them by mistake loads a key that may already sign elsewhere.
    ///
    /// ## Example
    /// A Secret `old-keystores` with 50 keystore files that no pod mounts.
    /// Use instead: delete it (after a slashing-protection export), or mount it where the
    /// keys belong.
    pub UnassignedKeys { id: "unassigned-keys", severity: Info }
}

impl Rule for UnassignedKeys {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &META
    }

    fn check(&self, model: &Model, cx: &mut CheckCtx<'_>) {
        for u in &model.unassigned_keys {
            let n = u.keys.len() as u64;
            cx.report(
                Finding::new(&META, Some(u.source.origin), format!("{} holds {} validator key{} that no validator client or signer uses", u.source.value, thousands(n), if n == 1 { "" } else { "s" }))
                    .label("not mounted by any key holder")
                    .help("remove the keys, or mount them in the validator client or signer that should hold them"),
            );
        }
    }
}
