//! `--format json`: the versioned JSON document of SPEC §5.1 (a contract: extend, never
//! break). Extensions beyond §5.1: `help`, `suppression` and `fingerprint` on findings,
//! `summary.baselined` when a `--baseline` was given, a top-level `errors` array of
//! inputs that could not be read, and a `pointer` (the JSON pointer of the field) in the
//! locations of objects read from a live cluster.

use super::{Output, RunInfo};
use crate::model::Origin;
use crate::source::files::SourceDb;
use serde::Serialize;

#[derive(Serialize)]
struct Doc<'a> {
    version: u32,
    tool: Tool,
    findings: Vec<JFinding<'a>>,
    summary: JSummary,
    errors: Vec<JError<'a>>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    line: usize,
    column: usize,
    /// The field a location in a live object points at (`/spec/replicas`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pointer: Option<&'a str>,
}

#[derive(Serialize)]
struct JRelated<'a> {
    path: &'a str,
    line: usize,
    column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pointer: Option<&'a str>,
    message: &'a str,
}

#[derive(Serialize)]
struct JSuppression<'a> {
    reason: &'a str,
    location: Location<'a>,
}

#[derive(Serialize)]
struct JFinding<'a> {
    rule: &'a str,
    severity: &'a str,
    message: &'a str,
    environment: Option<&'a str>,
    location: Option<Location<'a>>,
    related: Vec<JRelated<'a>>,
    suppressed: bool,
    help: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppression: Option<JSuppression<'a>>,
    /// Identifies the finding across runs without its line (see [`crate::baseline`]).
    fingerprint: String,
}

#[derive(Serialize)]
struct JSummary {
    errors: usize,
    warnings: usize,
    infos: usize,
    suppressed: usize,
    files: usize,
    environments: usize,
    keys: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    baselined: Option<usize>,
}

#[derive(Serialize)]
struct JError<'a> {
    code: &'a str,
    message: &'a str,
    location: Option<Location<'a>>,
    path: Option<&'a str>,
}

fn location(db: &SourceDb, o: Origin) -> Location<'_> {
    let (path, line, column) = db.position(o);
    Location {
        path,
        line,
        column,
        pointer: db.pointer(o),
    }
}

/// Renders the JSON document (pretty-printed, with a trailing newline).
pub fn render(out: &Output<'_>) -> String {
    render_with(out, &RunInfo::of(out))
}

/// [`render`], with the facts of the run (`summary.baselined`).
pub fn render_with(out: &Output<'_>, run: &RunInfo) -> String {
    let mut text = Vec::new();
    match write_with(out, run, &mut text) {
        // (serde_json writes UTF-8)
        Ok(()) => String::from_utf8_lossy(&text).into_owned(),
        Err(e) => format!("{{\"error\": \"{e}\"}}\n"),
    }
}

/// [`render_with`], written to `w` as it is serialized (byte for byte the same text): a
/// report of tens of thousands of findings is never held whole in memory.
pub fn write_with(
    out: &Output<'_>,
    run: &RunInfo,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let doc = crate::pool::run(|| doc(out, run));
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    w.write_all(b"\n")
}

/// The document. Findings are located and fingerprinted in parallel (each is independent;
/// the order is kept).
fn doc<'a>(out: &Output<'a>, run: &RunInfo) -> Doc<'a> {
    use rayon::prelude::*;
    let db = out.db;
    let findings = out
        .findings
        .par_iter()
        .map(|f| JFinding {
            rule: f.rule,
            severity: f.severity.as_str(),
            message: &f.message,
            environment: f.environment.as_deref(),
            location: f.primary.map(|o| location(db, o)),
            related: f
                .related
                .iter()
                .map(|r| {
                    let l = location(db, r.origin);
                    JRelated {
                        path: l.path,
                        line: l.line,
                        column: l.column,
                        pointer: l.pointer,
                        message: &r.message,
                    }
                })
                .collect(),
            suppressed: f.suppressed.is_some(),
            help: f.help.as_deref(),
            suppression: f.suppressed.as_ref().map(|s| JSuppression {
                reason: &s.reason,
                location: location(db, s.origin),
            }),
            fingerprint: crate::baseline::fingerprint(db, f),
        })
        .collect();
    let s = out.summary;
    Doc {
        version: 1,
        tool: Tool {
            name: "stakelint",
            version: env!("CARGO_PKG_VERSION"),
        },
        findings,
        summary: JSummary {
            errors: s.errors,
            warnings: s.warnings,
            infos: s.infos,
            suppressed: s.suppressed,
            files: s.files,
            environments: s.environments,
            keys: s.keys,
            baselined: run.baselined,
        },
        errors: out
            .errors
            .iter()
            .map(|e| JError {
                code: e.code,
                message: &e.message,
                location: e.origin.map(|o| location(db, o)),
                path: e.origin.map(|o| db.position(o).0).or(e.path.as_deref()),
            })
            .collect(),
    }
}
