//! `invalid-suppression`: every suppression has a reason and has not expired.

use crate::declare_rule;
use crate::finding::Finding;
use crate::model::{Model, SuppressionProblem};
use crate::rule::{CheckCtx, Rule};

declare_rule! {
    /// ## What it does
    /// Flags a suppression (inventory `ignore:`, config `waivers:`, or an
    /// `ignore-check.stakelint.io/<rule>` annotation) that has no reason, has expired, or
    /// names a rule that does not exist. Such a suppression does not suppress anything.
    ///
    /// ## Why is this bad?
    /// A guardrail switched off without a recorded reason is a guardrail nobody will switch
    /// back on. Reasons and expiry dates keep exceptions reviewable in the compliance
    /// report; a typo in a rule id would otherwise silently suppress nothing.
    ///
    /// ## Example
    /// `ignore: [{rule: geo-area}]`, or `expires: 2025-01-01` in the past.
    /// Use instead: `ignore: [{rule: geo-area, reason: "single-area by design, approved
    /// 2026-01", expires: 2027-01-01}]`.
    pub InvalidSuppression { id: "invalid-suppression", severity: Warning }
}

impl Rule for InvalidSuppression {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &META
    }

    fn check(&self, model: &Model, cx: &mut CheckCtx<'_>) {
        for s in &model.suppressions {
            let rule = &s.rule.value;
            let env = match &s.scope {
                crate::model::Scope::Environment(e) => Some(e.as_str()),
                _ => None,
            };
            let f = if rule != "*" && crate::rules::by_id(rule).is_none() {
                Finding::new(
                    &META,
                    Some(s.rule.origin),
                    format!("suppression names unknown rule `{rule}`"),
                )
                .label("not a rule id")
                .help("`stakelint rules` lists the rule ids")
            } else {
                match s.problem(cx.data.today) {
                    None => continue,
                    Some(SuppressionProblem::NoReason) => Finding::new(
                        &META,
                        Some(s.reason.as_ref().map_or(s.origin, |r| r.origin)),
                        format!("suppression of `{rule}` has no reason, so it does not suppress"),
                    )
                    .help(
                        "add `reason:` saying why the guardrail does not apply and who approved it",
                    ),
                    Some(SuppressionProblem::Expired(d)) => Finding::new(
                        &META,
                        Some(s.expires.as_ref().map_or(s.origin, |e| e.origin)),
                        format!("suppression of `{rule}` expired on {d}, so it does not suppress"),
                    )
                    .label("expired")
                    .help("fix what it suppressed, or renew the waiver with a new date and reason"),
                }
            };
            let f = match env {
                Some(e) => f.env(e),
                None => f,
            };
            cx.report(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::InvalidSuppression;
    use crate::rules::test_support::{inventory, run};

    #[test]
    fn fires_without_reason_after_expiry_and_on_unknown_rules() {
        let y = inventory(
            "ignore:\n  - {rule: geo-area}\n  - {rule: geo-spread, reason: ok, expires: 2025-01-01}\n  - {rule: geo-aera, reason: typo}\n",
        );
        let f = run(&InvalidSuppression, &y);
        let lines: Vec<usize> = f.iter().map(|x| x.1).collect();
        assert_eq!(lines, vec![8, 9, 10], "{f:?}");
        assert!(f[1].2.contains("expired on 2025-01-01"));
        assert!(f[2].2.contains("unknown rule `geo-aera`"));
    }

    #[test]
    fn silent_on_reasoned_current_suppressions() {
        let y = inventory(
            "ignore:\n  - {rule: geo-area, reason: approved, expires: 2027-01-01}\n  - {rule: host-spread, reason: approved}\n",
        );
        assert!(run(&InvalidSuppression, &y).is_empty());
    }
}
