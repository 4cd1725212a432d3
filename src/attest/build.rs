//! From an [`Analysis`] to the report body: the guardrails' statuses per environment with
//! the figures behind them, each environment's picture, every finding and suppression.
//!
//! **Status of a guardrail in an environment** (the same rule for every guardrail):
//! - *not compliant* when the rule has an unsuppressed finding for the environment (its own
//!   environment, another environment it involves, or no environment at all);
//! - else *not assessed* when a `not-assessed` finding names the rule for it (its message
//!   starts with `` `<rule>` not assessed ``; suppressed or not, the rule was not assessed),
//!   or when the configuration turns the rule off;
//! - else *compliant*; findings suppressed there are listed with their reasons.
//!
//! Severity does not matter: a guardrail downgraded to `info` in the config is still broken
//! when it fires. An environment's status, and the report's, is the worst of its guardrails.

use super::doc::{
    Body, Check, ClientCount, ClientCounts, ClientDoc, ClientSharesInfo, Combination,
    EnvironmentDoc, FindingCounts, FindingDoc, Guardrail, KeysDoc, Location, PairDoc, RegionDoc,
    RuleSet, RunOptions, SignerDoc, Status, StatusCounts, Summary, SuppressionDoc, Tool,
    ValidatorClientDoc, Waived,
};
use super::inputs::{self, InputSet};
use crate::app::Analysis;
use crate::config::Config;
use crate::finding::{Finding, names, thousands};
use crate::lint;
use crate::model::{Environment, Layer, Model, Origin, Placement, Scope, SuppressionProblem};
use crate::rules;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// What the command line says about the report.
#[derive(Debug, Clone)]
pub struct Meta {
    pub operator: String,
    pub period: String,
    pub date: jiff::civil::Date,
    pub namespace: String,
    pub no_inline_suppressions: bool,
}

/// The guardrails of SPEC §1, in the order the report lists them. `environment-spread` is
/// judged for the operator as a whole; every other guardrail per environment.
pub const GUARDRAILS: &[&str] = &[
    "duplicate-keys",
    "vc-single-writer",
    "slashing-protection",
    "doppelganger-protection",
    "supermajority-client",
    "cl-el-pairs",
    "client-diversity",
    "host-spread",
    "signer-redundancy",
    "blast-radius",
    "geo-spread",
    "geo-area",
    "environment-spread",
];

/// Guardrails judged once for the operator.
pub const OPERATOR_GUARDRAILS: &[&str] = &["environment-spread"];

/// A rule parameter as configured, else its default.
pub fn param(config: &Config, rule: &str, name: &str) -> f64 {
    config
        .rules
        .get(rule)
        .and_then(|r| r.params.get(name).copied())
        .or_else(|| rules::by_id(rule)?.meta().param(name).map(|p| p.default))
        .unwrap_or(0.0)
}

fn param_u64(config: &Config, rule: &str, name: &str) -> u64 {
    let v = param(config, rule, name);
    if v <= 0.0 { 0 } else { v as u64 }
}

/// The guardrail's title, with its configured parameter.
pub fn title(config: &Config, rule: &str) -> String {
    let n = |name| thousands(param_u64(config, rule, name));
    match rule {
        "duplicate-keys" => "One key, one signer".into(),
        "vc-single-writer" => "No validator client runs twice".into(),
        "slashing-protection" => "Slashing protection on".into(),
        "doppelganger-protection" => "Doppelganger protection on".into(),
        "supermajority-client" => format!(
            "No supermajority client (below {:.0}% of the network)",
            param(config, rule, "threshold") * 100.0
        ),
        "cl-el-pairs" => format!("At least {} CL:EL pairs", n("min_pairs")),
        "client-diversity" => "Client diversity inside the environment".into(),
        "host-spread" => format!("Pairs on at least {} hosts", n("min_hosts")),
        "signer-redundancy" => "Redundant remote signers".into(),
        "blast-radius" => format!("At most {} keys per environment", n("max_keys")),
        "geo-spread" => format!("Pairs in at least {} regions", n("min_regions")),
        "geo-area" => "One broad area per environment".into(),
        "environment-spread" => "Environments spread over broad areas".into(),
        other => format!("`{other}`"),
    }
}

