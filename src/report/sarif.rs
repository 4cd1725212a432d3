//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.
//!
//! - one `reportingDescriptor` per rule (all rules, so `ruleIndex` is stable), with the
//!   rule's docs as descriptions and help, its default level, tags and a
//!   `security-severity`;
//! - one result per finding with the exact region (1-based lines, columns counted in
//!   Unicode code points, as `columnKind` says), related locations, a line-independent
//!   `partialFingerprints` entry and, for suppressed findings, `suppressions`;
//! - `invocations[0]` with the exit code and every unreadable input as a notification.
//!
//! GitHub rejects a whole upload when one result has no location, so a finding without
//! one is anchored at its first related location, else at the first input file.

use super::{Output, RunInfo, is_real_path};
use crate::baseline::{fingerprint, normal_path};
use crate::diagnostic::InputError;
use crate::finding::Finding;
use crate::model::Origin;
use crate::rule::{RuleMeta, Severity};
use crate::rules;
use crate::source::files::SourceDb;
use serde_json::{Value, json};

/// The `$schema` of the log.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Key of our entry in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "stakelint/v1";

/// GitHub's limit on description texts.
const MAX_DESCRIPTION: usize = 1000;

/// Renders the SARIF log (pretty-printed, with a trailing newline).
pub fn render(out: &Output<'_>, run: &RunInfo) -> String {
    let results: Vec<Value> = out.findings.iter().map(|f| result(out, f)).collect();
    let notifications: Vec<Value> = out.errors.iter().map(|e| notification(out.db, e)).collect();
    let s = out.summary;
    let mut log = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "stakelint",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules::ALL.iter().map(|r| descriptor(r.meta())).collect::<Vec<_>>(),
            }},
            "invocations": [{
                "executionSuccessful": out.errors.is_empty(),
                "exitCode": run.exit_code,
                "exitCodeDescription": exit_description(run.exit_code),
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": {
                "summary": {
                    "errors": s.errors, "warnings": s.warnings, "infos": s.infos,
                    "suppressed": s.suppressed, "files": s.files,
                    "environments": s.environments, "keys": s.keys,
                },
            },
        }],
    });
    if let Some(n) = run.baselined {
        log["runs"][0]["properties"]["summary"]["baselined"] = json!(n);
    }
    let mut text = serde_json::to_string_pretty(&log).unwrap_or_else(|_| "{}".to_owned());
    text.push('\n');
    text
}

fn exit_description(code: u8) -> &'static str {
    match code {
        0 => "no finding at or above --fail-on",
        1 => "findings at or above --fail-on",
        _ => "an input could not be read, or a usage error",
    }
}

/// SARIF level of a severity.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// `blast-radius` → `BlastRadius`.
fn pascal(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

/// Tags and GitHub `security-severity` (0–10) of a rule, by the harm it guards against.
/// Only rules tagged `security` become security alerts on GitHub; the others are shown
/// with their level (error, warning, note).
pub fn classify(id: &str, severity: Severity) -> (&'static [&'static str], &'static str) {
    match id {
        "duplicate-keys" | "vc-single-writer" | "slashing-protection" | "slashing-db-storage" => {
            (&["security", "slashing"], "9.5")
        }
        "doppelganger-protection" | "signer-redundancy" => (&["security", "slashing"], "7.5"),
        "supermajority-client" => (&["security", "finality"], "8.0"),
        "blast-radius" => (&["security", "blast-radius"], "7.0"),
        "api-exposed" => (&["security", "exposure"], "8.5"),
        "fee-recipient" => (&["security", "rewards"], "8.0"),
        "mev-relay-allowlist" => (&["security", "mev"], "6.0"),
        "cl-el-pairs" | "host-spread" | "client-diversity" | "jwt-secret-mismatch" => {
            (&["reliability", "availability"], "5.5")
        }
        "geo-spread" | "geo-area" | "environment-spread" => {
            (&["reliability", "availability", "geography"], "4.0")
        }
        "client-min-version" | "image-pinning" => (&["reliability", "versions"], "5.0"),
        "invalid-suppression" => (&["maintainability", "suppression"], "3.0"),
        "not-assessed"
        | "stale-client-data"
        | "unrecognised-workload"
        | "unassigned-keys"
        | "metrics-disabled" => (&["maintainability", "coverage"], "1.0"),
        _ => match severity {
            Severity::Error => (&["reliability"], "7.0"),
            Severity::Warning => (&["reliability"], "4.0"),
            Severity::Info => (&["maintainability"], "1.0"),
        },
    }
}

