//! `geo-spread`: the pairs of an environment are in at least `min_regions` regions.

use crate::declare_rule;
use crate::finding::{Finding, names};
use crate::model::Model;
use crate::rule::{CheckCtx, Param, Rule};
use std::collections::BTreeSet;

declare_rule! {
    /// ## What it does
    /// Flags an environment whose CL:EL pairs are in fewer distinct regions than
    /// `min_regions` (default 2).
    ///
    /// ## Why is this bad?
    /// A region fails as a whole (power, network, a provider incident). Pairs in one region
    /// go offline together, taking every validator of the environment with them.
    ///
    /// ## Example
    /// Three pairs all with `region: eu-central-1`.
    /// Use instead: pairs in `eu-central-1`, `eu-west-1` and `eu-north-1`: different regions
    /// of one broad area (see `geo-area`).
    ///
    /// ## Notes
    /// The threshold is the smaller of `min_regions` and the number of pairs. Regions come
    /// from the inventory `region:`, the `stakelint.io/region` label or annotation, a required
    /// node selector or affinity on `topology.kubernetes.io/region`, or a live Node's label.
    /// Pairs without a region make the rule `not-assessed` unless the known regions suffice.
    pub GeoSpread {
        id: "geo-spread",
        severity: Warning,
        params: [Param { name: "min_regions", default: 2.0, integer: true, doc: "fewest distinct regions the pairs of an environment may use" }],
    }
}

impl Rule for GeoSpread {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &META
    }

    fn check(&self, model: &Model, cx: &mut CheckCtx<'_>) {
        let min = cx.param_u64("min_regions");
        for env in &model.environments {
            let name = &env.name.value;
            let need = min.min(env.pairs.len() as u64);
            let regions: BTreeSet<String> = env
                .pairs
                .iter()
                .filter_map(|p| {
                    p.region
                        .as_ref()
                        .map(|r| r.value.trim().to_ascii_lowercase())
                })
                .collect();
            if regions.len() as u64 >= need {
                continue;
            }
            let missing: Vec<_> = env.pairs.iter().filter(|p| p.region.is_none()).collect();
            if let Some(first) = missing.first() {
                let why = format!(
                    "no region is known for pair{} {} of environment `{name}`",
                    if missing.len() == 1 { "" } else { "s" },
                    names(missing.iter().map(|p| p.name.value.as_str()))
                );
                cx.not_assessed(Some(name), Some(first.name.origin), &why);
                continue;
            }
            let located: Vec<_> = env
                .pairs
                .iter()
                .filter_map(|p| Some((p, p.region.as_ref()?)))
                .collect();
            let Some(((last, region), others)) = located.split_last() else {
                continue;
            };
            let mut f = Finding::new(
                &META,
                Some(region.origin),
                format!("the {} CL:EL pairs of environment `{name}` are in {} region{} ({}), fewer than {need}", env.pairs.len(), regions.len(), if regions.len() == 1 { "" } else { "s" }, names(regions.iter().map(String::as_str))),
            )
            .env(name)
            .label(format!("pair `{}`", last.name.value))
            .help("place the pairs in different regions of one broad area");
            for (p, r) in others {
                f = f.related(r.origin, format!("pair `{}`", p.name.value));
            }
            cx.report(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::GeoSpread;
    use crate::rules::test_support::{inventory, run};

    #[test]
    fn fires_when_all_pairs_share_a_region() {
        let y = inventory(
            "nodes:\n  - {name: a, region: eu-west-1}\n  - {name: b, region: EU-WEST-1}\n",
        );
        let f = run(&GeoSpread, &y);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!((f[0].0.as_str(), f[0].1), ("geo-spread", 9));
    }

    #[test]
    fn silent_across_regions_and_for_a_single_pair() {
        let y = inventory(
            "nodes:\n  - {name: a, region: eu-west-1}\n  - {name: b, region: eu-central-1}\n",
        );
        assert!(run(&GeoSpread, &y).is_empty());
        let y = inventory("nodes:\n  - {name: a, region: eu-west-1}\n");
        assert!(run(&GeoSpread, &y).is_empty());
    }
}
