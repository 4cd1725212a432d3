//! The report as Markdown for the DAO's Discourse forum: headings, tables and one fenced
//! block (the signed message), no raw HTML. Every name from the inputs is escaped (see
//! [`super::escape`]).

use super::doc::{Body, Changes, Check, EnvironmentDoc, FindingDoc, Location, Report, Status};
use super::escape::{md_code, md_fence, md_message, md_text};
use crate::finding::thousands;

/// Renders the whole report.
pub fn render(r: &Report) -> String {
    let b = &r.body;
    let mut s = String::new();
    s.push_str(&format!(
        "# Guardrail compliance report: {} — {}\n\n",
        md_text(&b.operator),
        md_text(&b.period)
    ));
    s.push_str(&format!(
        "**{} {}** — {} of {} guardrails compliant, {} not compliant, {} not assessed, over {} and {}.\n\n",
        b.summary.status.mark(),
        status_word(b.summary.status),
        b.summary.guardrails.compliant,
        b.guardrails.len(),
        b.summary.guardrails.not_compliant,
        b.summary.guardrails.not_assessed,
        count(b.summary.environments, "environment"),
        count(b.summary.keys, "key"),
    ));
    facts(&mut s, r);
    if !b.caveats.is_empty() {
        s.push_str("**Caveats:**\n\n");
        for c in &b.caveats {
            s.push_str(&format!("- {}\n", md_message(c)));
        }
        s.push('\n');
    }
    executive_summary(&mut s, b);
    if let Some(c) = &b.changes {
        changes(&mut s, c);
    }
    for e in &b.environments {
        environment(&mut s, e);
    }
    if !b.operator_checks.is_empty() {
        s.push_str("## Operator-wide guardrails\n\n");
        checks_table(&mut s, &b.operator_checks);
    }
    findings(&mut s, &b.findings);
    suppressions(&mut s, b);
    inputs(&mut s, b);
    signature(&mut s, r);
    s
}

