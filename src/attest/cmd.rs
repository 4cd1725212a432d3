//! Running `stakelint report`, `verify` and `aggregate`: read, build, sign, render, write,
//! and map the outcome to an exit code.
//!
//! - `report`: 0 when the report was written (whatever it says: it is a statement, not a
//!   gate), 2 for a usage error, an unreadable input, key or previous report, or a failed write.
//! - `verify`: 0 verified, 1 a check failed, 2 the report cannot be read.
//! - `aggregate`: 0 every report verified, 1 some did not, 2 a file cannot be read or written.

use super::aggregate::{self, Input};
use super::args::{AggregateArgs, ReportArgs, ReportFormat, ReportOutput, VerifyArgs};
use super::build::{self, Meta};
use super::doc::{Report, SIGNATURE_SCHEME, SignatureDoc};
use super::sign::{self, Address};
use super::{aggregate_render, diff, html, keystore, markdown, verify};
use crate::app::{self, Request};
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn stderr(msg: &str) {
    let _ = writeln!(std::io::stderr(), "{msg}");
}

fn fail(msg: &str) -> ExitCode {
    stderr(&format!("error: {msg}"));
    ExitCode::from(2)
}

/// Writes to a file, or to standard output for `None`.
fn write_to(path: Option<&Path>, text: &str) -> Result<(), String> {
    match path {
        Some(p) => {
            std::fs::write(p, text).map_err(|e| format!("cannot write `{}`: {e}", p.display()))
        }
        None => std::io::stdout()
            .write_all(text.as_bytes())
            .and_then(|()| std::io::stdout().flush())
            .map_err(|e| format!("cannot write to standard output: {e}")),
    }
}

/// Where each rendering goes: at most one to standard output, no two to one file.
fn plan(
    formats: &[ReportOutput],
    output: Option<&Path>,
) -> Result<Vec<(ReportFormat, Option<PathBuf>)>, String> {
    let plan: Vec<(ReportFormat, Option<PathBuf>)> = formats
        .iter()
        .map(|o| match &o.path {
            Some(p) if p.as_os_str() == "-" => (o.format, None),
            Some(p) => (o.format, Some(p.clone())),
            None => (o.format, output.map(Path::to_path_buf)),
        })
        .collect();
    if plan.iter().filter(|(_, p)| p.is_none()).count() > 1 {
        return Err("two renderings would go to standard output; give all but one a file, e.g. `--format json=report.json`".into());
    }
    for (i, (_, p)) in plan.iter().enumerate() {
        if let Some(p) = p
            && plan[..i].iter().any(|(_, q)| q.as_ref() == Some(p))
        {
            return Err(format!(
                "two renderings would be written to `{}`",
                p.display()
            ));
        }
    }
    if let Some(o) = output
        && formats.iter().all(|f| f.path.is_some())
    {
        return Err(format!(
            "--output `{}` has no rendering to take: every --format names its own file",
            o.display()
        ));
    }
    Ok(plan)
}

/// A name or period for the signed message: one line, printable, not too long.
fn check_field(what: &str, value: &str, max: usize) -> Result<String, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(format!("the {what} is empty"));
    }
    if v.chars().any(char::is_control) {
        return Err(format!(
            "the {what} contains a line break or control character; it goes into the signed message, one line each"
        ));
    }
    if v.chars().count() > max {
        return Err(format!("the {what} is longer than {max} characters"));
    }
    Ok(v.to_owned())
}

/// `2026-Q4` for a date in October to December 2026.
pub fn quarter(date: jiff::civil::Date) -> String {
    format!("{}-Q{}", date.year(), (date.month() - 1) / 3 + 1)
}

