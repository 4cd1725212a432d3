//! `--format human`: miette graphical diagnostics — rule id, severity, message, the source
//! line labelled, related places, help — and a closing summary line. No colour unless
//! asked for (the caller decides from the TTY and `NO_COLOR`).
//!
//! Names, labels and source lines come from the inputs, which a pull request controls:
//! control characters (ANSI escapes, carriage returns, bidirectional overrides) are shown
//! as visible `\u{1b}` escapes, and no output line can start a CI workflow command (`::`).

use super::{Output, RunInfo};
use crate::diagnostic::InputError;
use crate::finding::{Finding, thousands};
use crate::model::{FileId, Origin};
use crate::rule::Severity;
use crate::source::files::SourceDb;
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan,
};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// Whether a character must not reach a terminal or CI log as itself: C0 and C1 controls
/// other than line feed and tab, DEL, and the bidirectional overrides ("Trojan Source").
fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text from the inputs, safe to print: every [`unsafe_char`] as a visible `\u{…}` escape.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Rendered output with no line that a CI runner takes for a workflow command: GitHub
/// Actions reads `::command::` at the start of any line of the log (leading blanks
/// ignored), so the first `:` of such a line is shown as `\u{3a}`.
pub fn defuse_commands(text: String) -> String {
    if !text.contains("::") {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 8);
    for line in text.split_inclusive('\n') {
        let rest = line.trim_start();
        if rest.starts_with("::") {
            out.push_str(&line[..line.len() - rest.len()]);
            out.push_str("\\u{3a}");
            out.push_str(&rest[1..]);
        } else {
            out.push_str(line);
        }
    }
    out
}

/// Source texts as shown: redacted, with unsafe characters escaped (a CR that ends a
/// CRLF line is kept); spans are mapped to the shown text. Computed once per file.
#[derive(Default)]
struct Shown {
    files: HashMap<FileId, (Arc<str>, Option<Vec<usize>>)>,
    /// Where the lines of each shown text start.
    starts: HashMap<FileId, Arc<[usize]>>,
}

/// A shown text as miette reads it, with the starts of its lines. miette finds the lines
/// around a span by scanning the text from its start, which made a file with thousands of
/// errors quadratic to render (5,000 in one inventory took 5.8 s); here its scan starts at
/// the first line it shows, and what it returns is moved back into place. (A shown text
/// has no lone CR, which miette would count as a line break: those are escaped.)
#[derive(Debug, Clone)]
struct Indexed {
    text: Arc<str>,
    starts: Arc<[usize]>,
}

impl miette::SourceCode for Indexed {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        // (miette's own scan can index past the end for a span past it)
        if span.offset() + span.len() > self.text.len() {
            return Err(miette::MietteError::OutOfBounds);
        }
        let line = self
            .starts
            .partition_point(|&s| s <= span.offset())
            .saturating_sub(1);
        // (one line more than shown: with an empty span at a line start, miette's scan stops
        // at the line break before it)
        let first = line.saturating_sub(context_lines_before + 1);
        let base = self.starts.get(first).copied().unwrap_or(0);
        let rest = self.text.as_bytes().get(base..).unwrap_or_default();
        let inner = rest.read_span(
            &SourceSpan::new(span.offset().saturating_sub(base).into(), span.len()),
            context_lines_before,
            context_lines_after,
        )?;
        Ok(Box::new(miette::MietteSpanContents::new(
            inner.data(),
            SourceSpan::new((inner.span().offset() + base).into(), inner.span().len()),
            inner.line() + first,
            inner.column(),
            inner.line_count() + first,
        )))
    }
}

impl Shown {
    fn get(&mut self, db: &SourceDb, file: FileId) -> &(Arc<str>, Option<Vec<usize>>) {
        self.files.entry(file).or_insert_with(|| {
            let text = db.redacted(file);
            let bad = |i: usize, c: char| {
                unsafe_char(c) && !(c == '\r' && text[i + 1..].starts_with('\n'))
            };
            if !text.char_indices().any(|(i, c)| bad(i, c)) {
                return (text, None);
            }
            // map[i]: the offset in the shown text of byte i of the original.
            let mut map = Vec::with_capacity(text.len() + 1);
            let mut out = String::with_capacity(text.len() + 16);
            for (i, c) in text.char_indices() {
                for _ in 0..c.len_utf8() {
                    map.push(out.len());
                }
                if bad(i, c) {
                    out.push_str(&format!("\\u{{{:x}}}", c as u32));
                } else {
                    out.push(c);
                }
            }
            map.push(out.len());
            (Arc::from(out), Some(map))
        })
    }