/// Builds the body (without `changes`; see [`super::diff`]). An error names an input that
/// changed on disk while the report was made ([`inputs::collect`]).
pub fn build(a: &Analysis, meta: &Meta, cwd: &Path) -> Result<Body, String> {
    let set = inputs::collect(&a.db, &a.config, &a.data, cwd)?;
    Ok(build_from(a, meta, &set))
}

/// [`build`] over inputs already digested.
pub fn build_from(a: &Analysis, meta: &Meta, set: &InputSet) -> Body {
    let cx = Cx { a, set };
    let environments: Vec<EnvironmentDoc> = a
        .model
        .environments
        .iter()
        .map(|e| cx.environment(e))
        .collect();
    let operator_checks: Vec<Check> = OPERATOR_GUARDRAILS
        .iter()
        .map(|r| cx.check(r, None, operator_figures(a, r)))
        .collect();
    let guardrails = guardrail_summary(a, &environments, &operator_checks);
    let mut counts = StatusCounts::default();
    for g in &guardrails {
        counts.add(g.status);
    }
    let shares = &a.data.shares;
    let shares_file = shares.date.origin.file;
    let s = a.summary;
    Body {
        operator: meta.operator.clone(),
        period: meta.period.clone(),
        date: meta.date.to_string(),
        tool: Tool {
            name: "stakelint".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        rule_set: rule_set(),
        client_shares: ClientSharesInfo {
            date: shares.date.value.to_string(),
            source: shares.source.clone(),
            table: if a.db.get(shares_file).path.starts_with("<builtin>/") {
                "built-in".into()
            } else {
                set.path_of(&a.db, shares_file).to_owned()
            },
        },
        inputs: set.doc(),
        options: RunOptions {
            namespace: meta.namespace.clone(),
            no_inline_suppressions: meta.no_inline_suppressions,
        },
        summary: Summary {
            status: Status::worst(guardrails.iter().map(|g| g.status)),
            environments: a.model.environments.len() as u64,
            keys: a.model.key_count(),
            unassigned_keys: a
                .model
                .unassigned_keys
                .iter()
                .map(|u| u.keys.len() as u64)
                .sum(),
            pairs: a
                .model
                .environments
                .iter()
                .map(|e| e.pairs.len() as u64)
                .sum(),
            guardrails: counts,
            findings: FindingCounts {
                errors: s.errors as u64,
                warnings: s.warnings as u64,
                infos: s.infos as u64,
                suppressed: s.suppressed as u64,
            },
        },
        guardrails,
        environments,
        operator_checks,
        findings: cx.findings(),
        suppressions: cx.suppressions(meta.date),
        caveats: caveats(&a.config),
        changes: None,
    }
}

/// The rule-set version and digest (see [`RuleSet`]).
pub fn rule_set() -> RuleSet {
    let mut h = Sha256::new();
    let mut put = |s: &str| {
        h.update((s.len() as u64).to_be_bytes());
        h.update(s.as_bytes());
    };
    for r in rules::ALL {
        let m = r.meta();
        put(m.id);
        put(m.severity.as_str());
        for p in m.params {
            put(&format!("{}={}", p.name, p.default));
        }
        put(m.raw_docs);
    }
    put(crate::data::CLIENT_SHARES);
    put(crate::data::REGIONS);
    put(crate::data::clients::TABLE);
    RuleSet {
        version: env!("CARGO_PKG_VERSION").into(),
        digest: format!("sha256:{}", super::doc::hex(&h.finalize())),
        rules: rules::ALL.len() as u32,
    }
}

fn caveats(config: &Config) -> Vec<String> {
    let mut out = Vec::new();
    if lint::level(config, rules::not_assessed::META.id).is_none() {
        out.push("the configuration turns `not-assessed` off: a guardrail that could not be assessed for lack of data shows as compliant".to_owned());
    }
    for rule in GUARDRAILS {
        if lint::level(config, rule).is_none() {
            out.push(format!(
                "the configuration turns `{rule}` off: it shows as not assessed"
            ));
        }
    }
    out
}

fn guardrail_summary(a: &Analysis, envs: &[EnvironmentDoc], operator: &[Check]) -> Vec<Guardrail> {
    GUARDRAILS
        .iter()
        .map(|rule| {
            if let Some(c) = operator.iter().find(|c| c.rule == *rule) {
                return Guardrail {
                    rule: (*rule).into(),
                    title: c.title.clone(),
                    scope: "operator".into(),
                    status: c.status,
                    compliant: Vec::new(),
                    not_compliant: Vec::new(),
                    not_assessed: Vec::new(),
                };
            }
            let mut g = Guardrail {
                rule: (*rule).into(),
                title: title(&a.config, rule),
                scope: "environment".into(),
                status: Status::NotAssessed,
                compliant: Vec::new(),
                not_compliant: Vec::new(),
                not_assessed: Vec::new(),
            };
            let mut all = Vec::new();
            for e in envs {
                let Some(c) = e.checks.iter().find(|c| c.rule == *rule) else {
                    continue;
                };
                all.push(c.status);
                match c.status {
                    Status::Compliant => g.compliant.push(e.name.clone()),
                    Status::NotCompliant => g.not_compliant.push(e.name.clone()),
                    Status::NotAssessed => g.not_assessed.push(e.name.clone()),
                }
            }
            g.status = Status::worst(all);
            g
        })
        .collect()
}

struct Cx<'a> {
    a: &'a Analysis,
    set: &'a InputSet,
}

