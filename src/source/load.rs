//! Reading the inputs named on the command line: files, directories (walked recursively)
//! and stdin. Files are read and parsed in parallel (rayon), each exactly once, then handed
//! to their source in a fixed order so results never depend on scheduling.

use crate::diagnostic::InputError;
use crate::model::{
    Chain, FileId, HolderKind, KeySet, Located, Model, Origin, PubKey, Span, UnassignedKeys,
};
use crate::source::files::{SourceDb, SourceFile};
use crate::source::keyfiles::{self, KeyFile};
use crate::source::{inventory, k8s, manifests, yaml};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A key file that was read, with the command-line argument it came from: what the model
/// needs of it, compact (one per key file: 100,000 keystores are 100,000 of these).
#[derive(Debug)]
pub struct LoadedKeyFile {
    pub id: FileId,
    /// Index of the command-line path it was found under (`None`: read for `keys.from`).
    pub group: Option<usize>,
    pub format: keyfiles::Format,
    pub keys: Box<[keyfiles::Found]>,
    /// Keys whose public key cannot be read offline.
    pub opaque: u32,
    pub chain: Option<Box<(String, Span)>>,
}

impl LoadedKeyFile {
    fn new(id: FileId, group: Option<usize>, k: KeyFile) -> Self {
        Self {
            id,
            group,
            format: k.format,
            keys: k.keys.into_boxed_slice(),
            opaque: u32::try_from(k.opaque.len()).unwrap_or(u32::MAX),
            chain: k.chain.map(Box::new),
        }
    }
}

/// Everything read from the inputs.
#[derive(Debug, Default)]
pub struct Loaded {
    pub db: SourceDb,
    pub model: Model,
    /// Inputs that could not be read, parsed or validated (exit code 2).
    pub errors: Vec<InputError>,
    /// Number of input files read (stdin counts as one).
    pub files: usize,
    /// Documents skipped because they are neither Kubernetes objects, an inventory nor key files.
    pub notes: Vec<InputError>,
    /// Kubernetes objects of the kinds stakelint reads, from every input (handed over to
    /// the manifest model by [`Loaded::finish`], which empties this).
    pub objects: Vec<k8s::Object>,
    /// The namespace of objects that carry none (`lint -n`); `default` when empty.
    pub namespace: String,
    /// Key files read, in input order.
    pub key_files: Vec<LoadedKeyFile>,
    /// Canonical path → index in `key_files`, so a file is read once. Ordered by the
    /// paths' bytes, so the files under a directory are one range (and compare fast).
    key_index: BTreeMap<std::ffi::OsString, usize>,
    /// Key files some `keys.from` claims.
    claimed: HashSet<usize>,
    /// The command-line paths (for naming unassigned key groups).
    args: Vec<String>,
    /// Canonical roots of the directories walked from the command line: a `keys.from`
    /// inside one needs no second walk (its files were all read already).
    walked_roots: Vec<PathBuf>,
    /// What reading may cost and where it may go (`--max-file-size`, `--follow-symlinks`).
    pub limits: ReadLimits,
}

/// The default `--max-file-size`: 64 MiB, far above any manifest, inventory or key file.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 * 1024 * 1024;

/// Bounds on reading untrusted inputs (see SECURITY.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLimits {
    /// A larger file is an input error, told from its metadata: it is never read.
    pub max_file_size: u64,
    /// Follow symbolic links met while walking directories (loops are detected).
    pub follow_symlinks: bool,
    /// Let go of the text of each file read from disk once it is parsed — key files, and
    /// YAML streams of Kubernetes objects — and read it again only when a finding in it is
    /// shown ([`SourceFile::release`]). `lint` turns this on (at 100,000 keystores their
    /// texts were half of the memory; at 110,000 resources a seventh); off where every
    /// input's bytes are needed (the compliance report digests them). Inventories, and
    /// files that did not parse, keep their text.
    pub release_texts: bool,
}

impl Default for ReadLimits {
    fn default() -> Self {
        Self {
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            follow_symlinks: false,
            release_texts: false,
        }
    }
}

/// `1.5 GiB`, `12 KiB`, `300 bytes`.
fn size(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} bytes");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// Why a path was not read (an input error: exit code 2).
#[derive(Debug)]
pub enum ReadError {
    /// Not a regular file (a FIFO, socket or device): never opened.
    NotAFile(&'static str),
    /// Above the limit: never read.
    TooLarge(u64),
    Io(std::io::Error),
}

impl ReadError {
    /// The input error for `shown`.
    pub fn to_input_error(&self, shown: &str, max: u64) -> InputError {
        match self {
            ReadError::NotAFile(kind) => InputError::file(
                "io",
                shown,
                format!("`{shown}` is a {kind}, not a regular file: not read"),
            ),
            ReadError::TooLarge(len) => InputError::file(
                "too-large",
                shown,
                format!(
                    "`{shown}` is {}, above the --max-file-size of {}: not read",
                    size(*len),
                    size(max)
                ),
            )
            .help("raise --max-file-size (in bytes) if this file really is an input"),
            ReadError::Io(e) => {
                InputError::file("io", shown, format!("cannot read `{shown}`: {e}"))
            }
        }
    }
}

fn kind_of(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "FIFO";
        }
        if t.is_socket() {
            return "socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "device";
        }
    }
    if t.is_dir() {
        "directory"
    } else {
        "special file"
    }
}