fn status_word(s: Status) -> String {
    let l = s.label();
    let mut c = l.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn count(n: u64, word: &str) -> String {
    format!("{} {word}{}", thousands(n), if n == 1 { "" } else { "s" })
}

fn status_cell(s: Status) -> String {
    format!("{} {}", s.mark(), s.label())
}

fn opt(v: Option<&str>) -> String {
    v.map_or_else(|| "—".to_owned(), md_code)
}

fn location(l: Option<&Location>) -> String {
    l.map_or_else(String::new, |l| {
        md_code(&format!("{}:{}:{}", l.path, l.line, l.column))
    })
}

fn facts(s: &mut String, r: &Report) {
    let b = &r.body;
    s.push_str("| | |\n|---|---|\n");
    let mut row = |k: &str, v: String| s.push_str(&format!("| {k} | {v} |\n"));
    row("Operator", md_code(&b.operator));
    row("Period", md_code(&b.period));
    row("Date", b.date.clone());
    row(
        "Tool",
        format!(
            "{} {}, {} rules",
            md_text(&b.tool.name),
            md_text(&b.tool.version),
            b.rule_set.rules
        ),
    );
    row("Rule set", md_code(&b.rule_set.digest));
    row(
        "Client-share data",
        format!(
            "{} ({}; {})",
            md_text(&b.client_shares.date),
            md_text(&b.client_shares.source),
            md_text(&b.client_shares.table)
        ),
    );
    row(
        "Input digest",
        format!(
            "{} over {}",
            md_code(&b.inputs.digest),
            count(b.inputs.files.len() as u64, "file")
        ),
    );
    row("Report digest", md_code(&r.digest));
    row(
        "Signed by",
        r.signature.as_ref().map_or_else(
            || "not signed".to_owned(),
            |sig| format!("{} (EIP-191 personal\\_sign)", md_code(&sig.address)),
        ),
    );
    s.push('\n');
}

fn names_cell(names: &[String]) -> String {
    names
        .iter()
        .map(|n| md_code(n))
        .collect::<Vec<_>>()
        .join(", ")
}

fn executive_summary(s: &mut String, b: &Body) {
    s.push_str("## Executive summary\n\n");
    s.push_str("| Guardrail | Status | Compliant | Not compliant | Not assessed |\n|---|---|---|---|---|\n");
    for g in &b.guardrails {
        let (ok, broken, unknown) = if g.scope == "operator" {
            let all = || "(operator-wide)".to_owned();
            match g.status {
                Status::Compliant => (all(), String::new(), String::new()),
                Status::NotCompliant => (String::new(), all(), String::new()),
                Status::NotAssessed => (String::new(), String::new(), all()),
            }
        } else {
            (
                names_cell(&g.compliant),
                names_cell(&g.not_compliant),
                names_cell(&g.not_assessed),
            )
        };
        s.push_str(&format!(
            "| {} ({}) | {} | {ok} | {broken} | {unknown} |\n",
            md_text(&g.title),
            md_code(&g.rule),
            status_cell(g.status)
        ));
    }
    s.push('\n');
}

fn changes(s: &mut String, c: &Changes) {
    s.push_str(&format!(
        "## Changes since the last report\n\nPrevious report: {} {} of {}, digest {}.\n\n",
        md_code(&c.previous.operator),
        md_code(&c.previous.period),
        md_text(&c.previous.date),
        md_code(&c.previous.digest)
    ));
    let nothing = c.environments_added.is_empty()
        && c.environments_removed.is_empty()
        && c.guardrails.is_empty()
        && c.keys.is_empty()
        && c.clients.is_empty();
    if nothing {
        s.push_str("No guardrail, key or client changed.\n\n");
        return;
    }
    if !c.environments_added.is_empty() {
        s.push_str(&format!(
            "- Environments added: {}\n",
            names_cell(&c.environments_added)
        ));
    }
    if !c.environments_removed.is_empty() {
        s.push_str(&format!(
            "- Environments removed: {}\n",
            names_cell(&c.environments_removed)
        ));
    }
    if !c.environments_added.is_empty() || !c.environments_removed.is_empty() {
        s.push('\n');
    }
    let st = |x: Option<Status>| x.map_or_else(|| "—".to_owned(), status_cell);
    if !c.guardrails.is_empty() {
        s.push_str("### Guardrails that changed status\n\n| Environment | Guardrail | Before | Now |\n|---|---|---|---|\n");
        for g in &c.guardrails {
            s.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                g.environment
                    .as_deref()
                    .map_or_else(|| "(operator-wide)".to_owned(), md_code),
                md_code(&g.rule),
                st(g.from),
                st(g.to)
            ));
        }
        s.push('\n');
    }
    if !c.keys.is_empty() {
        s.push_str("### Keys\n\n| Environment | Before | Now | Listed keys added | Listed keys removed |\n|---|---|---|---|---|\n");
        for k in &c.keys {
            let (before, after) = super::diff::key_counts(c, k);
            s.push_str(&format!(
                "| {} | {before} | {after} | {} | {} |\n",
                md_code(&k.environment),
                key_list(&k.added),
                key_list(&k.removed)
            ));
        }
        s.push('\n');
    }
    if !c.clients.is_empty() {
        s.push_str("### Clients\n\n| Environment | Pair | Change | Before | Now |\n|---|---|---|---|---|\n");
        for x in &c.clients {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                md_code(&x.environment),
                md_code(&x.pair),
                md_text(&x.change),
                opt(x.before.as_deref()),
                opt(x.after.as_deref())
            ));
        }
        s.push('\n');
    }
}

/// Up to three keys, shortened, and how many more.
fn key_list(keys: &[String]) -> String {
    if keys.is_empty() {
        return "—".into();
    }
    let mut parts: Vec<String> = keys
        .iter()
        .take(3)
        .map(|k| {
            // (a previous report is input: count characters, never slice bytes)
            let chars: Vec<char> = k.chars().collect();
            let short = if chars.len() > 14 {
                let head: String = chars[..10].iter().collect();
                let tail: String = chars[chars.len() - 4..].iter().collect();
                format!("{head}…{tail}")
            } else {
                k.clone()
            };
            md_code(&short)
        })
        .collect();
    if keys.len() > 3 {
        parts.push(format!("and {} more", thousands(keys.len() as u64 - 3)));
    }
    format!("{} ({})", thousands(keys.len() as u64), parts.join(", "))
}

