//! `--format github`: GitHub Actions workflow commands, one per finding, which the runner
//! turns into annotations on the pull request's diff:
//!
//! ```text
//! ::error file=deploy/inv.yaml,line=60,col=21,endLine=60,endColumn=22,title=stakelint vc-single-writer::message
//! ```
//!
//! `error`, `warning` and `notice` follow the severity. Values are escaped as the Actions
//! runner unescapes them: `%`, CR and LF everywhere, and `:` and `,` in properties too.
//! Suppressed findings are left out; input errors are `::error` commands; a plain summary
//! line ends the output.

use super::{Output, RunInfo, is_real_path};
use crate::baseline::normal_path;
use crate::finding::Finding;
use crate::rule::Severity;

/// Escapes a command's message (the text after `::`). Other control characters (ANSI
/// escapes, which the Actions log viewer renders) and bidirectional overrides are shown
/// as `\u{…}` escapes.
pub fn escape_data(s: &str) -> String {
    let s = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    super::human::sanitize(&s).into_owned()
}

/// Escapes a property value (`file=…`, `title=…`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// `file=…,line=…,col=…,endLine=…,endColumn=…` for a finding in a file of the tree.
fn position(out: &Output<'_>, f: &Finding) -> Vec<(&'static str, String)> {
    let Some(o) = f.primary else {
        return Vec::new();
    };
    let file = out.db.get(o.file);
    if !is_real_path(&file.path) {
        return Vec::new();
    }
    let start = o.span.start as usize;
    let end = start + out.db.trimmed_len(o);
    let (line, col) = file.line_col(start);
    let (end_line, end_col) = file.line_col(end);
    let mut props = vec![
        ("file", normal_path(&file.path)),
        ("line", line.to_string()),
        ("col", col.to_string()),
        ("endLine", end_line.to_string()),
    ];
    if end_line == line {
        // The runner uses columns only within one line.
        props.push(("endColumn", end_col.to_string()));
    }
    props
}

fn line(kind: &str, props: &[(&str, String)], message: &str) -> String {
    let props = props
        .iter()
        .map(|(k, v)| format!("{k}={}", escape_property(v)))
        .collect::<Vec<_>>()
        .join(",");
    let sep = if props.is_empty() { "" } else { " " };
    format!("::{kind}{sep}{props}::{}\n", escape_data(message))
}

fn finding(out: &Output<'_>, f: &Finding) -> String {
    let mut props = position(out, f);
    let title = match &f.environment {
        Some(env) => format!("stakelint {} ({env})", f.rule),
        None => format!("stakelint {}", f.rule),
    };
    props.push(("title", title));
    let mut message = f.message.clone();
    if f.primary.is_some() && props.iter().all(|(k, _)| *k != "file") {
        // Built-in data or stdin: say where, since the annotation cannot.
        if let Some(at) = super::place(out.db, f) {
            message.push_str(&format!(" ({at})"));
        }
    }
    for r in &f.related {
        let (path, l, c) = out.db.position(r.origin);
        message.push_str(&format!("\n{path}:{l}:{c}: {}", r.message));
    }
    if let Some(h) = &f.help {
        message.push_str(&format!("\nhelp: {h}"));
    }
    line(command(f.severity), &props, &message)
}

/// Renders the workflow commands and a closing summary line.
pub fn render(out: &Output<'_>, run: &RunInfo) -> String {
    let mut text = String::new();
    for e in out.errors {
        let mut props = Vec::new();
        if let Some(o) = e.origin {
            let (path, l, c) = out.db.position(o);
            if is_real_path(path) {
                props = vec![
                    ("file", normal_path(path)),
                    ("line", l.to_string()),
                    ("col", c.to_string()),
                ];
            }
        } else if let Some(p) = e.path.as_deref().filter(|p| is_real_path(p)) {
            props.push(("file", normal_path(p)));
        }
        props.push(("title", format!("stakelint input error ({})", e.code)));
        text.push_str(&line("error", &props, &e.message));
    }
    for f in out.findings.iter().filter(|f| f.suppressed.is_none()) {
        text.push_str(&finding(out, f));
    }
    text.push_str(&super::human::summary_line(out, run));
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_actions_toolkit() {
        assert_eq!(escape_data("100% a\r\nb: c, d"), "100%25 a%0D%0Ab: c, d");
        assert_eq!(
            escape_property("100% a\r\nb: c, d"),
            "100%25 a%0D%0Ab%3A c%2C d"
        );
        // `%` first, so an escape sequence in the input survives the round trip
        assert_eq!(escape_data("%0A"), "%250A");
        // terminal escapes are shown, not obeyed
        assert_eq!(escape_data("a\x1b[31mb\u{202e}"), "a\\u{1b}[31mb\\u{202e}");
    }

    #[test]
    fn a_command_without_properties_has_no_space() {
        assert_eq!(line("notice", &[], "hi"), "::notice::hi\n");
        assert_eq!(
            line("error", &[("file", "a,b.yaml".into())], "x"),
            "::error file=a%2Cb.yaml::x\n"
        );
    }
}