/// Reads a small text file (config, client shares, baseline) with the same guards as inputs:
/// a regular file of at most [`DEFAULT_MAX_FILE_SIZE`], never blocking, valid UTF-8. The
/// error is a sentence without the file's content.
pub fn read_text_bounded(path: &Path) -> Result<String, String> {
    let bytes = read_bounded(path, DEFAULT_MAX_FILE_SIZE).map_err(|e| match e {
        ReadError::NotAFile(kind) => format!("it is a {kind}, not a regular file"),
        ReadError::TooLarge(n) => {
            format!("it is {n} bytes, above the {DEFAULT_MAX_FILE_SIZE}-byte limit")
        }
        ReadError::Io(e) => e.to_string(),
    })?;
    String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_owned())
}

/// Reads at most `max` bytes of the regular file at `path`. The type and size are checked
/// before opening (a FIFO or device is never opened, so nothing blocks) and again on the
/// open handle (the path may have changed in between); the read itself is bounded too,
/// for a file that grows.
pub fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
    read_checked(path, max, true)
}

/// [`read_bounded`]; `stat_first: false` skips the check before opening, for a file a
/// directory walk has just seen as a regular file (the check on the open handle stays).
fn read_checked(path: &Path, max: u64, stat_first: bool) -> Result<Vec<u8>, ReadError> {
    if stat_first {
        let meta = std::fs::metadata(path).map_err(ReadError::Io)?;
        if !meta.is_file() {
            return Err(ReadError::NotAFile(kind_of(meta.file_type())));
        }
        if meta.len() > max {
            return Err(ReadError::TooLarge(meta.len()));
        }
    }
    let (file, meta) = open_regular(path)?;
    if meta.len() > max {
        return Err(ReadError::TooLarge(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > max {
        return Err(ReadError::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Opens `path` for reading if it is a regular file (checked on the open handle; opening
/// never blocks, should the path have become a FIFO).
fn open_regular(path: &Path) -> Result<(std::fs::File, std::fs::Metadata), ReadError> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(target_os = "linux")]
    {
        // O_NONBLOCK: should the path have become a FIFO since, opening it cannot block.
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(0o4000);
    }
    let file = opts.open(path).map_err(ReadError::Io)?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile(kind_of(meta.file_type())));
    }
    Ok((file, meta))
}

/// Reads `len` bytes at `offset` of the regular file at `path` (checked as
/// [`read_bounded`] checks); `None` if it is no regular file or shorter.
pub fn read_range(path: &Path, offset: u64, len: usize) -> Option<Vec<u8>> {
    use std::io::{Seek, SeekFrom};
    let meta = std::fs::metadata(path).ok()?;
    let end = offset.checked_add(u64::try_from(len).ok()?)?;
    if !meta.is_file() || meta.len() < end {
        return None;
    }
    let (mut file, meta) = open_regular(path).ok()?;
    if meta.len() < end {
        return None;
    }
    file.seek(SeekFrom::Start(offset)).ok()?;
    let mut bytes = vec![0; len];
    file.read_exact(&mut bytes).ok()?;
    Some(bytes)
}

/// File extensions read from directories.
const EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

/// Reads every path (`-` is stdin) into one model. Never stops at a bad input: its error
/// is recorded and the other inputs are still read.
pub fn load(paths: &[String]) -> Loaded {
    let mut out = Loaded::default();
    load_into(&mut out, paths);
    out
}

/// One file to read: its path as shown, the path to open, its canonical path (for reading
/// each key file once), its command-line argument.
struct Pending {
    shown: String,
    /// The path to open; `None` for stdin, whose bytes are in `stdin`.
    open: Option<PathBuf>,
    stdin: Option<Vec<u8>>,
    canonical: Option<PathBuf>,
    group: usize,
    /// Found by a walk that saw a regular file (not a link): no stat before opening.
    regular: bool,
}

/// A file read, decoded, indexed and parsed (off the main thread), not yet in the database.
type Prepared = Result<(SourceFile, Parsed), InputError>;

/// Placeholder id of a file parsed before it has its place in the database.
const UNPLACED: FileId = FileId(u32::MAX);

/// Reads, decodes and parses one file; runs in parallel with the others.
/// `stdin`: the bytes of stdin, moved out of the `Pending` for `-`.
fn prepare(p: &Pending, stdin: Option<Vec<u8>>, limits: ReadLimits) -> Prepared {
    let bytes = match &p.open {
        Some(path) => read_checked(path, limits.max_file_size, !p.regular)
            .map_err(|e| e.to_input_error(&p.shown, limits.max_file_size))?,
        None => stdin.unwrap_or_default(),
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) if !t.contains('\0') => t,
        Ok(_) => {
            return Err(InputError::file(
                "encoding",
                &p.shown,
                format!("`{}` is not a text file (it holds NUL bytes)", p.shown),
            ));
        }
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            return Err(InputError::file(
                "encoding",
                &p.shown,
                format!(
                    "`{}` is not a UTF-8 text file (invalid byte at offset {at})",
                    p.shown
                ),
            ));
        }
    };
    // A UTF-8 byte order mark is not part of the text (editors on Windows write one).
    let bom = text.starts_with('\u{feff}');
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    };
    let mut src = SourceFile::new(p.shown.clone(), text);
    let parsed = parse(UNPLACED, &src);
    let done_with_text = match &parsed {
        Parsed::Keys(_) => true,
        // An inventory is read from its text later, on the main thread.
        Parsed::Yaml(y) => !y.docs.iter().any(|d| matches!(d, Doc::Inventory { .. })),
        // What did not parse is masked from its text.
        Parsed::KeyError(_) | Parsed::Error(_) => false,
    };
    if let (true, Some(open), true) = (done_with_text, &p.open, limits.release_texts) {
        src.release(open.clone(), bom);
    }
    Ok((src, parsed))
}

