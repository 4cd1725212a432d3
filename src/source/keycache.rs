//! A cache of public keys already proven valid BLS12-381 G1 points, kept between runs.
//!
//! Validating a public key (decompression and the subgroup check) costs about 40 µs of CPU,
//! which at 100,000 keys is most of a run. A key's validity never changes, so the keys that
//! passed are remembered in `valid-pubkeys-v1.bin` under the cache directory
//! (`--cache-dir`, `STAKELINT_CACHE_DIR`, else `$XDG_CACHE_HOME/stakelint`, else
//! `~/.cache/stakelint`); `--no-cache` / `STAKELINT_NO_CACHE=1` turns it off. Only public
//! keys are stored (no secret, nothing about where a key was found), only keys that passed,
//! and a cache that is missing, unreadable, corrupt or of another version is ignored (it
//! costs time, never a result). Writing is atomic (a temporary file renamed over the old
//! one), so concurrent runs never read a torn file; a failed write is silent.
//!
//! The cache is process-wide: [`install`] once, before reading inputs; [`keyfiles::validate`]
//! consults it (the file is read at the first key checked; keys this run already proved
//! count too, so a key in a keystore, a deposit data file and a Secret is checked once) and
//! records what it proves;
//! [`persist`] after the run.
//!
//! [`keyfiles::validate`]: crate::source::keyfiles::validate

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// The file's first bytes (format and version).
const MAGIC: &[u8; 16] = b"stakelint-pk-v1\n";
/// File name under the cache directory.
pub const FILE: &str = "valid-pubkeys-v1.bin";
/// The most keys kept (48 bytes each: 96 MiB). Beyond it, only this run's keys are kept.
pub const MAX_KEYS: usize = 2_000_000;

type Key = [u8; 48];

struct Cache {
    dir: PathBuf,
    /// Keys proven valid by earlier runs: the file's bytes after the header, 48 per key,
    /// sorted (binary search over the bytes as read: no more memory than the file, nothing
    /// to build). Read when the first key is checked: a run without keys never reads it.
    known: OnceLock<Known>,
    /// Keys this run proved valid that `known` did not hold (consulted too: a key written in
    /// a keystore, a deposit data file and a Secret is checked once).
    fresh: Mutex<HashSet<Key>>,
}

static CACHE: OnceLock<Cache> = OnceLock::new();

/// The cache directory: `dir` if given, else `$XDG_CACHE_HOME/stakelint`, else
/// `$HOME/.cache/stakelint`; `None` when none can be told.
pub fn default_dir(dir: Option<&Path>) -> Option<PathBuf> {
    if let Some(d) = dir {
        return Some(d.to_path_buf());
    }
    let nonempty = |v: &str| std::env::var_os(v).filter(|s| !s.is_empty());
    nonempty("XDG_CACHE_HOME")
        .map(|x| PathBuf::from(x).join("stakelint"))
        .or_else(|| nonempty("HOME").map(|h| PathBuf::from(h).join(".cache").join("stakelint")))
}

/// Makes the cache of `dir` the process's (once; later calls do nothing). Its file is read
/// when the first public key is checked.
pub fn install(dir: &Path) {
    let _ = CACHE.set(Cache {
        dir: dir.to_path_buf(),
        known: OnceLock::new(),
        fresh: Mutex::new(HashSet::new()),
    });
}

impl Cache {
    fn known(&self) -> &Known {
        self.known.get_or_init(|| read(&self.dir.join(FILE)))
    }

    fn knows(&self, key: &Key) -> bool {
        self.known().contains(key) || self.fresh.lock().is_ok_and(|f| f.contains(key))
    }

    fn record(&self, key: &Key) {
        if let Ok(mut fresh) = self.fresh.lock() {
            fresh.insert(*key);
        }
    }
}

/// Whether an installed cache knows the key valid (from an earlier run, or this one).
pub fn known_valid(key: &Key) -> bool {
    CACHE.get().is_some_and(|c| c.knows(key))
}

/// Sorted keys, 48 bytes each, back to back.
#[derive(Debug, Default, PartialEq, Eq)]
struct Known(Vec<u8>);

impl Known {
    fn len(&self) -> usize {
        self.0.len() / 48
    }

    fn key(&self, i: usize) -> &[u8] {
        &self.0[i * 48..(i + 1) * 48]
    }

    fn iter(&self) -> impl Iterator<Item = &[u8]> {
        self.0.chunks_exact(48)
    }

