//! `--format junit`: JUnit XML for CI test reporters (GitLab, Jenkins, Azure DevOps,
//! GitHub test-report actions).
//!
//! - one `<testsuite>` per environment, holding one `<testcase>` per rule (`classname` the
//!   environment, `name` the rule id), passing ones included;
//! - a test case fails (`<failure>`, carrying every finding of that rule in that
//!   environment) when it has a finding that fails the run, i.e. at or above `--fail-on`,
//!   so the report agrees with the exit code; findings below the threshold and suppressed
//!   ones are listed in the test case's `<system-out>`;
//! - rules turned off in the config are `<skipped>`;
//! - findings of no environment (e.g. `environment-spread`, `stale-client-data`) go to a
//!   suite `(operator)` with one test case per rule that reported such a finding;
//! - inputs that could not be read are `<error>`s in a suite `(inputs)`.

use super::{Output, RunInfo};
use crate::finding::Finding;
use crate::rules;

/// Name of the suite of findings that belong to no environment.
pub const OPERATOR_SUITE: &str = "(operator)";
/// Name of the suite of unreadable inputs.
pub const INPUTS_SUITE: &str = "(inputs)";

/// Whether XML 1.0 can carry the character at all (tab, LF and CR are the only C0
/// controls it allows; U+FFFE and U+FFFF are not characters).
fn allowed(c: char) -> bool {
    !((c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') || c == '\u{FFFE}' || c == '\u{FFFF}')
}

/// Escapes an attribute value; line breaks and tabs become character references so that
/// parsers do not normalise them to spaces. Characters XML cannot carry are dropped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter(|&c| allowed(c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes element text (`<failure>` bodies, `<system-out>`). A line that would start
/// with `::` has its first `:` as a character reference, so the report printed in a CI
/// log cannot start a GitHub workflow command (XML readers see the same text).
fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut line_start = true;
    for (i, c) in s.char_indices().filter(|&(_, c)| allowed(c) && c != '\r') {
        if line_start && c == ':' && s[i..].starts_with("::") {
            out.push_str("&#58;");
            line_start = false;
            continue;
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
        line_start = c == '\n' || (line_start && (c == ' ' || c == '\t'));
    }
    out
}

#[derive(Default)]
struct Case {
    name: String,
    classname: String,
    file: Option<String>,
    failure: Option<(String, String, String)>,
    error: Option<(String, String, String)>,
    skipped: Option<String>,
    out: String,
}

struct Suite {
    name: String,
    cases: Vec<Case>,
}

impl Suite {
    fn count(&self, f: impl Fn(&Case) -> bool) -> usize {
        self.cases.iter().filter(|c| f(c)).count()
    }
}

fn finding_text(out: &Output<'_>, f: &Finding) -> String {
    let at = super::place(out.db, f).unwrap_or_else(|| "(no location)".to_owned());
    let mut s = format!("{}[{}] {at}: {}", f.severity.as_str(), f.rule, f.message);
    if let Some(sup) = &f.suppressed {
        s.push_str(&format!(" (suppressed: {})", sup.reason));
    }
    s.push('\n');
    for r in &f.related {
        let (path, l, c) = out.db.position(r.origin);
        s.push_str(&format!("    {path}:{l}:{c}: {}\n", r.message));
    }
    if let Some(h) = &f.help {
        s.push_str(&format!("    help: {h}\n"));
    }
    s
}

fn case(out: &Output<'_>, run: &RunInfo, suite: &str, rule: &str, findings: &[&Finding]) -> Case {
    let mut c = Case {
        name: rule.to_owned(),
        classname: suite.to_owned(),
        file: findings
            .iter()
            .find_map(|f| f.primary)
            .map(|o| out.db.get(o.file).path.clone()),
        ..Case::default()
    };
    if run.disabled_rules.contains(&rule) {
        c.skipped = Some("turned off in the configuration".to_owned());
        return c;
    }
    let (failing, other): (Vec<&Finding>, Vec<&Finding>) =
        findings.iter().copied().partition(|f| run.fails(f));
    if let Some(first) = failing.first() {
        let worst = failing
            .iter()
            .map(|f| f.severity)
            .max()
            .unwrap_or(first.severity);
        let message = match failing.len() {
            1 => first.message.clone(),
            n => format!("{} (and {} more)", first.message, n - 1),
        };
        let body: String = failing.iter().map(|f| finding_text(out, f)).collect();
        c.failure = Some((message, worst.as_str().to_owned(), body));
    }
    c.out = other.iter().map(|f| finding_text(out, f)).collect();
    c
}

fn suites(out: &Output<'_>, run: &RunInfo) -> Vec<Suite> {
    let mut envs: Vec<&str> = run.environments.iter().map(String::as_str).collect();
    for f in out.findings {
        if let Some(e) = f.environment.as_deref().filter(|e| !envs.contains(e)) {
            envs.push(e);
        }
    }
    let mut suites = Vec::new();
    for env in envs {
        let cases = rules::ALL
            .iter()
            .map(|r| {
                let id = r.meta().id;
                let of: Vec<&Finding> = out
                    .findings
                    .iter()
                    .filter(|f| f.rule == id && f.environment.as_deref() == Some(env))
                    .collect();
                case(out, run, env, id, &of)
            })
            .collect();
        suites.push(Suite {
            name: env.to_owned(),
            cases,
        });
    }
    let operator: Vec<Case> = rules::ALL
        .iter()
        .filter_map(|r| {
            let id = r.meta().id;
            let of: Vec<&Finding> = out
                .findings
                .iter()
                .filter(|f| f.rule == id && f.environment.is_none())
                .collect();
            (!of.is_empty()).then(|| case(out, run, OPERATOR_SUITE, id, &of))
        })
        .collect();
    if !operator.is_empty() {
        suites.push(Suite {
            name: OPERATOR_SUITE.to_owned(),
            cases: operator,
        });
    }
    if !out.errors.is_empty() {
        let cases = out
            .errors
            .iter()
            .map(|e| {
                let (path, at) = match e.origin {
                    Some(o) => {
                        let (p, l, c) = out.db.position(o);
                        (p.to_owned(), format!("{p}:{l}:{c}: "))
                    }
                    None => (e.path.clone().unwrap_or_default(), String::new()),
                };
                Case {
                    name: if path.is_empty() {
                        e.code.to_owned()
                    } else {
                        path.clone()
                    },
                    classname: INPUTS_SUITE.to_owned(),
                    file: (!path.is_empty()).then_some(path),
                    error: Some((
                        e.message.clone(),
                        e.code.to_owned(),
                        format!("{at}{}\n", e.message),
                    )),
                    ..Case::default()
                }
            })
            .collect();
        suites.push(Suite {
            name: INPUTS_SUITE.to_owned(),
            cases,
        });
    }
    suites
}

fn write_case(xml: &mut String, c: &Case) {
    xml.push_str(&format!(
        "    <testcase name=\"{}\" classname=\"{}\"",
        escape(&c.name),
        escape(&c.classname)
    ));
    if let Some(f) = &c.file {
        xml.push_str(&format!(" file=\"{}\"", escape(f)));
    }
    xml.push_str(" time=\"0\"");
    let empty = c.failure.is_none() && c.error.is_none() && c.skipped.is_none() && c.out.is_empty();
    if empty {
        xml.push_str("/>\n");
        return;
    }
    xml.push_str(">\n");
    if let Some(s) = &c.skipped {
        xml.push_str(&format!("      <skipped message=\"{}\"/>\n", escape(s)));
    }
    for (tag, what) in [("failure", &c.failure), ("error", &c.error)] {
        if let Some((message, kind, body)) = what {
            xml.push_str(&format!(
                "      <{tag} message=\"{}\" type=\"{}\">{}</{tag}>\n",
                escape(message),
                escape(kind),
                escape_text(body)
            ));
        }
    }
    if !c.out.is_empty() {
        xml.push_str(&format!(
            "      <system-out>{}</system-out>\n",
            escape_text(&c.out)
        ));
    }
    xml.push_str("    </testcase>\n");
}

/// Renders the JUnit XML document.
pub fn render(out: &Output<'_>, run: &RunInfo) -> String {
    let suites = suites(out, run);
    let total = |f: &dyn Fn(&Suite) -> usize| suites.iter().map(f).sum::<usize>();
    let tests = total(&|s| s.cases.len());
    let failures = total(&|s| s.count(|c| c.failure.is_some()));
    let errors = total(&|s| s.count(|c| c.error.is_some()));
    let skipped = total(&|s| s.count(|c| c.skipped.is_some()));
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str(&format!(
        "<testsuites name=\"stakelint\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"0\">\n"
    ));
    for s in &suites {
        xml.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"0\">\n",
            escape(&s.name),
            s.cases.len(),
            s.count(|c| c.failure.is_some()),
            s.count(|c| c.error.is_some()),
            s.count(|c| c.skipped.is_some()),
        ));
        for c in &s.cases {
            write_case(&mut xml, c);
        }
        xml.push_str("  </testsuite>\n");
    }
    xml.push_str("</testsuites>\n");
    xml
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup_and_drops_what_xml_cannot_hold() {
        assert_eq!(
            super::escape("a<b>&\"c\"'\u{1}\u{FFFF}\n"),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;&#10;"
        );
        assert_eq!(super::escape_text("x\ny\r<'\u{0}"), "x\ny&lt;'");
    }
}
