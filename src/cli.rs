//! Command-line parsing and wiring (clap derive). No logic beyond choosing what to run
//! and mapping outcomes to exit codes: 0 clean, 1 findings at or above `--fail-on`,
//! 2 usage error or an input that could not be read.

use crate::app::{self, Request};
use crate::lint;
use crate::report::{self, Format, Output};
use crate::rule::Severity;
use crate::rules;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Guardrail linter for Ethereum validator infrastructure.
#[derive(Debug, Parser)]
#[command(name = "stakelint", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint inventories (and, as they land, manifests and key files) against the guardrails.
    Lint(LintArgs),
    /// List every rule.
    Rules(RulesArgs),
    /// Print the documentation of one rule.
    Explain {
        /// Rule id, e.g. `duplicate-keys`.
        id: String,
    },
}

/// Which findings make the exit code 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
}

/// When to colour human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Files or directories to lint (directories are walked for .yaml/.yml/.json); `-` reads stdin.
    #[arg(default_value = ".")]
    pub paths: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Exit with 1 when a finding at or above this severity is reported.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Configuration file (default: `.stakelint.yaml` in the current directory or a parent).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Client-share table to use instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    pub client_shares: Option<PathBuf>,
    /// Write the report to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only report findings of these environments (repeat, or separate with commas).
    #[arg(long = "environment", value_name = "NAME", value_delimiter = ',')]
    pub environments: Vec<String>,
    /// Ignore inventory `ignore:` entries (and annotations); only config waivers suppress.
    #[arg(long)]
    pub no_inline_suppressions: bool,
    /// Judge expiry dates and data age as of this date (YYYY-MM-DD; default: today, UTC).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub today: Option<jiff::civil::Date>,
    /// Colour human output: auto (a terminal without NO_COLOR), always or never.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Namespace of objects without `metadata.namespace` (as `kubectl apply -n`); default `default`.
    #[arg(long, short = 'n', value_name = "NS")]
    pub namespace: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    /// `table` for people, `json` for tools.
    #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
    pub format: RulesFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    Table,
    Json,
}

fn parse_date(s: &str) -> Result<jiff::civil::Date, String> {
    s.parse()
        .map_err(|_| format!("`{s}` is not a date (YYYY-MM-DD)"))
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Lint(args) => lint_cmd(&args),
        Command::Rules(args) => emit(&rules_text(args.format), None),
        Command::Explain { id } => {
            if let Some(text) = explain_text(&id) {
                emit(&text, None)
            } else {
                let _ = writeln!(
                    std::io::stderr(),
                    "error: unknown rule `{id}`; `stakelint rules` lists the rule ids"
                );
                ExitCode::from(2)
            }
        }
    }
}

fn color_wanted(c: Color, to_terminal: bool) -> bool {
    match c {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

fn lint_cmd(args: &LintArgs) -> ExitCode {
    let req = Request {
        paths: args.paths.clone(),
        config: args.config.clone(),
        client_shares: args.client_shares.clone(),
        today: args.today.unwrap_or_else(app::today),
        options: lint::Options {
            environments: args.environments.clone(),
            no_inline_suppressions: args.no_inline_suppressions,
        },
        namespace: args.namespace.clone().unwrap_or_default(),
    };
    let a = app::analyze(&req);
    if !a.errors.is_empty() {
        let color = color_wanted(args.color, std::io::stderr().is_terminal());
        let text = report::human::render_errors(&a.db, &a.errors, color);
        let _ = std::io::stderr().write_all(text.as_bytes());
    }
    let out = Output {
        db: &a.db,
        findings: &a.findings,
        errors: &a.errors,
        summary: a.summary,
    };
    let color = args.output.is_none() && color_wanted(args.color, std::io::stdout().is_terminal());
    let code = emit(
        &report::render(args.format, &out, color),
        args.output.as_ref(),
    );
    if code != ExitCode::SUCCESS || !a.errors.is_empty() {
        return ExitCode::from(2);
    }
    let failing = args.fail_on.threshold().is_some_and(|t| {
        a.findings
            .iter()
            .any(|f| f.suppressed.is_none() && f.severity >= t)
    });
    if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Writes `text` to the file, or to stdout; a write failure is exit code 2.
fn emit(text: &str, file: Option<&PathBuf>) -> ExitCode {
    let result = match file {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display())),
        None => std::io::stdout()
            .write_all(text.as_bytes())
            .map_err(|e| format!("cannot write to standard output: {e}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e}");
            ExitCode::from(2)
        }
    }
}

/// `stakelint rules`.
pub fn rules_text(format: RulesFormat) -> String {
    match format {
        RulesFormat::Json => {
            let list: Vec<serde_json::Value> = rules::ALL
                .iter()
                .map(|r| {
                    let m = r.meta();
                    let params: serde_json::Map<String, serde_json::Value> = m
                        .params
                        .iter()
                        .map(|p| (p.name.to_owned(), if p.integer { serde_json::json!(p.default as u64) } else { serde_json::json!(p.default) }))
                        .collect();
                    serde_json::json!({"id": m.id, "severity": m.severity.as_str(), "params": params, "summary": m.summary(), "docs": m.docs()})
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&list).unwrap_or_default();
            s.push('\n');
            s
        }
        RulesFormat::Table => {
            let mut s = format!(
                "{:<24} {:<8} {:<26} {}\n",
                "RULE", "DEFAULT", "PARAMETERS", "CHECKS"
            );
            for r in rules::ALL {
                let m = r.meta();
                s.push_str(&format!(
                    "{:<24} {:<8} {:<26} {}\n",
                    m.id,
                    m.severity.as_str(),
                    params_text(m),
                    m.summary()
                ));
            }
            s
        }
    }
}

/// `max_keys: 1000, …` for a rule's parameters.
pub fn params_text(m: &crate::rule::RuleMeta) -> String {
    m.params
        .iter()
        .map(|p| {
            if p.integer {
                format!("{}: {}", p.name, p.default as u64)
            } else {
                format!("{}: {}", p.name, p.default)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `stakelint explain ID`.
pub fn explain_text(id: &str) -> Option<String> {
    let m = rules::by_id(id)?.meta();
    let mut s = format!("# {} ({})\n\n", m.id, m.severity.as_str());
    if !m.params.is_empty() {
        s.push_str("## Parameters\n");
        for p in m.params {
            let default = if p.integer {
                (p.default as u64).to_string()
            } else {
                p.default.to_string()
            };
            s.push_str(&format!("- `{}` (default {default}): {}\n", p.name, p.doc));
        }
        s.push('\n');
    }
    s.push_str(m.docs().trim());
    s.push('\n');
    Some(s)
}

/// The README's rule table (between `<!-- rules:start -->` and `<!-- rules:end -->`),
/// generated from the rules' metadata; a test keeps the README in sync.
pub fn readme_rules_table() -> String {
    let mut s = String::from("| rule | default | parameters | checks |\n|---|---|---|---|\n");
    for r in rules::ALL {
        let m = r.meta();
        let params = params_text(m);
        let params = if params.is_empty() {
            String::new()
        } else {
            format!("`{params}`")
        };
        s.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            m.id,
            m.severity.as_str(),
            params,
            m.summary()
        ));
    }
    s
}
