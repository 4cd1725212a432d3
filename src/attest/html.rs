//! The report as one self-contained HTML file: inline CSS, inline SVG charts, no script,
//! no font, image or stylesheet from anywhere (a Content-Security-Policy of
//! `default-src 'none'` makes the browser refuse any that crept in), readable on screen
//! and on paper. Every name from the inputs is escaped.

use super::doc::{Body, Changes, Check, EnvironmentDoc, Report, Status};
use super::escape::{html, html_message};
use super::svg::{self, Line, Row, Scale, Segment};
use crate::finding::thousands;
use std::fmt::Write;

const CSS: &str = r#"
:root { --ok: #1a7f37; --bad: #c62828; --na: #8a6d00; --ink: #1f2328; --muted: #59636e; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 26px; margin: 0 0 6px; }
h2 { font-size: 20px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 18px 0 6px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.92em; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; font-size: 14px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
table.facts { width: auto; }
table.facts th { width: 170px; }
.status { display: inline-block; padding: 1px 8px; border-radius: 10px; font-weight: 600; white-space: nowrap; }
.status.compliant { background: #dafbe1; color: var(--ok); }
.status.not-compliant { background: #ffebe9; color: var(--bad); }
.status.not-assessed { background: #fff8c5; color: var(--na); }
.banner { font-size: 18px; margin: 10px 0 16px; }
.muted { color: var(--muted); }
figure { margin: 12px 0 20px; }
figcaption { font-weight: 600; margin-bottom: 4px; }
svg.chart { max-width: 100%; height: auto; font: 12px system-ui, sans-serif; }
svg.chart .in { font-weight: 600; }
svg.chart .note, svg.chart .legend, svg.chart .label { fill: var(--ink); }
svg.chart .line { fill: #222; font-size: 11px; }
pre { background: #f6f8fa; padding: 8px 10px; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
footer { margin-top: 32px; color: var(--muted); font-size: 13px; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  h2 { break-after: avoid; }
  section.env, figure, tr { break-inside: avoid; }
  table { font-size: 9pt; }
  .status, svg.chart, th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
}
@page { margin: 14mm; }
"#;

/// A whole page around `body` (already escaped HTML).
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"stakelint {}\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        html(title)
    )
}

/// A status badge.
pub fn badge(s: Status) -> String {
    let class = match s {
        Status::Compliant => "compliant",
        Status::NotCompliant => "not-compliant",
        Status::NotAssessed => "not-assessed",
    };
    format!(
        r#"<span class="status {class}">{} {}</span>"#,
        s.symbol(),
        s.label()
    )
}

fn code(text: &str) -> String {
    format!("<code>{}</code>", html(text))
}

fn count(n: u64, word: &str) -> String {
    format!("{} {word}{}", thousands(n), if n == 1 { "" } else { "s" })
}

/// Renders the report.
pub fn render(r: &Report) -> String {
    let b = &r.body;
    let mut s = String::new();
    let _ = write!(
        s,
        "<header>\n<h1>Guardrail compliance report: {} — {}</h1>\n<p class=\"banner\">{} {} of {} guardrails compliant over {} and {}.</p>\n",
        html(&b.operator),
        html(&b.period),
        badge(b.summary.status),
        b.summary.guardrails.compliant,
        b.guardrails.len(),
        count(b.summary.environments, "environment"),
        count(b.summary.keys, "key")
    );
    facts(&mut s, r);
    s.push_str("</header>\n<main>\n");
    if !b.caveats.is_empty() {
        s.push_str("<section id=\"caveats\"><h2>Caveats</h2><ul>");
        for c in &b.caveats {
            let _ = write!(s, "<li>{}</li>", html_message(c));
        }
        s.push_str("</ul></section>\n");
    }
    summary(&mut s, b);
    charts(&mut s, b);
    if let Some(c) = &b.changes {
        changes(&mut s, c);
    }
    for (i, e) in b.environments.iter().enumerate() {
        environment(&mut s, i, e);
    }
    if !b.operator_checks.is_empty() {
        s.push_str("<section id=\"operator\"><h2>Operator-wide guardrails</h2>");
        checks(&mut s, &b.operator_checks);
        s.push_str("</section>\n");
    }
    findings(&mut s, b);
    suppressions(&mut s, b);
    inputs(&mut s, b);
    signature(&mut s, r);
    let _ = writeln!(
        s,
        "</main>\n<footer>Made by stakelint {} from the inputs listed above. JSON is the canonical form of this report; verify it with <code>stakelint verify</code>.</footer>",
        html(&b.tool.version)
    );
    page(
        &format!("Guardrail compliance report: {} — {}", b.operator, b.period),
        &s,
    )
}

fn facts(s: &mut String, r: &Report) {
    let b = &r.body;
    let rows = [
        ("Operator", code(&b.operator)),
        ("Period", code(&b.period)),
        ("Date", html(&b.date)),
        (
            "Tool",
            format!(
                "{} {}, {} rules",
                html(&b.tool.name),
                html(&b.tool.version),
                b.rule_set.rules
            ),
        ),
        ("Rule set", code(&b.rule_set.digest)),
        (
            "Client-share data",
            format!(
                "{} ({}; {})",
                html(&b.client_shares.date),
                html(&b.client_shares.source),
                html(&b.client_shares.table)
            ),
        ),
        (
            "Input digest",
            format!(
                "{} over {}",
                code(&b.inputs.digest),
                count(b.inputs.files.len() as u64, "file")
            ),
        ),
        ("Report digest", code(&r.digest)),
        (
            "Signed by",
            r.signature.as_ref().map_or_else(
                || "not signed".to_owned(),
                |x| format!("{} (EIP-191 personal_sign)", code(&x.address)),
            ),
        ),
    ];
    s.push_str("<table class=\"facts\">");
    for (k, v) in rows {
        let _ = write!(s, "<tr><th>{k}</th><td>{v}</td></tr>");
    }
    s.push_str("</table>\n");
}

fn names(list: &[String]) -> String {
    list.iter().map(|n| code(n)).collect::<Vec<_>>().join(", ")
}

fn summary(s: &mut String, b: &Body) {
    s.push_str("<section id=\"summary\"><h2>Executive summary</h2><table><thead><tr><th>Guardrail</th><th>Status</th><th>Compliant</th><th>Not compliant</th><th>Not assessed</th></tr></thead><tbody>");
    for g in &b.guardrails {
        let (ok, broken, unknown) = if g.scope == "operator" {
            let all = || "<span class=\"muted\">(operator-wide)</span>".to_owned();
            match g.status {
                Status::Compliant => (all(), String::new(), String::new()),
                Status::NotCompliant => (String::new(), all(), String::new()),
                Status::NotAssessed => (String::new(), String::new(), all()),
            }
        } else {
            (
                names(&g.compliant),
                names(&g.not_compliant),
                names(&g.not_assessed),
            )
        };
        let _ = write!(
            s,
            "<tr><td>{} ({})</td><td>{}</td><td>{ok}</td><td>{broken}</td><td>{unknown}</td></tr>",
            html(&g.title),
            code(&g.rule),
            badge(g.status)
        );
    }
    s.push_str("</tbody></table></section>\n");
}

fn charts(s: &mut String, b: &Body) {
    if b.environments.is_empty() {
        return;
    }
    s.push_str("<section id=\"charts\"><h2>Charts</h2>");
    let mut mix = Vec::new();
    for e in &b.environments {
        for (layer, counts) in [("CL", &e.clients.consensus), ("EL", &e.clients.execution)] {
            mix.push(Row {
                label: format!("{} {layer}", e.name),
                segments: counts
                    .iter()
                    .map(|c| Segment {
                        name: c.client.clone(),
                        value: c.pairs as f64,
                    })
                    .collect(),
                note: count(
                    counts.iter().fold(0, |n, c| c.pairs.saturating_add(n)),
                    "pair",
                ),
                alert: false,
            });
        }
    }
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
    figure(
        s,
        "Client mix per environment",
        &svg::stacked(
            "Client mix per environment",
            "Share of each environment's CL:EL pairs per consensus (CL) and execution (EL) client, against the 1/3 and 2/3 lines.",
            &mix,
            Scale::Shares,
            &thirds,
        ),
    );
    let limit = b.environments.first().map_or(1000, |e| e.keys.limit);
    let keys: Vec<Row> = b
        .environments
        .iter()
        .map(|e| Row {
            label: e.name.clone(),
            segments: vec![Segment {
                name: "keys".into(),
                value: e.keys.count.unwrap_or(0) as f64,
            }],
            note: e
                .keys
                .count
                .map_or_else(|| "unknown".into(), |n| count(n, "key")),
            alert: e.keys.count.is_some_and(|n| n > e.keys.limit),
        })
        .collect();
    let title = format!(
        "Keys per environment against the {}-key line",
        thousands(limit)
    );
    figure(
        s,
        &title,
        &svg::stacked(
            &title,
            "Validator keys held by each environment; bars above the blast-radius limit are red.",
            &keys,
            Scale::Absolute,
            &[Line {
                at: limit as f64,
                label: format!("{} keys", thousands(limit)),
            }],
        ),
    );
    let mut areas: std::collections::BTreeMap<String, Vec<Segment>> =
        std::collections::BTreeMap::new();
    for e in &b.environments {
        for r in &e.regions {
            let area = r.area.clone().unwrap_or_else(|| "unknown".into());
            let segs = areas.entry(area).or_default();
            match segs.iter_mut().find(|g| g.name == r.region) {
                Some(g) => g.value += r.pairs as f64,
                None => segs.push(Segment {
                    name: r.region.clone(),
                    value: r.pairs as f64,
                }),
            }
        }
    }
    let regions: Vec<Row> = areas
        .into_iter()
        .map(|(area, segments)| Row {
            note: count(segments.iter().map(|g| g.value).sum::<f64>() as u64, "pair"),
            label: area,
            segments,
            alert: false,
        })
        .collect();
    if !regions.is_empty() {
        figure(
            s,
            "Regions per area",
            &svg::stacked(
                "Regions per area",
                "CL:EL pairs per region, grouped by broad area (AMERS, EMEA, APAC), over every environment.",
                &regions,
                Scale::Absolute,
                &[],
            ),
        );
    }
    s.push_str("</section>\n");
}

/// A captioned chart.
pub fn figure(s: &mut String, caption: &str, svg: &str) {
    let _ = write!(
        s,
        "<figure><figcaption>{}</figcaption>{svg}</figure>",
        html(caption)
    );
}

fn changes(s: &mut String, c: &Changes) {
    let _ = write!(
        s,
        "<section id=\"changes\"><h2>Changes since the last report</h2><p>Previous report: {} {} of {}, digest {}.</p>",
        code(&c.previous.operator),
        code(&c.previous.period),
        html(&c.previous.date),
        code(&c.previous.digest)
    );
    if !c.environments_added.is_empty() {
        let _ = write!(
            s,
            "<p>Environments added: {}</p>",
            names(&c.environments_added)
        );
    }
    if !c.environments_removed.is_empty() {
        let _ = write!(
            s,
            "<p>Environments removed: {}</p>",
            names(&c.environments_removed)
        );
    }
    let st = |x: Option<Status>| x.map_or_else(|| "—".to_owned(), badge);
    if !c.guardrails.is_empty() {
        s.push_str("<h3>Guardrails that changed status</h3><table><tr><th>Environment</th><th>Guardrail</th><th>Before</th><th>Now</th></tr>");
        for g in &c.guardrails {
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                g.environment
                    .as_deref()
                    .map_or_else(|| "(operator-wide)".to_owned(), code),
                code(&g.rule),
                st(g.from),
                st(g.to)
            );
        }
        s.push_str("</table>");
    }
    if !c.keys.is_empty() {
        s.push_str("<h3>Keys</h3><table><tr><th>Environment</th><th>Before</th><th>Now</th><th>Listed keys added</th><th>Listed keys removed</th></tr>");
        for k in &c.keys {
            let (before, after) = super::diff::key_counts(c, k);
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{before}</td><td>{after}</td><td>{}</td><td>{}</td></tr>",
                code(&k.environment),
                thousands(k.added.len() as u64),
                thousands(k.removed.len() as u64)
            );
        }
        s.push_str("</table>");
    }
    if !c.clients.is_empty() {
        s.push_str("<h3>Clients</h3><table><tr><th>Environment</th><th>Pair</th><th>Change</th><th>Before</th><th>Now</th></tr>");
        for x in &c.clients {
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                code(&x.environment),
                code(&x.pair),
                html(&x.change),
                x.before.as_deref().map_or_else(|| "—".to_owned(), code),
                x.after.as_deref().map_or_else(|| "—".to_owned(), code)
            );
        }
        s.push_str("</table>");
    }
    if c.guardrails.is_empty()
        && c.keys.is_empty()
        && c.clients.is_empty()
        && c.environments_added.is_empty()
        && c.environments_removed.is_empty()
    {
        s.push_str("<p>No guardrail, key or client changed.</p>");
    }
    s.push_str("</section>\n");
}

fn environment(s: &mut String, i: usize, e: &EnvironmentDoc) {
    let _ = write!(
        s,
        "<section class=\"env\" id=\"env-{i}\"><h2>Environment {} {}</h2><p><b>Keys:</b> {} (limit {}) · <b>CL:EL pairs:</b> {} · <b>Areas:</b> {}</p><h3>Guardrails</h3>",
        code(&e.name),
        badge(e.status),
        e.keys.count.map_or_else(|| "unknown".to_owned(), thousands),
        thousands(e.keys.limit),
        e.pairs.len(),
        if e.areas.is_empty() {
            "none known".to_owned()
        } else {
            html(&e.areas.join(", "))
        }
    );
    checks(s, &e.checks);
    if !e.pairs.is_empty() {
        s.push_str("<h3>CL:EL pairs</h3><table><tr><th>Pair</th><th>Consensus</th><th>Execution</th><th>Host</th><th>Region</th><th>Area</th></tr>");
        let client = |c: &Option<super::doc::ClientDoc>| {
            c.as_ref().map_or_else(
                || "unknown".to_owned(),
                |c| {
                    format!(
                        "{} {}",
                        code(&c.client),
                        c.version.as_deref().map_or_else(String::new, code)
                    )
                },
            )
        };
        for p in &e.pairs {
            let host = match (&p.host, p.placement.as_str()) {
                (Some(h), _) => code(h),
                (None, "spread") => "own host (spread)".into(),
                (None, "unconstrained") => "any (unconstrained)".into(),
                _ => "unknown".into(),
            };
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{host}</td><td>{}</td><td>{}</td></tr>",
                code(&p.name),
                client(&p.consensus),
                client(&p.execution),
                p.region.as_deref().map_or_else(|| "—".to_owned(), code),
                html(p.area.as_deref().unwrap_or("—"))
            );
        }
        s.push_str("</table><h3>Client combinations</h3><table><tr><th>Consensus</th><th>Execution</th><th>Pairs</th></tr>");
        for c in &e.combinations {
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                code(&c.consensus),
                code(&c.execution),
                c.pairs
            );
        }
        s.push_str("</table>");
    }
    if !e.regions.is_empty() {
        s.push_str("<h3>Regions</h3><table><tr><th>Region</th><th>Area</th><th>Pairs</th></tr>");
        for r in &e.regions {
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                code(&r.region),
                html(r.area.as_deref().unwrap_or("unknown")),
                r.pairs
            );
        }
        s.push_str("</table>");
    }
    if !e.validator_clients.is_empty() {
        s.push_str("<h3>Validator clients</h3><table><tr><th>Name</th><th>Client</th><th>Replicas</th><th>Doppelganger</th><th>Slashing protection</th><th>Signer</th></tr>");
        let b = |v: Option<bool>| match v {
            Some(true) => "on",
            Some(false) => "off",
            None => "not stated",
        };
        for v in &e.validator_clients {
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                code(&v.name),
                v.client.as_deref().map_or_else(|| "—".to_owned(), code),
                v.replicas,
                b(v.doppelganger),
                b(v.slashing_protection),
                v.signer
                    .as_deref()
                    .map_or_else(|| "local keys".to_owned(), code)
            );
        }
        s.push_str("</table>");
    }
    if !e.signers.is_empty() {
        s.push_str("<h3>Remote signers</h3><table><tr><th>Name</th><th>Kind</th><th>Instances</th><th>Threshold</th></tr>");
        for x in &e.signers {
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                code(&x.name),
                html(&x.kind),
                x.instances,
                x.threshold
                    .map_or_else(|| "—".to_owned(), |t| format!("{t} of {}", x.instances))
            );
        }
        s.push_str("</table>");
    }
    s.push_str("</section>\n");
}

