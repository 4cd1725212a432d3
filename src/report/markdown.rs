//! `--format markdown`: a summary for a pull-request comment or a CI job summary
//! (`--format markdown=$GITHUB_STEP_SUMMARY`): counts, inputs that could not be read,
//! one findings table per environment (findings of no environment first), environments
//! without findings, and suppressed findings folded away with their reasons.
//!
//! Messages quote names from the inputs, which a pull request controls: table cells are
//! escaped so that a name cannot break the table or inject markup.

use super::{Output, RunInfo};
use crate::finding::{Finding, thousands};
use crate::rule::Severity;

fn badge(s: Severity) -> &'static str {
    match s {
        Severity::Error => "❌ error",
        Severity::Warning => "⚠️ warning",
        Severity::Info => "ℹ️ info",
    }
}

/// Escapes text for a table cell. Code spans (`…`) keep their content, with only `|`
/// escaped (GitHub's table rule); outside them Markdown and HTML punctuation is escaped.
/// Line breaks become `<br>`.
pub fn cell(text: &str) -> String {
    // Control characters (terminal escapes) as visible `\u{…}`: the summary may be printed.
    let text = text.replace("\r\n", "\n");
    let text = &*super::human::sanitize(&text);
    let mut out = String::with_capacity(text.len());
    let parts: Vec<&str> = text.split('`').collect();
    let closed = parts.len() % 2 == 1;
    for (i, part) in parts.iter().enumerate() {
        let in_code = i % 2 == 1 && (closed || i + 1 < parts.len());
        if in_code {
            let code = part.replace('|', "\\|").replace(['\n', '\r'], " ");
            out.push('`');
            out.push_str(&code);
            out.push('`');
            continue;
        }
        if i % 2 == 1 {
            out.push_str("\\`");
        }
        for c in part.chars() {
            match c {
                '\\' | '*' | '_' | '[' | ']' | '|' => {
                    out.push('\\');
                    out.push(c);
                }
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '&' => out.push_str("&amp;"),
                '\n' => out.push_str("<br>"),
                '\r' => {}
                c => out.push(c),
            }
        }
    }
    out
}

/// A literal in a code span, whatever backticks it holds.
fn code(text: &str) -> String {
    let t = super::human::sanitize(text);
    let t = t.replace('|', "\\|").replace(['\n', '\r'], " ");
    if t.contains('`') {
        format!("`` {t} ``")
    } else {
        format!("`{t}`")
    }
}

fn plural(n: usize, word: &str) -> String {
    format!(
        "{} {word}{}",
        thousands(n as u64),
        if n == 1 { "" } else { "s" }
    )
}

fn heading(out: &Output<'_>, run: &RunInfo) -> String {
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
    let mark = if s.errors > 0 {
        "❌"
    } else if s.warnings > 0 {
        "⚠️"
    } else {
        "✅"
    };
    let mut text = format!("## {mark} stakelint: {counts}\n\n");
    let mut facts = vec![format!(
        "{}, {}, {}",
        plural(s.files, "file"),
        plural(s.environments, "environment"),
        plural(s.keys as usize, "key")
    )];
    if s.suppressed > 0 {
        facts.push(format!("{} suppressed", thousands(s.suppressed as u64)));
    }
    if let Some(n) = run.baselined.filter(|&n| n > 0) {
        facts.push(format!("{} in the baseline not shown", thousands(n as u64)));
    }
    text.push_str(&format!("Linted {}.\n\n", facts.join("; ")));
    text
}

fn row(out: &Output<'_>, f: &Finding) -> String {
    let at = super::place(out.db, f).map_or_else(String::new, |p| code(&p));
    let mut message = cell(&f.message);
    for r in &f.related {
        let (path, l, c) = out.db.position(r.origin);
        message.push_str(&format!(
            "<br>{}: {}",
            code(&format!("{path}:{l}:{c}")),
            cell(&r.message)
        ));
    }
    if let Some(h) = &f.help {
        message.push_str("<br>*help:* ");
        message.push_str(&cell(h));
    }
    format!(
        "| {} | {} | {at} | {message} |\n",
        badge(f.severity),
        code(f.rule)
    )
}

