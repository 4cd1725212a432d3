//! The input digest: one SHA-256 over every input of a report, the same on any machine
//! for the same files.
//!
//! **Which files.** Every file the run read: the files and walked directories named on
//! the command line (and stdin), key files read for an inventory's `keys.from`, the
//! configuration file and a `--client-shares` table. The built-in data tables are not
//! inputs: the rule-set digest covers them.
//!
//! **Normalised paths.** Each path is made absolute (against the current directory),
//! cleaned lexically (`.` and `..` removed, no symlinks resolved), and written relative to
//! the deepest folder that holds every input file, with `/` separators. So
//! `stakelint report deploy/` run in the repository and `--inputs /ci/checkout/deploy` run
//! elsewhere both see `a.yaml`, `b.yaml`. Standard input is `-`.
//!
//! **Framing** (scheme `stakelint-inputs/v1`): entries are sorted by normalised path (bytes,
//! ties by content), exact duplicates (same path and bytes) are dropped, and
//!
//! ```text
//! digest = SHA-256( "stakelint-inputs/v1\n"
//!                   ‖ for each entry: u64be(len(path)) ‖ path ‖ u64be(len(bytes)) ‖ bytes )
//! ```
//!
//! The report also lists each file's size and SHA-256 (withheld for files that hold
//! secret values) so that a mismatch can be traced to a file.

use super::doc::{InputFile, Inputs, sha256_tag};
use crate::config::Config;
use crate::data::RuleData;
use crate::model::FileId;
use crate::source::files::SourceDb;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// The framing scheme (see the module docs).
pub const SCHEME: &str = "stakelint-inputs/v1";

/// One input file.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub file: Option<FileId>,
    /// Normalised path.
    pub path: String,
    pub bytes: &'a [u8],
    /// Whether the file holds secret values (its own digest is not published).
    pub secret: bool,
    pub role: &'static str,
}

/// The inputs of a run: entries in canonical order, and each file's normalised path.
#[derive(Debug, Clone)]
pub struct InputSet<'a> {
    pub entries: Vec<Entry<'a>>,
    pub paths: HashMap<FileId, String>,
}

impl InputSet<'_> {
    /// The digest over the entries (see the module docs).
    pub fn digest(&self) -> String {
        let mut h = Sha256::new();
        h.update(SCHEME.as_bytes());
        h.update(b"\n");
        for e in &self.entries {
            h.update((e.path.len() as u64).to_be_bytes());
            h.update(e.path.as_bytes());
            h.update((e.bytes.len() as u64).to_be_bytes());
            h.update(e.bytes);
        }
        format!("sha256:{}", super::doc::hex(&h.finalize()))
    }

    /// The report's `inputs` section.
    pub fn doc(&self) -> Inputs {
        Inputs {
            scheme: SCHEME.to_owned(),
            digest: self.digest(),
            files: self
                .entries
                .iter()
                .map(|e| InputFile {
                    path: e.path.clone(),
                    bytes: e.bytes.len() as u64,
                    sha256: (!e.secret).then(|| sha256_tag(e.bytes)),
                    role: e.role.to_owned(),
                })
                .collect(),
        }
    }

    /// The normalised path of a file (its display path when it is not an input, e.g. a
    /// built-in table).
    pub fn path_of<'d>(&'d self, db: &'d SourceDb, file: FileId) -> &'d str {
        self.paths
            .get(&file)
            .map_or_else(|| db.get(file).path.as_str(), String::as_str)
    }
}

/// The inputs of an analysis: every file in its source database but the built-in tables.
pub fn collect<'a>(db: &'a SourceDb, config: &Config, data: &RuleData, cwd: &Path) -> InputSet<'a> {
    let shares_file = data.shares.date.origin.file;
    let files: Vec<(FileId, &str, &'a [u8], bool, &'static str)> = db
        .iter()
        .filter(|(_, f)| !f.path.starts_with("<builtin>/"))
        .map(|(id, f)| {
            let role = if config.file == Some(id) {
                "config"
            } else if id == shares_file {
                "client-shares"
            } else {
                "input"
            };
            let secret = *db.redacted(id) != *f.text();
            (id, f.path.as_str(), f.text().as_bytes(), secret, role)
        })
        .collect();
    let shown: Vec<&str> = files.iter().map(|f| f.1).collect();
    let normalised = normalise(&shown, cwd);
    let mut entries: Vec<Entry<'a>> = files
        .iter()
        .zip(&normalised)
        .map(|(&(id, _, bytes, secret, role), path)| Entry {
            file: Some(id),
            path: path.clone(),
            bytes,
            secret,
            role,
        })
        .collect();
    let paths = entries
        .iter()
        .filter_map(|e| Some((e.file?, e.path.clone())))
        .collect();
    sort_dedup(&mut entries);
    InputSet { entries, paths }
}

