//! `geo-area`: one environment stays inside one broad area.

use crate::declare_rule;
use crate::finding::{Finding, names};
use crate::model::Model;
use crate::rule::{CheckCtx, Rule};

declare_rule! {
    /// ## What it does
    /// Flags an environment whose CL:EL pairs span more than one broad area (AMERS, EMEA,
    /// APAC), using the region → area table (`rules/data/regions.yaml`, extended by
    /// `regions:` in `.stakelint.yaml`).
    ///
    /// ## Why is this bad?
    /// The pairs of one environment back each other up: a validator client fails over to
    /// another pair's beacon node. Across areas the latency (100–250 ms) costs attestation
    /// and proposal performance, and the operating guardrail is "different regions of one
    /// broad area". Spread over areas is achieved with several environments instead (see
    /// `environment-spread`).
    ///
    /// ## Example
    /// Pairs in `eu-central-1` and `us-east-1` in the same environment.
    /// Use instead: `eu-central-1` and `eu-west-1`, and a separate AMERS environment.
    ///
    /// ## Notes
    /// A region missing from the table makes the rule `not-assessed`; map it under
    /// `regions:` in `.stakelint.yaml`.
    pub GeoArea { id: "geo-area", severity: Warning }
}

impl Rule for GeoArea {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &META
    }

    fn check(&self, model: &Model, cx: &mut CheckCtx<'_>) {
        for env in &model.environments {
            let name = &env.name.value;
            let split = cx.data.regions.areas_of(env);
            if let Some(p) = split.unmapped.iter().find(|p| p.region.is_some()) {
                let region = p.region.as_ref().map_or("", |r| r.value.as_str());
                let why = format!(
                    "region `{region}` of pair `{}` has no known area; map it under `regions:` in .stakelint.yaml",
                    p.name.value
                );
                cx.not_assessed(Some(name), p.region.as_ref().map(|r| r.origin), &why);
            }
            if split.by_area.len() < 2 {
                continue;
            }
            // Point at the pairs of the smallest area: those are the ones to move.
            let Some((minority, pairs)) = split.by_area.iter().min_by_key(|(_, ps)| ps.len())
            else {
                continue;
            };
            let summary: Vec<String> = split
                .by_area
                .iter()
                .map(|(a, ps)| {
                    format!(
                        "{} ({})",
                        a.as_str(),
                        names(
                            ps.iter()
                                .filter_map(|p| p.region.as_ref().map(|r| r.value.as_str()))
                        )
                    )
                })
                .collect();
            let Some(first) = pairs.first().and_then(|p| p.region.as_ref()) else {
                continue;
            };
            let mut f = Finding::new(&META, Some(first.origin), format!("environment `{name}` spans {}", summary.join(" and ")))
                .env(name)
                .label(format!("the only {} pair{}", minority.as_str(), if pairs.len() == 1 { "" } else { "s" }))
                .help("keep one environment inside one broad area; cover other areas with other environments");
            for (area, ps) in &split.by_area {
                if area == minority {
                    continue;
                }
                for p in ps {
                    if let Some(r) = &p.region {
                        f = f.related(
                            r.origin,
                            format!("pair `{}` in {}", p.name.value, area.as_str()),
                        );
                    }
                }
            }
            cx.report(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::GeoArea;
    use crate::rules::test_support::{inventory, run};

    #[test]
    fn fires_across_areas_at_the_minority_pair() {
        let y = inventory(
            "nodes:\n  - {name: a, region: eu-west-1}\n  - {name: b, region: europe-west3-a}\n  - {name: c, region: us-east-1}\n",
        );
        let f = run(&GeoArea, &y);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!((f[0].0.as_str(), f[0].1), ("geo-area", 10));
        assert!(
            f[0].2.contains("AMERS") && f[0].2.contains("EMEA"),
            "{}",
            f[0].2
        );
    }

    #[test]
    fn silent_inside_one_area_and_not_assessed_for_unmapped_regions() {
        let y =
            inventory("nodes:\n  - {name: a, region: eu-west-1}\n  - {name: b, region: fsn1}\n");
        assert!(run(&GeoArea, &y).is_empty());
        let y = inventory("nodes:\n  - {name: a, region: my-basement}\n");
        let f = run(&GeoArea, &y);
        assert_eq!(f[0].0, "not-assessed");
        assert_eq!(f[0].1, 8);
    }
}
