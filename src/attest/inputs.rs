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

/// The inputs of a run, digested: each file's size and SHA-256 in canonical order, the
/// digest over them all, and each file's normalised path.
#[derive(Debug, Clone)]
pub struct InputSet {
    pub files: Vec<InputFile>,
    pub digest: String,
    pub paths: HashMap<FileId, String>,
}

impl InputSet {
    /// The report's `inputs` section.
    pub fn doc(&self) -> Inputs {
        Inputs {
            scheme: SCHEME.to_owned(),
            digest: self.digest.clone(),
            files: self.files.clone(),
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

/// The digest's framing (see the module docs), fed the entries in canonical order.
struct Framing {
    all: Sha256,
    files: Vec<InputFile>,
}

impl Framing {
    fn new() -> Self {
        let mut all = Sha256::new();
        all.update(SCHEME.as_bytes());
        all.update(b"\n");
        Self {
            all,
            files: Vec::new(),
        }
    }

    /// One entry; `secret`: the file holds secret values (its own digest is not published).
    fn add(&mut self, path: &str, bytes: &[u8], secret: bool, role: &str) {
        self.all.update((path.len() as u64).to_be_bytes());
        self.all.update(path.as_bytes());
        self.all.update((bytes.len() as u64).to_be_bytes());
        self.all.update(bytes);
        self.files.push(InputFile {
            path: path.to_owned(),
            bytes: bytes.len() as u64,
            sha256: (!secret).then(|| sha256_tag(bytes)),
            role: role.to_owned(),
        });
    }

    fn finish(self, paths: HashMap<FileId, String>) -> InputSet {
        InputSet {
            digest: format!("sha256:{}", super::doc::hex(&self.all.finalize())),
            files: self.files,
            paths,
        }
    }
}

/// The inputs of an analysis, digested: every file in its source database but the
/// built-in tables. Each text is read once, in canonical order, and not kept (`lint` and
/// `report` let go of texts once parsed). An error names a file that changed on disk
/// since it was read: a report must digest what it checked.
pub fn collect(
    db: &SourceDb,
    config: &Config,
    data: &RuleData,
    cwd: &Path,
) -> Result<InputSet, String> {
    let shares_file = data.shares.date.origin.file;
    let files: Vec<(FileId, &str, &'static str)> = db
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
            (id, f.path.as_str(), role)
        })
        .collect();
    let shown: Vec<&str> = files.iter().map(|f| f.1).collect();
    let normalised = normalise(&shown, cwd);
    let mut entries: Vec<(FileId, String, &'static str)> = files
        .iter()
        .zip(normalised)
        .map(|(&(id, _, role), path)| (id, path, role))
        .collect();
    let paths = entries.iter().map(|(id, p, _)| (*id, p.clone())).collect();
    // By path, ties (one file named twice) by content; exact duplicates count once.
    let same_text = |a: FileId, b: FileId| {
        db.get(a)
            .with_text(|x| db.get(b).with_text(|y| x.cmp(y)))
            .flatten()
    };
    entries.sort_by(|a, b| {
        a.1.cmp(&b.1)
            .then_with(|| same_text(a.0, b.0).unwrap_or(std::cmp::Ordering::Equal))
    });
    entries.dedup_by(|a, b| a.1 == b.1 && same_text(a.0, b.0) == Some(std::cmp::Ordering::Equal));
    let mut framing = Framing::new();
    for (id, path, role) in &entries {
        let f = db.get(*id);
        f.with_text(|t| framing.add(path, t.as_bytes(), db.hides_any(*id, t), role))
            .ok_or_else(|| {
                format!(
                    "`{}` changed while it was being read; run again on inputs that do not change",
                    f.path
                )
            })?;
    }
    Ok(framing.finish(paths))
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
        // (entries given in canonical order, as `collect` sorts them)
        let set = |entries: &[(&str, &[u8])]| {
            let mut f = Framing::new();
            for (path, bytes) in entries {
                f.add(path, bytes, false, "input");
            }
            f.finish(HashMap::new()).digest
        };
        let ab = set(&[("a", b"1"), ("b", b"2")]);
        assert_ne!(ab, set(&[("b", b"2"), ("a", b"1")]));
        // moving bytes between the path and the content changes the digest
        assert_ne!(set(&[("a", b"b1")]), set(&[("ab", b"1")]));
        assert_ne!(ab, set(&[("a", b"1"), ("b", b"3")]));
        // the empty set has a fixed digest
        let mut h = Sha256::new();
        h.update(b"stakelint-inputs/v1\n");
        assert_eq!(
            set(&[]),
            format!("sha256:{}", crate::attest::doc::hex(&h.finalize()))
        );
    }
}