/// Files per reading task.
const BATCH: usize = 256;

/// One batch of files read: its number (for input order), the files and their results.
type Batch = (usize, Vec<Pending>, Vec<Prepared>);

/// Batches found but not yet handed to the sources, at most: the walk lists files far faster
/// than they are read, and without a bound every file's bookkeeping (paths, queued jobs)
/// would be alive at once.
const AHEAD: usize = 8;

/// How many batches the sources have taken; the walk waits on it when it is `AHEAD` batches
/// ahead.
#[derive(Default)]
struct Taken {
    count: std::sync::Mutex<usize>,
    changed: std::sync::Condvar,
}

impl Taken {
    fn add(&self) {
        if let Ok(mut n) = self.count.lock() {
            *n += 1;
        }
        self.changed.notify_all();
    }

    /// Waits until fewer than `AHEAD` of the first `made` batches are untaken. The caller is
    /// a reader thread: while it waits it reads queued batches itself (so a pool of one
    /// thread never stalls).
    fn wait_below(&self, made: usize) {
        loop {
            let Ok(n) = self.count.lock() else { return };
            if made.saturating_sub(*n) < AHEAD {
                return;
            }
            drop(n);
            if let Some(rayon::Yield::Executed) = rayon::yield_local() {
                continue;
            }
            let Ok(n) = self.count.lock() else { return };
            if made.saturating_sub(*n) < AHEAD {
                return;
            }
            // Woken when a batch is taken; the timeout re-checks for queued work.
            let _ = self
                .changed
                .wait_timeout(n, std::time::Duration::from_millis(1));
        }
    }
}

/// Files found, read and parsed on the reader pool in batches as they are found.
struct Batches<'a, 's> {
    scope: &'a rayon::Scope<'s>,
    done: std::sync::mpsc::Sender<Batch>,
    taken: &'a Taken,
    limits: ReadLimits,
    batch: Vec<Pending>,
    count: usize,
}

impl Batches<'_, '_> {
    fn push(&mut self, p: Pending) {
        self.batch.push(p);
        if self.batch.len() >= BATCH {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        self.taken.wait_below(self.count);
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
        let (n, done, limits) = (self.count, self.done.clone(), self.limits);
        self.count += 1;
        self.scope.spawn(move |_| {
            let mut batch = batch;
            let results: Vec<Prepared> = batch
                .iter_mut()
                .map(|p| {
                    let stdin = p.stdin.take();
                    prepare(p, stdin, limits)
                })
                .collect();
            // (the receiver lives until every batch is in)
            let _ = done.send((n, batch, results));
        });
    }
}

/// What looking for the input files found besides the files.
#[derive(Default)]
struct Search {
    errors: Vec<InputError>,
    notes: Vec<InputError>,
    walked_roots: Vec<PathBuf>,
}

/// The files the command-line paths name, in order (stdin read here, directories walked).
fn find_inputs(paths: &[String], limits: ReadLimits, out: &mut Search, sink: &mut Batches<'_, '_>) {
    for (group, p) in paths.iter().enumerate() {
        if p == "-" {
            let mut buf = Vec::new();
            let max = limits.max_file_size;
            match std::io::stdin().take(max + 1).read_to_end(&mut buf) {
                Ok(_) if buf.len() as u64 > max => {
                    out.errors
                        .push(ReadError::TooLarge(buf.len() as u64).to_input_error("-", max));
                    continue;
                }
                Ok(_) => {}
                Err(e) => out.errors.push(InputError::file(
                    "io",
                    "-",
                    format!("cannot read stdin: {e}"),
                )),
            }
            sink.push(Pending {
                shown: "-".into(),
                open: None,
                stdin: Some(buf),
                canonical: None,
                group,
                regular: false,
            });
        } else if Path::new(p).is_dir() {
            walk(p, group, limits, out, &mut |f| sink.push(f));
            if !limits.follow_symlinks
                && let Ok(root) = Path::new(p).canonicalize()
            {
                out.walked_roots.push(root);
            }
        } else {
            let canonical = Path::new(p).canonicalize().ok();
            sink.push(Pending {
                shown: p.clone(),
                open: Some(PathBuf::from(p)),
                stdin: None,
                canonical,
                group,
                regular: false,
            });
        }
    }
}

/// Walks `dir` (sorted by name, hidden entries skipped, links followed only with
/// `--follow-symlinks`), giving each regular file with a known extension to `sink`.
fn walk(
    dir: &str,
    group: usize,
    limits: ReadLimits,
    out: &mut Search,
    sink: &mut dyn FnMut(Pending),
) {
    // Without --follow-symlinks, a file's canonical path is the root's plus the rest.
    let follow = limits.follow_symlinks;
    let root = Path::new(dir).canonicalize().ok();
    // walkdir detects link loops (an error entry) when it follows links.
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(follow)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let e = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e
                    .path()
                    .map_or_else(|| dir.to_owned(), |p| p.to_string_lossy().into_owned());
                let msg = if e.loop_ancestor().is_some() {
                    format!("`{path}` is a symbolic link loop: not followed")
                } else {
                    format!("cannot read: {e}")
                };
                out.errors.push(InputError::file("io", &path, msg));
                continue;
            }
        };
        let ext = e.path().extension().and_then(|x| x.to_str()).unwrap_or("");
        if !EXTENSIONS.contains(&ext) {
            continue;
        }
        let shown = e.path().to_string_lossy().into_owned();
        let t = e.file_type();
        if t.is_symlink() {
            // Not followed: it may point outside the tree being linted.
            out.notes.push(InputError::file(
                "skipped",
                &shown,
                format!("skipped `{shown}`: a symbolic link (--follow-symlinks reads it)"),
            ));
            continue;
        }
        if !t.is_file() {
            // FIFOs, sockets and devices are never opened (opening a FIFO blocks).
            if !t.is_dir() {
                let msg = format!("skipped `{shown}`: a {}, not a regular file", kind_of(t));
                out.notes.push(InputError::file("skipped", &shown, msg));
            }
            continue;
        }
        let canonical = if follow {
            e.path().canonicalize().ok()
        } else {
            root.as_ref()
                .and_then(|r| Some(r.join(e.path().strip_prefix(dir).ok()?)))
        };
        sink(Pending {
            shown,
            open: Some(e.path().to_path_buf()),
            stdin: None,
            canonical,
            group,
            regular: true,
        });
    }
}

