//! The aggregate as Markdown (for the forum) and as one self-contained HTML page with
//! inline SVG charts. Operator and client names come from the reports: all escaped.

use super::aggregate::{Aggregate, ClientShare};
use super::escape::{html, md_code, md_message, md_text};
use super::html::{badge, figure, page};
use super::svg::{self, Line, Row, Scale, Segment};
use crate::finding::thousands;
use std::fmt::Write;

fn keys_text(k: f64) -> String {
    if (k - k.round()).abs() < 0.005 {
        thousands(k.round() as u64)
    } else {
        format!(
            "{}.{:02}",
            thousands(k.trunc() as u64),
            ((k.fract() * 100.0).round() as u64).min(99)
        )
    }
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn mark(c: &ClientShare) -> &'static str {
    if c.above_two_thirds {
        "❌ above 2/3"
    } else if c.above_one_third {
        "⚠️ above 1/3"
    } else {
        "✅ below 1/3"
    }
}

fn html_mark(c: &ClientShare) -> &'static str {
    if c.above_two_thirds {
        "✗ above 2/3"
    } else if c.above_one_third {
        "! above 1/3"
    } else {
        "✓ below 1/3"
    }
}

fn headline(a: &Aggregate) -> String {
    let failing = a.reports.iter().filter(|r| !r.verified).count();
    format!(
        "{} operators, {} environments, {} keys from {} report files ({} failing verification).",
        a.protocol.operators,
        a.protocol.environments,
        thousands(a.protocol.keys),
        a.reports.len(),
        failing
    )
}