/// Text cut to GitHub's limit at a character boundary.
fn cap(text: &str) -> String {
    if text.chars().count() <= MAX_DESCRIPTION {
        return text.to_owned();
    }
    let cut: String = text.chars().take(MAX_DESCRIPTION - 1).collect();
    format!("{cut}…")
}

/// The rule's docs as Markdown: parameters, then the doc comment.
fn help_markdown(m: &RuleMeta) -> String {
    let mut s = String::new();
    if !m.params.is_empty() {
        s.push_str("## Parameters\n");
        for p in m.params {
            let default = if p.integer {
                (p.default as u64).to_string()
            } else {
                p.default.to_string()
            };
            s.push_str(&format!("- `{}` (default {default}): {}\n", p.name, p.doc));
        }
        s.push('\n');
    }
    s.push_str(m.docs().trim());
    s
}

/// Markdown made plain: no heading marks, no backticks.
fn plain(markdown: &str) -> String {
    markdown
        .lines()
        .map(|l| l.trim_start_matches('#').trim_start().replace('`', ""))
        .collect::<Vec<_>>()
        .join("\n")
}

fn descriptor(m: &RuleMeta) -> Value {
    let (tags, security) = classify(m.id, m.severity);
    let what = m.section("What it does").unwrap_or_else(|| m.summary());
    let what = what.split_whitespace().collect::<Vec<_>>().join(" ");
    let markdown = help_markdown(m);
    json!({
        "id": m.id,
        "name": pascal(m.id),
        "shortDescription": {"text": cap(&m.summary())},
        "fullDescription": {"text": cap(&what)},
        "help": {"text": plain(&markdown), "markdown": markdown},
        "defaultConfiguration": {"level": level(m.severity)},
        "properties": {
            "tags": tags,
            "security-severity": security,
            "precision": "very-high",
            "problem.severity": match m.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "recommendation",
            },
        },
    })
}

/// A relative URI reference for a display path; absolute paths become `file://` URIs.
pub fn uri(path: &str) -> String {
    let p = normal_path(path);
    let bytes = p.as_bytes();
    if p.starts_with('/') {
        format!("file://{}", encode(&p, true))
    } else if bytes.len() > 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        format!("file:///{}", encode(&p, true))
    } else {
        encode(&p, false)
    }
}

