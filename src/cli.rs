//! Command-line parsing and wiring (clap derive). No logic beyond choosing what to run
//! and mapping outcomes to exit codes: 0 clean, 1 findings at or above `--fail-on`,
//! 2 usage error or an input that could not be read.

use crate::app::{self, Analysis, Request};
use crate::baseline::Baseline;
use crate::config;
use crate::diagnostic::InputError;
use crate::finding::Finding;
use crate::lint::{self, Summary};
use crate::report::{self, Format, Output, RunInfo};
use crate::rule::Severity;
use crate::rules;
use crate::source::files::SourceDb;
use clap::builder::{PossibleValue, TypedValueParser};
use clap::{ArgAction, CommandFactory, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[cfg(feature = "cluster")]
mod cluster;
#[cfg(feature = "cluster")]
pub use cluster::{ClusterArgs, kubectl_main};

/// Guardrail linter for Ethereum validator infrastructure.
#[derive(Debug, Parser)]
#[command(name = "stakelint", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Directory of the cache of public keys already validated (default:
    /// `$XDG_CACHE_HOME/stakelint`, else `~/.cache/stakelint`).
    #[arg(long, global = true, value_name = "DIR", env = "STAKELINT_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Validate every public key again, neither reading nor writing the key cache.
    #[arg(
        long,
        global = true,
        env = "STAKELINT_NO_CACHE",
        action = ArgAction::SetTrue,
        value_parser = clap::builder::FalseyValueParser::new()
    )]
    pub no_cache: bool,
}

/// Runs `f` with the cache of validated public keys installed (unless `off`), and writes
/// the cache back afterwards. See [`crate::source::keycache`].
pub fn with_key_cache<R>(dir: Option<&Path>, off: bool, f: impl FnOnce() -> R) -> R {
    use crate::source::keycache;
    let dir = if off {
        None
    } else {
        keycache::default_dir(dir)
    };
    if let Some(d) = &dir {
        keycache::install(d);
    }
    let r = f();
    if dir.is_some() {
        keycache::persist();
    }
    r
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lint Kubernetes manifests, inventories and validator key files against the guardrails.
    Lint(LintArgs),
    /// Lint what runs in a live cluster, read-only, through the kubeconfig (also `kubectl stakelint`).
    #[cfg(feature = "cluster")]
    Cluster(ClusterArgs),
    /// Write the compliance self-attestation report for the DAO (Markdown, JSON, HTML),
    /// optionally signed with the operator's Ethereum key (EIP-191).
    Report(crate::attest::args::ReportArgs),
    /// Verify a report: its signature, that its body matches its digest, and (with
    /// --inputs) that the inputs reproduce it.
    Verify(crate::attest::args::VerifyArgs),
    /// Combine many operators' JSON reports into protocol-wide figures (for the DAO).
    Aggregate(crate::attest::args::AggregateArgs),
    /// List every rule.
    Rules(RulesArgs),
    /// Print the documentation of one rule.
    Explain {
        /// Rule id, e.g. `duplicate-keys`.
        id: String,
    },
    /// Write a commented `.stakelint.yaml` and a starter `inventory.yaml`.
    Init(InitArgs),
    /// Print a shell completion script (e.g. `stakelint completions bash > /etc/bash_completion.d/stakelint`).
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write one page per command into a directory.
    Man {
        /// Write `stakelint.1`, `stakelint-lint.1`, … into this directory.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
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
    /// The lowest severity that fails the run; `None` for `never`.
    pub fn threshold(self) -> Option<Severity> {
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

/// One `--format` value: a format, and where it goes (`FORMAT` or `FORMAT=FILE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSpec {
    pub format: Format,
    /// `None`: standard output (or `--output`); `Some("-")`: standard output.
    pub path: Option<PathBuf>,
}

impl std::str::FromStr for OutputSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (name, path) = match s.split_once('=') {
            Some((n, p)) => (n, Some(p)),
            None => (s, None),
        };
        let format = Format::from_str(name.trim(), true).map_err(|_| {
            let names: Vec<&str> = Format::value_variants().iter().map(|f| f.name()).collect();
            format!(
                "unknown format `{name}`; expected one of {}, optionally with `=FILE`",
                names.join(", ")
            )
        })?;
        match path {
            Some("") => Err(format!(
                "`{s}` names no file; write `{name}=FILE`, or `{name}` for standard output"
            )),
            Some(p) => Ok(Self {
                format,
                path: Some(PathBuf::from(p)),
            }),
            None => Ok(Self { format, path: None }),
        }
    }
}

