//! `stakelint aggregate REPORT.json…`: the DAO's view over many operators' reports
//! (schema `schemas/aggregate-v1.schema.json`).
//!
//! Each report is checked first (body digest, signature, and the signer an optional
//! `--signers` file expects for the operator). Reports that fail are listed and left out
//! of the figures (unless `--include-unverified`); of several reports by one operator only
//! the latest (by date, then period) counts.
//!
//! Figures over the counted reports:
//! - **keys per client, weighted by keys**: an environment's keys are spread evenly over
//!   its CL:EL pairs, and each pair's share goes to its consensus and its execution client
//!   (`unknown` when not resolved; `no pairs` when an environment has keys but no pair).
//!   The shares are set against the 1/3 and 2/3 lines;
//! - **operators and keys per area**: an environment's keys likewise go to its pairs'
//!   areas; an operator counts in every area it runs a pair in;
//! - **operators out of compliance per guardrail** (and not assessed);
//! - **keys listed by more than one operator** (explicit public keys only).

use super::doc::{Report, Status};
use super::sign::Address;
use super::verify;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// `kind` of an aggregate document.
pub const KIND: &str = "stakelint-aggregate";
pub const VERSION: u32 = 1;

/// One report file given to `aggregate`.
#[derive(Debug, Clone)]
pub struct Input {
    /// The path as given.
    pub name: String,
    pub text: Result<String, String>,
}

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Operator name → expected signer.
    pub signers: BTreeMap<String, Address>,
    /// Count reports whose digest or signature fails.
    pub include_unverified: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Aggregate {
    pub kind: String,
    pub version: u32,
    pub tool: super::doc::Tool,
    pub reports: Vec<ReportEntry>,
    pub operators: Vec<OperatorFigures>,
    pub protocol: Protocol,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportEntry {
    pub file: String,
    pub operator: Option<String>,
    pub period: Option<String>,
    pub date: Option<String>,
    pub digest: Option<String>,
    pub status: Option<Status>,
    /// The address the signature recovers, when valid.
    pub signer: Option<String>,
    /// Whether the body digest and signature (and expected signer) check out.
    pub verified: bool,
    /// Whether the report's figures are counted.
    pub counted: bool,
    /// What failed, or why it is not counted.
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperatorFigures {
    pub operator: String,
    pub period: String,
    pub date: String,
    pub status: Status,
    pub verified: bool,
    pub environments: u64,
    pub keys: u64,
    pub pairs: u64,
    pub areas: Vec<String>,
    /// Guardrails not compliant in some environment (or operator-wide).
    pub not_compliant: Vec<String>,
    pub not_assessed: Vec<String>,
    pub clients: LayerShares,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct LayerShares {
    pub consensus: Vec<ClientShare>,
    pub execution: Vec<ClientShare>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientShare {
    pub client: String,
    /// Keys served by the client (fractional: keys are spread over an environment's pairs).
    pub keys: f64,
    /// Fraction of the keys of this layer (0–1).
    pub share: f64,
    pub above_one_third: bool,
    pub above_two_thirds: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Protocol {
    pub operators: u64,
    pub environments: u64,
    pub keys: u64,
    pub clients: LayerShares,
    pub areas: Vec<AreaFigures>,
    pub guardrails: Vec<GuardrailFigures>,
    pub duplicate_keys: Vec<DuplicateKey>,
    /// Reports left out because their digest or signature fails.
    pub failed_reports: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AreaFigures {
    pub area: String,
    pub operators: Vec<String>,
    pub keys: f64,
    pub pairs: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GuardrailFigures {
    pub rule: String,
    pub title: String,
    pub compliant: u64,
    pub not_compliant: Vec<String>,
    pub not_assessed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicateKey {
    pub pubkey: String,
    pub operators: Vec<String>,
}

/// Aggregates report files.
pub fn aggregate(inputs: &[Input], opts: &Options) -> Aggregate {
    let mut entries = Vec::new();
    let mut reports: Vec<(usize, Report)> = Vec::new();
    for input in inputs {
        let (entry, report) = check(input, opts);
        if let Some(r) = report {
            reports.push((entries.len(), r));
        }
        entries.push(entry);
    }
    // Of several reports by one operator, the latest counts.
    let mut latest: BTreeMap<String, usize> = BTreeMap::new();
    for (i, (idx, r)) in reports.iter().enumerate() {
        if !entries[*idx].counted {
            continue;
        }
        let key = (r.body.date.clone(), r.body.period.clone());
        match latest.get(&r.body.operator) {
            Some(&j)
                if (
                    reports[j].1.body.date.clone(),
                    reports[j].1.body.period.clone(),
                ) >= key => {}
            _ => {
                latest.insert(r.body.operator.clone(), i);
            }
        }
    }
    for (i, (idx, r)) in reports.iter().enumerate() {
        if entries[*idx].counted && latest.get(&r.body.operator) != Some(&i) {
            entries[*idx].counted = false;
            let newer = &reports[latest[&r.body.operator]].1.body;
            entries[*idx].problems.push(format!(
                "superseded by the report for {} of {}",
                newer.period, newer.date
            ));
        }
    }
    let counted: Vec<(&Report, bool)> = latest
        .values()
        .map(|&i| (&reports[i].1, entries[reports[i].0].verified))
        .collect();
    let failed = entries
        .iter()
        .filter(|e| !e.verified)
        .map(|e| e.file.clone())
        .collect();
    Aggregate {
        kind: KIND.into(),
        version: VERSION,
        tool: super::doc::Tool {
            name: "stakelint".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        operators: counted.iter().map(|(r, ok)| operator(r, *ok)).collect(),
        protocol: protocol(&counted, failed),
        reports: entries,
    }
}

fn check(input: &Input, opts: &Options) -> (ReportEntry, Option<Report>) {
    let mut e = ReportEntry {
        file: input.name.clone(),
        operator: None,
        period: None,
        date: None,
        digest: None,
        status: None,
        signer: None,
        verified: false,
        counted: false,
        problems: Vec::new(),
    };
    let text = match &input.text {
        Ok(t) => t,
        Err(err) => {
            e.problems.push(err.clone());
            return (e, None);
        }
    };
    let (value, report) = match verify::parse(text) {
        Ok(x) => x,
        Err(err) => {
            e.problems.push(err);
            return (e, None);
        }
    };
    let b = &report.body;
    e.operator = Some(b.operator.clone());
    e.period = Some(b.period.clone());
    e.date = Some(b.date.clone());
    e.digest = Some(report.digest.clone());
    e.status = Some(b.summary.status);
    let digest = verify::check_digest(&value, &report);
    if let Err(err) = &digest {
        e.problems.push(err.clone());
    }
    let signer = verify::check_signature(&report);
    match &signer {
        Ok(a) => {
            e.signer = Some(a.to_string());
            if !opts.signers.is_empty() {
                match opts.signers.get(&b.operator) {
                    Some(want) if want == a => {}
                    Some(want) => e.problems.push(format!(
                        "signed by {a}, but the signers file expects {want} for this operator"
                    )),
                    None => e
                        .problems
                        .push("the signers file names no address for this operator".into()),
                }
            }
        }
        Err(err) => e.problems.push(err.clone()),
    }
    e.verified = e.problems.is_empty();
    e.counted = e.verified || (opts.include_unverified && digest.is_ok());
    if !e.counted && opts.include_unverified {
        e.problems
            .push("not counted: the body does not match its digest".into());
    } else if !e.counted {
        e.problems
            .push("not counted (use --include-unverified to count it)".into());
    }
    (e, Some(report))
}

fn round(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

/// Keys per client of one layer, each environment's keys spread over its pairs.
fn weighted(
    reports: &[&Report],
    layer: fn(&super::doc::PairDoc) -> Option<&super::doc::ClientDoc>,
) -> Vec<ClientShare> {
    let mut by: BTreeMap<String, f64> = BTreeMap::new();
    for r in reports {
        for e in &r.body.environments {
            let keys = e.keys.count.unwrap_or(0) as f64;
            if keys == 0.0 {
                continue;
            }
            if e.pairs.is_empty() {
                *by.entry("no pairs".into()).or_default() += keys;
                continue;
            }
            let each = keys / e.pairs.len() as f64;
            for p in &e.pairs {
                let c = layer(p).map_or_else(|| "unknown".to_owned(), |c| c.client.clone());
                *by.entry(c).or_default() += each;
            }
        }
    }
    let total: f64 = by.values().sum();
    let mut out: Vec<ClientShare> = by
        .into_iter()
        .map(|(client, keys)| {
            let share = if total > 0.0 { keys / total } else { 0.0 };
            ClientShare {
                client,
                keys: round(keys, 2),
                share: round(share, 4),
                above_one_third: share > 1.0 / 3.0,
                above_two_thirds: share > 2.0 / 3.0,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.keys
            .total_cmp(&a.keys)
            .then_with(|| a.client.cmp(&b.client))
    });
    out
}

fn shares(reports: &[&Report]) -> LayerShares {
    LayerShares {
        consensus: weighted(reports, |p| p.consensus.as_ref()),
        execution: weighted(reports, |p| p.execution.as_ref()),
    }
}

fn operator(r: &Report, verified: bool) -> OperatorFigures {
    let b = &r.body;
    let pick = |s: Status| -> Vec<String> {
        b.guardrails
            .iter()
            .filter(|g| g.status == s)
            .map(|g| g.rule.clone())
            .collect()
    };
    let areas: BTreeSet<String> = b
        .environments
        .iter()
        .flat_map(|e| e.areas.iter().cloned())
        .collect();
    OperatorFigures {
        operator: b.operator.clone(),
        period: b.period.clone(),
        date: b.date.clone(),
        status: b.summary.status,
        verified,
        environments: b.summary.environments,
        keys: b.summary.keys,
        pairs: b.summary.pairs,
        areas: areas.into_iter().collect(),
        not_compliant: pick(Status::NotCompliant),
        not_assessed: pick(Status::NotAssessed),
        clients: shares(&[r]),
    }
}

fn protocol(counted: &[(&Report, bool)], failed_reports: Vec<String>) -> Protocol {
    let reports: Vec<&Report> = counted.iter().map(|(r, _)| *r).collect();
    let mut areas: BTreeMap<String, (BTreeSet<String>, f64, u64)> = BTreeMap::new();
    let mut holders: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for r in &reports {
        let op = r.body.operator.as_str();
        for e in &r.body.environments {
            let keys = e.keys.count.unwrap_or(0) as f64;
            let each = if e.pairs.is_empty() {
                0.0
            } else {
                keys / e.pairs.len() as f64
            };
            for p in &e.pairs {
                let area = p.area.clone().unwrap_or_else(|| "unknown".into());
                let slot = areas.entry(area).or_default();
                slot.0.insert(op.to_owned());
                slot.1 += each;
                slot.2 += 1;
            }
            for k in &e.keys.pubkeys {
                holders.entry(k.as_str()).or_default().insert(op);
            }
        }
    }
    let mut guardrails: Vec<GuardrailFigures> = Vec::new();
    for r in &reports {
        for g in &r.body.guardrails {
            let idx = if let Some(i) = guardrails.iter().position(|x| x.rule == g.rule) {
                i
            } else {
                guardrails.push(GuardrailFigures {
                    rule: g.rule.clone(),
                    title: g.title.clone(),
                    compliant: 0,
                    not_compliant: Vec::new(),
                    not_assessed: Vec::new(),
                });
                guardrails.len() - 1
            };
            let x = &mut guardrails[idx];
            match g.status {
                Status::Compliant => x.compliant += 1,
                Status::NotCompliant => x.not_compliant.push(r.body.operator.clone()),
                Status::NotAssessed => x.not_assessed.push(r.body.operator.clone()),
            }
        }
    }
    Protocol {
        operators: reports.len() as u64,
        // (figures come from files: saturate rather than overflow)
        environments: reports
            .iter()
            .fold(0, |n, r| r.body.summary.environments.saturating_add(n)),
        keys: reports
            .iter()
            .fold(0, |n, r| r.body.summary.keys.saturating_add(n)),
        clients: shares(&reports),
        areas: areas
            .into_iter()
            .map(|(area, (ops, keys, pairs))| AreaFigures {
                area,
                operators: ops.into_iter().collect(),
                keys: round(keys, 2),
                pairs,
            })
            .collect(),
        guardrails,
        duplicate_keys: holders
            .into_iter()
            .filter(|(_, ops)| ops.len() > 1)
            .map(|(k, ops)| DuplicateKey {
                pubkey: k.to_owned(),
                operators: ops.into_iter().map(str::to_owned).collect(),
            })
            .collect(),
        failed_reports,
    }
}

impl Aggregate {
    /// Pretty-printed JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}