fn table(out: &Output<'_>, findings: &[&Finding]) -> String {
    let mut s = String::from("| severity | rule | location | finding |\n|---|---|---|---|\n");
    for f in findings {
        s.push_str(&row(out, f));
    }
    s
}

/// Renders the Markdown summary.
pub fn render(out: &Output<'_>, run: &RunInfo) -> String {
    let mut text = heading(out, run);
    if !out.errors.is_empty() {
        text.push_str("### Inputs that could not be read\n\n");
        for e in out.errors {
            let at = match (e.origin, &e.path) {
                (Some(o), _) => {
                    let (p, l, c) = out.db.position(o);
                    format!("{}: ", code(&format!("{p}:{l}:{c}")))
                }
                (None, Some(p)) => format!("{}: ", code(p)),
                (None, None) => String::new(),
            };
            text.push_str(&format!("- {at}{}\n", cell(&e.message)));
        }
        text.push('\n');
    }
    let shown: Vec<&Finding> = out
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .collect();
    let operator: Vec<&Finding> = shown
        .iter()
        .copied()
        .filter(|f| f.environment.is_none())
        .collect();
    if !operator.is_empty() {
        text.push_str("### Operator-wide\n\n");
        text.push_str(&table(out, &operator));
        text.push('\n');
    }
    let mut envs: Vec<&str> = run.environments.iter().map(String::as_str).collect();
    for f in &shown {
        if let Some(e) = f.environment.as_deref().filter(|e| !envs.contains(e)) {
            envs.push(e);
        }
    }
    let mut clean = Vec::new();
    for env in envs {
        let of: Vec<&Finding> = shown
            .iter()
            .copied()
            .filter(|f| f.environment.as_deref() == Some(env))
            .collect();
        if of.is_empty() {
            clean.push(code(env));
            continue;
        }
        let count = |s: Severity| of.iter().filter(|f| f.severity == s).count();
        text.push_str(&format!(
            "### Environment {} — {}, {}, {}\n\n",
            code(env),
            plural(count(Severity::Error), "error"),
            plural(count(Severity::Warning), "warning"),
            plural(count(Severity::Info), "info")
        ));
        text.push_str(&table(out, &of));
        text.push('\n');
    }
    if !clean.is_empty() {
        text.push_str(&format!("✅ No findings in {}.\n\n", clean.join(", ")));
    }
    let suppressed: Vec<&Finding> = out
        .findings
        .iter()
        .filter(|f| f.suppressed.is_some())
        .collect();
    if !suppressed.is_empty() {
        text.push_str(&format!(
            "<details><summary>{}</summary>\n\n| rule | environment | location | finding | reason |\n|---|---|---|---|---|\n",
            plural(suppressed.len(), "suppressed finding")
        ));
        for f in suppressed {
            let at = super::place(out.db, f).map_or_else(String::new, |p| code(&p));
            let reason = f.suppressed.as_ref().map_or("", |s| s.reason.as_str());
            text.push_str(&format!(
                "| {} | {} | {at} | {} | {} |\n",
                code(f.rule),
                f.environment.as_deref().map_or_else(String::new, code),
                cell(&f.message),
                cell(reason)
            ));
        }
        text.push_str("\n</details>\n");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_table() {
        assert_eq!(cell("name `a|b` ok"), "name `a\\|b` ok");
        assert_eq!(cell("x | y\nz"), "x \\| y<br>z");
        assert_eq!(cell("<img src=x> [a](b)"), "&lt;img src=x&gt; \\[a\\](b)");
        assert_eq!(cell("odd ` tick"), "odd \\` tick");
        assert_eq!(code("a`b"), "`` a`b ``");
    }
}