/// Percent-encodes what may not stand in a URI path. A `:` is encoded in relative
/// references, where it would read as a scheme; kept in `file://` ones (drive letters).
fn encode(path: &str, keep_colon: bool) -> String {
    let mut s = String::with_capacity(path.len());
    for b in path.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || b"-._~/!$&'()*+,;=@".contains(&b)
            || (keep_colon && b == b':');
        if keep {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// The region an origin covers, trailing whitespace (a block's final newline) left out.
fn region(db: &SourceDb, o: Origin) -> Value {
    let file = db.get(o.file);
    let start = o.span.start as usize;
    let end = start + db.trimmed_len(o);
    let (sl, sc) = file.line_col(start);
    let (el, ec) = file.line_col(end);
    json!({"startLine": sl, "startColumn": sc, "endLine": el, "endColumn": ec})
}

fn physical(db: &SourceDb, o: Origin) -> Value {
    json!({
        "artifactLocation": {"uri": uri(&db.get(o.file).path)},
        "region": region(db, o),
    })
}

/// Where a finding without a location is shown: its first related place, else the
/// first input file (the config file when there is one), at line 1.
fn anchor(out: &Output<'_>, f: &Finding) -> Value {
    if let Some(r) = f.related.first() {
        return physical(out.db, r.origin);
    }
    let files: Vec<&str> = out.db.iter().map(|(_, s)| s.path.as_str()).collect();
    let path = files
        .iter()
        .find(|p| is_real_path(p))
        .or(files.first())
        .copied()
        .unwrap_or("-");
    json!({"artifactLocation": {"uri": uri(path)}, "region": {"startLine": 1}})
}

fn message_text(f: &Finding) -> String {
    match &f.help {
        Some(h) => format!("{}\nhelp: {h}", f.message),
        None => f.message.clone(),
    }
}

fn result(out: &Output<'_>, f: &Finding) -> Value {
    let db = out.db;
    let physical_location = f
        .primary
        .map_or_else(|| anchor(out, f), |o| physical(db, o));
    let mut location = json!({"physicalLocation": physical_location});
    if let Some(label) = &f.label {
        location["message"] = json!({"text": label});
    }
    let mut r = json!({
        "ruleId": f.rule,
        "level": level(f.severity),
        "message": {"text": message_text(f)},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(db, f)},
        "properties": {"severity": f.severity.as_str()},
    });
    if let Some(env) = &f.environment {
        r["properties"]["environment"] = json!(env);
    }
    if let Some(i) = rules::ALL.iter().position(|r| r.meta().id == f.rule) {
        r["ruleIndex"] = json!(i);
    }
    if !f.related.is_empty() {
        r["relatedLocations"] = f
            .related
            .iter()
            .enumerate()
            .map(|(i, rel)| {
                json!({
                    "id": i + 1,
                    "physicalLocation": physical(db, rel.origin),
                    "message": {"text": rel.message},
                })
            })
            .collect();
    }
    if let Some(s) = &f.suppressed {
        // A suppression in the file the finding points at (inventory `ignore:`, an
        // annotation) is in source; one elsewhere (config `waivers:`) is external.
        let in_source = f.primary.is_some_and(|p| p.file == s.origin.file);
        r["suppressions"] = json!([{
            "kind": if in_source { "inSource" } else { "external" },
            "status": "accepted",
            "justification": s.reason,
            "location": {"physicalLocation": physical(db, s.origin)},
        }]);
    }
    r
}

fn notification(db: &SourceDb, e: &InputError) -> Value {
    let mut n = json!({
        "level": "error",
        "message": {"text": e.message},
        "descriptor": {"id": format!("input/{}", e.code)},
    });
    if let Some(o) = e.origin {
        n["locations"] = json!([{"physicalLocation": physical(db, o)}]);
    } else if let Some(p) = &e.path {
        n["locations"] = json!([{"physicalLocation": {"artifactLocation": {"uri": uri(p)}}}]);
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_references_or_file_uris() {
        assert_eq!(
            uri("./fixtures/example/inventory.yaml"),
            "fixtures/example/inventory.yaml"
        );
        assert_eq!(
            uri("dir with space/a:b.yaml"),
            "dir%20with%20space/a%3Ab.yaml"
        );
        assert_eq!(
            uri("<builtin>/rules/data/x.yaml"),
            "%3Cbuiltin%3E/rules/data/x.yaml"
        );
        assert_eq!(uri("/tmp/é.yaml"), "file:///tmp/%C3%A9.yaml");
        assert_eq!(uri("C:\\ops\\inv.yaml"), "file:///C:/ops/inv.yaml");
    }

    #[test]
    fn names_levels_and_classes() {
        assert_eq!(pascal("vc-single-writer"), "VcSingleWriter");
        assert_eq!(level(Severity::Info), "note");
        for r in rules::ALL {
            let (tags, sev) = classify(r.meta().id, r.meta().severity);
            assert!(!tags.is_empty());
            let n: f64 = sev.parse().expect("a number");
            assert!((0.0..=10.0).contains(&n));
        }
        assert_eq!(classify("future-rule", Severity::Error).1, "7.0");
    }

    #[test]
    fn long_descriptions_are_capped() {
        let long = "x".repeat(5000);
        assert_eq!(cap(&long).chars().count(), MAX_DESCRIPTION);
        assert_eq!(cap("short"), "short");
    }
}