fn environment(s: &mut String, e: &EnvironmentDoc) {
    s.push_str(&format!(
        "## Environment {} — {} {}\n\n",
        md_code(&e.name),
        e.status.mark(),
        e.status.label()
    ));
    let keys = e.keys.count.map_or_else(|| "unknown".to_owned(), thousands);
    let areas = if e.areas.is_empty() {
        "none known".to_owned()
    } else {
        e.areas.join(", ")
    };
    s.push_str(&format!(
        "**Keys:** {keys} (limit {}) · **CL:EL pairs:** {} · **Areas:** {}\n\n",
        thousands(e.keys.limit),
        e.pairs.len(),
        md_text(&areas)
    ));
    s.push_str("### Guardrails\n\n");
    checks_table(s, &e.checks);
    if !e.pairs.is_empty() {
        s.push_str("### CL:EL pairs\n\n| Pair | Consensus | Execution | Host | Region | Area |\n|---|---|---|---|---|---|\n");
        for p in &e.pairs {
            let client = |c: &Option<super::doc::ClientDoc>| {
                c.as_ref().map_or_else(
                    || "unknown".to_owned(),
                    |c| match &c.version {
                        Some(v) => format!("{} {}", md_code(&c.client), md_code(v)),
                        None => md_code(&c.client),
                    },
                )
            };
            let host = match (&p.host, p.placement.as_str()) {
                (Some(h), _) => md_code(h),
                (None, "spread") => "own host (spread)".into(),
                (None, "unconstrained") => "any (unconstrained)".into(),
                _ => "unknown".into(),
            };
            s.push_str(&format!(
                "| {} | {} | {} | {host} | {} | {} |\n",
                md_code(&p.name),
                client(&p.consensus),
                client(&p.execution),
                opt(p.region.as_deref()),
                p.area.as_deref().map_or("—", |a| a)
            ));
        }
        s.push('\n');
        s.push_str("### Client combinations\n\n| Consensus | Execution | Pairs |\n|---|---|---|\n");
        for c in &e.combinations {
            s.push_str(&format!(
                "| {} | {} | {} |\n",
                md_code(&c.consensus),
                md_code(&c.execution),
                c.pairs
            ));
        }
        s.push('\n');
    }
    if !e.regions.is_empty() {
        s.push_str("### Regions\n\n| Region | Area | Pairs |\n|---|---|---|\n");
        for r in &e.regions {
            s.push_str(&format!(
                "| {} | {} | {} |\n",
                md_code(&r.region),
                r.area.as_deref().map_or("unknown", |a| a),
                r.pairs
            ));
        }
        s.push('\n');
    }
    if !e.validator_clients.is_empty() {
        s.push_str("### Validator clients\n\n| Name | Client | Replicas | Doppelganger | Slashing protection | Signer |\n|---|---|---|---|---|---|\n");
        let b = |v: Option<bool>| match v {
            Some(true) => "on",
            Some(false) => "off",
            None => "not stated",
        };
        for v in &e.validator_clients {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                md_code(&v.name),
                opt(v.client.as_deref()),
                v.replicas,
                b(v.doppelganger),
                b(v.slashing_protection),
                v.signer
                    .as_deref()
                    .map_or_else(|| "local keys".to_owned(), md_code)
            ));
        }
        s.push('\n');
    }
    if !e.signers.is_empty() {
        s.push_str(
            "### Remote signers\n\n| Name | Kind | Instances | Threshold |\n|---|---|---|---|\n",
        );
        for x in &e.signers {
            s.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                md_code(&x.name),
                md_text(&x.kind),
                x.instances,
                x.threshold
                    .map_or_else(|| "—".to_owned(), |t| format!("{t} of {}", x.instances))
            ));
        }
        s.push('\n');
    }
}