impl Cx<'_> {
    fn location(&self, o: Origin) -> Location {
        let (line, column) = self.a.db.get(o.file).line_col(o.span.start as usize);
        Location {
            path: self.set.path_of(&self.a.db, o.file).to_owned(),
            line: line as u64,
            column: column as u64,
        }
    }

    /// Every finding, sorted by normalised path, line, column, rule and message (so the
    /// order does not depend on how the inputs were named on the command line).
    fn findings(&self) -> Vec<FindingDoc> {
        let mut out: Vec<FindingDoc> = self.a.findings.iter().map(|f| self.finding(f)).collect();
        out.sort_by(|x, y| {
            let at = |f: &FindingDoc| {
                f.location
                    .as_ref()
                    .map(|l| (l.path.clone(), l.line, l.column))
            };
            at(x)
                .cmp(&at(y))
                .then_with(|| x.rule.cmp(&y.rule))
                .then_with(|| x.message.cmp(&y.message))
        });
        out
    }

    fn finding(&self, f: &Finding) -> FindingDoc {
        FindingDoc {
            rule: f.rule.into(),
            severity: f.severity.as_str().into(),
            message: f.message.clone(),
            environment: f.environment.clone(),
            location: f.primary.map(|o| self.location(o)),
            help: f.help.clone(),
            suppressed: f.suppressed.is_some(),
            reason: f.suppressed.as_ref().map(|s| s.reason.clone()),
        }
    }

    /// Judges one guardrail in one environment (`None`: for the operator).
    fn check(&self, rule: &str, env: Option<&str>, figures: String) -> Check {
        let mut c = Check {
            rule: rule.into(),
            title: title(&self.a.config, rule),
            status: Status::Compliant,
            figures,
            findings: 0,
            not_assessed: Vec::new(),
            waived: Vec::new(),
        };
        if lint::level(&self.a.config, rule).is_none() {
            c.status = Status::NotAssessed;
            c.not_assessed
                .push("turned off by the configuration".into());
            return c;
        }
        let here = |f: &&Finding| {
            env.is_none_or(|e| {
                f.environment.is_none()
                    || f.environment.as_deref() == Some(e)
                    || f.other_environments.iter().any(|o| o == e)
            })
        };
        let prefix = format!("`{rule}` not assessed");
        for f in self.a.findings.iter().filter(here) {
            if f.rule == rule {
                match &f.suppressed {
                    None => c.findings += 1,
                    Some(s) => c.waived.push(Waived {
                        message: f.message.clone(),
                        reason: s.reason.clone(),
                    }),
                }
            } else if f.rule == rules::not_assessed::META.id
                && let Some(rest) = f.message.strip_prefix(&prefix)
            {
                let why = rest.trim_start_matches(':').trim();
                c.not_assessed.push(if why.is_empty() {
                    f.message.clone()
                } else {
                    why.to_owned()
                });
            }
        }
        c.status = if c.findings > 0 {
            Status::NotCompliant
        } else if c.not_assessed.is_empty() {
            Status::Compliant
        } else {
            Status::NotAssessed
        };
        c
    }

    fn environment(&self, env: &Environment) -> EnvironmentDoc {
        let a = self.a;
        let name = env.name.value.as_str();
        let checks: Vec<Check> = GUARDRAILS
            .iter()
            .filter(|r| !OPERATOR_GUARDRAILS.contains(r))
            .map(|r| self.check(r, Some(name), env_figures(a, env, r)))
            .collect();
        let pairs: Vec<PairDoc> = env
            .pairs
            .iter()
            .map(|p| {
                let (host, placement) = match &p.placement {
                    Placement::Host(h) => (Some(h.value.clone()), "host"),
                    Placement::Spread { .. } => (None, "spread"),
                    Placement::Unconstrained { .. } => (None, "unconstrained"),
                    Placement::Unknown => (None, "unknown"),
                };
                let client = |l: Layer| {
                    p.client(l).map(|c| ClientDoc {
                        client: c.client.value.clone(),
                        version: c.version.as_ref().map(|v| v.value.clone()),
                    })
                };
                PairDoc {
                    name: p.name.value.clone(),
                    consensus: client(Layer::Consensus),
                    execution: client(Layer::Execution),
                    host,
                    placement: placement.into(),
                    region: p.region.as_ref().map(|r| r.value.clone()),
                    zone: p.zone.as_ref().map(|z| z.value.clone()),
                    area: p
                        .region
                        .as_ref()
                        .and_then(|r| a.data.regions.area(&r.value))
                        .map(|x| x.as_str().to_owned()),
                }
            })
            .collect();
        let mut combos: BTreeMap<(String, String), u64> = BTreeMap::new();
        let mut regions: BTreeMap<String, (Option<String>, u64)> = BTreeMap::new();
        for p in &pairs {
            let id =
                |c: &Option<ClientDoc>| c.as_ref().map_or("unknown".into(), |c| c.client.clone());
            *combos
                .entry((id(&p.consensus), id(&p.execution)))
                .or_default() += 1;
            if let Some(r) = &p.region {
                regions.entry(r.clone()).or_insert((p.area.clone(), 0)).1 += 1;
            }
        }
        let areas: BTreeSet<String> = pairs.iter().filter_map(|p| p.area.clone()).collect();
        EnvironmentDoc {
            name: name.into(),
            status: Status::worst(checks.iter().map(|c| c.status)),
            keys: keys_doc(a, env),
            combinations: combos
                .into_iter()
                .map(|((consensus, execution), pairs)| Combination {
                    consensus,
                    execution,
                    pairs,
                })
                .collect(),
            clients: ClientCounts {
                consensus: client_counts(env, Layer::Consensus),
                execution: client_counts(env, Layer::Execution),
            },
            pairs,
            regions: regions
                .into_iter()
                .map(|(region, (area, pairs))| RegionDoc {
                    region,
                    area,
                    pairs,
                })
                .collect(),
            areas: areas.into_iter().collect(),
            validator_clients: env
                .validator_clients
                .iter()
                .map(|v| ValidatorClientDoc {
                    name: v.name.value.clone(),
                    client: v.client.as_ref().map(|c| c.value.clone()),
                    replicas: v.replicas.value,
                    doppelganger: v.doppelganger.as_ref().map(|d| d.value),
                    slashing_protection: v.slashing_protection.as_ref().map(|d| d.value),
                    signer: v.signer.as_ref().map(|s| s.value.clone()),
                })
                .collect(),
            signers: env
                .signers
                .iter()
                .map(|s| SignerDoc {
                    name: s.name.value.clone(),
                    kind: s.kind.value.as_str().into(),
                    instances: s.instances.value,
                    threshold: s.threshold.as_ref().map(|t| t.value),
                    slashing_protection: s.slashing_protection.as_ref().map(|d| d.value),
                })
                .collect(),
            checks,
        }
    }

    fn suppressions(&self, today: jiff::civil::Date) -> Vec<SuppressionDoc> {
        self.a
            .model
            .suppressions
            .iter()
            .map(|s| {
                let (scope, environment) = match &s.scope {
                    Scope::All => ("operator", None),
                    Scope::Environment(e) => ("environment", Some(e.clone())),
                    Scope::Within(_) => ("workload", None),
                };
                let mut problem = s.problem(today).map(|p| match p {
                    SuppressionProblem::NoReason => "it gives no reason".to_owned(),
                    SuppressionProblem::Expired(d) => format!("it expired on {d}"),
                });
                if s.rule.value != "*" && rules::by_id(&s.rule.value).is_none() {
                    problem.get_or_insert_with(|| "it names no rule".to_owned());
                }
                SuppressionDoc {
                    rule: s.rule.value.clone(),
                    scope: scope.into(),
                    environment,
                    source: match s.source {
                        crate::model::SuppressionSource::Inline => "inline",
                        crate::model::SuppressionSource::Config => "config",
                    }
                    .into(),
                    reason: s.reason.as_ref().map(|r| r.value.clone()),
                    expires: s.expires.as_ref().map(|e| e.value.to_string()),
                    location: Some(self.location(s.origin)),
                    valid: s.problem(today).is_none(),
                    problem,
                    suppressed_findings: self
                        .a
                        .findings
                        .iter()
                        .filter(|f| f.suppressed.as_ref().is_some_and(|x| x.origin == s.origin))
                        .count() as u64,
                }
            })
            .collect()
    }
}