/// Reads every path into an existing [`Loaded`] (which may already hold config and data).
pub fn load_into(out: &mut Loaded, paths: &[String]) {
    out.args = paths.to_vec();
    // Read and parse in parallel, batch by batch while the walk is still finding files;
    // hand the results to the sources in input order, so the outcome never depends on
    // scheduling.
    // This thread takes each batch as soon as it and those before it are in (so what was
    // read is handed over, and its reading buffers freed, while the rest is still read).
    let limits = out.limits;
    let (errors_at, notes_at) = (out.errors.len(), out.notes.len());
    let (tx, rx) = std::sync::mpsc::channel::<Batch>();
    let taken = Taken::default();
    let mut requests = Vec::new();
    let search = std::thread::scope(|threads| {
        let taken = &taken;
        let finder = threads.spawn(move || {
            let mut search = Search::default();
            crate::pool::run(|| {
                rayon::scope(|scope| {
                    let mut batches = Batches {
                        scope,
                        done: tx,
                        taken,
                        limits,
                        batch: Vec::with_capacity(BATCH),
                        count: 0,
                    };
                    find_inputs(paths, limits, &mut search, &mut batches);
                    batches.flush();
                });
            });
            search
        });
        let mut waiting = BTreeMap::new();
        let mut next = 0;
        for (n, files, results) in rx {
            waiting.insert(n, (files, results));
            while let Some((files, results)) = waiting.remove(&next) {
                next += 1;
                for (p, result) in files.into_iter().zip(results) {
                    out.files += 1;
                    match result {
                        Ok((src, parsed)) => {
                            let id = out.db.add(src);
                            let parsed = placed(parsed, id);
                            requests.extend(out.integrate(id, Some(p.group), p.canonical, parsed));
                        }
                        Err(e) => out.errors.push(e),
                    }
                }
                taken.add();
            }
        }
        finder.join().unwrap_or_default()
    });
    // What the search found comes before what reading the files found, as the search
    // came first.
    out.errors.splice(errors_at..errors_at, search.errors);
    out.notes.splice(notes_at..notes_at, search.notes);
    out.walked_roots.extend(search.walked_roots);
    out.resolve_from(requests);
    out.finish();
}

/// Gives a parse result made before its file had an id that id.
fn placed(parsed: Parsed, id: FileId) -> Parsed {
    let fix = |e: &mut InputError| {
        if let Some(o) = e.origin.as_mut() {
            o.file = id;
        }
    };
    match parsed {
        Parsed::Error(mut e) => {
            fix(&mut e);
            Parsed::Error(e)
        }
        Parsed::Yaml(mut y) => {
            for d in &mut y.docs {
                match d {
                    Doc::Object(Ok(o)) => o.file = id,
                    Doc::Object(Err(e)) => fix(e),
                    Doc::Skipped(o) => o.file = id,
                    Doc::Inventory { .. } => {}
                }
            }
            Parsed::Yaml(y)
        }
        other => other,
    }
}

/// What one file turned out to be.
enum Parsed {
    Keys(KeyFile),
    KeyError(keyfiles::KeyError),
    Yaml(YamlFile),
    Error(InputError),
}

/// A YAML stream sorted into its documents (off the main thread: Kubernetes objects are
/// already typed).
#[derive(Default)]
struct YamlFile {
    docs: Vec<Doc>,
    /// Byte ranges of Secret values, to mask.
    masks: Vec<Span>,
}

impl YamlFile {
    fn append(&mut self, mut more: YamlFile) {
        self.docs.append(&mut more.docs);
        self.masks.append(&mut more.masks);
    }
}

/// One document of a YAML stream.
#[derive(Debug)]
enum Doc {
    /// An inventory, read on the main thread (it adds to the model): its byte range.
    Inventory { start: usize, limit: usize },
    /// A Kubernetes object of a kind stakelint reads (or why it could not be typed).
    Object(Result<k8s::Object, InputError>),
    /// Neither: a note.
    Skipped(Origin),
}

