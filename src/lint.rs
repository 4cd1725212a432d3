//! The engine: runs every enabled rule over the model, applies configured severities,
//! environment filters and suppressions, and sorts findings (path, line, rule).

use crate::config::{Config, Level};
use crate::data::RuleData;
use crate::finding::{Finding, Suppressed};
use crate::model::{Model, Scope, SuppressionSource};
use crate::rule::{CheckCtx, Severity};
use crate::rules;
use crate::source::files::SourceDb;
use rayon::prelude::*;

/// Engine options from the command line.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Only report findings of these environments (findings of no environment stay).
    pub environments: Vec<String>,
    /// Ignore inventory and annotation suppressions (keep only config waivers).
    pub no_inline_suppressions: bool,
}

/// Adds config waivers to the model's suppressions and drops inline ones when asked.
pub fn prepare(model: &mut Model, config: &Config, opts: &Options) {
    if opts.no_inline_suppressions {
        model
            .suppressions
            .retain(|s| s.source != SuppressionSource::Inline);
    }
    model.suppressions.extend(config.waivers.iter().cloned());
}

/// The configured level of a rule (its default severity when not configured).
pub fn level(config: &Config, id: &str) -> Option<Severity> {
    let default = rules::by_id(id).map(|r| r.meta().severity);
    match config.rules.get(id).and_then(|r| r.level) {
        Some(Level::Off) => None,
        Some(Level::On(s)) => Some(s),
        None => default,
    }
}

/// Runs the rules and returns sorted findings, suppressed ones included (marked).
pub fn check(
    model: &Model,
    data: &RuleData,
    config: &Config,
    db: &SourceDb,
    opts: &Options,
) -> Vec<Finding> {
    let not_assessed = level(config, rules::not_assessed::META.id);
    // The rules run in parallel (each reads the model only); their findings are taken in
    // rule order, then sorted.
    let per_rule: Vec<Vec<Finding>> = rules::ALL
        .par_iter()
        .map(|rule| {
            let meta = rule.meta();
            let Some(severity) = level(config, meta.id) else {
                return Vec::new();
            };
            let configured = config.rules.get(meta.id).and_then(|r| r.level).is_some();
            let mut cx = CheckCtx::new(meta, data, config.rules.get(meta.id).map(|r| &r.params))
                .with_config(config);
            rule.check(model, &mut cx);
            let mut out = Vec::new();
            for mut f in cx.into_findings() {
                if f.rule == meta.id {
                    if configured {
                        f.severity = severity;
                    }
                } else if f.rule == rules::not_assessed::META.id {
                    let Some(s) = not_assessed else { continue };
                    f.severity = s;
                }
                out.push(f);
            }
            out
        })
        .collect();
    let mut out: Vec<Finding> = per_rule.into_iter().flatten().collect();
    if !opts.environments.is_empty() {
        out.retain(|f| {
            f.environment
                .as_ref()
                .is_none_or(|e| opts.environments.contains(e))
                || f.other_environments
                    .iter()
                    .any(|e| opts.environments.contains(e))
        });
    }
    suppress(model, data.today, &mut out);
    sort(db, &mut out);
    out
}

fn suppress(model: &Model, today: jiff::civil::Date, findings: &mut [Finding]) {
    let valid: Vec<_> = model
        .suppressions
        .iter()
        .filter(|s| s.problem(today).is_none())
        .collect();
    for f in findings {
        let hit = valid.iter().find(|s| {
            s.matches_rule(f.rule)
                && match &s.scope {
                    Scope::All => true,
                    Scope::Environment(e) => f.environment.as_deref() == Some(e),
                    Scope::Within(o) => f.primary.is_some_and(|p| {
                        p.file == o.file
                            && p.span.start >= o.span.start
                            && p.span.end() <= o.span.end()
                    }),
                }
        });
        if let Some(s) = hit {
            f.suppressed = Some(Suppressed {
                reason: s
                    .reason
                    .as_ref()
                    .map(|r| r.value.clone())
                    .unwrap_or_default(),
                origin: s.origin,
            });
        }
    }
}

/// Sorts by path, position, rule (SPEC §5.1); findings without a location come first.
pub fn sort(db: &SourceDb, findings: &mut [Finding]) {
    findings.par_sort_by_cached_key(|f| {
        let at = f.primary.map(|o| db.position(o));
        (
            at.map(|(path, line, _)| (path, line)),
            f.rule,
            at.map(|(_, _, col)| col),
            f.message.clone(),
        )
    });
}

/// Counts of a run, for the summary line and the JSON `summary`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub suppressed: usize,
    pub files: usize,
    pub environments: usize,
    pub keys: u64,
}

impl Summary {
    pub fn new(findings: &[Finding], files: usize, model: &Model) -> Self {
        let mut s = Summary {
            files,
            environments: model.environments.len(),
            keys: model.key_count(),
            ..Summary::default()
        };
        for f in findings {
            if f.suppressed.is_some() {
                s.suppressed += 1;
                continue;
            }
            match f.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Info => s.infos += 1,
            }
        }
        s
    }
}
