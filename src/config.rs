//! `.stakelint.yaml`: per-rule severity and parameters, region → area additions, a
//! client-share override and waivers (SPEC §4.1). Unknown keys are located errors.

use crate::diagnostic::InputError;
use crate::model::{Area, FileId, Located, Scope, Suppression, SuppressionSource};
use crate::rule::Severity;
use crate::source::files::{SourceDb, SourceFile};
use crate::source::inventory::{IgnoreDoc, parse_expiry};
use crate::source::yaml::{self, Node, origin_of};
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// The file name looked for in the current directory and its parents.
pub const FILE_NAME: &str = ".stakelint.yaml";

/// A configured rule level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Off,
    On(Severity),
}

impl Level {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "off" => Some(Level::Off),
            "info" => Some(Level::On(Severity::Info)),
            "warning" | "warn" => Some(Level::On(Severity::Warning)),
            "error" => Some(Level::On(Severity::Error)),
            _ => None,
        }
    }
}

/// Settings of one rule.
#[derive(Debug, Clone, Default)]
pub struct RuleConfig {
    pub level: Option<Level>,
    pub params: HashMap<String, f64>,
}

/// The whole configuration (empty when there is no config file).
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub file: Option<FileId>,
    pub rules: HashMap<String, RuleConfig>,
    pub regions: Vec<(String, Area)>,
    /// Client-share override, resolved relative to the config file.
    pub client_shares: Option<PathBuf>,
    pub waivers: Vec<Suppression>,
    /// The fee recipient every validator client must use (`fee-recipient`), lower-case.
    pub expected_fee_recipient: Option<Located<String>>,
    /// MEV relays mev-boost may use (`mev-relay-allowlist`); `None` when not configured.
    pub relay_allowlist: Option<Vec<Located<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigDoc {
    rules: Option<yaml::At<Node>>,
    #[serde(default)]
    regions: BTreeMap<String, Spanned<String>>,
    client_shares: Option<String>,
    #[serde(default)]
    waivers: Vec<IgnoreDoc>,
    expected_fee_recipient: Option<Spanned<String>>,
    relay_allowlist: Option<Vec<Spanned<String>>>,
}

/// Finds `.stakelint.yaml` in `start` or its parents.
pub fn discover(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|d| d.join(FILE_NAME))
        .find(|p| p.is_file())
}

/// Reads and validates a config file, registering it in `db`. Returns the valid part of
/// the config beside the errors of the rest.
pub fn load(db: &mut SourceDb, path: &Path) -> (Config, Vec<InputError>) {
    let shown = display_path(path);
    let text = match crate::source::load::read_text_bounded(path) {
        Ok(t) => t,
        Err(e) => {
            let msg = format!("cannot read config `{shown}`: {e}");
            return (
                Config::default(),
                vec![InputError::file("config", &shown, msg)],
            );
        }
    };
    let id = db.add(SourceFile::new(shown, text));
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    parse(id, db.get(id), &dir)
}

/// Parses a config text; relative paths in it resolve against `dir`.
pub fn parse(file: FileId, src: &SourceFile, dir: &Path) -> (Config, Vec<InputError>) {
    let empty = Config {
        file: Some(file),
        ..Config::default()
    };
    if src.text().trim().is_empty() {
        return (empty, Vec::new());
    }
    let doc: ConfigDoc = match yaml::parse_typed(file, src, 0, src.text()) {
        Ok(d) => d,
        Err(e) => return (empty, vec![e]),
    };
    let mut errors = Vec::new();
    let mut cfg = Config {
        file: Some(file),
        client_shares: doc.client_shares.map(|p| dir.join(p)),
        ..Config::default()
    };
    for (code, area) in doc.regions {
        match Area::parse(&area.value) {
            Some(a) => cfg.regions.push((code, a)),
            None => errors.push(
                InputError::at(
                    "config",
                    origin_of(file, 0, &area),
                    format!("`{}` is not an area", area.value),
                )
                .help("expected AMERS, EMEA or APAC"),
            ),
        }
    }
    if let Some(rules) = &doc.rules {
        rules_section(file, rules, &mut cfg, &mut errors);
    }
    for w in doc.waivers {
        match waiver(file, w) {
            Ok(s) => cfg.waivers.push(s),
            Err(e) => errors.push(e),
        }
    }
    if let Some(a) = doc.expected_fee_recipient {
        let origin = origin_of(file, 0, &a);
        match parse_address(&a.value) {
            Ok(addr) => cfg.expected_fee_recipient = Some(Located::new(addr, origin)),
            Err(why) => errors.push(
                InputError::at(
                    "config",
                    origin,
                    format!("`expected_fee_recipient` is not an address: {why}"),
                )
                .help("write it as 0x followed by 40 hex digits, e.g. Lido's execution-layer rewards vault 0x388C818CA8B9251b393131C08a736A67ccB19297"),
            ),
        }
    }
    if let Some(list) = doc.relay_allowlist {
        let mut relays = Vec::new();
        for r in list {
            let origin = origin_of(file, 0, &r);
            match parse_relay(&r.value) {
                Ok(_) => relays.push(Located::new(r.value.trim().to_owned(), origin)),
                Err(why) => errors.push(
                    InputError::at(
                        "config",
                        origin,
                        format!("`{}` is not a relay URL: {why}", r.value),
                    )
                    .help(
                        "write relays as mev-boost takes them: https://0x<relay public key>@<host>",
                    ),
                ),
            }
        }
        cfg.relay_allowlist = Some(relays);
    }
    (cfg, errors)
}