/// Markdown for the forum.
pub fn markdown(a: &Aggregate) -> String {
    let mut s = format!(
        "# Guardrail compliance across operators\n\n{}\n\n",
        headline(a)
    );
    s.push_str("## Keys per client, weighted by keys\n\n");
    for (layer, list) in [
        ("Consensus", &a.protocol.clients.consensus),
        ("Execution", &a.protocol.clients.execution),
    ] {
        let _ = write!(
            s,
            "### {layer} clients\n\n| Client | Keys | Share | Against 1/3 and 2/3 |\n|---|---|---|---|\n"
        );
        for c in list {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} |",
                md_code(&c.client),
                keys_text(c.keys),
                pct(c.share),
                mark(c)
            );
        }
        s.push('\n');
    }
    s.push_str("## Operators and keys per area\n\n| Area | Operators | Keys | CL:EL pairs |\n|---|---|---|---|\n");
    for x in &a.protocol.areas {
        let _ = writeln!(
            s,
            "| {} | {} ({}) | {} | {} |",
            md_text(&x.area),
            x.operators.len(),
            x.operators
                .iter()
                .map(|o| md_code(o))
                .collect::<Vec<_>>()
                .join(", "),
            keys_text(x.keys),
            x.pairs
        );
    }
    s.push_str("\n## Operators out of compliance per guardrail\n\n| Guardrail | Compliant | Not compliant | Not assessed |\n|---|---|---|---|\n");
    for g in &a.protocol.guardrails {
        let list = |v: &[String]| {
            if v.is_empty() {
                "0".to_owned()
            } else {
                format!(
                    "{} ({})",
                    v.len(),
                    v.iter().map(|o| md_code(o)).collect::<Vec<_>>().join(", ")
                )
            }
        };
        let _ = writeln!(
            s,
            "| {} ({}) | {} | {} | {} |",
            md_text(&g.title),
            md_code(&g.rule),
            g.compliant,
            list(&g.not_compliant),
            list(&g.not_assessed)
        );
    }
    s.push_str("\n## Operators\n\n| Operator | Period | Date | Status | Verified | Environments | Keys | Areas | Not compliant |\n|---|---|---|---|---|---|---|---|---|\n");
    for o in &a.operators {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} {} | {} | {} | {} | {} | {} |",
            md_code(&o.operator),
            md_code(&o.period),
            md_text(&o.date),
            o.status.mark(),
            o.status.label(),
            if o.verified { "yes" } else { "**no**" },
            o.environments,
            thousands(o.keys),
            md_text(&o.areas.join(", ")),
            o.not_compliant
                .iter()
                .map(|r| md_code(r))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if !a.protocol.duplicate_keys.is_empty() {
        let _ = write!(
            s,
            "\n## Keys listed by more than one operator ({})\n\n| Public key | Operators |\n|---|---|\n",
            a.protocol.duplicate_keys.len()
        );
        for d in &a.protocol.duplicate_keys {
            let _ = writeln!(
                s,
                "| {} | {} |",
                md_code(&d.pubkey),
                d.operators
                    .iter()
                    .map(|o| md_code(o))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    s.push_str("\n## Reports\n\n| File | Operator | Period | Signer | Verified | Counted | Problems |\n|---|---|---|---|---|---|---|\n");
    for r in &a.reports {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} |",
            md_code(&r.file),
            r.operator
                .as_deref()
                .map_or_else(|| "—".to_owned(), md_code),
            r.period.as_deref().map_or_else(|| "—".to_owned(), md_code),
            r.signer.as_deref().map_or_else(|| "—".to_owned(), md_code),
            if r.verified { "✅ yes" } else { "❌ **no**" },
            if r.counted { "yes" } else { "no" },
            r.problems
                .iter()
                .map(|p| md_message(p))
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
    s.push('\n');
    s
}

fn share_rows(label: &str, list: &[ClientShare], keys: u64) -> Row {
    Row {
        label: label.to_owned(),
        segments: list
            .iter()
            .map(|c| Segment {
                name: c.client.clone(),
                value: c.keys,
            })
            .collect(),
        note: count(keys, "key"),
        alert: false,
    }
}

fn count(n: u64, word: &str) -> String {
    format!("{} {word}{}", thousands(n), if n == 1 { "" } else { "s" })
}

/// One self-contained HTML page.
pub fn html_page(a: &Aggregate) -> String {
    let mut s = format!(
        "<header><h1>Guardrail compliance across operators</h1><p class=\"banner\">{}</p></header>\n<main>\n",
        html(&headline(a))
    );
    s.push_str("<section id=\"charts\"><h2>Charts</h2>");
    let thirds = [
        Line {
            at: 1.0 / 3.0,
            label: "1/3".into(),
        },
        Line {
            at: 2.0 / 3.0,
            label: "2/3".into(),
        },
    ];
    let mut rows = vec![
        share_rows(
            "all operators CL",
            &a.protocol.clients.consensus,
            a.protocol.keys,
        ),
        share_rows(
            "all operators EL",
            &a.protocol.clients.execution,
            a.protocol.keys,
        ),
    ];
    for o in &a.operators {
        rows.push(share_rows(
            &format!("{} CL", o.operator),
            &o.clients.consensus,
            o.keys,
        ));
        rows.push(share_rows(
            &format!("{} EL", o.operator),
            &o.clients.execution,
            o.keys,
        ));
    }
    figure(
        &mut s,
        "Keys per client, weighted by keys",
        &svg::stacked(
            "Keys per client, weighted by keys",
            "Share of validator keys per consensus (CL) and execution (EL) client, protocol-wide and per operator, against the 1/3 and 2/3 lines.",
            &rows,
            Scale::Shares,
            &thirds,
        ),
    );
    let areas: Vec<Row> = a
        .protocol
        .areas
        .iter()
        .map(|x| Row {
            label: x.area.clone(),
            segments: vec![Segment {
                name: x.area.clone(),
                value: x.keys,
            }],
            note: count(x.operators.len() as u64, "operator"),
            alert: false,
        })
        .collect();
    if !areas.is_empty() {
        figure(
            &mut s,
            "Keys per area",
            &svg::stacked(
                "Keys per area",
                "Validator keys per broad area, with the number of operators in each.",
                &areas,
                Scale::Absolute,
                &[],
            ),
        );
    }
    let out: Vec<Row> = a
        .protocol
        .guardrails
        .iter()
        .map(|g| Row {
            label: g.rule.clone(),
            segments: vec![
                Segment {
                    name: "not compliant".into(),
                    value: g.not_compliant.len() as f64,
                },
                Segment {
                    name: "not assessed".into(),
                    value: g.not_assessed.len() as f64,
                },
            ],
            note: format!("of {}", a.protocol.operators),
            alert: false,
        })
        .collect();
    if !out.is_empty() {
        figure(
            &mut s,
            "Operators out of compliance per guardrail",
            &svg::stacked(
                "Operators out of compliance per guardrail",
                "Number of operators not compliant with, or not assessed for, each guardrail, out of every operator counted.",
                &out,
                Scale::Absolute,
                &[Line {
                    at: a.protocol.operators as f64,
                    label: format!("all {}", count(a.protocol.operators, "operator")),
                }],
            ),
        );
    }
    s.push_str("</section>\n<section id=\"clients\"><h2>Keys per client, weighted by keys</h2>");
    for (layer, list) in [
        ("Consensus", &a.protocol.clients.consensus),
        ("Execution", &a.protocol.clients.execution),
    ] {
        let _ = write!(
            s,
            "<h3>{layer} clients</h3><table><tr><th>Client</th><th>Keys</th><th>Share</th><th>Against 1/3 and 2/3</th></tr>"
        );
        for c in list {
            let _ = write!(
                s,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                html(&c.client),
                keys_text(c.keys),
                pct(c.share),
                html_mark(c)
            );
        }
        s.push_str("</table>");
    }
    s.push_str("</section>\n<section id=\"areas\"><h2>Operators and keys per area</h2><table><tr><th>Area</th><th>Operators</th><th>Keys</th><th>CL:EL pairs</th></tr>");
    for x in &a.protocol.areas {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{} ({})</td><td>{}</td><td>{}</td></tr>",
            html(&x.area),
            x.operators.len(),
            x.operators
                .iter()
                .map(|o| format!("<code>{}</code>", html(o)))
                .collect::<Vec<_>>()
                .join(", "),
            keys_text(x.keys),
            x.pairs
        );
    }
    s.push_str("</table></section>\n<section id=\"guardrails\"><h2>Operators out of compliance per guardrail</h2><table><tr><th>Guardrail</th><th>Compliant</th><th>Not compliant</th><th>Not assessed</th></tr>");
    let list = |v: &[String]| {
        format!(
            "{} {}",
            v.len(),
            v.iter()
                .map(|o| format!("<code>{}</code>", html(o)))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    for g in &a.protocol.guardrails {
        let _ = write!(
            s,
            "<tr><td>{} (<code>{}</code>)</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            html(&g.title),
            html(&g.rule),
            g.compliant,
            list(&g.not_compliant),
            list(&g.not_assessed)
        );
    }
    s.push_str("</table></section>\n<section id=\"operators\"><h2>Operators</h2><table><tr><th>Operator</th><th>Period</th><th>Date</th><th>Status</th><th>Verified</th><th>Environments</th><th>Keys</th><th>Areas</th><th>Not compliant</th></tr>");
    for o in &a.operators {
        let _ = write!(
            s,
            "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            html(&o.operator),
            html(&o.period),
            html(&o.date),
            badge(o.status),
            if o.verified { "yes" } else { "<b>no</b>" },
            o.environments,
            thousands(o.keys),
            html(&o.areas.join(", ")),
            o.not_compliant
                .iter()
                .map(|r| format!("<code>{}</code>", html(r)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    s.push_str("</table></section>\n");
    if !a.protocol.duplicate_keys.is_empty() {
        let _ = write!(
            s,
            "<section id=\"duplicates\"><h2>Keys listed by more than one operator ({})</h2><table><tr><th>Public key</th><th>Operators</th></tr>",
            a.protocol.duplicate_keys.len()
        );
        for d in &a.protocol.duplicate_keys {
            let _ = write!(
                s,
                "<tr><td><code>{}</code></td><td>{}</td></tr>",
                html(&d.pubkey),
                d.operators
                    .iter()
                    .map(|o| format!("<code>{}</code>", html(o)))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        s.push_str("</table></section>\n");
    }
    s.push_str("<section id=\"reports\"><h2>Reports</h2><table><tr><th>File</th><th>Operator</th><th>Period</th><th>Signer</th><th>Verified</th><th>Counted</th><th>Problems</th></tr>");
    for r in &a.reports {
        let _ = write!(
            s,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            html(&r.file),
            r.operator
                .as_deref()
                .map_or_else(|| "—".to_owned(), |o| format!("<code>{}</code>", html(o))),
            r.period.as_deref().map_or_else(|| "—".to_owned(), html),
            r.signer
                .as_deref()
                .map_or_else(|| "—".to_owned(), |o| format!("<code>{}</code>", html(o))),
            if r.verified {
                "✓ yes"
            } else {
                "✗ <b>no</b>"
            },
            if r.counted { "yes" } else { "no" },
            r.problems
                .iter()
                .map(|p| super::escape::html_message(p))
                .collect::<Vec<_>>()
                .join("<br>")
        );
    }
    let _ = writeln!(
        s,
        "</table></section>\n</main>\n<footer>Made by stakelint {} from the reports listed above.</footer>",
        html(&a.tool.version)
    );
    page("Guardrail compliance across operators", &s)
}