/// Parses `--format` values and lists the format names for help and completions.
#[derive(Debug, Clone, Copy)]
struct OutputSpecParser;

impl TypedValueParser for OutputSpecParser {
    type Value = OutputSpec;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<OutputSpec, clap::Error> {
        let text = value.to_str().ok_or_else(|| {
            clap::Error::raw(
                clap::error::ErrorKind::InvalidUtf8,
                "--format: the value is not UTF-8\n",
            )
            .with_cmd(cmd)
        })?;
        text.parse().map_err(|msg| {
            clap::Error::raw(
                clap::error::ErrorKind::InvalidValue,
                format!("invalid value `{text}` for --format: {msg}\n"),
            )
            .with_cmd(cmd)
        })
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            Format::value_variants()
                .iter()
                .filter_map(ValueEnum::to_possible_value),
        ))
    }
}

#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Files or directories to lint (directories are walked for .yaml/.yml/.json); `-` reads stdin.
    #[arg(default_value = ".")]
    pub paths: Vec<String>,
    #[command(flatten)]
    pub report: ReportArgs,
    /// Namespace of objects without `metadata.namespace` (as `kubectl apply -n`); default `default`.
    #[arg(long, short = 'n', value_name = "NS")]
    pub namespace: Option<String>,
    /// An input file larger than this (in bytes) is an error and is not read.
    #[arg(long, value_name = "BYTES", default_value_t = crate::source::load::DEFAULT_MAX_FILE_SIZE)]
    pub max_file_size: u64,
    /// Follow symbolic links inside directories (skipped by default: they may point
    /// outside the tree being linted).
    #[arg(long)]
    pub follow_symlinks: bool,
}

/// What to check and how to report it: the flags `lint`, `cluster` and `kubectl stakelint`
/// share.
#[derive(Debug, Clone, clap::Args)]
pub struct ReportArgs {
    /// Output format, alone (to standard output, or --output) or as FORMAT=FILE; repeat for
    /// several outputs of one run, e.g. `--format human --format sarif=stakelint.sarif`.
    /// At most one output goes to standard output.
    #[arg(
        long = "format",
        value_name = "FORMAT[=FILE]",
        value_parser = OutputSpecParser,
        action = ArgAction::Append,
        default_value = "human"
    )]
    pub formats: Vec<OutputSpec>,
    /// Exit with 1 when a finding at or above this severity is reported.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Configuration file (default: `.stakelint.yaml` in the current directory or a parent).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Client-share table to use instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    pub client_shares: Option<PathBuf>,
    /// Write the report of the `--format` given without `=FILE` to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only report findings of these environments (repeat, or separate with commas).
    #[arg(long = "environment", value_name = "NAME", value_delimiter = ',')]
    pub environments: Vec<String>,
    /// Ignore inline suppressions (inventory `ignore:` entries, annotations); only config
    /// waivers suppress.
    #[arg(long)]
    pub no_inline_suppressions: bool,
    /// Judge expiry dates and data age as of this date (YYYY-MM-DD; default: today, UTC).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub today: Option<jiff::civil::Date>,
    /// Colour human output: auto (a terminal without NO_COLOR), always or never.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Report only findings that are not in this baseline (the JSON report of an earlier
    /// run; findings match by fingerprint, not by line).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write every finding of this run (before --baseline is applied) as a baseline to FILE.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
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

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Directory to write the files into (created if missing).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Overwrite files that already exist.
    #[arg(long)]
    pub force: bool,
}

