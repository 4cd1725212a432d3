//! The engine: runs every enabled rule over the model, applies configured severities,
//! environment filters and suppressions, and sorts findings (path, line, rule).

use crate::config::{Config, Level};
use crate::data::RuleData;
use crate::finding::{Finding, Suppressed};
use crate::model::{FileId, Model, Scope, Span, Suppression, SuppressionSource};
use crate::rule::{CheckCtx, Severity};
use crate::rules;
use crate::source::files::SourceDb;
use rayon::prelude::*;
use std::collections::HashMap;

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
    let index = Suppressions::new(model, today);
    for f in findings {
        if let Some(s) = index.first_match(f) {
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

/// The valid suppressions by what they can match, so a finding looks only at those of its
/// rule (or `*`) and its environment or file: a chart that annotates each of thousands of
/// workloads made a scan of every suppression per finding quadratic. The first valid
/// suppression (in model order) that matches wins, as in a scan.
struct Suppressions<'m> {
    /// (rule or `*`) → the suppressions of every finding of the rule, in model order.
    all: HashMap<&'m str, Vec<(usize, &'m Suppression)>>,
    /// (rule or `*`, environment) → those of an environment.
    env: HashMap<(&'m str, &'m str), Vec<(usize, &'m Suppression)>>,
    /// (rule or `*`, file) → those of a span, by start, with the largest end up to each.
    within: HashMap<(&'m str, FileId), Vec<Scoped<'m>>>,
}

/// A suppression of a span: the span, its position in the model, itself, and the largest
/// end of the spans up to it (in order of start).
type Scoped<'m> = (Span, usize, &'m Suppression, usize);

impl<'m> Suppressions<'m> {
    fn new(model: &'m Model, today: jiff::civil::Date) -> Self {
        let mut index = Suppressions {
            all: HashMap::new(),
            env: HashMap::new(),
            within: HashMap::new(),
        };
        let valid = model
            .suppressions
            .iter()
            .enumerate()
            .filter(|(_, s)| s.problem(today).is_none());
        for (i, s) in valid {
            let rule = s.rule.value.as_str();
            match &s.scope {
                Scope::All => index.all.entry(rule).or_default().push((i, s)),
                Scope::Environment(e) => index.env.entry((rule, e)).or_default().push((i, s)),
                Scope::Within(o) => {
                    index
                        .within
                        .entry((rule, o.file))
                        .or_default()
                        .push((o.span, i, s, 0));
                }
            }
        }
        for spans in index.within.values_mut() {
            spans.sort_by_key(|(span, i, _, _)| (span.start, *i));
            let mut max_end = 0;
            for entry in spans.iter_mut() {
                max_end = max_end.max(entry.0.end());
                entry.3 = max_end;
            }
        }
        index
    }

    /// The first suppression (in model order) that applies to `f`.
    fn first_match(&self, f: &Finding) -> Option<&'m Suppression> {
        let mut best: Option<(usize, &'m Suppression)> = None;
        let mut consider = |i: usize, s: &'m Suppression| {
            if best.is_none_or(|(b, _)| i < b) {
                best = Some((i, s));
            }
        };
        for rule in [f.rule, "*"] {
            if let Some(&(i, s)) = self.all.get(rule).and_then(|v| v.first()) {
                consider(i, s);
            }
            if let Some(e) = f.environment.as_deref()
                && let Some(&(i, s)) = self.env.get(&(rule, e)).and_then(|v| v.first())
            {
                consider(i, s);
            }
            let Some(p) = f.primary else { continue };
            let Some(spans) = self.within.get(&(rule, p.file)) else {
                continue;
            };
            // Spans that start at or before the finding, walked back while one of them
            // (or one before) still reaches its end.
            let upto = spans.partition_point(|(span, ..)| span.start <= p.span.start);
            for &(span, i, s, max_end) in spans[..upto].iter().rev() {
                if max_end < p.span.end() {
                    break;
                }
                if span.end() >= p.span.end() {
                    consider(i, s);
                }
            }
        }
        best.map(|(_, s)| s)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Located, Origin};

    fn at(file: u32, start: usize, len: usize) -> Origin {
        Origin::new(FileId(file), Span::new(start, len))
    }

    fn waiver(rule: &str, scope: Scope, reason: &str) -> Suppression {
        Suppression {
            rule: Located::new(rule.to_owned(), at(9, 0, 1)),
            reason: Some(Located::new(reason.to_owned(), at(9, 0, 1))),
            expires: None,
            scope,
            source: SuppressionSource::Inline,
            origin: at(9, 0, 1),
        }
    }

    #[test]
    fn the_first_suppression_in_model_order_that_applies_wins() {
        let meta: &'static crate::rule::RuleMeta = &rules::metrics_disabled::META;
        let mut model = Model {
            suppressions: vec![
                // 0: a document of file 1 (bytes 100..200), and one nested in it
                waiver(meta.id, Scope::Within(at(1, 100, 100)), "outer"),
                waiver(meta.id, Scope::Within(at(1, 120, 10)), "inner"),
                // 2: another rule; 3: every rule in env `b`; 4: this rule everywhere
                waiver("api-exposed", Scope::All, "other rule"),
                waiver("*", Scope::Environment("b".into()), "env b"),
                waiver(meta.id, Scope::All, "everywhere"),
                // 5: a long span starting early that reaches past later ones
                waiver(meta.id, Scope::Within(at(2, 0, 1000)), "long"),
                waiver(meta.id, Scope::Within(at(2, 10, 5)), "short"),
            ],
            ..Model::default()
        };
        // an expired one comes first but is not valid
        let mut expired = waiver(meta.id, Scope::All, "expired");
        expired.expires = Some(Located::new(jiff::civil::date(2020, 1, 1), at(9, 0, 1)));
        model.suppressions.insert(0, expired);
        let today = jiff::civil::date(2026, 11, 29);
        let reason = |model: &Model, primary: Option<Origin>, env: Option<&str>| {
            let mut f = Finding::new(meta, primary, "m");
            f.environment = env.map(str::to_owned);
            let mut fs = vec![f];
            suppress(model, today, &mut fs);
            fs[0].suppressed.as_ref().map(|s| s.reason.clone())
        };
        assert_eq!(
            reason(&model, Some(at(1, 122, 3)), None).as_deref(),
            Some("outer")
        );
        assert_eq!(
            reason(&model, Some(at(1, 150, 60)), None).as_deref(),
            Some("everywhere")
        );
        assert_eq!(
            reason(&model, Some(at(3, 0, 1)), Some("b")).as_deref(),
            Some("env b")
        );
        assert_eq!(reason(&model, None, None).as_deref(), Some("everywhere"));
        assert_eq!(
            reason(&model, Some(at(2, 500, 10)), None).as_deref(),
            Some("everywhere")
        );
        model
            .suppressions
            .retain(|s| !matches!(s.scope, Scope::All) || s.rule.value != meta.id);
        assert_eq!(
            reason(&model, Some(at(2, 500, 10)), None).as_deref(),
            Some("long")
        );
        assert_eq!(
            reason(&model, Some(at(2, 11, 2)), None).as_deref(),
            Some("long")
        );
        assert_eq!(reason(&model, Some(at(1, 150, 60)), None), None);
        assert_eq!(reason(&model, Some(at(1, 95, 10)), Some("a")), None);
    }
}