fn checks(s: &mut String, checks: &[Check]) {
    s.push_str("<table><tr><th>Guardrail</th><th>Status</th><th>Figures</th><th>Notes</th></tr>");
    for c in checks {
        let mut notes = Vec::new();
        if c.findings > 0 {
            notes.push(count(c.findings, "finding"));
        }
        for why in &c.not_assessed {
            notes.push(format!("not assessed: {}", html_message(why)));
        }
        for w in &c.waived {
            notes.push(format!("waived: {}", html_message(&w.reason)));
        }
        let _ = write!(
            s,
            "<tr><td>{}<br><span class=\"muted\">{}</span></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            html(&c.title),
            code(&c.rule),
            badge(c.status),
            html_message(&c.figures),
            notes.join("<br>")
        );
    }
    s.push_str("</table>");
}

fn findings(s: &mut String, b: &Body) {
    let _ = write!(
        s,
        "<section id=\"findings\"><h2>Findings ({})</h2>",
        thousands(b.findings.len() as u64)
    );
    if b.findings.is_empty() {
        s.push_str("<p>No findings.</p></section>\n");
        return;
    }
    s.push_str("<table><tr><th>Severity</th><th>Rule</th><th>Environment</th><th>Location</th><th>Finding</th></tr>");
    for f in &b.findings {
        let mut text = html_message(&f.message);
        if let Some(h) = &f.help {
            let _ = write!(
                text,
                "<br><span class=\"muted\">help: {}</span>",
                html_message(h)
            );
        }
        if f.suppressed {
            let _ = write!(
                text,
                "<br><b>suppressed:</b> {}",
                html_message(f.reason.as_deref().unwrap_or(""))
            );
        }
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{text}</td></tr>",
            html(&f.severity),
            code(&f.rule),
            f.environment
                .as_deref()
                .map_or_else(|| "—".to_owned(), code),
            f.location
                .as_ref()
                .map_or_else(String::new, |l| code(&format!(
                    "{}:{}:{}",
                    l.path, l.line, l.column
                )))
        );
    }
    s.push_str("</table></section>\n");
}

