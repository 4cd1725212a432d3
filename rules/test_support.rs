//! Helpers for the rules' unit tests: lint an inventory text with one rule.

use crate::data::{self, RuleData};
use crate::finding::Finding;
use crate::rule::{CheckCtx, Rule};
use crate::source::files::SourceFile;
use crate::source::load::Loaded;

/// Valid BLS12-381 public keys for tests (py_ecc `SkToPk` of throwaway scalars).
pub(crate) const KEYS: [&str; 8] = [
    "0xaf51b856584c5e12a7ca95099fedae1e1959e1c4584d70a9556b705ff4a1db3c1c934770d47404e150afc349a49c4a27",
    "0xa4a98afc36b6d608d92c5f3ceea51005270dd131f3e99ae776ba27e393b3d343824bfe5470eb20083e0db1105f302e8b",
    "0xac7826161cbee5addd56df4bb589343fdc201698202b272c36b3bd263af46cf0c175cf303a02366bfb7c2d9bba32475a",
    "0x99e534fbdf5ba5881c74547374780dd453e42b93a01ef07a8dd436a13094c4fa1bad8846499eeafb3a6969f9caf00547",
    "0xb1b617be4cb56757ed89addaf6bdd14e634a3c71259535c88e11bb021b206be44ea943cee549a14912a488f2e3c28d0d",
    "0x96b8a321eef5cd814e6992d690cfdd1e3afe5eb917bb259a84548fac5c42c73d636fe817b5759cd4ee7b86842b7d8eb4",
    "0x95ace4f2c4a766fa7e459c4dfbc66b9468155e44d1661fe4b7b0a4bfd1b42629eabd4f435b0669da19fad1f40ef60ac1",
    "0xa938e338d0a32c45812ccdfc8170d6d5334c6e78f00e24fff44a516cf0039a60e26ca9a9258d0deea5035928d0ee7555",
];

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

/// Runs `rule` on an inventory text with a `.stakelint.yaml` text.
pub(crate) fn run_with_config(
    rule: &dyn Rule,
    yaml: &str,
    config: &str,
) -> Vec<(String, usize, String)> {
    let mut loaded = Loaded::default();
    let cid = loaded
        .db
        .add(SourceFile::new(".stakelint.yaml".into(), config));
    let (cfg, errors) = crate::config::parse(cid, loaded.db.get(cid), std::path::Path::new("."));
    assert!(errors.is_empty(), "config errors: {errors:?}");
    let id = loaded.db.add(SourceFile::new("test.yaml".into(), yaml));
    loaded.add_text(id);
    assert!(
        loaded.errors.is_empty(),
        "input errors: {:?}",
        loaded.errors
    );
    let data = rule_data(&mut loaded);
    let mut cx = CheckCtx::new(rule.meta(), &data, None).with_config(&cfg);
    rule.check(&loaded.model, &mut cx);
    cx.into_findings()
        .into_iter()
        .map(|f| {
            let line = f.primary.map_or(0, |o| loaded.db.position(o).1);
            (f.rule.to_owned(), line, f.message)
        })
        .collect()
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