/// A piece of a stream sorted into its documents: all but the last typed; the last waits
/// for where the next document starts (where it ends), known once every piece is read.
struct SortedPiece {
    /// Where its first document starts.
    first: Option<usize>,
    out: YamlFile,
    last: Option<(usize, yaml::At<yaml::Node>)>,
}

/// Sorts the documents of a piece of a stream and types its Kubernetes objects (`kind:
/// List` items one by one). Other kinds are dropped here, before anything is built from
/// them. The documents of a long piece (a stream read whole) are typed on the thread pool.
fn sort_piece(id: FileId, mut trees: Vec<yaml::At<yaml::Node>>) -> SortedPiece {
    let starts: Vec<usize> = trees
        .iter()
        .map(|d| yaml::origin_of(id, 0, d).span.start as usize)
        .collect();
    let last = starts.last().copied().zip(trees.pop());
    let extent = |i: usize| (starts[i], starts[i + 1]);
    let sorted: Vec<YamlFile> = if trees.len() >= PARALLEL_DOCUMENTS {
        trees
            .into_par_iter()
            .enumerate()
            .map(|(i, doc)| sort_document(id, extent(i), doc))
            .collect()
    } else {
        trees
            .into_iter()
            .enumerate()
            .map(|(i, doc)| sort_document(id, extent(i), doc))
            .collect()
    };
    let mut out = YamlFile::default();
    for one in sorted {
        out.append(one);
    }
    SortedPiece {
        first: starts.first().copied(),
        out,
        last,
    }
}

/// The sorted pieces of a stream of `text_len` bytes as one: each piece's last document
/// ends where the next piece's first document starts (or at the end of the stream).
fn sort_documents(id: FileId, text_len: usize, pieces: Vec<SortedPiece>) -> YamlFile {
    let mut limits = vec![text_len; pieces.len()];
    let mut next = text_len;
    for (i, p) in pieces.iter().enumerate().rev() {
        limits[i] = next;
        next = p.first.unwrap_or(next);
    }
    let mut out = YamlFile::default();
    for (p, limit) in pieces.into_iter().zip(limits) {
        out.append(p.out);
        if let Some((start, doc)) = p.last {
            out.append(sort_document(id, (start, limit), doc));
        }
    }
    out
}

/// Streams of this many documents are typed in parallel.
const PARALLEL_DOCUMENTS: usize = 64;

/// One document of a stream, which spans bytes `start..limit`.
fn sort_document(
    id: FileId,
    (start, limit): (usize, usize),
    doc: yaml::At<yaml::Node>,
) -> YamlFile {
    let mut out = YamlFile::default();
    if inventory::is_inventory(&doc.value) {
        out.docs.push(Doc::Inventory { start, limit });
    } else if k8s::is_object(&doc.value) {
        let tree = Arc::new(doc);
        let extent = Span::new(start, limit - start);
        let is_list = tree.value.get("kind").and_then(|k| k.value.as_str()) == Some("List");
        if !is_list {
            typed(id, &tree, "", extent, &mut out);
            return out;
        }
        let items: Vec<usize> = match tree.value.get("items").map(|n| &n.value) {
            Some(yaml::Node::Seq(items)) => items
                .iter()
                .map(|n| yaml::origin_of(id, 0, n).span.start as usize)
                .collect(),
            _ => Vec::new(),
        };
        for (j, start) in items.iter().enumerate() {
            let end = items.get(j + 1).copied().unwrap_or(extent.end());
            typed(
                id,
                &tree,
                &format!("/items/{j}"),
                Span::new(*start, end.saturating_sub(*start)),
                &mut out,
            );
        }
    } else {
        out.docs.push(Doc::Skipped(yaml::origin_of(id, 0, &doc)));
    }
    out
}

/// Types one object; a Secret's values are masked whether or not it types.
fn typed(
    id: FileId,
    tree: &Arc<yaml::At<yaml::Node>>,
    base: &str,
    extent: Span,
    out: &mut YamlFile,
) {
    let kind = yaml::Node::pointer(tree, &format!("{base}/kind")).and_then(|k| k.value.as_str());
    if kind == Some("Secret") {
        // Annotation values: `kubectl apply` keeps the applied object, values included, in
        // `kubectl.kubernetes.io/last-applied-configuration` (every `kubectl get -o yaml`
        // dump of a Secret has it), and no rule reads a Secret's annotations.
        let annotations = yaml::Node::pointer(tree, &format!("{base}/metadata/annotations"));
        if let Some(yaml::Node::Map(entries)) = annotations.map(|n| &n.value) {
            mask_values(id, entries, extent, &mut out.masks);
        }
        for field in ["/data", "/stringData"] {
            let node = yaml::Node::pointer(tree, &format!("{base}{field}"));
            if let Some(n) = node.filter(|n| !matches!(n.value, yaml::Node::Map(_))) {
                // Not a mapping (it will not type): mask it all, to the end of the object.
                let start = yaml::origin_of(id, 0, n).span.start as usize;
                let end = extent.end().max(start + 1);
                out.masks.push(Span::new(start, end - start));
            }
            if let Some(yaml::Node::Map(entries)) = node.map(|n| &n.value) {
                mask_values(id, entries, extent, &mut out.masks);
            }
        }
    }
    match k8s::typed(id, tree, base, extent) {
        Ok(Some(o)) => out.docs.push(Doc::Object(Ok(o))),
        Ok(None) => {}
        Err(e) => out.docs.push(Doc::Object(Err(e))),
    }
}

