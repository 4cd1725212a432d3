//! Command-line arguments of `stakelint report`, `verify` and `aggregate` (clap derive),
//! kept beside the code they drive; `cli.rs` only names the subcommands.

use clap::ValueEnum;
use std::path::PathBuf;

/// Output formats of `report` and `aggregate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// For the DAO's forum (Discourse): headings and tables, no raw HTML.
    Markdown,
    /// The canonical, signed document (schemas/report-v1.schema.json).
    Json,
    /// One self-contained page with inline SVG charts, for sharing and printing.
    Html,
}

impl ReportFormat {
    pub fn name(self) -> &'static str {
        match self {
            ReportFormat::Markdown => "markdown",
            ReportFormat::Json => "json",
            ReportFormat::Html => "html",
        }
    }
}

/// One `--format FORMAT[=FILE]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportOutput {
    pub format: ReportFormat,
    pub path: Option<PathBuf>,
}

/// Parses `markdown`, `json=report.json`, `html=-`.
pub fn parse_output(s: &str) -> Result<ReportOutput, String> {
    let (name, path) = match s.split_once('=') {
        Some((n, p)) => (n, Some(p)),
        None => (s, None),
    };
    let format = ReportFormat::from_str(name.trim(), true).map_err(|_| {
        format!("unknown format `{name}`; expected markdown, json or html, optionally with `=FILE`")
    })?;
    match path {
        Some("") => Err(format!("`{s}` names no file; write `{name}=FILE`")),
        Some(p) => Ok(ReportOutput {
            format,
            path: Some(PathBuf::from(p)),
        }),
        None => Ok(ReportOutput { format, path: None }),
    }
}

fn parse_date(s: &str) -> Result<jiff::civil::Date, String> {
    s.parse()
        .map_err(|_| format!("`{s}` is not a date (YYYY-MM-DD)"))
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Files or directories to report on, as for `lint` (`-` reads stdin).
    #[arg(default_value = ".")]
    pub paths: Vec<String>,
    /// Operator name (default: the inventory's `metadata.name`).
    #[arg(long, value_name = "NAME")]
    pub operator: Option<String>,
    /// Reporting period, e.g. 2026-Q4 (default: the quarter of the report date).
    #[arg(long, value_name = "PERIOD")]
    pub period: Option<String>,
    /// markdown (default), json or html; FORMAT=FILE writes that rendering to FILE; repeat
    /// for several renderings of one report (they carry the same digest and signature).
    #[arg(
        long = "format",
        value_name = "FORMAT[=FILE]",
        value_parser = parse_output,
        action = clap::ArgAction::Append,
        default_value = "markdown"
    )]
    pub formats: Vec<ReportOutput>,
    /// Write the rendering of the --format given without =FILE to this file.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Configuration file (default: `.stakelint.yaml` here or in a parent directory).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Client-share table to use instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    pub client_shares: Option<PathBuf>,
    /// Namespace of objects without `metadata.namespace`.
    #[arg(long, short = 'n', value_name = "NS")]
    pub namespace: Option<String>,
    /// Ignore inventory `ignore:` entries and annotations; only config waivers suppress.
    #[arg(long)]
    pub no_inline_suppressions: bool,
    /// The report date (YYYY-MM-DD; default: today, UTC); expiries and data age are judged
    /// as of it. Give the same date to make the same report again.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub today: Option<jiff::civil::Date>,
    /// The previous report (JSON): adds "changes since the last report".
    #[arg(long, value_name = "OLD.json")]
    pub previous: Option<PathBuf>,
    /// Sign with this key: a file holding a hex private key, or a Web3 Secret Storage (v3)
    /// keystore (then give --password-file).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["signature", "print_message"])]
    pub sign_key_file: Option<PathBuf>,
    /// The keystore's password (the file's first line).
    #[arg(long, value_name = "FILE", requires = "sign_key_file")]
    pub password_file: Option<PathBuf>,
    /// Print the exact message to sign elsewhere (hardware wallet, `cast wallet sign`) and
    /// write no report; then run again with the same inputs, --today and --signature.
    #[arg(long, conflicts_with = "signature")]
    pub print_message: bool,
    /// Attach a signature made elsewhere over the --print-message message (0x + 130 hex).
    #[arg(long, value_name = "0x…")]
    pub signature: Option<String>,
    /// The address that must have signed (checked for --signature and --sign-key-file).
    #[arg(long, value_name = "0x…")]
    pub signer: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The report (JSON).
    pub report: PathBuf,
    /// The inputs the report was made from: recompute the input digest and, with the same
    /// stakelint version, every status and finding.
    #[arg(long, num_args = 1.., value_name = "PATH")]
    pub inputs: Option<Vec<String>>,
    /// Configuration file used for the report (with --inputs).
    #[arg(long, value_name = "FILE", requires = "inputs")]
    pub config: Option<PathBuf>,
    /// Client-share table used for the report (with --inputs).
    #[arg(long, value_name = "FILE", requires = "inputs")]
    pub client_shares: Option<PathBuf>,
    /// The address that must have signed (the operator's manager address).
    #[arg(long, value_name = "0x…")]
    pub expect_address: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct AggregateArgs {
    /// Operators' reports (JSON).
    #[arg(required = true, value_name = "REPORT.json")]
    pub reports: Vec<PathBuf>,
    /// markdown (default), json or html; FORMAT=FILE writes to FILE; repeat for several.
    #[arg(
        long = "format",
        value_name = "FORMAT[=FILE]",
        value_parser = parse_output,
        action = clap::ArgAction::Append,
        default_value = "markdown"
    )]
    pub formats: Vec<ReportOutput>,
    /// Write the rendering of the --format given without =FILE to this file.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// YAML or JSON map of operator name → expected signer address; a report signed by
    /// another address fails.
    #[arg(long, value_name = "FILE")]
    pub signers: Option<PathBuf>,
    /// Count reports whose signature fails (a body that does not match its digest never counts).
    #[arg(long)]
    pub include_unverified: bool,
}
