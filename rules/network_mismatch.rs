//! `network-mismatch`: key files of one operator name one chain.

use crate::declare_rule;
use crate::finding::{Finding, names};
use crate::model::Model;
use crate::rule::{CheckCtx, Rule};
use std::collections::BTreeMap;

declare_rule! {
    /// ## What it does
    /// Flags key files that name different chains: EIP-3076 slashing-protection interchange
    /// files with different `genesis_validators_root`s, or deposit data files with
    /// different `network_name`s.
    ///
    /// ## Why is this bad?
    /// A validator client refuses, or worse silently skips, slashing-protection data of
    /// another chain: keys moved with a testnet export arrive on mainnet with no protection
    /// at all, and the next duplicate signature is a slashing. Deposit data for the wrong
    /// network points at keys that were never meant for this fleet.
    ///
    /// ## Example
    /// `hoodi.json` with the Hoodi genesis root next to `export.json` with the mainnet one.
    /// Use instead: export the slashing-protection data again from the client on the right
    /// chain, and keep one network's files per directory.
    pub NetworkMismatch { id: "network-mismatch", severity: Error }
}

impl Rule for NetworkMismatch {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &META
    }

    fn check(&self, model: &Model, cx: &mut CheckCtx<'_>) {
        for kind in ["genesis_validators_root", "network_name"] {
            let mut by_value: BTreeMap<String, Vec<&crate::model::Located<String>>> =
                BTreeMap::new();
            for c in model.chains.iter().filter(|c| c.kind == kind) {
                by_value
                    .entry(c.value.value.to_ascii_lowercase())
                    .or_default()
                    .push(&c.value);
            }
            if by_value.len() < 2 {
                continue;
            }
            // Point at the least common value: that file is the odd one out.
            let Some((odd, files)) = by_value.iter().min_by_key(|(_, v)| v.len()) else {
                continue;
            };
            let values: Vec<&str> = by_value.keys().map(String::as_str).collect();
            let mut f = Finding::new(&META, Some(files[0].origin), format!("key files name {} different `{kind}` values: {}", by_value.len(), names(values)))
                .label(format!("`{odd}` is named only here"))
                .help("keep only files of the chain these validators run on; export slashing protection again from the right chain");
            for (v, others) in by_value.iter().filter(|(v, _)| *v != odd) {
                for o in others {
                    f = f.related(o.origin, format!("`{v}` here"));
                }
            }
            cx.report(f);
        }
    }
}