    fn source(&mut self, db: &SourceDb, file: FileId) -> NamedSource<Indexed> {
        let name = sanitize(&db.get(file).path).into_owned();
        let text = Arc::clone(&self.get(db, file).0);
        let starts = Arc::clone(self.starts.entry(file).or_insert_with(|| {
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        }));
        NamedSource::new(name, Indexed { text, starts })
    }

    /// Whether the line of `o` is short enough to show: miette pads underlines to the
    /// column (a panic past 65,535) and prints whole lines (a minified file is one).
    fn showable(&mut self, db: &SourceDb, o: Origin) -> bool {
        let sp = self.span(db, o);
        let text = &self.get(db, o.file).0;
        let at = sp.offset().min(text.len());
        let end = (sp.offset() + sp.len()).min(text.len());
        let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let stop = text[end..].find('\n').map_or(text.len(), |i| end + i);
        stop - start <= MAX_SHOWN_LINE
    }

    fn span(&mut self, db: &SourceDb, o: Origin) -> SourceSpan {
        let (start, end) = (
            o.span.start as usize,
            o.span.start as usize + o.span.len as usize,
        );
        match &self.get(db, o.file).1 {
            None => span(o),
            Some(map) => {
                let at = |i: usize| map[i.min(map.len() - 1)];
                SourceSpan::new(at(start).into(), at(end) - at(start))
            }
        }
    }
}

/// Related places drawn for one finding; the others are counted. (A finding about every
/// pair of an environment of thousands drew a label per pair, and miette, which merges
/// nearby labels into one snippet by reading the merged span again for each label, took
/// time quadratic in them; nobody reads a thousand labels.)
const MAX_SHOWN_PLACES: usize = 20;

/// Longest source line (in bytes) shown in a snippet; a diagnostic on a longer one says
/// `path:line:column` instead.
const MAX_SHOWN_LINE: usize = 4096;

/// Drops the snippet of a diagnostic whose labels sit on lines too long to show, and
/// says where it is in its message instead.
fn without_long_lines(db: &SourceDb, shown: &mut Shown, r: &mut Rendered, at: &[Origin]) {
    if at.iter().all(|o| shown.showable(db, *o)) {
        return;
    }
    if let Some(o) = at.first() {
        let (path, line, col) = db.position(*o);
        r.message = format!("{} ({}:{line}:{col})", r.message, clean(path));
    }
    r.source = None;
    r.labels.clear();
}

fn clean(s: &str) -> String {
    sanitize(s).into_owned()
}

fn clean_opt(s: Option<&String>) -> Option<String> {
    s.map(|s| clean(s))
}