fn keys_doc(a: &Analysis, env: &Environment) -> KeysDoc {
    let pubkeys: BTreeSet<String> = env
        .holders()
        .iter()
        .flat_map(|h| h.pubkeys().map(|k| k.value.to_string()).collect::<Vec<_>>())
        .collect();
    KeysDoc {
        count: env.key_count(),
        limit: param_u64(&a.config, "blast-radius", "max_keys"),
        pubkeys: pubkeys.into_iter().collect(),
    }
}

fn client_counts(env: &Environment, layer: Layer) -> Vec<ClientCount> {
    let mut m: BTreeMap<String, u64> = BTreeMap::new();
    for p in &env.pairs {
        let id = p
            .client(layer)
            .map_or("unknown".into(), |c| c.client.value.clone());
        *m.entry(id).or_default() += 1;
    }
    m.into_iter()
        .map(|(client, pairs)| ClientCount { client, pairs })
        .collect()
}

fn plural(n: u64, word: &str) -> String {
    format!("{} {word}{}", thousands(n), if n == 1 { "" } else { "s" })
}

fn on_off(v: Option<bool>) -> &'static str {
    match v {
        Some(true) => "on",
        Some(false) => "off",
        None => "not stated",
    }
}

/// The figures behind a guardrail's status in one environment.
fn env_figures(a: &Analysis, env: &Environment, rule: &str) -> String {
    let cfg = &a.config;
    let pairs = env.pairs.len() as u64;
    match rule {
        "blast-radius" => {
            let limit = thousands(param_u64(cfg, rule, "max_keys"));
            env.key_count().map_or_else(
                || format!("key count unknown (limit {limit})"),
                |n| format!("{} (limit {limit})", plural(n, "key")),
            )
        }
        "cl-el-pairs" => format!(
            "{} (minimum {}){}",
            plural(pairs, "CL:EL pair"),
            param_u64(cfg, rule, "min_pairs"),
            if env.runs_validators() {
                ""
            } else {
                "; runs no validators"
            }
        ),
        "host-spread" => host_figures(env, param_u64(cfg, rule, "min_hosts")),
        "supermajority-client" => shares_figures(a, env, param(cfg, rule, "threshold")),
        "client-diversity" => {
            let combos: BTreeSet<String> = env
                .pairs
                .iter()
                .map(|p| {
                    let id = |l| p.client(l).map_or("unknown", |c| c.client.value.as_str());
                    format!("{}:{}", id(Layer::Consensus), id(Layer::Execution))
                })
                .collect();
            format!(
                "{} (minimum {}): {}",
                plural(combos.len() as u64, "CL:EL combination"),
                param_u64(cfg, rule, "min_combinations"),
                combos.into_iter().collect::<Vec<_>>().join(", ")
            )
        }
        "geo-spread" => {
            let regions: BTreeSet<String> = env
                .pairs
                .iter()
                .filter_map(|p| {
                    p.region
                        .as_ref()
                        .map(|r| r.value.trim().to_ascii_lowercase())
                })
                .collect();
            let missing = env.pairs.iter().filter(|p| p.region.is_none()).count() as u64;
            let mut s = format!(
                "{} (minimum {})",
                plural(regions.len() as u64, "region"),
                param_u64(cfg, rule, "min_regions")
            );
            if !regions.is_empty() {
                s.push_str(&format!(
                    ": {}",
                    regions.into_iter().collect::<Vec<_>>().join(", ")
                ));
            }
            if missing > 0 {
                s.push_str(&format!("; {} without a region", plural(missing, "pair")));
            }
            s
        }
        "geo-area" => {
            let split = a.data.regions.areas_of(env);
            let mut parts: Vec<String> = split
                .by_area
                .iter()
                .map(|(area, ps)| {
                    format!("{} ({})", area.as_str(), plural(ps.len() as u64, "pair"))
                })
                .collect();
            if !split.unmapped.is_empty() {
                parts.push(format!(
                    "{} with no known area",
                    plural(split.unmapped.len() as u64, "pair")
                ));
            }
            if parts.is_empty() {
                "no pairs".into()
            } else {
                parts.join(", ")
            }
        }
        "duplicate-keys" => {
            let holders = env.holders();
            let explicit: BTreeSet<_> = holders
                .iter()
                .flat_map(|h| h.pubkeys().map(|k| k.value))
                .collect();
            format!(
                "{} of {}",
                plural(explicit.len() as u64, "listed public key"),
                plural(holders.len() as u64, "key holder")
            )
        }
        "signer-redundancy" => {
            if env.signers.is_empty() {
                return "no remote signers".into();
            }
            let min = param_u64(cfg, rule, "min_instances");
            let list: Vec<String> = env
                .signers
                .iter()
                .map(|s| match &s.threshold {
                    Some(t) => format!(
                        "`{}` {} {} of {}",
                        s.name.value,
                        s.kind.value.as_str(),
                        t.value,
                        s.instances.value
                    ),
                    None => format!(
                        "`{}` {} ×{}",
                        s.name.value,
                        s.kind.value.as_str(),
                        s.instances.value
                    ),
                })
                .collect();
            format!("{} (minimum {min} instances)", list.join(", "))
        }
        "vc-single-writer" => vc_list(env, |v| {
            let mut s = plural(u64::from(v.replicas.value), "replica");
            if v.signer.is_some() {
                s.push_str(", remote signer");
            }
            if !v.concurrent_runs.is_empty() {
                s.push_str(", can overlap");
            }
            s
        }),
        "doppelganger-protection" => vc_list(env, |v| {
            on_off(v.doppelganger.as_ref().map(|d| d.value)).to_owned()
        }),
        "slashing-protection" => {
            let mut parts: Vec<String> = env
                .validator_clients
                .iter()
                .map(|v| {
                    format!(
                        "`{}` {}",
                        v.name.value,
                        on_off(v.slashing_protection.as_ref().map(|d| d.value))
                    )
                })
                .collect();
            parts.extend(env.signers.iter().map(|s| {
                format!(
                    "`{}` {}",
                    s.name.value,
                    on_off(s.slashing_protection.as_ref().map(|d| d.value))
                )
            }));
            if parts.is_empty() {
                "no validator clients or signers".into()
            } else {
                parts.join(", ")
            }
        }
        _ => String::new(),
    }
}