/// Masks the values of a mapping of an object that ends at `extent`.
fn mask_values(
    id: FileId,
    entries: &[(yaml::At<String>, yaml::At<yaml::Node>)],
    extent: Span,
    masks: &mut Vec<Span>,
) {
    for (i, (_, v)) in entries.iter().enumerate() {
        let span = yaml::origin_of(id, 0, v).span;
        if matches!(v.value, yaml::Node::Seq(_) | yaml::Node::Map(_)) {
            // A collection is located at its start only: mask up to the next entry (or
            // the end of the object), whatever it holds.
            let end = entries.get(i + 1).map_or(extent.end(), |(k, _)| {
                yaml::origin_of(id, 0, k).span.start as usize
            });
            let start = span.start as usize;
            masks.push(Span::new(start, end.max(start + 1) - start));
        } else {
            masks.push(span);
        }
    }
}

fn parse(id: FileId, src: &SourceFile) -> Parsed {
    match keyfiles::parse(src.text()) {
        Ok(Some(k)) => return Parsed::Keys(k),
        Ok(None) => {}
        Err(e) => return Parsed::KeyError(e),
    }
    let each = |trees: Vec<yaml::At<yaml::Node>>| sort_piece(id, trees);
    match yaml::parse_stream_each(id, src, &k8s::is_read_kind, &each) {
        Ok(pieces) => Parsed::Yaml(sort_documents(id, src.text().len(), pieces)),
        Err(e) => Parsed::Error(e),
    }
}

impl Loaded {
    fn walk(&mut self, dir: &str, group: usize, sink: &mut dyn FnMut(Pending)) {
        let mut search = Search::default();
        walk(dir, group, self.limits, &mut search, sink);
        self.errors.extend(search.errors);
        self.notes.extend(search.notes);
    }

    /// Adds a text already in the database (a file, stdin, or a test's string).
    pub fn add_text(&mut self, id: FileId) {
        let parsed = parse(id, self.db.get(id));
        let requests = self.integrate(id, Some(0), None, parsed);
        self.resolve_from(requests);
    }

    /// Hands a parsed file to its source; returns the `keys.from` requests of inventories.
    fn integrate(
        &mut self,
        id: FileId,
        group: Option<usize>,
        canonical: Option<PathBuf>,
        parsed: Parsed,
    ) -> Vec<(FileId, inventory::FromRequest)> {
        match parsed {
            Parsed::Keys(mut k) => {
                for s in std::mem::take(&mut k.secrets) {
                    self.db.mask(id, s);
                }
                self.resolve_keystore_files(id, &mut k);
                let idx = self.key_files.len();
                if let Some(c) = canonical {
                    self.key_index.insert(c.into_os_string(), idx);
                }
                self.key_files.push(LoadedKeyFile::new(id, group, k));
                Vec::new()
            }
            Parsed::KeyError(e) => {
                // A broken key file may hold secrets anywhere: show none of them (all of it,
                // unless it is well-formed JSON whose secret values can be told apart).
                match keyfiles::secrets_of_broken(self.db.get(id).text()) {
                    Some(spans) => spans.into_iter().for_each(|s| self.db.mask(id, s)),
                    None => self.db.mask_all(id),
                }
                self.errors.push(InputError::at(
                    "key-file",
                    Origin::new(id, e.span),
                    e.message,
                ));
                Vec::new()
            }
            Parsed::Error(e) => {
                // A stream that does not parse cannot say where its Secret values are: if
                // it may hold a Secret, its snippet shows none of it.
                if self.db.get(id).text().contains("Secret") {
                    self.db.mask_all(id);
                }
                self.errors.push(e);
                Vec::new()
            }
            Parsed::Yaml(docs) => self.documents(id, docs),
        }
    }

    fn documents(&mut self, id: FileId, y: YamlFile) -> Vec<(FileId, inventory::FromRequest)> {
        for m in y.masks {
            self.db.mask(id, m);
        }
        let src = self.db.get(id);
        let mut requests = Vec::new();
        for doc in y.docs {
            match doc {
                Doc::Inventory { start, limit } => {
                    let text = yaml::document_text(src.text(), start, limit);
                    match inventory::read(id, src, start, text, &mut self.model) {
                        Ok(r) => requests.extend(r.into_iter().map(|r| (id, r))),
                        Err(errs) => self.errors.extend(errs),
                    }
                }
                Doc::Object(Ok(o)) => self.objects.push(o),
                Doc::Object(Err(e)) => self.errors.push(e),
                Doc::Skipped(at) => self.notes.push(InputError::at(
                    "skipped",
                    at,
                    "skipped: neither a Kubernetes object, a stakelint Inventory nor a key file",
                )),
            }
        }
        requests
    }

    /// A web3signer `file-keystore` config names its keystore: read that file's public key so
    /// the config counts as that key (its relative path is taken from the config's folder).
    fn resolve_keystore_files(&mut self, id: FileId, k: &mut KeyFile) {
        let dir = Path::new(&self.db.get(id).path)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let mut still_opaque = Vec::new();
        for o in std::mem::take(&mut k.opaque) {
            let found = o.keystore_file.as_ref().and_then(|f| {
                // The path is the config's to choose: read it as boundedly as any input.
                let bytes = read_bounded(&dir.join(f), self.limits.max_file_size).ok()?;
                let text = String::from_utf8(bytes).ok()?;
                let parsed = keyfiles::parse(&text).ok()??;
                (parsed.format == keyfiles::Format::Keystore)
                    .then_some(parsed.keys.into_iter().next()?)
            });
            match found {
                Some(f) => k.keys.push(keyfiles::Found { span: o.span, ..f }),
                None => still_opaque.push(o),
            }
        }
        k.opaque = still_opaque;
    }