fn suppressions(s: &mut String, b: &Body) {
    let _ = write!(
        s,
        "<section id=\"suppressions\"><h2>Suppressions and waivers ({})</h2>",
        thousands(b.suppressions.len() as u64)
    );
    if b.suppressions.is_empty() {
        s.push_str("<p>None.</p></section>\n");
        return;
    }
    s.push_str("<table><tr><th>Rule</th><th>Scope</th><th>Source</th><th>Reason</th><th>Expires</th><th>Valid</th><th>Findings suppressed</th><th>Location</th></tr>");
    for x in &b.suppressions {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            code(&x.rule),
            html(&x.scope),
            x.environment.as_deref().map_or_else(String::new, code),
            html(&x.source),
            x.reason
                .as_deref()
                .map_or_else(|| "<i>(none)</i>".to_owned(), html_message),
            html(x.expires.as_deref().unwrap_or("—")),
            x.problem
                .as_deref()
                .map_or_else(|| "yes".to_owned(), |p| format!("<b>no</b>: {}", html(p))),
            x.suppressed_findings,
            x.location
                .as_ref()
                .map_or_else(String::new, |l| code(&format!(
                    "{}:{}:{}",
                    l.path, l.line, l.column
                )))
        );
    }
    s.push_str("</table></section>\n");
}

