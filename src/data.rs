//! The data tables rules read: client network shares and region → area, embedded from
//! `rules/data/` at build time, overridable and extensible from the command line and config.

pub mod clients;
pub mod versions;

use crate::diagnostic::InputError;
use crate::model::{Area, Environment, FileId, Layer, Located, Pair};
use crate::source::files::{SourceDb, SourceFile};
use crate::source::yaml::{self, origin_of};
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::collections::{BTreeMap, HashMap};

/// The embedded client-share table.
pub const CLIENT_SHARES: &str = include_str!("../rules/data/client-shares.yaml");
/// The embedded region table.
pub const REGIONS: &str = include_str!("../rules/data/regions.yaml");

/// Client network shares, dated, with their source.
#[derive(Debug, Clone)]
pub struct ClientShares {
    pub date: Located<jiff::civil::Date>,
    pub source: String,
    pub execution: HashMap<String, Located<f64>>,
    pub consensus: HashMap<String, Located<f64>>,
}

impl ClientShares {
    /// The share of `client` in `layer`, when the table has it.
    pub fn share(&self, layer: Layer, client: &str) -> Option<&Located<f64>> {
        match layer {
            Layer::Execution => self.execution.get(client),
            Layer::Consensus => self.consensus.get(client),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SharesDoc {
    date: Spanned<String>,
    source: String,
    #[serde(default)]
    execution: BTreeMap<String, Spanned<f64>>,
    #[serde(default)]
    consensus: BTreeMap<String, Spanned<f64>>,
}

/// Parses a client-share table (SPEC §4.0).
pub fn parse_client_shares(file: FileId, src: &SourceFile) -> Result<ClientShares, InputError> {
    let doc: SharesDoc = yaml::parse_typed(file, src, 0, src.text())?;
    let date_origin = origin_of(file, 0, &doc.date);
    let date = doc
        .date
        .value
        .trim()
        .parse::<jiff::civil::Date>()
        .map_err(|_| {
            InputError::at(
                "client-shares",
                date_origin,
                format!("`{}` is not a date", doc.date.value),
            )
            .help("write the date as YYYY-MM-DD")
        })?;
    let table =
        |m: BTreeMap<String, Spanned<f64>>| -> Result<HashMap<String, Located<f64>>, InputError> {
            m.into_iter()
                .map(|(k, v)| {
                    let origin = origin_of(file, 0, &v);
                    if (0.0..=1.0).contains(&v.value) {
                        Ok((k.to_ascii_lowercase(), Located::new(v.value, origin)))
                    } else {
                        Err(InputError::at(
                            "client-shares",
                            origin,
                            format!(
                                "share {} of `{k}` is not a fraction between 0 and 1",
                                v.value
                            ),
                        )
                        .help("write 42.9% as 0.429"))
                    }
                })
                .collect()
        };
    Ok(ClientShares {
        date: Located::new(date, date_origin),
        source: doc.source,
        execution: table(doc.execution)?,
        consensus: table(doc.consensus)?,
    })
}

/// Region code → broad area.
#[derive(Debug, Clone, Default)]
pub struct Regions {
    map: HashMap<String, Area>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegionsDoc {
    providers: Vec<ProviderDoc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProviderDoc {
    #[allow(dead_code)]
    name: String,
    #[allow(dead_code)]
    source: String,
    regions: BTreeMap<String, Spanned<String>>,
}

impl Regions {
    /// Parses the region table.
    pub fn parse(file: FileId, src: &SourceFile) -> Result<Self, InputError> {
        let doc: RegionsDoc = yaml::parse_typed(file, src, 0, src.text())?;
        let mut out = Regions::default();
        for p in doc.providers {
            for (code, area) in p.regions {
                let parsed = Area::parse(&area.value).ok_or_else(|| {
                    InputError::at(
                        "regions",
                        origin_of(file, 0, &area),
                        format!("`{}` is not an area", area.value),
                    )
                    .help("expected AMERS, EMEA or APAC")
                })?;
                out.insert(&code, parsed);
            }
        }
        Ok(out)
    }

    /// Adds (or replaces) a mapping.
    pub fn insert(&mut self, code: &str, area: Area) {
        self.map.insert(code.trim().to_ascii_lowercase(), area);
    }

    /// The area of a region or zone code: exact match first, then with a zone suffix
    /// stripped (`us-east-1a`, `europe-west3-a`, `westeurope-1`, `fsn1-dc14`).
    pub fn area(&self, code: &str) -> Option<Area> {
        let code = code.trim().to_ascii_lowercase();
        if let Some(a) = self.map.get(&code) {
            return Some(*a);
        }
        let mut candidates = Vec::new();
        if code.ends_with(|c: char| c.is_ascii_lowercase())
            && code.contains(|c: char| c.is_ascii_digit())
        {
            candidates.push(code[..code.len() - 1].to_owned());
        }
        if let Some(i) = code.rfind('-') {
            candidates.push(code[..i].to_owned());
        }
        candidates
            .into_iter()
            .find_map(|c| self.map.get(&c).copied())
    }

    /// The pairs of an environment by area, and the pairs whose region has no known area
    /// (or no region at all).
    pub fn areas_of<'e>(&self, env: &'e Environment) -> AreaSplit<'e> {
        let mut split = AreaSplit::default();
        for p in &env.pairs {
            match p.region.as_ref().and_then(|r| self.area(&r.value)) {
                Some(a) => split.by_area.entry(a).or_default().push(p),
                None => split.unmapped.push(p),
            }
        }
        split
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// The pairs of one environment grouped by broad area.
#[derive(Debug, Default)]
pub struct AreaSplit<'e> {
    pub by_area: BTreeMap<Area, Vec<&'e Pair>>,
    pub unmapped: Vec<&'e Pair>,
}

/// Everything rules read besides the model.
#[derive(Debug, Clone)]
pub struct RuleData {
    pub shares: ClientShares,
    pub regions: Regions,
    /// The date expiries and data age are judged against.
    pub today: jiff::civil::Date,
}

/// Registers an embedded table in the source database (so findings can point into it).
pub fn builtin(db: &mut SourceDb, name: &str, text: &'static str) -> FileId {
    db.add(SourceFile::new(
        format!("<builtin>/rules/data/{name}"),
        text,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_tables_parse() {
        let mut db = SourceDb::default();
        let id = builtin(&mut db, "client-shares.yaml", CLIENT_SHARES);
        let shares = parse_client_shares(id, db.get(id)).unwrap();
        assert!(shares.execution.contains_key("geth"));
        assert!(shares.consensus.contains_key("lighthouse"));
        let id = builtin(&mut db, "regions.yaml", REGIONS);
        let regions = Regions::parse(id, db.get(id)).unwrap();
        assert!(regions.len() > 100, "{} regions", regions.len());
    }

    #[test]
    fn zone_suffixes_are_stripped() {
        let mut r = Regions::default();
        r.insert("us-east-1", Area::Amers);
        r.insert("europe-west3", Area::Emea);
        r.insert("westeurope", Area::Emea);
        r.insert("fsn1", Area::Emea);
        assert_eq!(r.area("US-EAST-1a"), Some(Area::Amers));
        assert_eq!(r.area("europe-west3-b"), Some(Area::Emea));
        assert_eq!(r.area("westeurope-2"), Some(Area::Emea));
        assert_eq!(r.area("fsn1-dc14"), Some(Area::Emea));
        assert_eq!(r.area("mars-1"), None);
    }
}