fn vc_list(env: &Environment, f: impl Fn(&crate::model::ValidatorClient) -> String) -> String {
    if env.validator_clients.is_empty() {
        return "no validator clients".into();
    }
    env.validator_clients
        .iter()
        .map(|v| format!("`{}` {}", v.name.value, f(v)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn host_figures(env: &Environment, min: u64) -> String {
    let mut hosts = BTreeSet::new();
    let mut spread: BTreeMap<&str, u64> = BTreeMap::new();
    let (mut unconstrained, mut unknown) = (0u64, 0u64);
    for p in &env.pairs {
        match &p.placement {
            Placement::Host(h) => {
                hosts.insert(h.value.as_str());
            }
            Placement::Spread { group, .. } => *spread.entry(group.as_str()).or_default() += 1,
            Placement::Unconstrained { .. } => unconstrained += 1,
            Placement::Unknown => unknown += 1,
        }
    }
    let mut parts = Vec::new();
    if !hosts.is_empty() {
        parts.push(format!(
            "{}: {}",
            plural(hosts.len() as u64, "named host"),
            names(hosts)
        ));
    }
    for (group, n) in spread {
        parts.push(format!(
            "{} of `{group}` kept on distinct hosts",
            plural(n, "replica")
        ));
    }
    if unconstrained > 0 {
        parts.push(format!(
            "{} free to share a host",
            plural(unconstrained, "pair")
        ));
    }
    if unknown > 0 {
        parts.push(format!("{} with no known host", plural(unknown, "pair")));
    }
    if parts.is_empty() {
        parts.push("no pairs".into());
    }
    format!("{} (minimum {min} hosts)", parts.join("; "))
}

fn shares_figures(a: &Analysis, env: &Environment, threshold: f64) -> String {
    let shares = &a.data.shares;
    let mut parts = Vec::new();
    for layer in [Layer::Execution, Layer::Consensus] {
        let used: BTreeSet<&str> = env
            .pairs
            .iter()
            .filter_map(|p| p.client(layer).map(|c| c.client.value.as_str()))
            .collect();
        if used.is_empty() {
            continue;
        }
        let list: Vec<String> = used
            .into_iter()
            .map(|c| match shares.share(layer, c) {
                Some(s) => format!("{c} {:.1}%", s.value * 100.0),
                None => format!("{c} (no share data)"),
            })
            .collect();
        parts.push(format!("{}: {}", layer.as_str(), list.join(", ")));
    }
    if parts.is_empty() {
        parts.push("no clients known".into());
    }
    format!(
        "{}; threshold {:.1}%, data of {}",
        parts.join("; "),
        threshold * 100.0,
        shares.date.value
    )
}

/// The figures behind an operator-wide guardrail.
fn operator_figures(a: &Analysis, rule: &str) -> String {
    match rule {
        "environment-spread" => environment_areas(&a.model, &a.data.regions),
        _ => String::new(),
    }
}

fn environment_areas(model: &Model, regions: &crate::data::Regions) -> String {
    let mut by_area: BTreeMap<&'static str, Vec<&str>> = BTreeMap::new();
    for env in &model.environments {
        let split = regions.areas_of(env);
        if split.by_area.is_empty() {
            by_area
                .entry("no known area")
                .or_default()
                .push(&env.name.value);
        }
        for area in split.by_area.keys() {
            by_area
                .entry(area.as_str())
                .or_default()
                .push(&env.name.value);
        }
    }
    if model.environments.is_empty() {
        return "no environments".into();
    }
    let parts: Vec<String> = by_area
        .into_iter()
        .map(|(area, envs)| format!("{area}: {}", names(envs)))
        .collect();
    format!(
        "{}; {}",
        plural(model.environments.len() as u64, "environment"),
        parts.join("; ")
    )
}