    /// Reads the key files each `keys.from` names (relative to its inventory; a directory is
    /// walked) and gives their keys to the holder.
    fn resolve_from(&mut self, requests: Vec<(FileId, inventory::FromRequest)>) {
        for (inv, r) in requests {
            let base = Path::new(&self.db.get(inv).path)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            let base = if self.db.get(inv).path == "-" {
                PathBuf::new()
            } else {
                base
            };
            let target = base.join(&r.path);
            let files = self.key_files_under(&target, &r);
            let mut set = KeySet {
                origin: Some(r.origin),
                ..KeySet::default()
            };
            for idx in files {
                self.claimed.insert(idx);
                let kf = &self.key_files[idx];
                for k in &kf.keys {
                    let l = Located::new(k.pubkey, Origin::new(kf.id, k.span));
                    if k.enabled {
                        set.pubkeys.push(l);
                    } else {
                        set.disabled.push(l);
                    }
                }
                set.opaque += u64::from(kf.opaque);
            }
            // Lighthouse keeps the keystore of a disabled validator beside the definitions
            // that disable it: the definition decides.
            let off: HashSet<PubKey> = set.disabled.iter().map(|k| k.value).collect();
            set.pubkeys.retain(|k| !off.contains(&k.value));
            self.attach(&r, set);
        }
    }

    /// Indexes (into `key_files`) of the key files at `target`, reading those not read yet.
    fn key_files_under(&mut self, target: &Path, r: &inventory::FromRequest) -> Vec<usize> {
        if !target.exists() {
            let msg = format!("`keys.from` path `{}` does not exist", target.display());
            self.errors.push(
                InputError::at("inventory", r.origin, msg)
                    .help("paths are relative to the inventory file"),
            );
            return Vec::new();
        }
        if let Some(found) = self.already_walked(target) {
            return found;
        }
        let mut pending = Vec::new();
        if target.is_dir() {
            self.walk(&target.to_string_lossy(), 0, &mut |p| pending.push(p));
        } else {
            let shown = target.to_string_lossy().into_owned();
            pending.push(Pending {
                shown,
                open: Some(target.to_path_buf()),
                stdin: None,
                canonical: target.canonicalize().ok(),
                group: 0,
                regular: false,
            });
        }
        // Files already read (from the command line) are reused; the rest are read now,
        // in parallel, as key files only.
        let fresh: Vec<&Pending> = pending
            .iter()
            .filter(|p| {
                p.canonical
                    .as_ref()
                    .is_none_or(|c| !self.key_index.contains_key(c.as_os_str()))
            })
            .collect();
        let limits = self.limits;
        let prepared: Vec<Prepared> =
            crate::pool::run(|| fresh.par_iter().map(|p| prepare(p, None, limits)).collect());
        for (p, result) in fresh.iter().zip(prepared) {
            self.files += 1;
            match result {
                Ok((src, Parsed::Keys(k))) => {
                    let id = self.db.add(src);
                    self.integrate(id, None, p.canonical.clone(), Parsed::Keys(k));
                }
                Ok((src, Parsed::KeyError(e))) => {
                    let id = self.db.add(src);
                    self.integrate(id, None, None, Parsed::KeyError(e));
                }
                // not a key file: nothing to hold
                Ok(_) => {}
                Err(e) => self.errors.push(e),
            }
        }
        pending
            .iter()
            .filter_map(|p| {
                self.key_index
                    .get(p.canonical.as_ref()?.as_os_str())
                    .copied()
            })
            .collect()
    }

    /// The key files under `target` when a command-line walk already read every file there
    /// (the directory lies inside a walked root, under no hidden folder): their indexes,
    /// in input order. `None`: `target` must be read.
    fn already_walked(&self, target: &Path) -> Option<Vec<usize>> {
        let target = target.canonicalize().ok()?;
        let covered = self.walked_roots.iter().any(|root| {
            target.strip_prefix(root).is_ok_and(|rest| {
                !rest
                    .components()
                    .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
            })
        });
        if !covered {
            return None;
        }
        let is_dir = target.is_dir();
        let ext_ok =
            |p: &Path| EXTENSIONS.contains(&p.extension().and_then(|x| x.to_str()).unwrap_or(""));
        if !is_dir && !ext_ok(&target) {
            // A file named directly is read whatever its extension; the walk skipped it.
            return None;
        }
        let mut found: Vec<usize> = if is_dir {
            // every path that starts with `target/`, a range in byte order
            let mut prefix = target.into_os_string();
            prefix.push(std::path::MAIN_SEPARATOR_STR);
            self.key_index
                .range(prefix.clone()..)
                .take_while(|(path, _)| {
                    path.as_encoded_bytes()
                        .starts_with(prefix.as_encoded_bytes())
                })
                .map(|(_, &i)| i)
                .collect()
        } else {
            self.key_index
                .get(target.as_os_str())
                .copied()
                .into_iter()
                .collect()
        };
        found.sort_unstable();
        Some(found)
    }

