//! `duplicate-keys`: one validator key, one holder.

use crate::declare_rule;
use crate::finding::{Finding, names, thousands};
use crate::model::{Holder, Located, Model, PubKey};
use crate::rule::{CheckCtx, Rule, Severity};
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

/// A holder (index), where it lists a key, and whether it signs with it.
type Place<'m> = (usize, &'m Located<PubKey>, bool);
/// Where each holder of one shared key lists it.
type KeyPlaces<'m> = Vec<&'m Located<PubKey>>;

/// How many keys a finding lists before "and N more".
const LISTED: usize = 3;

declare_rule! {
    /// ## What it does
    /// Flags a validator public key held by more than one holder: two validator clients, two
    /// signer clusters, or holders in two environments. One holder is a remote-signer
    /// cluster with the validator clients that sign through it, or a validator client with
    /// local keys (all replicas of one workload are one holder; running them at once is
    /// `vc-single-writer`'s finding).
    ///
    /// ## Why is this bad?
    /// A key loaded by two signers signs twice: two different attestations or blocks for
    /// the same slot are a slashable offence, the validator is ejected and loses stake, and
    /// in a correlated incident the penalty grows with every other key slashed with it. This
    /// is the mistake behind most real slashings.
    ///
    /// ## Example
    /// The same `0x…` key listed under `keys.pubkeys` of `vc-a` in `prod-1` and of `vc-b`
    /// in `prod-2`.
    /// Use instead: remove the key from one holder, and only move keys with a slashing-
    /// protection export/import and a pause of several epochs.
    ///
    /// ## Notes
    /// Keys shared by the same set of holders are grouped into one finding that lists the
    /// first keys and counts the rest, so a bulk copy gives one finding, not thousands.
    /// Holders that declare only a key count cannot be compared and are `not-assessed`.
    pub DuplicateKeys { id: "duplicate-keys", severity: Error }
}

impl Rule for DuplicateKeys {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &META
    }

    fn check(&self, model: &Model, cx: &mut CheckCtx<'_>) {
        let holders: Vec<Holder<'_>> = model
            .environments
            .iter()
            .flat_map(crate::model::Environment::holders)
            .collect();
        // One hash pass: key → holders, each with the first place it lists the key and
        // whether it signs with it (a disabled Lighthouse definition does not, yet).
        // Most keys are listed once: the first place of every key is kept inline (a borrowed
        // key, no allocation), and only a key seen in a second holder gets a list.
        let total: usize = holders
            .iter()
            .map(|h| h.pubkeys().count() + h.disabled().count())
            .sum();
        let mut first: HashMap<&PubKey, Place<'_>> = HashMap::with_capacity(total);
        let mut shared: HashMap<&PubKey, Vec<Place<'_>>> = HashMap::new();
        for (i, h) in holders.iter().enumerate() {
            let keys = h
                .pubkeys()
                .map(|k| (k, true))
                .chain(h.disabled().map(|k| (k, false)));
            for (k, active) in keys {
                match first.entry(&k.value) {
                    Entry::Vacant(e) => {
                        e.insert((i, k, active));
                    }
                    Entry::Occupied(e) => {
                        let p = *e.get();
                        if p.0 == i && !shared.contains_key(&k.value) {
                            continue;
                        }
                        let places = shared.entry(&k.value).or_insert_with(|| vec![p]);
                        if !places.iter().any(|(j, _, _)| *j == i) {
                            places.push((i, k, active));
                        }
                    }
                }
            }
        }
        drop(first);
        // Group duplicated keys by the set of holders that share them: an error when two
        // holders sign with the key, a warning when the second copy is disabled.
        let mut groups: BTreeMap<(Vec<usize>, bool), Vec<KeyPlaces<'_>>> = BTreeMap::new();
        for mut places in shared.into_values().filter(|v| v.len() > 1) {
            places.sort_by_key(|(i, _, active)| (!active, *i));
            let signing = places.iter().filter(|(_, _, a)| *a).count() > 1;
            let set: Vec<usize> = places.iter().map(|(i, _, _)| *i).collect();
            groups
                .entry((set, signing))
                .or_default()
                .push(places.into_iter().map(|(_, k, _)| k).collect());
        }
        for ((set, signing), mut keys) in groups {
            keys.sort_by_key(|places| places[0].origin);
            cx.report(finding(&holders, &set, &keys, signing));
        }
        if holders.len() < 2 {
            return;
        }
        for env in &model.environments {
            let blind: Vec<&str> = env
                .holders()
                .iter()
                .filter(|h| {
                    h.key_sets.iter().any(|k| k.count.is_some() || k.opaque > 0)
                        && h.pubkeys().next().is_none()
                })
                .map(|h| h.name.value.as_str())
                .collect();
            if !blind.is_empty() {
                let why = format!(
                    "keys of {} are not known one by one in environment `{}`",
                    names(blind.iter().copied()),
                    env.name.value
                );
                cx.not_assessed(Some(&env.name.value), Some(env.name.origin), &why);
            }
        }
    }
}