/// `stakelint report`.
pub fn report(args: &ReportArgs) -> ExitCode {
    let plan = match plan(&args.formats, args.output.as_deref()) {
        Ok(p) => p,
        Err(e) => return fail(&e),
    };
    let expected = match args.signer.as_deref().map(Address::parse).transpose() {
        Ok(a) => a,
        Err(e) => return fail(&format!("--signer: {e}")),
    };
    let attached = match args
        .signature
        .as_deref()
        .map(sign::parse_signature)
        .transpose()
    {
        Ok(s) => s,
        Err(e) => return fail(&format!("--signature: {e}")),
    };
    let date = args.today.unwrap_or_else(app::today);
    let a = app::analyze_releasing(&Request {
        paths: args.paths.clone(),
        config: args.config.clone(),
        client_shares: args.client_shares.clone(),
        today: date,
        options: crate::lint::Options {
            environments: Vec::new(),
            no_inline_suppressions: args.no_inline_suppressions,
        },
        namespace: args.namespace.clone().unwrap_or_default(),
    });
    if !a.errors.is_empty() {
        let color = std::io::stderr().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        let _ = std::io::stderr()
            .write_all(crate::report::human::render_errors(&a.db, &a.errors, color).as_bytes());
        return fail(&format!(
            "{} input{} could not be read; no report written (an attestation must cover every input)",
            a.errors.len(),
            if a.errors.len() == 1 { "" } else { "s" }
        ));
    }
    let operator = args
        .operator
        .clone()
        .or_else(|| a.model.operator.as_ref().map(|o| o.value.clone()));
    let Some(operator) = operator else {
        return fail("no operator name: give --operator NAME, or `metadata.name` in the inventory");
    };
    let fields = check_field("operator name", &operator, 200).and_then(|o| {
        Ok((
            o,
            check_field(
                "period",
                &args.period.clone().unwrap_or_else(|| quarter(date)),
                64,
            )?,
        ))
    });
    let (operator, period) = match fields {
        Ok(f) => f,
        Err(e) => return fail(&e),
    };
    let meta = Meta {
        operator,
        period,
        date,
        namespace: args.namespace.clone().unwrap_or_default(),
        no_inline_suppressions: args.no_inline_suppressions,
    };
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut body = match build::build(&a, &meta, &cwd) {
        Ok(b) => b,
        Err(e) => return fail(&format!("{e}; no report written")),
    };
    if let Some(prev) = &args.previous {
        match read_previous(prev) {
            Ok(p) => body.changes = Some(diff::changes(&p, &body)),
            Err(e) => return fail(&e),
        }
    }
    let mut report = Report::new(body);
    if args.print_message {
        let _ = write_to(None, &report.message());
        stderr(&format!(
            "\n\nSign the message above exactly as printed (EIP-191 personal_sign), then attach the signature with the same inputs and options:\n  stakelint report … --today {date} --signature 0x…{}",
            args.period
                .as_ref()
                .map_or_else(String::new, |p| format!(" --period {p}"))
        ));
        return ExitCode::SUCCESS;
    }
    let message = report.message();
    let signature = if let Some(key_file) = &args.sign_key_file {
        let key = match keystore::load(key_file, args.password_file.as_deref()) {
            Ok(k) => k,
            Err(e) => return fail(&e),
        };
        Some((sign::sign(&key, &message), Address::of(key.verifying_key())))
    } else if let Some(sig) = attached {
        match sign::recover(&message, &sig) {
            Ok(addr) => Some((sig, addr)),
            Err(e) => return fail(&format!("--signature: {e}")),
        }
    } else {
        None
    };
    if let Some((sig, addr)) = signature {
        match expected {
            Some(want) if want != addr => {
                return fail(&format!(
                    "the signature over this report's message is by {addr}, not by --signer {want}: was it made for the same inputs, --today and --period? (`--print-message` shows the message)"
                ));
            }
            None if args.signature.is_some() => stderr(&format!(
                "note: the signature recovers to {addr}; if that is not your address, the message signed was another one (give --signer to check)"
            )),
            _ => {}
        }
        report.signature = Some(SignatureDoc {
            scheme: SIGNATURE_SCHEME.into(),
            address: addr.to_string(),
            signature: sign::signature_hex(&sig),
            message,
        });
    }
    let mut failed = false;
    for (format, path) in &plan {
        let text = match format {
            ReportFormat::Markdown => markdown::render(&report),
            ReportFormat::Json => report.to_json(),
            ReportFormat::Html => html::render(&report),
        };
        if let Err(e) = write_to(path.as_deref(), &text) {
            stderr(&format!("error: {e}"));
            failed = true;
        } else if let Some(p) = path {
            stderr(&format!("wrote {} ({})", p.display(), format.name()));
        }
    }
    stderr(&format!(
        "report of `{}` for {}: {}, {}; digest {}",
        report.body.operator,
        report.body.period,
        report.body.summary.status.label(),
        report.signature.as_ref().map_or_else(
            || "not signed".to_owned(),
            |s| format!("signed by {}", s.address)
        ),
        report.digest
    ));
    if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    }
}