    fn attach(&mut self, r: &inventory::FromRequest, set: KeySet) {
        let Some(env) = self
            .model
            .environments
            .iter_mut()
            .find(|e| e.name.value == r.environment)
        else {
            return;
        };
        let keys = match r.holder {
            HolderKind::ValidatorClient => env
                .validator_clients
                .iter_mut()
                .find(|v| v.name.value == r.name)
                .map(|v| &mut v.keys),
            HolderKind::Signer => env
                .signers
                .iter_mut()
                .find(|s| s.name.value == r.name)
                .map(|s| &mut s.keys),
        };
        if let Some(k) = keys {
            k.origin = k.origin.or(set.origin);
            k.pubkeys.extend(set.pubkeys);
            k.disabled.extend(set.disabled);
            k.opaque += set.opaque;
        }
    }

    /// Frees the bookkeeping of reading (key-file records, the path index, the claimed set,
    /// walked roots) once the model is built, so it is not alive while the rules run: at
    /// 100,000 key files that is tens of MB off the peak.
    pub fn done_reading(&mut self) {
        self.key_files = Vec::new();
        self.key_index = BTreeMap::new();
        self.claimed = HashSet::new();
        self.walked_roots = Vec::new();
    }

    /// Builds the manifest model and lays the inventories over it (the inventory wins where
    /// both say the same thing); key files nobody claims become unassigned keys, grouped by
    /// the command-line path they were found under. Call once, after every input is added.
    pub fn finish(&mut self) {
        let ns = if self.namespace.is_empty() {
            "default"
        } else {
            self.namespace.as_str()
        };
        let (objects, db) = (&self.objects, &self.db);
        let (mut model, errors) = crate::pool::run(|| manifests::build(objects, db, ns));
        self.errors.extend(errors);
        // The model holds what the rules need: the typed objects and their span trees go,
        // freed on another thread while the rules run (at 20,000 objects freeing costs
        // about 0.1 s).
        let objects = std::mem::take(&mut self.objects);
        match crate::pool::get() {
            Some(p) => p.spawn(move || drop(objects)),
            None => drop(objects),
        }
        model.overlay(std::mem::take(&mut self.model));
        let mut groups: Vec<(Option<usize>, Vec<Located<PubKey>>, Origin)> = Vec::new();
        for (i, kf) in self.key_files.iter().enumerate() {
            if let Some((value, span)) = kf.chain.as_deref() {
                let kind = if kf.format == keyfiles::Format::Interchange {
                    "genesis_validators_root"
                } else {
                    "network_name"
                };
                model.chains.push(Chain {
                    kind,
                    value: Located::new(value.clone(), Origin::new(kf.id, *span)),
                });
            }
            if self.claimed.contains(&i)
                || kf.keys.is_empty()
                || matches!(
                    kf.format,
                    keyfiles::Format::Interchange | keyfiles::Format::DepositData
                )
            {
                continue;
            }
            let keys: Vec<Located<PubKey>> = kf
                .keys
                .iter()
                .map(|k| Located::new(k.pubkey, Origin::new(kf.id, k.span)))
                .collect();
            if let Some((_, all, _)) = groups.iter_mut().find(|(g, _, _)| *g == kf.group) {
                all.extend(keys);
            } else {
                let first = keys[0].origin;
                groups.push((kf.group, keys, first));
            }
        }
        for (group, mut keys, origin) in groups {
            // The same key in a keystore and in a definitions file is one key.
            let mut seen = HashSet::new();
            keys.retain(|k| seen.insert(k.value));
            let name = group
                .and_then(|g| self.args.get(g))
                .map_or_else(|| self.db.get(origin.file).path.clone(), Clone::clone);
            model.unassigned_keys.push(UnassignedKeys {
                source: Located::new(format!("key files under `{name}`"), origin),
                keys,
            });
        }
        model.finalize();
        self.model = model;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream sorted in pieces is the stream sorted whole: each piece's last document
    /// ends where the next piece's first starts (past pieces without one), or at the end
    /// of the stream — which is where a Secret's last values are masked to.
    #[test]
    fn documents_sorted_in_pieces_end_where_the_next_piece_starts() {
        let text = "apiVersion: v1\nkind: Secret\nmetadata: {name: a}\ndata:\n  k: dmFsdWU=\n  \
                    nested: {x: y}\n---\n# nothing\n---\napiVersion: v1\nkind: Secret\n\
                    metadata: {name: b}\ndata: [1]\n---\napiVersion: v1\nkind: List\nitems:\n\
                    - {apiVersion: v1, kind: Service, metadata: {name: s}}\n\
                    - {apiVersion: v1, kind: Secret, metadata: {name: c}, data: {k: dg==}}\n\
                    ---\nkind: Other\n";
        let src = SourceFile::new("t.yaml".into(), text);
        let id = FileId(0);
        let trees = || yaml::parse_stream(id, &src).unwrap();
        let show = |y: YamlFile| format!("{:?} {:?}", y.docs, y.masks);
        let whole = show(sort_documents(
            id,
            text.len(),
            vec![sort_piece(id, trees())],
        ));
        assert!(
            whole.contains("Secret") && whole.contains("Skipped"),
            "{whole}"
        );
        let n = trees().len();
        assert_eq!(n, 4);
        // Every cut into three pieces, empty ones included.
        for a in 0..=n {
            for b in a..=n {
                let mut first = trees();
                let third = first.split_off(b);
                let second = first.split_off(a);
                let pieces = [first, second, third].map(|t| sort_piece(id, t));
                let cut = show(sort_documents(id, text.len(), pieces.into()));
                assert_eq!(cut, whole, "cut after {a} and {b} documents");
            }
        }
    }
}