/// An execution-layer address (`0x` + 40 hex digits), lower-cased for comparison.
pub fn parse_address(s: &str) -> Result<String, &'static str> {
    let s = s.trim();
    let hex = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .ok_or("it does not start with 0x")?;
    if hex.len() != 40 {
        return Err("it does not have 40 hex digits");
    }
    if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err("it has a character that is not a hex digit");
    }
    Ok(format!("0x{}", hex.to_ascii_lowercase()))
}

/// A relay URL as mev-boost takes it: `http(s)://[0x<BLS public key>@]host[:port][/path]`.
/// Returns the canonical form (`pubkey@host:port`, lower-case) used for comparison.
pub fn parse_relay(s: &str) -> Result<String, &'static str> {
    let s = s.trim();
    let (scheme, rest) = s.split_once("://").ok_or("it has no scheme (https://)")?;
    if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") {
        return Err("its scheme is not http or https");
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let (pubkey, host) = match authority.rsplit_once('@') {
        Some((k, h)) => (Some(k), h),
        None => (None, authority),
    };
    if host.is_empty() {
        return Err("it has no host");
    }
    if let Some(k) = pubkey {
        let hex = k.strip_prefix("0x").unwrap_or(k);
        if hex.len() != 96 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err("its public key is not 0x followed by 96 hex digits");
        }
    }
    let host = host.to_ascii_lowercase();
    let host = host.strip_suffix(":443").unwrap_or(&host);
    Ok(match pubkey {
        Some(k) => format!("{}@{host}", k.to_ascii_lowercase()),
        None => host.to_owned(),
    })
}

fn waiver(file: FileId, w: IgnoreDoc) -> Result<Suppression, InputError> {
    let origin = origin_of(file, 0, &w.rule);
    let expires = w
        .expires
        .map(|e| parse_expiry("config", file, 0, &e))
        .transpose()?;
    let scope = w
        .environment
        .map_or(Scope::All, |e| Scope::Environment(e.value));
    Ok(Suppression {
        rule: Located::new(w.rule.value, origin),
        reason: w
            .reason
            .map(|r| Located::new(r.value.clone(), origin_of(file, 0, &r))),
        expires,
        scope,
        source: SuppressionSource::Config,
        origin,
    })
}

fn rules_section(
    file: FileId,
    rules: &yaml::At<Node>,
    cfg: &mut Config,
    errors: &mut Vec<InputError>,
) {
    let at = |s: &yaml::At<Node>| origin_of(file, 0, s);
    let Node::Map(entries) = &rules.value else {
        errors.push(InputError::at(
            "config",
            at(rules),
            "`rules` must be a mapping of rule id to settings",
        ));
        return;
    };
    for (key, value) in entries {
        let key_at = origin_of(file, 0, key);
        let Some(rule) = crate::rules::by_id(&key.value) else {
            errors.push(
                InputError::at("config", key_at, format!("unknown rule `{}`", key.value))
                    .label("not a rule id")
                    .help("`stakelint rules` lists the rule ids"),
            );
            continue;
        };
        let meta = rule.meta();
        let mut rc = RuleConfig::default();
        match &value.value {
            Node::Str(_) | Node::Bool(_) => rc.level = level_of(&value.value, at(value), errors),
            Node::Map(settings) => {
                for (k, v) in settings {
                    if k.value == "severity" {
                        rc.level = level_of(&v.value, at(v), errors);
                        continue;
                    }
                    let Some(param) = meta.param(&k.value) else {
                        let known: Vec<&str> = meta.params.iter().map(|p| p.name).collect();
                        let help = if known.is_empty() {
                            format!("`{}` takes only `severity`", meta.id)
                        } else {
                            format!("`{}` takes `severity` and {}", meta.id, known.join(", "))
                        };
                        errors.push(
                            InputError::at(
                                "config",
                                origin_of(file, 0, k),
                                format!("unknown setting `{}` for rule `{}`", k.value, meta.id),
                            )
                            .help(help),
                        );
                        continue;
                    };
                    let num = match v.value {
                        Node::Int(i) => Some(i as f64),
                        Node::UInt(u) => Some(u as f64),
                        Node::Float(f) if !param.integer => Some(f),
                        _ => None,
                    };
                    match num {
                        Some(n) if n >= 0.0 => {
                            rc.params.insert(param.name.to_owned(), n);
                        }
                        _ => errors.push(InputError::at(
                            "config",
                            at(v),
                            format!(
                                "`{}` must be a {}",
                                param.name,
                                if param.integer {
                                    "whole number ≥ 0"
                                } else {
                                    "number ≥ 0"
                                }
                            ),
                        )),
                    }
                }
            }
            _ => errors.push(InputError::at(
                "config",
                at(value),
                format!("settings of `{}` must be a severity or a mapping", meta.id),
            )),
        }
        cfg.rules.insert(meta.id.to_owned(), rc);
    }
}

/// A severity node; YAML 1.1 reads a bare `off` as the boolean false, so accept that too.
fn level_of(n: &Node, origin: crate::model::Origin, errors: &mut Vec<InputError>) -> Option<Level> {
    match n {
        Node::Bool(false) => Some(Level::Off),
        Node::Str(s) => level(s, origin, errors),
        _ => {
            errors.push(
                InputError::at("config", origin, "not a severity")
                    .help("expected off, info, warning or error"),
            );
            None
        }
    }
}

fn level(s: &str, origin: crate::model::Origin, errors: &mut Vec<InputError>) -> Option<Level> {
    let l = Level::parse(s);
    if l.is_none() {
        errors.push(
            InputError::at("config", origin, format!("`{s}` is not a severity"))
                .help("expected off, info, warning or error"),
        );
    }
    l
}

/// A path as the user would write it: relative to the current directory when inside it.
pub fn display_path(path: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(&cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
        .to_string_lossy()
        .into_owned()
}
