//! "Changes since the last report" (`report --previous OLD.json`): environments added or
//! removed; guardrails whose status changed (in environments of both reports, and
//! operator-wide); keys added or removed per environment (counts, and the listed public
//! keys); and client changes per CL:EL pair (added, removed, other client or version).

use super::doc::{
    Body, Changes, ClientChange, EnvironmentDoc, KeyChange, PairDoc, PreviousRef, Report,
    StatusChange,
};
use std::collections::{BTreeMap, BTreeSet};

/// The changes from `previous` to `current`.
pub fn changes(previous: &Report, current: &Body) -> Changes {
    let prev = &previous.body;
    let old: BTreeMap<&str, &EnvironmentDoc> = prev
        .environments
        .iter()
        .map(|e| (e.name.as_str(), e))
        .collect();
    let new: BTreeMap<&str, &EnvironmentDoc> = current
        .environments
        .iter()
        .map(|e| (e.name.as_str(), e))
        .collect();
    let mut c = Changes {
        previous: PreviousRef {
            operator: prev.operator.clone(),
            period: prev.period.clone(),
            date: prev.date.clone(),
            digest: previous.digest.clone(),
        },
        environments_added: new
            .keys()
            .filter(|n| !old.contains_key(*n))
            .map(|n| (*n).to_owned())
            .collect(),
        environments_removed: old
            .keys()
            .filter(|n| !new.contains_key(*n))
            .map(|n| (*n).to_owned())
            .collect(),
        guardrails: Vec::new(),
        keys: Vec::new(),
        clients: Vec::new(),
    };
    let names: BTreeSet<&str> = old.keys().chain(new.keys()).copied().collect();
    for name in names {
        let (o, n) = (old.get(name).copied(), new.get(name).copied());
        keys(&mut c, name, o, n);
        // An environment added or removed is listed as such, not as every guardrail and
        // pair of it changing.
        if let (Some(o), Some(n)) = (o, n) {
            statuses(&mut c, Some(name), Some(&o.checks), Some(&n.checks));
            clients(&mut c, name, o, n);
        }
    }
    statuses(
        &mut c,
        None,
        Some(&prev.operator_checks),
        Some(&current.operator_checks),
    );
    c
}

fn statuses(
    c: &mut Changes,
    env: Option<&str>,
    old: Option<&[super::doc::Check]>,
    new: Option<&[super::doc::Check]>,
) {
    let rules: BTreeSet<&str> = old
        .into_iter()
        .chain(new)
        .flatten()
        .map(|k| k.rule.as_str())
        .collect();
    let find = |list: Option<&[super::doc::Check]>, rule: &str| {
        list.and_then(|l| l.iter().find(|k| k.rule == rule).map(|k| k.status))
    };
    // keep the report's guardrail order, not alphabetical
    let mut ordered: Vec<&str> = super::build::GUARDRAILS
        .iter()
        .copied()
        .filter(|r| rules.contains(r))
        .collect();
    ordered.extend(
        rules
            .iter()
            .filter(|r| !super::build::GUARDRAILS.contains(r)),
    );
    for rule in ordered {
        let (from, to) = (find(old, rule), find(new, rule));
        if from != to {
            c.guardrails.push(StatusChange {
                rule: rule.to_owned(),
                environment: env.map(str::to_owned),
                from,
                to,
            });
        }
    }
}

fn keys(c: &mut Changes, env: &str, old: Option<&EnvironmentDoc>, new: Option<&EnvironmentDoc>) {
    let set = |e: Option<&EnvironmentDoc>| -> BTreeSet<String> {
        e.map(|e| e.keys.pubkeys.iter().cloned().collect())
            .unwrap_or_default()
    };
    let (before_keys, after_keys) = (set(old), set(new));
    let before = old.and_then(|e| e.keys.count);
    let after = new.and_then(|e| e.keys.count);
    let added: Vec<String> = after_keys.difference(&before_keys).cloned().collect();
    let removed: Vec<String> = before_keys.difference(&after_keys).cloned().collect();
    if before != after || !added.is_empty() || !removed.is_empty() {
        c.keys.push(KeyChange {
            environment: env.to_owned(),
            before,
            after,
            added,
            removed,
        });
    }
}

/// A key change's counts as text: `—` for an environment added or removed, `unknown` for
/// an environment whose holders declare no keys.
pub fn key_counts(c: &Changes, k: &KeyChange) -> (String, String) {
    let text = |n: Option<u64>, absent: bool| match (n, absent) {
        (_, true) => "—".to_owned(),
        (Some(n), false) => crate::finding::thousands(n),
        (None, false) => "unknown".to_owned(),
    };
    (
        text(k.before, c.environments_added.contains(&k.environment)),
        text(k.after, c.environments_removed.contains(&k.environment)),
    )
}

/// `lighthouse v7.0.1 + nethermind 1.31.0`.
fn pair_text(p: &PairDoc) -> String {
    let one = |c: &Option<super::doc::ClientDoc>| {
        c.as_ref().map_or_else(
            || "unknown".to_owned(),
            |c| match &c.version {
                Some(v) => format!("{} {v}", c.client),
                None => c.client.clone(),
            },
        )
    };
    format!("{} + {}", one(&p.consensus), one(&p.execution))
}

fn clients(c: &mut Changes, env: &str, old: &EnvironmentDoc, new: &EnvironmentDoc) {
    let pairs = |e: &EnvironmentDoc| -> BTreeMap<String, String> {
        e.pairs
            .iter()
            .map(|p| (p.name.clone(), pair_text(p)))
            .collect()
    };
    let (before, after) = (pairs(old), pairs(new));
    let names: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for name in names {
        let (was, now) = (before.get(name), after.get(name));
        let change = match (was, now) {
            (None, Some(_)) => "added",
            (Some(_), None) => "removed",
            (Some(old_pair), Some(new_pair)) if old_pair != new_pair => "changed",
            _ => continue,
        };
        c.clients.push(ClientChange {
            environment: env.to_owned(),
            pair: name.clone(),
            change: change.to_owned(),
            before: was.cloned(),
            after: now.cloned(),
        });
    }
}
