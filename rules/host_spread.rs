//! `host-spread`: the pairs of an environment run on at least `min_hosts` hosts.

use crate::declare_rule;
use crate::finding::{Finding, names};
use crate::model::{Model, Placement};
use crate::rule::{CheckCtx, Param, Rule};
use std::collections::{BTreeMap, HashMap};

declare_rule! {
    /// ## What it does
    /// Flags an environment whose CL:EL pairs can land on fewer distinct hosts than
    /// `min_hosts` (default 3): pairs declared on the same host, Kubernetes replicas without
    /// pod anti-affinity or topology spread on `kubernetes.io/hostname`, or pods pinned to
    /// one node.
    ///
    /// ## Why is this bad?
    /// Pairs on one host fail together: a disk, a power supply or a kernel upgrade takes every
    /// pair down at once and the failover the pairs were meant to give is gone.
    ///
    /// ## Example
    /// Two inventory nodes with `host: bm-fra-01`.
    /// Use instead: one host per pair (`bm-fra-01`, `bm-fra-02`, `bm-ams-01`), or in
    /// Kubernetes a required pod anti-affinity on `kubernetes.io/hostname`.
    ///
    /// ## Notes
    /// The threshold is the smaller of `min_hosts` and the number of pairs: an environment
    /// with too few pairs is `cl-el-pairs`' finding, not this one. Pairs whose host is not
    /// known make the rule `not-assessed` unless the known hosts already suffice.
    pub HostSpread {
        id: "host-spread",
        severity: Warning,
        params: [Param { name: "min_hosts", default: 3.0, integer: true, doc: "fewest distinct hosts the pairs of an environment may use" }],
    }
}

impl Rule for HostSpread {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &META
    }

    fn check(&self, model: &Model, cx: &mut CheckCtx<'_>) {
        let min = cx.param_u64("min_hosts");
        for env in &model.environments {
            let need = min.min(env.pairs.len() as u64);
            let name = &env.name.value;
            // host → pairs on it; spread groups → size; whether any pair is unconstrained
            let mut hosts: BTreeMap<&str, Vec<&crate::model::Pair>> = BTreeMap::new();
            let mut groups: HashMap<&str, u64> = HashMap::new();
            let mut unknown = Vec::new();
            let mut unconstrained = Vec::new();
            for p in &env.pairs {
                match &p.placement {
                    Placement::Host(h) => hosts.entry(h.value.as_str()).or_default().push(p),
                    Placement::Spread { group, .. } => {
                        *groups.entry(group.as_str()).or_default() += 1;
                    }
                    Placement::Unconstrained { origin } => unconstrained.push((p, *origin)),
                    Placement::Unknown => unknown.push(p),
                }
            }
            let largest_group = groups.values().copied().max().unwrap_or(0);
            let at_least = (hosts.len() as u64)
                .max(largest_group)
                .max(u64::from(!unconstrained.is_empty()));
            if at_least >= need {
                continue;
            }
            if let Some(p) = unknown.first() {
                let why = format!(
                    "no host is known for pair{} {} of environment `{name}`",
                    if unknown.len() == 1 { "" } else { "s" },
                    names(unknown.iter().map(|p| p.name.value.as_str()))
                );
                cx.not_assessed(Some(name), Some(p.name.origin), &why);
                continue;
            }
            let message = format!(
                "the {} CL:EL pairs of environment `{name}` can run on {at_least} host{}, fewer than {need}",
                env.pairs.len(),
                if at_least == 1 { "" } else { "s" }
            );
            let help = "give each pair its own host (Kubernetes: a required pod anti-affinity or topology spread on `kubernetes.io/hostname`)";
            // Point at a pair that shares its host with another, or at an unconstrained one.
            let shared = hosts.values().find(|ps| ps.len() > 1);
            let mut f = if let Some(ps) = shared {
                let Some((last, others)) = ps.split_last() else {
                    continue;
                };
                let Placement::Host(h) = &last.placement else {
                    continue;
                };
                let mut f = Finding::new(&META, Some(h.origin), message).label(format!(
                    "`{}` is also used by {}",
                    h.value,
                    names(others.iter().map(|p| p.name.value.as_str()))
                ));
                for o in others {
                    if let Placement::Host(h) = &o.placement {
                        f = f.related(
                            h.origin,
                            format!("pair `{}` on the same host", o.name.value),
                        );
                    }
                }
                f
            } else if let Some((p, origin)) = unconstrained.first() {
                Finding::new(&META, Some(*origin), message).label(format!(
                    "nothing keeps pair `{}` off the other pairs' hosts",
                    p.name.value
                ))
            } else {
                Finding::new(&META, Some(env.name.origin), message)
            };
            f = f.env(name).help(help);
            cx.report(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::HostSpread;
    use crate::rules::test_support::{inventory, run};

    #[test]
    fn fires_when_two_pairs_share_a_host() {
        let y = inventory(
            "nodes:\n  - {name: a, host: h1}\n  - {name: b, host: h1}\n  - {name: c, host: h2}\n",
        );
        let f = run(&HostSpread, &y);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!((f[0].0.as_str(), f[0].1), ("host-spread", 9));
        assert!(
            f[0].2.contains("can run on 2 hosts, fewer than 3"),
            "{}",
            f[0].2
        );
    }

    #[test]
    fn silent_on_distinct_hosts_and_not_assessed_when_unknown() {
        let y = inventory(
            "nodes:\n  - {name: a, host: h1}\n  - {name: b, host: h2}\n  - {name: c, host: h3}\n",
        );
        assert!(run(&HostSpread, &y).is_empty());
        let y = inventory("nodes:\n  - {name: a, host: h1}\n  - {name: b}\n  - {name: c}\n");
        let f = run(&HostSpread, &y);
        assert_eq!(f[0].0, "not-assessed");
    }
}