fn parse_date(s: &str) -> Result<jiff::civil::Date, String> {
    s.parse()
        .map_err(|_| format!("`{s}` is not a date (YYYY-MM-DD)"))
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    #[cfg(feature = "cluster")]
    if cluster::invoked_as_plugin() {
        return kubectl_main();
    }
    let cli = Cli::parse();
    let cached =
        |f: &dyn Fn() -> ExitCode| with_key_cache(cli.cache_dir.as_deref(), cli.no_cache, f);
    match &cli.command {
        Command::Lint(args) => cached(&|| lint_cmd(args)),
        #[cfg(feature = "cluster")]
        Command::Cluster(args) => cached(&|| cluster::run(args)),
        Command::Report(args) => cached(&|| crate::attest::cmd::report(args)),
        Command::Verify(args) => cached(&|| crate::attest::cmd::verify(args)),
        Command::Aggregate(args) => crate::attest::cmd::aggregate(args),
        Command::Rules(args) => emit(&rules_text(args.format), None),
        Command::Explain { id } => {
            if let Some(text) = explain_text(id) {
                emit(&text, None)
            } else {
                usage_error(&format!(
                    "unknown rule `{id}`; `stakelint rules` lists the rule ids"
                ))
            }
        }
        Command::Init(args) => init_cmd(args),
        Command::Completions { shell } => emit(&completions_text(*shell), None),
        Command::Man { dir } => man_cmd(dir.as_deref()),
    }
}

fn usage_error(message: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr(), "error: {message}");
    ExitCode::from(2)
}

fn color_wanted(c: Color, to_terminal: bool) -> bool {
    match c {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

/// Where one report goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Stdout,
    File(PathBuf),
}

/// Decides where each `--format` goes: a `FORMAT` alone goes to `--output` or standard
/// output, `FORMAT=-` to standard output, `FORMAT=FILE` to the file. At most one report
/// may go to standard output, no two to one file, and `--output` must have a taker.
pub fn plan_outputs(
    formats: &[OutputSpec],
    output: Option<&Path>,
    write_baseline: Option<&Path>,
) -> Result<Vec<(Format, Destination)>, String> {
    let plan: Vec<(Format, Destination)> = formats
        .iter()
        .map(|spec| {
            let dest = match &spec.path {
                Some(p) if p.as_os_str() == "-" => Destination::Stdout,
                Some(p) => Destination::File(p.clone()),
                None => output.map_or(Destination::Stdout, |o| Destination::File(o.to_owned())),
            };
            (spec.format, dest)
        })
        .collect();
    let to_stdout: Vec<&str> = plan
        .iter()
        .filter(|(_, d)| *d == Destination::Stdout)
        .map(|(f, _)| f.name())
        .collect();
    if to_stdout.len() > 1 {
        return Err(format!(
            "{} would all go to standard output; give all but one a file, e.g. `--format {}={}`",
            to_stdout.join(", "),
            to_stdout[1],
            match to_stdout[1] {
                "sarif" => "stakelint.sarif",
                "junit" => "junit.xml",
                "markdown" => "stakelint.md",
                "json" => "stakelint.json",
                _ => "stakelint.txt",
            }
        ));
    }
    if let Some(o) = output
        && formats.iter().all(|s| s.path.is_some())
    {
        return Err(format!(
            "--output `{}` has no report to take: every --format names its own file",
            o.display()
        ));
    }
    let mut files: Vec<&Path> = plan
        .iter()
        .filter_map(|(_, d)| match d {
            Destination::File(p) => Some(p.as_path()),
            Destination::Stdout => None,
        })
        .collect();
    files.extend(write_baseline);
    for (i, a) in files.iter().enumerate() {
        if files[..i].contains(a) {
            return Err(format!("two reports would be written to `{}`", a.display()));
        }
    }
    Ok(plan)
}

fn request(args: &ReportArgs, paths: Vec<String>, namespace: String) -> Request {
    Request {
        paths,
        config: args.config.clone(),
        client_shares: args.client_shares.clone(),
        today: args.today.unwrap_or_else(app::today),
        options: lint::Options {
            environments: args.environments.clone(),
            no_inline_suppressions: args.no_inline_suppressions,
        },
        namespace,
    }
}

/// Rules the configuration turns off, for JUnit's skipped test cases. The config is read
/// the way `app::analyze` finds it; its errors were reported by the analysis already.
fn disabled_rules(config_path: Option<&Path>) -> Vec<&'static str> {
    let path = config_path.map(Path::to_path_buf).or_else(|| {
        std::env::current_dir()
            .ok()
            .and_then(|d| config::discover(&d))
    });
    let Some(path) = path else {
        return Vec::new();
    };
    let (cfg, _) = config::load(&mut SourceDb::default(), &path);
    rules::ALL
        .iter()
        .map(|r| r.meta().id)
        .filter(|id| lint::level(&cfg, id).is_none())
        .collect()
}