/// One diagnostic ready for miette.
#[derive(Debug)]
struct Rendered {
    code: Option<String>,
    severity: miette::Severity,
    message: String,
    source: Option<NamedSource<Indexed>>,
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

fn finding(db: &SourceDb, shown: &mut Shown, f: &Finding) -> Rendered {
    let mut r = Rendered {
        code: Some(format!("{}[{}]", f.severity.as_str(), f.rule)),
        severity: miette_severity(f.severity),
        message: clean(&f.message),
        source: f.primary.map(|o| shown.source(db, o.file)),
        labels: Vec::new(),
        help: clean_opt(f.help.as_ref()),
        related: Vec::new(),
    };
    if let Some(o) = f.primary {
        r.labels.push(LabeledSpan::new_primary_with_span(
            clean_opt(f.label.as_ref()),
            shown.span(db, o),
        ));
    }
    let shown_related = &f.related[..f.related.len().min(MAX_SHOWN_PLACES)];
    let same_file: Vec<Origin> = f
        .primary
        .into_iter()
        .chain(
            shown_related
                .iter()
                .filter(|rel| f.primary.is_some_and(|p| p.file == rel.origin.file))
                .map(|rel| rel.origin),
        )
        .collect();
    for rel in shown_related {
        let message = clean(&rel.message);
        if !shown.showable(db, rel.origin) {
            let (path, line, col) = db.position(rel.origin);
            r.related.push(Rendered {
                code: None,
                severity: miette::Severity::Advice,
                message: format!("{message} ({}:{line}:{col})", clean(path)),
                source: None,
                labels: Vec::new(),
                help: None,
                related: Vec::new(),
            });
        } else if f.primary.is_some_and(|p| p.file == rel.origin.file) {
            r.labels.push(LabeledSpan::new_with_span(
                Some(message),
                shown.span(db, rel.origin),
            ));
        } else {
            r.related.push(Rendered {
                code: None,
                severity: miette::Severity::Advice,
                message: message.clone(),
                source: Some(shown.source(db, rel.origin.file)),
                labels: vec![LabeledSpan::new_primary_with_span(
                    Some(message),
                    shown.span(db, rel.origin),
                )],
                help: None,
                related: Vec::new(),
            });
        }
    }
    let more = f.related.len() - shown_related.len();
    if more > 0 {
        r.related.push(Rendered {
            code: None,
            severity: miette::Severity::Advice,
            message: format!(
                "and {more} more place{} (`--format json` or `sarif` lists every one)",
                if more == 1 { "" } else { "s" }
            ),
            source: None,
            labels: Vec::new(),
            help: None,
            related: Vec::new(),
        });
    }
    without_long_lines(db, shown, &mut r, &same_file);
    r
}

fn input_error(db: &SourceDb, shown: &mut Shown, e: &InputError) -> Rendered {
    let message = match (&e.origin, &e.path) {
        (Some(o), _) => {
            let (path, line, col) = db.position(*o);
            format!("{path}:{line}:{col}: {}", e.message)
        }
        (None, _) => e.message.clone(),
    };
    let mut r = Rendered {
        code: Some(format!("input[{}]", e.code)),
        severity: miette::Severity::Error,
        message: clean(&message),
        source: e.origin.map(|o| shown.source(db, o.file)),
        labels: e
            .origin
            .map(|o| {
                LabeledSpan::new_primary_with_span(clean_opt(e.label.as_ref()), shown.span(db, o))
            })
            .into_iter()
            .collect(),
        help: clean_opt(e.help.as_ref()),
        related: Vec::new(),
    };
    if let Some(o) = e.origin
        && !shown.showable(db, o)
    {
        // the message already says where
        r.source = None;
        r.labels.clear();
    }
    r
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
    let mut shown = Shown::default();
    let mut out = String::new();
    for e in errors {
        let _ = h.render_report(&mut out, &input_error(db, &mut shown, e));
        out.push('\n');
    }
    defuse_commands(out)
}

/// Renders the findings that count (suppressed ones are only counted) and a summary line.
pub fn render(out: &Output<'_>, color: bool) -> String {
    render_with(out, &RunInfo::of(out), color)
}

/// [`render`], with the facts of the run (the baseline count in the summary line).
pub fn render_with(out: &Output<'_>, run: &RunInfo, color: bool) -> String {
    let h = handler(color);
    let mut shown = Shown::default();
    let mut text = String::new();
    for f in out.findings.iter().filter(|f| f.suppressed.is_none()) {
        let _ = h.render_report(&mut text, &finding(out.db, &mut shown, f));
        text.push('\n');
    }
    text.push_str(&summary_line(out, run));
    text.push('\n');
    defuse_commands(text)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::files::SourceFile;
    use miette::SourceCode;

    #[test]
    fn an_indexed_text_reads_every_span_as_miette_does() {
        // The scan starts at the first line shown; line, column, line count, span and
        // contents must be those of miette's own scan from the start of the text.
        let texts = [
            "a: 1\nb: 2\n\nc:\n  - x\n  - y\nlast",
            "k: v\r\nl: w\r\n\r\nm: [1, 2]\r\n",
            "\n\n\nonly: here\n",
            "é: ü\nnext: line\n",
            "",
        ];
        for text in texts {
            let starts: Arc<[usize]> = std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect();
            let indexed = Indexed {
                text: Arc::from(text),
                starts,
            };
            for offset in 0..=text.len() {
                for len in [0, 1, 3, 9]
                    .into_iter()
                    .filter(|l| offset + l <= text.len())
                {
                    for (before, after) in [(0, 0), (1, 1), (2, 3), (5, 0), (0, 4)] {
                        let span = SourceSpan::new(offset.into(), len);
                        let ours = indexed.read_span(&span, before, after);
                        let theirs = text.as_bytes().read_span(&span, before, after);
                        match (ours, theirs) {
                            (Ok(o), Ok(t)) => {
                                let at = format!("{text:?} {offset}+{len} ({before}, {after})");
                                assert_eq!(o.data(), t.data(), "{at}");
                                assert_eq!(o.span(), t.span(), "{at}");
                                assert_eq!(o.line(), t.line(), "{at}");
                                assert_eq!(o.column(), t.column(), "{at}");
                                assert_eq!(o.line_count(), t.line_count(), "{at}");
                            }
                            (o, t) => assert_eq!(o.is_err(), t.is_err(), "{offset}+{len}"),
                        }
                    }
                }
            }
            let past = SourceSpan::new((text.len() + 1).into(), 0);
            assert!(
                indexed.read_span(&past, 0, 0).is_err(),
                "no panic past the end"
            );
        }
    }

    #[test]
    fn control_characters_become_visible_escapes() {
        assert_eq!(sanitize("plain `name`\n\tok"), "plain `name`\n\tok");
        assert_eq!(
            sanitize("a\x1b[31mb\rc\u{7}\u{9b}\u{202e}"),
            "a\\u{1b}[31mb\\u{d}c\\u{7}\\u{9b}\\u{202e}"
        );
    }

    #[test]
    fn no_line_starts_a_workflow_command() {
        assert_eq!(
            defuse_commands("ok\n  ::error::x\n::set-env name=a::b\na::b\n".into()),
            "ok\n  \\u{3a}:error::x\n\\u{3a}:set-env name=a::b\na::b\n"
        );
    }

    #[test]
    fn a_finding_draws_its_first_places_and_counts_the_others() {
        let mut db = SourceDb::default();
        let text = "k00: v\n".repeat(40);
        let id = db.add(SourceFile::new("x.yaml".into(), text));
        let at = |line: usize| Origin::new(id, crate::model::Span::new(line * 8, 3));
        let meta = &crate::rules::client_diversity::META;
        let finding = |places: usize| {
            (1..=places).fold(Finding::new(meta, Some(at(0)), "m"), |f, i| {
                f.related(at(i), format!("place {i}"))
            })
        };
        let mut shown = Shown::default();
        let r = super::finding(&db, &mut shown, &finding(MAX_SHOWN_PLACES));
        assert_eq!((r.labels.len(), r.related.len()), (MAX_SHOWN_PLACES + 1, 0));
        let r = super::finding(&db, &mut shown, &finding(MAX_SHOWN_PLACES + 13));
        assert_eq!((r.labels.len(), r.related.len()), (MAX_SHOWN_PLACES + 1, 1));
        assert_eq!(
            r.related[0].message,
            "and 13 more places (`--format json` or `sarif` lists every one)"
        );
    }

    #[test]
    fn snippets_are_escaped_and_spans_follow() {
        let mut db = SourceDb::default();
        let id = db.add(SourceFile::new(
            "x.yaml".into(),
            "a: \"\x1b[2J\"\r\nb: 1\r\n",
        ));
        let mut shown = Shown::default();
        let text = Arc::clone(&shown.get(&db, id).0);
        assert_eq!(&*text, "a: \"\\u{1b}[2J\"\r\nb: 1\r\n", "CRLF kept");
        // `b` is at byte 11 of the original, 16 of the shown text
        let s = shown.span(&db, Origin::new(id, crate::model::Span::new(11, 1)));
        assert_eq!((s.offset(), s.len()), (16, 1));
        assert_eq!(&text[16..17], "b");
    }
}