fn holder_name(h: &Holder<'_>) -> String {
    format!("`{}` (env `{}`)", h.name.value, h.environment.value)
}

fn finding(
    holders: &[Holder<'_>],
    set: &[usize],
    keys: &[Vec<&Located<PubKey>>],
    signing: bool,
) -> Finding {
    let who: Vec<String> = set.iter().map(|&i| holder_name(&holders[i])).collect();
    let who = match who.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => who.join(""),
    };
    let message = if keys.len() == 1 {
        format!(
            "validator key {} is held by {who}",
            keys[0][0].value.short()
        )
    } else {
        let listed: Vec<String> = keys
            .iter()
            .take(LISTED)
            .map(|k| k[0].value.short())
            .collect();
        let more = keys.len().saturating_sub(LISTED);
        let tail = if more > 0 {
            format!(" and {} more", thousands(more as u64))
        } else {
            String::new()
        };
        format!(
            "{} validator keys are held by {who}: {}{tail}",
            thousands(keys.len() as u64),
            listed.join(", ")
        )
    };
    let first = &keys[0];
    let env = &holders[set[0]].environment.value;
    let (message, severity) = if signing {
        (message, Severity::Error)
    } else {
        (
            format!("{message}, disabled in all but one: enabling it there signs twice"),
            Severity::Warning,
        )
    };
    let mut f = Finding::new(&META, Some(first[0].origin), message)
        .severity(severity)
        .env(env)
        .label(format!("held by `{}`", holders[set[0]].name.value))
        .help("load each key in exactly one holder; move keys only with a slashing-protection export and import");
    for (k, &h) in first.iter().zip(set).skip(1) {
        f = f.also_env(&holders[h].environment.value).related(
            k.origin,
            format!(
                "also held by `{}` (env `{}`)",
                holders[h].name.value, holders[h].environment.value
            ),
        );
    }
    f
}

#[cfg(test)]
mod tests {
    use super::DuplicateKeys;
    use crate::rules::test_support::run;

    fn key(n: u8) -> String {
        crate::rules::test_support::KEYS[n as usize].to_owned()
    }

    fn doc(a: &[String], b: &[String]) -> String {
        format!(
            "apiVersion: stakelint.io/v1\nkind: Inventory\nspec:\n  environments:\n    - name: p1\n      validatorClients:\n        - name: vc-a\n          keys:\n            pubkeys: [{}]\n    - name: p2\n      validatorClients:\n        - name: vc-b\n          keys:\n            pubkeys: [{}]\n",
            a.join(", "),
            b.join(", ")
        )
    }

    #[test]
    fn groups_keys_shared_by_the_same_holders() {
        let shared: Vec<String> = (0..5).map(key).collect();
        let f = run(&DuplicateKeys, &doc(&shared, &shared));
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].1, 9);
        assert!(
            f[0].2.starts_with(
                "5 validator keys are held by `vc-a` (env `p1`) and `vc-b` (env `p2`)"
            ),
            "{}",
            f[0].2
        );
        assert!(f[0].2.ends_with("and 2 more"), "{}", f[0].2);
    }

    #[test]
    fn a_vc_and_its_signer_are_one_holder() {
        let k = key(7);
        let y = format!(
            "apiVersion: stakelint.io/v1\nkind: Inventory\nspec:\n  environments:\n    - name: p\n      validatorClients:\n        - {{name: vc, signer: w, keys: {{pubkeys: [{k}]}}}}\n      signers:\n        - {{name: w, kind: web3signer, keys: {{pubkeys: [{k}]}}}}\n"
        );
        assert!(run(&DuplicateKeys, &y).is_empty());
        assert!(run(&DuplicateKeys, &doc(&[key(1)], &[key(2)])).is_empty());
    }
}