/// The exit code of a run: 2 when an input could not be read, 1 when a finding fails.
pub fn exit_code(errors: &[InputError], findings: &[Finding], fail_on: FailOn) -> u8 {
    if !errors.is_empty() {
        return 2;
    }
    let failing = fail_on.threshold().is_some_and(|t| {
        findings
            .iter()
            .any(|f| f.suppressed.is_none() && f.severity >= t)
    });
    u8::from(failing)
}

/// The run facts reporters need beyond findings: every environment of the model, the
/// threshold, and the exit code that follows (no rule off, no baseline yet).
pub fn run_info(a: &Analysis, fail_on: FailOn) -> RunInfo {
    RunInfo {
        environments: a
            .model
            .environments
            .iter()
            .map(|e| e.name.value.clone())
            .collect(),
        disabled_rules: Vec::new(),
        fail_on: fail_on.threshold(),
        exit_code: exit_code(&a.errors, &a.findings, fail_on),
        baselined: None,
    }
}

fn lint_cmd(args: &LintArgs) -> ExitCode {
    let report = &args.report;
    let plan = match plan_outputs(
        &report.formats,
        report.output.as_deref(),
        report.write_baseline.as_deref(),
    ) {
        Ok(p) => p,
        Err(e) => return usage_error(&e),
    };
    let req = request(
        report,
        args.paths.clone(),
        args.namespace.clone().unwrap_or_default(),
    );
    let a = app::analyze_with(&req, |loaded| {
        loaded.limits = crate::source::load::ReadLimits {
            max_file_size: args.max_file_size,
            follow_symlinks: args.follow_symlinks,
            release_texts: true,
        };
        crate::source::load::load_into(loaded, &req.paths);
    });
    let code = report_run(report, &plan, &a);
    // The process ends here: freeing every source text and object one by one would only
    // cost time (tens of milliseconds at 100,000 files).
    std::mem::forget(a);
    code
}

/// Writes the reports of an analysis as `args` asks (baseline, every `--format`) and
/// returns the exit code. Shared by `lint` and `cluster`.
fn report_run(args: &ReportArgs, plan: &[(Format, Destination)], a: &Analysis) -> ExitCode {
    let mut errors = a.errors.clone();
    let baseline = args
        .baseline
        .as_deref()
        .and_then(|p| Baseline::load(p).map_err(|e| errors.push(e)).ok());
    let mut run = run_info(a, args.fail_on);
    if plan.iter().any(|(f, _)| *f == Format::Junit) {
        run.disabled_rules = disabled_rules(args.config.as_deref());
    }
    let mut failed_write = false;
    if let Some(path) = &args.write_baseline {
        let all = Output::new(&a.db, &a.findings, &errors, a.summary);
        failed_write |= write(&Destination::File(path.clone()), |w| {
            report::json::write_with(&all, &run, w)
        })
        .is_err();
    }
    // The findings are copied only when a baseline filters them.
    let mut findings = std::borrow::Cow::Borrowed(&a.findings);
    let mut summary = a.summary;
    if let Some(b) = &baseline {
        run.baselined = Some(b.filter(&a.db, findings.to_mut()));
        summary = Summary::new(&findings, a.summary.files, &a.model);
    }
    run.exit_code = exit_code(&errors, &findings, args.fail_on);
    if !errors.is_empty() {
        let color = color_wanted(args.color, std::io::stderr().is_terminal());
        let text = report::human::render_errors(&a.db, &errors, color);
        let _ = std::io::stderr().write_all(text.as_bytes());
    }
    let exit = run.exit_code;
    let out = Output::new(&a.db, &findings, &errors, summary);
    for (format, dest) in plan {
        let color = *format == Format::Human
            && *dest == Destination::Stdout
            && color_wanted(args.color, std::io::stdout().is_terminal());
        failed_write |= write(dest, |w| report::write_with(*format, &out, &run, color, w)).is_err();
    }
    if failed_write {
        ExitCode::from(2)
    } else {
        ExitCode::from(exit)
    }
}

