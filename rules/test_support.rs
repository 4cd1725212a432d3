//! Helpers for the rules' unit tests: lint an inventory text with one rule.

use crate::data::{self, RuleData};
use crate::finding::Finding;
use crate::rule::{CheckCtx, Rule};
use crate::source::files::SourceFile;
use crate::source::load::Loaded;

/// The date unit tests judge expiry and data age against.
pub(crate) fn today() -> jiff::civil::Date {
    jiff::civil::date(2026, 11, 29)
}

/// The embedded tables, with `today()`.
pub(crate) fn rule_data(loaded: &mut Loaded) -> RuleData {
    let id = data::builtin(&mut loaded.db, "client-shares.yaml", data::CLIENT_SHARES);
    let shares = data::parse_client_shares(id, loaded.db.get(id)).expect("embedded shares");
    let id = data::builtin(&mut loaded.db, "regions.yaml", data::REGIONS);
    let regions = data::Regions::parse(id, loaded.db.get(id)).expect("embedded regions");
    RuleData {
        shares,
        regions,
        today: today(),
    }
}

/// Runs `rule` on an inventory text; returns its findings as (rule, line, message).
pub(crate) fn run(rule: &dyn Rule, yaml: &str) -> Vec<(String, usize, String)> {
    let mut loaded = Loaded::default();
    let id = loaded.db.add(SourceFile::new("test.yaml".into(), yaml));
    loaded.add_text(id);
    assert!(
        loaded.errors.is_empty(),
        "input errors: {:?}",
        loaded.errors
    );
    let data = rule_data(&mut loaded);
    run_model(rule, &loaded, &data)
}

/// Runs `rule` on a loaded model.
pub(crate) fn run_model(
    rule: &dyn Rule,
    loaded: &Loaded,
    data: &RuleData,
) -> Vec<(String, usize, String)> {
    let mut cx = CheckCtx::new(rule.meta(), data, None);
    rule.check(&loaded.model, &mut cx);
    let findings: Vec<Finding> = cx.into_findings();
    findings
        .into_iter()
        .map(|f| {
            let line = f.primary.map_or(0, |o| loaded.db.position(o).1);
            (f.rule.to_owned(), line, f.message)
        })
        .collect()
}

/// An inventory with one environment `prod` whose body is `env` (indented 6 spaces).
pub(crate) fn inventory(env: &str) -> String {
    let mut s = String::from(
        "apiVersion: stakelint.io/v1\nkind: Inventory\nmetadata: {name: test}\nspec:\n  environments:\n    - name: prod\n",
    );
    for line in env.lines() {
        s.push_str("      ");
        s.push_str(line);
        s.push('\n');
    }
    s
}
