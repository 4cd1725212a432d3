//! `--format human`: miette graphical diagnostics — rule id, severity, message, the source
//! line labelled, related places, help — and a closing summary line. No colour unless
//! asked for (the caller decides from the TTY and `NO_COLOR`).

use super::{Output, RunInfo};
use crate::diagnostic::InputError;
use crate::finding::{Finding, thousands};
use crate::model::{FileId, Origin};
use crate::rule::Severity;
use crate::source::files::SourceDb;
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan,
};
use std::fmt;
use std::sync::Arc;

/// One diagnostic ready for miette.
#[derive(Debug)]
struct Rendered {
    code: Option<String>,
    severity: miette::Severity,
    message: String,
    source: Option<NamedSource<Arc<str>>>,
    labels: Vec<LabeledSpan>,
    help: Option<String>,
    related: Vec<Rendered>,
}

impl fmt::Display for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rendered {}

impl Diagnostic for Rendered {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(self.related.iter().map(|r| r as &dyn Diagnostic)))
        }
    }
}

fn source(db: &SourceDb, file: FileId) -> NamedSource<Arc<str>> {
    // Only the redacted text is ever shown: secret values are masked.
    NamedSource::new(db.get(file).path.clone(), db.redacted(file))
}

fn span(o: Origin) -> SourceSpan {
    SourceSpan::new((o.span.start as usize).into(), o.span.len as usize)
}

fn miette_severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

fn finding(db: &SourceDb, f: &Finding) -> Rendered {
    let mut r = Rendered {
        code: Some(format!("{}[{}]", f.severity.as_str(), f.rule)),
        severity: miette_severity(f.severity),
        message: f.message.clone(),
        source: f.primary.map(|o| source(db, o.file)),
        labels: Vec::new(),
        help: f.help.clone(),
        related: Vec::new(),
    };
    if let Some(o) = f.primary {
        r.labels
            .push(LabeledSpan::new_primary_with_span(f.label.clone(), span(o)));
    }
    for rel in &f.related {
        if f.primary.is_some_and(|p| p.file == rel.origin.file) {
            r.labels.push(LabeledSpan::new_with_span(
                Some(rel.message.clone()),
                span(rel.origin),
            ));
        } else {
            r.related.push(Rendered {
                code: None,
                severity: miette::Severity::Advice,
                message: rel.message.clone(),
                source: Some(source(db, rel.origin.file)),
                labels: vec![LabeledSpan::new_primary_with_span(
                    Some(rel.message.clone()),
                    span(rel.origin),
                )],
                help: None,
                related: Vec::new(),
            });
        }
    }
    r
}

fn input_error(db: &SourceDb, e: &InputError) -> Rendered {
    let message = match (&e.origin, &e.path) {
        (Some(o), _) => {
            let (path, line, col) = db.position(*o);
            format!("{path}:{line}:{col}: {}", e.message)
        }
        (None, _) => e.message.clone(),
    };
    Rendered {
        code: Some(format!("input[{}]", e.code)),
        severity: miette::Severity::Error,
        message,
        source: e.origin.map(|o| source(db, o.file)),
        labels: e
            .origin
            .map(|o| LabeledSpan::new_primary_with_span(e.label.clone(), span(o)))
            .into_iter()
            .collect(),
        help: e.help.clone(),
        related: Vec::new(),
    }
}

fn handler(color: bool) -> GraphicalReportHandler {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        // Unwrapped lines keep messages greppable in CI logs.
        .with_wrap_lines(false)
        .with_links(false)
}

/// Renders input errors (for stderr, in every format).
pub fn render_errors(db: &SourceDb, errors: &[InputError], color: bool) -> String {
    let h = handler(color);
    let mut out = String::new();
    for e in errors {
        let _ = h.render_report(&mut out, &input_error(db, e));
        out.push('\n');
    }
    out
}

/// Renders the findings that count (suppressed ones are only counted) and a summary line.
pub fn render(out: &Output<'_>, color: bool) -> String {
    render_with(out, &RunInfo::of(out), color)
}

/// [`render`], with the facts of the run (the baseline count in the summary line).
pub fn render_with(out: &Output<'_>, run: &RunInfo, color: bool) -> String {
    let h = handler(color);
    let mut text = String::new();
    for f in out.findings.iter().filter(|f| f.suppressed.is_none()) {
        let _ = h.render_report(&mut text, &finding(out.db, f));
        text.push('\n');
    }
    text.push_str(&summary_line(out, run));
    text.push('\n');
    text
}

fn plural(n: usize, word: &str) -> String {
    format!(
        "{} {word}{}",
        thousands(n as u64),
        if n == 1 { "" } else { "s" }
    )
}

/// The closing line: counts, inputs, and what could not be read.
pub fn summary_line(out: &Output<'_>, run: &RunInfo) -> String {
    let s = out.summary;
    let counts = if s.errors + s.warnings + s.infos == 0 {
        "no findings".to_owned()
    } else {
        format!(
            "{}, {}, {}",
            plural(s.errors, "error"),
            plural(s.warnings, "warning"),
            plural(s.infos, "info")
        )
    };
    let mut aside = Vec::new();
    if s.suppressed > 0 {
        aside.push(format!("{} suppressed", thousands(s.suppressed as u64)));
    }
    if let Some(n) = run.baselined.filter(|&n| n > 0) {
        aside.push(format!("{} in the baseline", thousands(n as u64)));
    }
    let suppressed = if aside.is_empty() {
        String::new()
    } else {
        format!(" ({})", aside.join(", "))
    };
    let inputs = format!(
        "{}, {}, {}",
        plural(s.files, "file"),
        plural(s.environments, "environment"),
        plural(s.keys as usize, "key")
    );
    let broken = if out.errors.is_empty() {
        String::new()
    } else {
        format!("; {} could not be read", plural(out.errors.len(), "input"))
    };
    format!("stakelint: {counts}{suppressed} in {inputs}{broken}")
}
