//! `environment-spread`: an operator's environments are not all in one broad area.

use crate::declare_rule;
use crate::finding::{Finding, names};
use crate::model::{Area, Model};
use crate::rule::{CheckCtx, Rule};
use std::collections::BTreeSet;

declare_rule! {
    /// ## What it does
    /// Flags an operator with two or more environments that are all in one broad area
    /// (AMERS, EMEA or APAC).
    ///
    /// ## Why is this bad?
    /// Environments limit the blast radius of one failure to one environment's keys. If all
    /// of them sit in one area, an area-wide event (a provider's regional control plane, a
    /// subsea cable cut, a regulatory shutdown) still takes every key offline at once.
    ///
    /// ## Example
    /// Environments `prod-1` in `eu-central-1` and `prod-2` in `eu-west-1`.
    /// Use instead: move one environment to another area, e.g. `prod-2` in `us-east-1`.
    ///
    /// ## Notes
    /// Environments without pairs are not counted. If some environment's area is unknown
    /// and the known ones are all in one area, the rule is `not-assessed`.
    pub EnvironmentSpread { id: "environment-spread", severity: Warning }
}

impl Rule for EnvironmentSpread {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &META
    }

    fn check(&self, model: &Model, cx: &mut CheckCtx<'_>) {
        let envs: Vec<_> = model
            .environments
            .iter()
            .filter(|e| !e.pairs.is_empty())
            .collect();
        if envs.len() < 2 {
            return;
        }
        let mut areas: BTreeSet<Area> = BTreeSet::new();
        let mut unknown = Vec::new();
        for env in &envs {
            let split = cx.data.regions.areas_of(env);
            if split.by_area.is_empty() {
                unknown.push(*env);
            }
            areas.extend(split.by_area.keys());
        }
        if areas.len() != 1 {
            return;
        }
        let area = areas.iter().next().map_or("", |a| a.as_str());
        if let Some(first) = unknown.first() {
            let why = format!(
                "the area of environment{} {} is unknown",
                if unknown.len() == 1 { "" } else { "s" },
                names(unknown.iter().map(|e| e.name.value.as_str()))
            );
            cx.not_assessed(Some(&first.name.value), Some(first.name.origin), &why);
            return;
        }
        let Some((last, others)) = envs.split_last() else {
            return;
        };
        let mut f = Finding::new(
            &META,
            Some(last.name.origin),
            format!("all {} environments are in {area}", envs.len()),
        )
        .label(format!("`{}` is in {area} too", last.name.value))
        .help("run at least one environment in another broad area");
        for e in others {
            f = f.related(
                e.name.origin,
                format!("environment `{}` in {area}", e.name.value),
            );
        }
        cx.report(f);
    }
}

#[cfg(test)]
mod tests {
    use super::EnvironmentSpread;
    use crate::rules::test_support::run;

    fn two_envs(r1: &str, r2: &str) -> String {
        format!(
            "apiVersion: stakelint.io/v1\nkind: Inventory\nspec:\n  environments:\n    - name: a\n      nodes: [{{name: p, region: {r1}}}]\n    - name: b\n      nodes: [{{name: p, region: {r2}}}]\n"
        )
    }

    #[test]
    fn fires_when_every_environment_is_in_one_area() {
        let f = run(&EnvironmentSpread, &two_envs("eu-west-1", "westeurope"));
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!((f[0].0.as_str(), f[0].1), ("environment-spread", 7));
        assert!(f[0].2.contains("all 2 environments are in EMEA"));
    }

    #[test]
    fn silent_across_areas() {
        assert!(run(&EnvironmentSpread, &two_envs("eu-west-1", "us-east-1")).is_empty());
    }
}