    fn contains(&self, key: &Key) -> bool {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.key(mid).cmp(key.as_slice()) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return true,
            }
        }
        false
    }
}

/// Records a key just proven valid.
pub fn record_valid(key: &Key) {
    if let Some(c) = CACHE.get() {
        c.record(key);
    }
}

/// Writes the cache back when this run proved new keys: the earlier keys and the new ones;
/// past [`MAX_KEYS`] the earlier ones are dropped (the cache starts again from this run).
/// Errors are ignored (a cache is optional).
pub fn persist() {
    let Some(c) = CACHE.get() else {
        return;
    };
    let Ok(fresh) = c.fresh.lock() else {
        return;
    };
    if fresh.is_empty() {
        return;
    }
    let mut fresh: Vec<&Key> = fresh.iter().collect();
    fresh.sort_unstable();
    fresh.truncate(MAX_KEYS);
    let mut keys: Vec<&[u8]> = fresh.iter().map(|k| k.as_slice()).collect();
    let known = c.known();
    if keys.len() + known.len() <= MAX_KEYS {
        keys.extend(known.iter());
        keys.sort_unstable();
    }
    let _ = write(&c.dir, &keys);
}

/// The keys of a cache file; empty when it is missing, too large, not a cache file, or not
/// whole keys in strictly increasing order (as written).
fn read(path: &Path) -> Known {
    let max = (MAX_KEYS * 48 + MAGIC.len()) as u64;
    let Ok(mut bytes) = crate::source::load::read_bounded(path, max) else {
        return Known::default();
    };
    if !bytes.starts_with(MAGIC) || !(bytes.len() - MAGIC.len()).is_multiple_of(48) {
        return Known::default();
    }
    bytes.drain(..MAGIC.len());
    let known = Known(bytes);
    let sorted = (1..known.len()).all(|i| known.key(i - 1) < known.key(i));
    if sorted { known } else { Known::default() }
}

fn write(dir: &Path, keys: &[&[u8]]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let tmp = dir.join(format!(".{FILE}.{}.{nanos}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        f.write_all(MAGIC)?;
        for k in keys {
            f.write_all(k)?;
        }
        f.into_inner()
            .map_err(std::io::IntoInnerError::into_error)?
            .sync_all()?;
        std::fs::rename(&tmp, dir.join(FILE))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_round_trip_and_bad_files_are_empty() {
        let dir = std::env::temp_dir().join(format!("stakelint-keycache-{}", std::process::id()));
        let a = [1u8; 48];
        let b = [2u8; 48];
        write(&dir, &[&a, &b]).expect("writes");
        let got = read(&dir.join(FILE));
        assert_eq!(got.len(), 2);
        assert!(got.contains(&a) && got.contains(&b) && !got.contains(&[3u8; 48]));
        assert!(!got.contains(&[0u8; 48]) && !got.contains(&[9u8; 48]));
        // not in order (not written by stakelint): ignored
        write(&dir, &[&b, &a]).expect("writes");
        assert_eq!(read(&dir.join(FILE)).len(), 0);
        // truncated: not a whole number of keys
        let mut bytes = std::fs::read(dir.join(FILE)).expect("reads");
        bytes.pop();
        std::fs::write(dir.join(FILE), &bytes).expect("writes");
        assert_eq!(read(&dir.join(FILE)).len(), 0);
        // another format
        std::fs::write(dir.join(FILE), b"not a cache").expect("writes");
        assert_eq!(read(&dir.join(FILE)).len(), 0);
        assert_eq!(read(&dir.join("missing")).len(), 0);
        // no temporary file is left behind
        let left: Vec<_> = std::fs::read_dir(&dir)
            .expect("lists")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(left.is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_key_proven_valid_in_this_run_is_not_checked_again() {
        let dir =
            std::env::temp_dir().join(format!("stakelint-keycache-run-{}", std::process::id()));
        let c = Cache {
            dir: dir.clone(),
            known: OnceLock::new(),
            fresh: Mutex::new(HashSet::new()),
        };
        let (a, b) = ([4u8; 48], [5u8; 48]);
        assert!(!c.knows(&a), "no file, nothing proven yet");
        c.record(&a);
        assert!(c.knows(&a) && !c.knows(&b));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_directory_follows_the_xdg_convention() {
        assert_eq!(
            default_dir(Some(Path::new("/x"))),
            Some(PathBuf::from("/x"))
        );
    }
}