/// Reads a previous report; it must be intact (its body matches its digest).
fn read_previous(path: &Path) -> Result<Report, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the previous report `{}`: {e}", path.display()))?;
    let (value, report) =
        verify::parse(&text).map_err(|e| format!("previous report `{}`: {e}", path.display()))?;
    verify::check_digest(&value, &report)
        .map_err(|e| format!("previous report `{}`: {e}", path.display()))?;
    Ok(report)
}

/// `stakelint verify`.
pub fn verify(args: &VerifyArgs) -> ExitCode {
    let expect = match args
        .expect_address
        .as_deref()
        .map(Address::parse)
        .transpose()
    {
        Ok(a) => a,
        Err(e) => return fail(&format!("--expect-address: {e}")),
    };
    let text = match std::fs::read_to_string(&args.report) {
        Ok(t) => t,
        Err(e) => return fail(&format!("cannot read `{}`: {e}", args.report.display())),
    };
    let opts = verify::Options {
        inputs: args.inputs.clone(),
        config: args.config.clone(),
        client_shares: args.client_shares.clone(),
        expect,
        cwd: std::env::current_dir().unwrap_or_default(),
    };
    match verify::verify(&text, &opts) {
        Ok(v) => {
            let _ = write_to(None, &v.render(&args.report.display().to_string()));
            if v.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => fail(&format!("`{}`: {e}", args.report.display())),
    }
}

/// Reads a `--signers` file: a YAML or JSON map of operator name → address.
fn read_signers(path: &Path) -> Result<BTreeMap<String, Address>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let raw: BTreeMap<String, String> = serde_saphyr::from_str(&text).map_err(|e| {
        format!(
            "`{}` is not a map of operator name to address: {e}",
            path.display()
        )
    })?;
    raw.into_iter()
        .map(|(op, addr)| {
            Address::parse(&addr)
                .map(|a| (op.clone(), a))
                .map_err(|e| format!("`{}`, operator `{op}`: {e}", path.display()))
        })
        .collect()
}

/// `stakelint aggregate`.
pub fn aggregate(args: &AggregateArgs) -> ExitCode {
    let plan = match plan(&args.formats, args.output.as_deref()) {
        Ok(p) => p,
        Err(e) => return fail(&e),
    };
    let signers = match args.signers.as_deref().map(read_signers).transpose() {
        Ok(s) => s.unwrap_or_default(),
        Err(e) => return fail(&e),
    };
    let mut unreadable = false;
    let inputs: Vec<Input> = args
        .reports
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).map_err(|e| {
                unreadable = true;
                format!("cannot read: {e}")
            });
            Input {
                name: p.display().to_string(),
                text,
            }
        })
        .collect();
    let agg = aggregate::aggregate(
        &inputs,
        &aggregate::Options {
            signers,
            include_unverified: args.include_unverified,
        },
    );
    let mut failed_write = false;
    for (format, path) in &plan {
        let text = match format {
            ReportFormat::Markdown => aggregate_render::markdown(&agg),
            ReportFormat::Json => agg.to_json(),
            ReportFormat::Html => aggregate_render::html_page(&agg),
        };
        if let Err(e) = write_to(path.as_deref(), &text) {
            stderr(&format!("error: {e}"));
            failed_write = true;
        }
    }
    let failing: Vec<&aggregate::ReportEntry> =
        agg.reports.iter().filter(|r| !r.verified).collect();
    for r in &failing {
        stderr(&format!(
            "not verified: {}: {}",
            r.file,
            r.problems.join("; ")
        ));
    }
    if failed_write || unreadable {
        ExitCode::from(2)
    } else if failing.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