/// Writes what `body` writes to its destination (buffered); a failure is reported on stderr.
fn write(
    dest: &Destination,
    body: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), ()> {
    fn through(
        w: impl Write,
        body: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let mut w = std::io::BufWriter::with_capacity(1 << 16, w);
        body(&mut w)?;
        w.flush()
    }
    let result = match dest {
        Destination::File(path) => std::fs::File::create(path)
            .and_then(|f| through(f, body))
            .map_err(|e| format!("cannot write `{}`: {e}", path.display())),
        Destination::Stdout => through(std::io::stdout().lock(), body)
            .map_err(|e| format!("cannot write to standard output: {e}")),
    };
    result.map_err(|e| {
        let _ = writeln!(std::io::stderr(), "error: {e}");
    })
}

/// Writes `text` to the file, or to stdout; a write failure is exit code 2.
fn emit(text: &str, file: Option<&PathBuf>) -> ExitCode {
    let dest = file.map_or(Destination::Stdout, |p| Destination::File(p.clone()));
    match write(&dest, |w| w.write_all(text.as_bytes())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(()) => ExitCode::from(2),
    }
}

fn init_cmd(args: &InitArgs) -> ExitCode {
    let files = [
        (config::FILE_NAME, crate::init::config_text()),
        ("inventory.yaml", crate::init::INVENTORY.to_owned()),
    ];
    let paths: Vec<PathBuf> = files.iter().map(|(n, _)| args.dir.join(n)).collect();
    let existing: Vec<String> = paths
        .iter()
        .filter(|p| p.exists())
        .map(|p| format!("`{}`", p.display()))
        .collect();
    if !args.force && !existing.is_empty() {
        return usage_error(&format!(
            "{} already exist{}; nothing written (use --force to overwrite)",
            existing.join(" and "),
            if existing.len() == 1 { "s" } else { "" }
        ));
    }
    if let Err(e) = std::fs::create_dir_all(&args.dir) {
        return usage_error(&format!("cannot create `{}`: {e}", args.dir.display()));
    }
    let mut report = String::new();
    for ((_, text), path) in files.iter().zip(&paths) {
        if let Err(e) = std::fs::write(path, text) {
            return usage_error(&format!("cannot write `{}`: {e}", path.display()));
        }
        report.push_str(&format!("wrote {}\n", path.display()));
    }
    report.push_str(
        "next: describe your environments in inventory.yaml, then run `stakelint lint`\n",
    );
    emit(&report, None)
}

/// `stakelint completions SHELL`.
pub fn completions_text(shell: clap_complete::Shell) -> String {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "stakelint", &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

/// The man page of `stakelint` (roff).
pub fn man_page() -> String {
    let mut buf = Vec::new();
    let _ = clap_mangen::Man::new(Cli::command()).render(&mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

fn man_cmd(dir: Option<&Path>) -> ExitCode {
    let Some(dir) = dir else {
        return emit(&man_page(), None);
    };
    let written =
        std::fs::create_dir_all(dir).and_then(|()| clap_mangen::generate_to(Cli::command(), dir));
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => usage_error(&format!(
            "cannot write man pages to `{}`: {e}",
            dir.display()
        )),
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