fn checks_table(s: &mut String, checks: &[Check]) {
    s.push_str("| Guardrail | Status | Figures | Notes |\n|---|---|---|---|\n");
    for c in checks {
        let mut notes = Vec::new();
        if c.findings > 0 {
            notes.push(count(c.findings, "finding"));
        }
        for why in &c.not_assessed {
            notes.push(format!("not assessed: {}", md_message(why)));
        }
        for w in &c.waived {
            notes.push(format!("waived: {}", md_message(&w.reason)));
        }
        s.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            md_code(&c.rule),
            status_cell(c.status),
            md_message(&c.figures),
            notes.join("; ")
        ));
    }
    s.push('\n');
}

fn findings(s: &mut String, findings: &[FindingDoc]) {
    s.push_str(&format!(
        "## Findings ({})\n\n",
        thousands(findings.len() as u64)
    ));
    if findings.is_empty() {
        s.push_str("No findings.\n\n");
        return;
    }
    s.push_str("| Severity | Rule | Environment | Location | Finding |\n|---|---|---|---|---|\n");
    for f in findings {
        let mut text = md_message(&f.message);
        if let Some(reason) = f.reason.as_deref().filter(|_| f.suppressed) {
            text.push_str(&format!(" — **suppressed:** {}", md_message(reason)));
        }
        s.push_str(&format!(
            "| {} | {} | {} | {} | {text} |\n",
            md_text(&f.severity),
            md_code(&f.rule),
            opt(f.environment.as_deref()),
            location(f.location.as_ref()),
        ));
    }
    s.push('\n');
}

fn suppressions(s: &mut String, b: &Body) {
    s.push_str(&format!(
        "## Suppressions and waivers ({})\n\n",
        thousands(b.suppressions.len() as u64)
    ));
    if b.suppressions.is_empty() {
        s.push_str("None.\n\n");
        return;
    }
    s.push_str("| Rule | Scope | Source | Reason | Expires | Valid | Findings suppressed | Location |\n|---|---|---|---|---|---|---|---|\n");
    for x in &b.suppressions {
        let scope = match &x.environment {
            Some(e) => format!("{} {}", md_text(&x.scope), md_code(e)),
            None => md_text(&x.scope),
        };
        let valid = match &x.problem {
            None => "yes".to_owned(),
            Some(p) => format!("**no**: {}", md_text(p)),
        };
        s.push_str(&format!(
            "| {} | {scope} | {} | {} | {} | {valid} | {} | {} |\n",
            md_code(&x.rule),
            md_text(&x.source),
            x.reason
                .as_deref()
                .map_or_else(|| "*(none)*".to_owned(), md_message),
            x.expires.as_deref().map_or("—", |e| e),
            x.suppressed_findings,
            location(x.location.as_ref())
        ));
    }
    s.push('\n');
}

fn inputs(s: &mut String, b: &Body) {
    s.push_str(&format!(
        "## Inputs\n\nDigest {} ({}): SHA-256 over the files below in this order, each framed with its path and length.\n\n| File | Role | Bytes | SHA-256 |\n|---|---|---|---|\n",
        md_code(&b.inputs.digest),
        md_code(&b.inputs.scheme)
    ));
    for f in &b.inputs.files {
        s.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            md_code(&f.path),
            md_text(&f.role),
            thousands(f.bytes),
            f.sha256
                .as_deref()
                .map_or_else(|| "withheld (holds secret values)".to_owned(), md_code)
        ));
    }
    s.push('\n');
}

fn signature(s: &mut String, r: &Report) {
    s.push_str("## Signature\n\n");
    match &r.signature {
        Some(sig) => {
            s.push_str(&format!(
                "Signed by {} with EIP-191 `personal_sign`. Signature:\n\n{}\nMessage:\n\n{}\nCheck it with {}, or any Ethereum tool that verifies a signed message.\n",
                md_code(&sig.address),
                md_fence(&sig.signature, "text"),
                md_fence(&sig.message, "text"),
                md_code(&format!("stakelint verify REPORT.json --expect-address {}", sig.address)),
            ));
        }
        None => {
            s.push_str(&format!(
                "Not signed. The message to sign for this report:\n\n{}",
                md_fence(&r.message(), "text")
            ));
        }
    }
}
