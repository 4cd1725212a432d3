//! The pipeline of one run: config → data tables → sources → model → rules → findings.
//! Used by the command line and by tests; prints nothing.

use crate::config::{self, Config};
use crate::data::{self, RuleData};
use crate::diagnostic::InputError;
use crate::finding::Finding;
use crate::lint::{self, Summary};
use crate::model::Model;
use crate::source::files::{SourceDb, SourceFile};

use crate::source::load::{self, Loaded};
use std::path::PathBuf;

/// What to lint and how.
#[derive(Debug, Clone)]
pub struct Request {
    pub paths: Vec<String>,
    /// `--config`; `None` discovers `.stakelint.yaml` upwards from the current directory.
    pub config: Option<PathBuf>,
    /// `--client-shares` (wins over the config's `client_shares`).
    pub client_shares: Option<PathBuf>,
    pub today: jiff::civil::Date,
    pub options: lint::Options,
    /// Namespace of objects that carry none (`-n`); empty for `default`.
    pub namespace: String,
}

/// The result of a run.
#[derive(Debug)]
pub struct Analysis {
    pub db: SourceDb,
    pub model: Model,
    pub findings: Vec<Finding>,
    pub errors: Vec<InputError>,
    /// Skipped documents (not errors).
    pub notes: Vec<InputError>,
    pub summary: Summary,
    /// The configuration the run used (the compliance report states rule parameters and
    /// rules turned off).
    pub config: Config,
    /// The data tables the rules read (the report states the client-share data's date).
    pub data: RuleData,
}

/// Today's date in UTC.
pub fn today() -> jiff::civil::Date {
    jiff::tz::TimeZone::UTC
        .to_datetime(jiff::Timestamp::now())
        .date()
}

/// Runs the whole pipeline. Bad inputs are collected in `errors`; everything else is linted.
pub fn analyze(req: &Request) -> Analysis {
    analyze_with(req, |loaded| load::load_into(loaded, &req.paths))
}

/// [`analyze`] letting go of the texts of files once parsed, as `lint` does: read again to
/// show a finding, or once to digest them for a report (`report`, `verify`).
pub fn analyze_releasing(req: &Request) -> Analysis {
    analyze_with(req, |loaded| {
        loaded.limits.release_texts = true;
        load::load_into(loaded, &req.paths);
    })
}

/// [`analyze`] with other inputs than `req.paths`: `read` adds them (and calls
/// [`Loaded::finish`]), e.g. the objects of a live cluster.
pub fn analyze_with(req: &Request, read: impl FnOnce(&mut Loaded)) -> Analysis {
    let mut loaded = Loaded::default();
    let config = load_config(req, &mut loaded);
    let data = rule_data(req, &config, &mut loaded);
    loaded.namespace.clone_from(&req.namespace);
    read(&mut loaded);
    loaded.done_reading();
    let Loaded {
        db,
        mut model,
        errors: mut errors_out,
        files,
        notes,
        ..
    } = loaded;
    lint::prepare(&mut model, &config, &req.options);
    for name in &req.options.environments {
        if !model.environments.iter().any(|e| &e.name.value == name) {
            let known: Vec<&str> = model
                .environments
                .iter()
                .map(|e| e.name.value.as_str())
                .collect();
            let msg = format!(
                "--environment `{name}` matches no environment in the inputs (found: {})",
                known.join(", ")
            );
            errors_out.push(InputError::file("usage", "--environment", msg));
        }
    }
    let findings = crate::pool::run(|| lint::check(&model, &data, &config, &db, &req.options));
    let summary = Summary::new(&findings, files, &model);
    errors_out.sort_by_key(|e| e.origin.map(|o| (o.file, o.span.start)));
    // The same broken Secret mounted by two workloads is one error.
    errors_out.dedup_by(|a, b| a.origin == b.origin && a.message == b.message && a.path == b.path);
    Analysis {
        db,
        model,
        findings,
        errors: errors_out,
        notes,
        summary,
        config,
        data,
    }
}

fn load_config(req: &Request, loaded: &mut Loaded) -> Config {
    let path = req.config.clone().or_else(|| {
        std::env::current_dir()
            .ok()
            .and_then(|d| config::discover(&d))
    });
    let Some(path) = path else {
        return Config::default();
    };
    let (config, errors) = config::load(&mut loaded.db, &path);
    loaded.errors.extend(errors);
    config
}

fn rule_data(req: &Request, config: &Config, loaded: &mut Loaded) -> RuleData {
    let shares_path = req
        .client_shares
        .clone()
        .or_else(|| config.client_shares.clone());
    let custom = shares_path.and_then(|p| {
        let shown = config::display_path(&p);
        match crate::source::load::read_text_bounded(&p) {
            Ok(text) => {
                let id = loaded.db.add(SourceFile::new(shown, text));
                data::parse_client_shares(id, loaded.db.get(id))
                    .map_err(|e| loaded.errors.push(e))
                    .ok()
            }
            Err(e) => {
                loaded.errors.push(InputError::file(
                    "client-shares",
                    &shown,
                    format!("cannot read client shares `{shown}`: {e}"),
                ));
                None
            }
        }
    });
    let shares = custom.unwrap_or_else(|| {
        let id = data::builtin(&mut loaded.db, "client-shares.yaml", data::CLIENT_SHARES);
        data::parse_client_shares(id, loaded.db.get(id))
            .expect("the embedded client-share table is valid (tested)")
    });
    let id = data::builtin(&mut loaded.db, "regions.yaml", data::REGIONS);
    let mut regions = data::Regions::parse(id, loaded.db.get(id))
        .expect("the embedded region table is valid (tested)");
    for (code, area) in &config.regions {
        regions.insert(code, *area);
    }
    RuleData {
        shares,
        regions,
        today: req.today,
    }
}