fn inputs(s: &mut String, b: &Body) {
    let _ = write!(
        s,
        "<section id=\"inputs\"><h2>Inputs</h2><p>Digest {} ({}): SHA-256 over the files below in this order, each framed with its path and length.</p><table><tr><th>File</th><th>Role</th><th>Bytes</th><th>SHA-256</th></tr>",
        code(&b.inputs.digest),
        code(&b.inputs.scheme)
    );
    for f in &b.inputs.files {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            code(&f.path),
            html(&f.role),
            thousands(f.bytes),
            f.sha256
                .as_deref()
                .map_or_else(|| "withheld (holds secret values)".to_owned(), code)
        );
    }
    s.push_str("</table></section>\n");
}

fn signature(s: &mut String, r: &Report) {
    s.push_str("<section id=\"signature\"><h2>Signature</h2>");
    match &r.signature {
        Some(sig) => {
            let _ = write!(
                s,
                "<p>Signed by {} with EIP-191 <code>personal_sign</code>.</p><p>Signature:</p><pre>{}</pre><p>Message:</p><pre>{}</pre>",
                code(&sig.address),
                html(&sig.signature),
                html(&sig.message)
            );
        }
        None => {
            let _ = write!(
                s,
                "<p>Not signed. The message to sign for this report:</p><pre>{}</pre>",
                html(&r.message())
            );
        }
    }
    s.push_str("</section>\n");
}
