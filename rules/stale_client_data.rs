//! `stale-client-data`: the client-share data is recent enough to judge supermajorities.

use crate::declare_rule;
use crate::finding::Finding;
use crate::model::Model;
use crate::rule::{CheckCtx, Param, Rule};

declare_rule! {
    /// ## What it does
    /// Reports when the client-share table used by `supermajority-client` is older than
    /// `max_age_days` (default 90) on the day of the run.
    ///
    /// ## Why is this bad?
    /// Client shares move: Geth went from above 2/3 of the execution layer to under half in a
    /// year. A verdict on supermajority clients is only as good as the date of its data.
    ///
    /// ## Example
    /// The built-in table dated 2026-08-21, linted on 2026-11-29 (100 days later).
    /// Use instead: upgrade stakelint, or pass fresh figures with `--client-shares FILE`
    /// (format in the README) or `client_shares:` in `.stakelint.yaml`.
    pub StaleClientData {
        id: "stale-client-data",
        severity: Info,
        params: [Param { name: "max_age_days", default: 90.0, integer: true, doc: "oldest client-share data accepted, in days" }],
    }
}

impl Rule for StaleClientData {
    fn meta(&self) -> &'static crate::rule::RuleMeta {
        &META
    }

    fn check(&self, model: &Model, cx: &mut CheckCtx<'_>) {
        // The table only matters when there are clients to judge.
        if model.environments.iter().all(|e| e.pairs.is_empty()) {
            return;
        }
        let max = i64::try_from(cx.param_u64("max_age_days")).unwrap_or(i64::MAX);
        let date = &cx.data.shares.date;
        let Ok(span) = date.value.until(cx.data.today) else {
            return;
        };
        let age = i64::from(span.get_days());
        if age > max {
            cx.report(
                Finding::new(
                    &META,
                    Some(date.origin),
                    format!(
                        "the client-share data is {age} days old (from {}), older than {max} days",
                        date.value
                    ),
                )
                .label("measured on this date")
                .help("pass fresh figures with `--client-shares FILE`, or upgrade stakelint"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::StaleClientData;
    use crate::rule::{CheckCtx, Rule};
    use crate::rules::test_support::{inventory, rule_data};
    use crate::source::{files::SourceFile, load::Loaded};

    fn run(days_old: i64) -> usize {
        let mut loaded = Loaded::default();
        let y = inventory("nodes:\n  - {name: a, execution: {client: geth}}\n");
        let id = loaded.db.add(SourceFile::new("t.yaml".into(), y));
        loaded.add_text(id);
        let mut data = rule_data(&mut loaded);
        data.today = data
            .shares
            .date
            .value
            .checked_add(jiff::Span::new().days(days_old))
            .unwrap();
        let mut cx = CheckCtx::new(StaleClientData.meta(), &data, None);
        StaleClientData.check(&loaded.model, &mut cx);
        cx.into_findings().len()
    }

    #[test]
    fn fires_on_old_data_only() {
        assert_eq!(run(91), 1);
        assert_eq!(run(90), 0);
        assert_eq!(run(3), 0);
    }

    #[test]
    fn silent_when_no_client_is_judged() {
        let mut loaded = Loaded::default();
        let data = rule_data(&mut loaded);
        let mut cx = CheckCtx::new(StaleClientData.meta(), &data, None);
        StaleClientData.check(&loaded.model, &mut cx);
        assert!(cx.into_findings().is_empty());
    }
}