/// Sorts entries by path, then content, and drops exact duplicates.
pub fn sort_dedup(entries: &mut Vec<Entry<'_>>) {
    entries.sort_by(|a, b| a.path.cmp(&b.path).then_with(|| a.bytes.cmp(b.bytes)));
    entries.dedup_by(|a, b| a.path == b.path && a.bytes == b.bytes);
}

/// Normalised paths (see the module docs) of paths as shown; `-` stays `-`.
pub fn normalise(shown: &[&str], cwd: &Path) -> Vec<String> {
    let absolute: Vec<Option<PathBuf>> = shown
        .iter()
        .map(|p| (*p != "-").then(|| clean(&cwd.join(p))))
        .collect();
    let mut base: Option<PathBuf> = None;
    for p in absolute.iter().flatten() {
        let dir = p.parent().map(Path::to_path_buf).unwrap_or_default();
        base = Some(match base {
            None => dir,
            Some(b) => common_prefix(&b, &dir),
        });
    }
    let base = base.unwrap_or_default();
    absolute
        .iter()
        .map(|p| match p {
            None => "-".to_owned(),
            Some(p) => {
                let rel = p.strip_prefix(&base).unwrap_or(p);
                rel.components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/")
            }
        })
        .collect()
}

/// `a/./b/../c` → `a/c`, lexically (a `..` above the root stays at the root).
fn clean(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(c);
                }
            }
            c => out.push(c),
        }
    }
    out
}

fn common_prefix(a: &Path, b: &Path) -> PathBuf {
    a.components()
        .zip(b.components())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_to_the_common_folder_however_they_were_spelled() {
        let cwd = Path::new("/home/op/repo");
        assert_eq!(
            normalise(&["deploy/a.yaml", "./deploy/sub/../b.yaml", "-"], cwd),
            ["a.yaml", "b.yaml", "-"]
        );
        assert_eq!(
            normalise(
                &["/ci/checkout/deploy/a.yaml", "/ci/checkout/deploy/b.yaml"],
                cwd
            ),
            ["a.yaml", "b.yaml"]
        );
        assert_eq!(
            normalise(&[".stakelint.yaml", "deploy/x/a.yaml"], cwd),
            [".stakelint.yaml", "deploy/x/a.yaml"]
        );
        assert_eq!(normalise(&["inventory.yaml"], cwd), ["inventory.yaml"]);
    }

    #[test]
    fn the_digest_frames_paths_and_lengths() {
        let entry = |path: &str, bytes: &'static [u8]| Entry {
            file: None,
            path: path.to_owned(),
            bytes,
            secret: false,
            role: "input",
        };
        let set = |entries: Vec<Entry<'static>>| {
            let mut entries = entries;
            sort_dedup(&mut entries);
            InputSet {
                entries,
                paths: HashMap::new(),
            }
            .digest()
        };
        let ab = set(vec![entry("a", b"1"), entry("b", b"2")]);
        // order of reading does not matter; exact duplicates do not count twice
        assert_eq!(
            ab,
            set(vec![entry("b", b"2"), entry("a", b"1"), entry("a", b"1")])
        );
        // moving bytes between the path and the content changes the digest
        assert_ne!(set(vec![entry("a", b"b1")]), set(vec![entry("ab", b"1")]));
        assert_ne!(ab, set(vec![entry("a", b"1"), entry("b", b"3")]));
        // the empty set has a fixed digest
        let mut h = Sha256::new();
        h.update(b"stakelint-inputs/v1\n");
        assert_eq!(
            set(Vec::new()),
            format!("sha256:{}", crate::attest::doc::hex(&h.finalize()))
        );
    }
}
