//! Reporters: one module per output format. A reporter sees findings, input errors and
//! the source database (for positions and snippets), never the sources themselves.

pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;

use crate::diagnostic::InputError;
use crate::finding::Finding;
use crate::lint::Summary;
use crate::rule::Severity;
use crate::source::files::SourceDb;

/// Everything a reporter renders.
pub struct Output<'a> {
    pub db: &'a SourceDb,
    pub findings: &'a [Finding],
    pub errors: &'a [InputError],
    pub summary: Summary,
}

impl<'a> Output<'a> {
    pub fn new(
        db: &'a SourceDb,
        findings: &'a [Finding],
        errors: &'a [InputError],
        summary: Summary,
    ) -> Self {
        Self {
            db,
            findings,
            errors,
            summary,
        }
    }
}

/// Facts about the run beyond its findings, for the formats that state them (SARIF's
/// exit code, JUnit's passing test cases, the baseline count).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunInfo {
    /// Environment names in the inputs, in the model's order (JUnit has one test case per
    /// rule × environment, passing ones included).
    pub environments: Vec<String>,
    /// Rules turned off by the configuration (JUnit marks their test cases skipped).
    pub disabled_rules: Vec<&'static str>,
    /// `--fail-on`: the lowest severity that fails the run; `None` for `never`.
    pub fail_on: Option<Severity>,
    /// The exit code of the run: 0, 1 or 2 (SARIF `invocations[0].exitCode`).
    pub exit_code: u8,
    /// Findings left out because the `--baseline` holds them; `None` without a baseline.
    pub baselined: Option<usize>,
}

impl RunInfo {
    /// What can be told from the output alone: `--fail-on error`, the exit code that
    /// follows from it, the environments that have findings, every rule on, no baseline.
    pub fn of(out: &Output<'_>) -> Self {
        let mut environments: Vec<String> = Vec::new();
        for f in out.findings {
            if let Some(e) = f.environment.as_ref().filter(|e| !environments.contains(e)) {
                environments.push(e.clone());
            }
        }
        let mut run = Self {
            environments,
            disabled_rules: Vec::new(),
            fail_on: Some(Severity::Error),
            exit_code: 0,
            baselined: None,
        };
        run.exit_code = if out.errors.is_empty() {
            u8::from(out.findings.iter().any(|f| run.fails(f)))
        } else {
            2
        };
        run
    }

    /// Whether a finding counts for the exit code (unsuppressed, at or above `--fail-on`).
    pub fn fails(&self, f: &Finding) -> bool {
        f.suppressed.is_none() && self.fail_on.is_some_and(|t| f.severity >= t)
    }
}

/// Output formats of `stakelint lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Graphical diagnostics with source snippets, for people.
    Human,
    /// The stable JSON document of SPEC §5.1, for tools (and baselines).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// JUnit XML: one test case per rule × environment, for CI test reporters.
    Junit,
    /// GitHub Actions workflow commands (`::error file=…`): annotations on the diff.
    Github,
    /// A Markdown summary grouped by environment, for pull-request comments.
    Markdown,
}

impl Format {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Github => "github",
            Format::Markdown => "markdown",
        }
    }
}

/// Renders `out` in `format`, with the run facts [`RunInfo::of`] tells from the output.
/// `color` only affects `human`.
pub fn render(format: Format, out: &Output<'_>, color: bool) -> String {
    render_with(format, out, &RunInfo::of(out), color)
}

/// [`render_with`], written to `w`; JSON is streamed as it is serialized, the other
/// formats are written once rendered.
pub fn write_with(
    format: Format,
    out: &Output<'_>,
    run: &RunInfo,
    color: bool,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Json => json::write_with(out, run, w),
        _ => w.write_all(render_with(format, out, run, color).as_bytes()),
    }
}

/// Renders `out` in `format` with the facts of the run. `color` only affects `human`.
pub fn render_with(format: Format, out: &Output<'_>, run: &RunInfo, color: bool) -> String {
    match format {
        Format::Human => human::render_with(out, run, color),
        Format::Json => json::render_with(out, run),
        Format::Sarif => sarif::render(out, run),
        Format::Junit => junit::render(out, run),
        Format::Github => github::render(out, run),
        Format::Markdown => markdown::render(out, run),
    }
}

/// `path:line:column` of a finding's primary location, if it has one.
pub(crate) fn place(db: &SourceDb, f: &Finding) -> Option<String> {
    f.primary.map(|o| {
        let (path, line, col) = db.position(o);
        format!("{path}:{line}:{col}")
    })
}

/// Whether a display path names a file in the user's tree (not stdin, not built-in data).
pub(crate) fn is_real_path(path: &str) -> bool {
    path != "-" && !path.starts_with("<builtin>/") && !path.is_empty()
}
