//! Reporters: one module per output format. A reporter sees findings, input errors and
//! the source database (for positions and snippets), never the sources themselves.

pub mod human;
pub mod json;

use crate::diagnostic::InputError;
use crate::finding::Finding;
use crate::lint::Summary;
use crate::source::files::SourceDb;

/// Everything a reporter renders.
pub struct Output<'a> {
    pub db: &'a SourceDb,
    pub findings: &'a [Finding],
    pub errors: &'a [InputError],
    pub summary: Summary,
}

/// Output formats of `stakelint lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Graphical diagnostics with source snippets, for people.
    Human,
    /// The stable JSON document of SPEC §5.1, for tools.
    Json,
}

/// Renders `out` in `format`. `color` only affects `human`.
pub fn render(format: Format, out: &Output<'_>, color: bool) -> String {
    match format {
        Format::Human => human::render(out, color),
        Format::Json => json::render(out),
    }
}
