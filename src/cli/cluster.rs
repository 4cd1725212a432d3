//! `stakelint cluster` and `kubectl stakelint`: kubectl-style flags for the live-cluster
//! source, and the same report flags as `lint`.

use super::{Destination, ReportArgs, plan_outputs, report_run, request, usage_error, write};
use crate::app;
use crate::source::cluster::{self, Options};
use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// The program name kubectl runs for `kubectl stakelint`.
const PLUGIN_NAME: &str = "kubectl-stakelint";

/// Lints what runs in a live cluster: read-only (get/list), through the kubeconfig.
#[derive(Debug, Parser)]
#[command(
    name = "kubectl-stakelint",
    bin_name = "kubectl stakelint",
    version,
    about = "Lint what runs in a live cluster against the Ethereum validator guardrails (read-only: list only)",
    long_about = None
)]
struct Plugin {
    #[command(flatten)]
    args: ClusterArgs,
}

#[derive(Debug, clap::Args)]
pub struct ClusterArgs {
    /// Kubeconfig file (default: KUBECONFIG, else ~/.kube/config, else the in-cluster
    /// service account).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context to use (default: the current context).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// Namespace to read (default: the context's namespace, else `default`).
    #[arg(
        long,
        short = 'n',
        value_name = "NS",
        conflicts_with = "all_namespaces"
    )]
    pub namespace: Option<String>,
    /// Read every namespace.
    #[arg(long, short = 'A')]
    pub all_namespaces: bool,
    /// Time allowed for each request to the API server: seconds, or a number with a unit
    /// (500ms, 10s, 1m). An unreachable cluster fails within it (exit 2).
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = cluster::parse_timeout)]
    pub request_timeout: Duration,
    /// Also read Secrets (only the public keys in them are kept; needs `list` on secrets).
    #[arg(long)]
    pub include_secrets: bool,
    /// The object budget: a list of one kind holding more objects than this stops with an
    /// error for that kind (lint a namespace at a time beyond it).
    #[arg(long, value_name = "N", default_value_t = cluster::MAX_OBJECTS_PER_LIST)]
    pub max_objects: usize,
    /// Write what was read to FILE as a multi-document YAML that `stakelint lint FILE`
    /// reads back to the same findings (Secret values are withheld).
    #[arg(long, value_name = "FILE")]
    pub dump: Option<PathBuf>,
    #[command(flatten)]
    pub report: ReportArgs,
}

impl ClusterArgs {
    /// What to read, and how.
    pub fn options(&self) -> Options {
        Options {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
            namespace: self.namespace.clone(),
            all_namespaces: self.all_namespaces,
            request_timeout: self.request_timeout,
            include_secrets: self.include_secrets,
            max_objects: self.max_objects,
        }
    }
}

/// Whether this program was started under the plugin's name (a `kubectl-stakelint`
/// symlink or copy of `stakelint`).
pub(super) fn invoked_as_plugin() -> bool {
    std::env::args_os()
        .next()
        .map(PathBuf::from)
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .is_some_and(|name| name == PLUGIN_NAME)
}

/// Entry point of `kubectl-stakelint` (`kubectl stakelint …`): `stakelint cluster …`.
pub fn kubectl_main() -> ExitCode {
    let plugin = Plugin::parse();
    // kubectl passes no stakelint-wide flags: the key cache follows the environment.
    // (as clap reads STAKELINT_NO_CACHE for `stakelint`: set and not false-like is on)
    let off = std::env::var("STAKELINT_NO_CACHE").is_ok_and(|v| {
        !matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "" | "0" | "false" | "no" | "off" | "n" | "f"
        )
    });
    let dir = std::env::var_os("STAKELINT_CACHE_DIR").map(PathBuf::from);
    super::with_key_cache(dir.as_deref(), off, || run(&plugin.args))
}

/// `stakelint cluster`: read the cluster, write `--dump`, lint, report.
pub(super) fn run(args: &ClusterArgs) -> ExitCode {
    let report = &args.report;
    let plan = match plan_outputs(
        &report.formats,
        report.output.as_deref(),
        report.write_baseline.as_deref(),
    ) {
        Ok(p) => p,
        Err(e) => return usage_error(&e),
    };
    if let Some(d) = &args.dump {
        let taken = plan
            .iter()
            .any(|(_, dest)| *dest == Destination::File(d.clone()))
            || report.write_baseline.as_ref() == Some(d);
        if taken {
            return usage_error(&format!(
                "--dump `{}` is also the file of a report",
                d.display()
            ));
        }
    }
    let snapshot = cluster::read(&args.options());
    // The dump is written before linting: what was read is kept even if a report fails.
    let dump_failed = args.dump.as_ref().is_some_and(|d| {
        let text = snapshot.dump();
        write(&Destination::File(d.clone()), |w| {
            w.write_all(text.as_bytes())
        })
        .is_err()
    });
    let a = app::analyze_with(&request(report, Vec::new(), String::new()), |loaded| {
        snapshot.load_into(loaded);
        loaded.finish();
    });
    let code = report_run(report, &plan, &a);
    if dump_failed { ExitCode::from(2) } else { code }
}
