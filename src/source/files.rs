//! The inputs: each read once, kept with its display path, text and line index.

use crate::model::{FileId, Origin, Span};
use std::hash::Hasher;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// One input text (a file, stdin, or an embedded data table).
#[derive(Debug)]
pub struct SourceFile {
    /// The path as given on the command line (relative stays relative), `-` for stdin,
    /// `<builtin>/…` for embedded data.
    pub path: String,
    text: Text,
    /// Byte offsets of line starts, computed when first asked for (most files are never
    /// asked: no finding points into them).
    line_starts: OnceLock<Vec<u32>>,
    /// Byte ranges of secret values (keystore `crypto`, private keys, Secret data): never
    /// shown; see [`SourceDb::redacted`].
    secrets: Vec<Span>,
    /// For an object read from a live cluster: each node's span and JSON pointer, sorted
    /// by span (see [`SourceDb::pointer`]).
    pointers: Vec<(Span, String)>,
}

/// Where a file's text is.
#[derive(Debug)]
enum Text {
    Held(Arc<str>),
    /// Let go once the file was read ([`SourceFile::release`]).
    Released(Box<Released>),
}

/// A text let go after reading: read again when first asked for.
#[derive(Debug)]
struct Released {
    /// The path it was read from.
    open: PathBuf,
    /// Whether the file starts with a byte order mark (not part of the text).
    bom: bool,
    len: usize,
    digest: u64,
    /// Where its lines start, kept compact until asked for ([`SourceFile::line_starts`]).
    lines: Lines,
    /// The lines (0-based, ascending) that hold a character beyond ASCII: on every other
    /// line a column is a byte count, so placing a finding needs no text.
    wide: Box<[u32]>,
    again: OnceLock<Arc<str>>,
}

/// The line index of a released text: the lengths of its lines but the last when each is
/// shorter than 64 KiB (two bytes a line: the index of a YAML stream of short lines was a
/// quarter of its text), else the starts.
#[derive(Debug)]
enum Lines {
    Lengths(Box<[u16]>),
    Starts(Box<[u32]>),
}

impl Lines {
    fn from_starts(starts: Vec<u32>) -> Self {
        let lengths: Option<Box<[u16]>> = starts
            .windows(2)
            .map(|w| u16::try_from(w[1] - w[0]).ok())
            .collect();
        match lengths {
            Some(l) => Lines::Lengths(l),
            None => Lines::Starts(starts.into_boxed_slice()),
        }
    }

    fn starts(&self) -> Vec<u32> {
        match self {
            Lines::Starts(s) => s.to_vec(),
            Lines::Lengths(l) => std::iter::once(0)
                .chain(l.iter().scan(0u32, |at, &n| {
                    *at += u32::from(n);
                    Some(*at)
                }))
                .collect(),
        }
    }
}

/// A digest of a text, to tell whether a file read again is still what was read (SipHash
/// 1-3 with fixed keys: a change detector, not a defence against someone who can already
/// write the key files).
fn digest(text: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    h.write(text.as_bytes());
    h.finish()
}

/// The lines (0-based) of `text` that hold a character beyond ASCII.
fn wide_lines(text: &str, starts: &[u32]) -> Box<[u32]> {
    if text.is_ascii() {
        return Box::default();
    }
    let ends = starts
        .iter()
        .skip(1)
        .map(|&s| s as usize)
        .chain([text.len()]);
    starts
        .iter()
        .zip(ends)
        .enumerate()
        .filter(|&(_, (&s, e))| !text.as_bytes()[(s as usize).min(e)..e].is_ascii())
        .map(|(i, _)| u32::try_from(i).unwrap_or(u32::MAX))
        .collect()
}

/// Whether a secret range turns this byte into `*` (line breaks are kept, so lines and
/// columns hold).
fn masked(b: u8) -> bool {
    b != b'\n' && b != b'\r'
}

/// Masks the bytes of a secret range.
fn mask_bytes(bytes: &mut [u8]) {
    for b in bytes.iter_mut().filter(|b| masked(**b)) {
        *b = b'*';
    }
}

fn line_starts_of(text: &str) -> Vec<u32> {
    let mut starts = vec![0u32];
    starts.extend(
        text.match_indices('\n')
            .map(|(i, _)| u32::try_from(i + 1).unwrap_or(u32::MAX)),
    );
    starts
}

impl Released {
    /// The file read again (bounded, a UTF-8 byte order mark dropped, as at first) if it is
    /// byte for byte what was read.
    fn read_unchanged(&self) -> Option<String> {
        let max = u64::try_from(self.len)
            .unwrap_or(u64::MAX)
            .saturating_add(3);
        crate::source::load::read_bounded(&self.open, max)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .map(|t| match t.strip_prefix('\u{feff}') {
                Some(rest) => rest.to_owned(),
                None => t,
            })
            .filter(|t| t.len() == self.len && digest(t) == self.digest)
    }

    /// The file read again (bounded, a UTF-8 byte order mark dropped, as at first) if it is
    /// byte for byte what was read; else a stand-in of the same length and lines, every
    /// other character `*` (what it holds now was never parsed, so where its secrets are is
    /// unknown: none of it is shown).
    fn read_again(&self, line_starts: &[u32]) -> Arc<str> {
        if let Some(t) = self.read_unchanged() {
            return t.into();
        }
        let mut stand_in = vec![b'*'; self.len];
        for &s in line_starts.iter().skip(1) {
            if let Some(b) = (s as usize)
                .checked_sub(1)
                .and_then(|i| stand_in.get_mut(i))
            {
                *b = b'\n';
            }
        }
        String::from_utf8(stand_in).map_or_else(|_| Arc::from(""), Arc::from)
    }
}

impl SourceFile {
    pub fn new(path: String, text: impl Into<Arc<str>>) -> Self {
        Self {
            path,
            text: Text::Held(text.into()),
            line_starts: OnceLock::new(),
            secrets: Vec::new(),
            pointers: Vec::new(),
        }
    }

    /// The text (of a released file: read again, once, when first asked for).
    pub fn text(&self) -> &str {
        self.shared_text()
    }

    fn shared_text(&self) -> &Arc<str> {
        match &self.text {
            Text::Held(t) => t,
            Text::Released(r) => r.again.get_or_init(|| r.read_again(self.line_starts())),
        }
    }

    /// Calls `f` with the text without keeping it: a released text is read again for the
    /// call only (a report digests every input once, and held whole they were most of its
    /// memory). `None` when a released file no longer holds what was parsed.
    pub fn with_text<R>(&self, f: impl FnOnce(&str) -> R) -> Option<R> {
        match &self.text {
            Text::Held(t) => Some(f(t)),
            Text::Released(r) => match r.again.get() {
                Some(t) => Some(f(t)),
                None => r.read_unchanged().map(|t| f(&t)),
            },
        }
    }

    /// Length of the text in bytes (without reading a released text again).
    pub fn text_len(&self) -> usize {
        match &self.text {
            Text::Held(t) => t.len(),
            Text::Released(r) => r.len,
        }
    }

    /// Lets go of the text of a file read from `open` (`bom`: after a byte order mark), once
    /// parsed: at 100,000 keystores their texts were half of a run's memory, and a finding
    /// points into few of them. Its line index and digest are kept; [`SourceFile::text`]
    /// reads it again.
    pub fn release(&mut self, open: PathBuf, bom: bool) {
        let Text::Held(t) = &self.text else { return };
        let starts = line_starts_of(t);
        let wide = wide_lines(t, &starts);
        let (len, digest, lines) = (t.len(), digest(t), Lines::from_starts(starts));
        self.line_starts = OnceLock::new();
        self.text = Text::Released(Box::new(Released {
            open,
            bom,
            len,
            digest,
            lines,
            wide,
            again: OnceLock::new(),
        }));
    }

    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| match &self.text {
            Text::Held(t) => line_starts_of(t),
            // (from the index kept, not the text: the text read again may have changed)
            Text::Released(r) => r.lines.starts(),
        })
    }

    /// 1-based line and 1-based column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text_len());
        let starts = self.line_starts();
        let line = starts
            .partition_point(|&s| s as usize <= offset)
            .saturating_sub(1);
        let start = starts[line] as usize;
        let col = match &self.text {
            // (an ASCII line: a column is a byte count, whether the text read again is the
            // one parsed or its masked stand-in, so it is not read again)
            Text::Released(r)
                if u32::try_from(line).is_ok_and(|l| r.wide.binary_search(&l).is_err()) =>
            {
                offset - start
            }
            _ => self
                .text()
                .get(start..offset)
                .map_or(offset - start, |s| s.chars().count()),
        };
        (line + 1, col + 1)
    }

    /// Byte offset of a 1-based line and 1-based character column (clamped to the text).
    pub fn offset_of(&self, line: usize, column: usize) -> usize {
        let Some(&start) = self.line_starts().get(line.saturating_sub(1)) else {
            return self.text_len();
        };
        let start = start as usize;
        let rest = &self.text()[start..];
        let line_end = rest.find('\n').map_or(rest.len(), |i| i);
        rest[..line_end]
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(start + line_end, |(i, _)| start + i)
    }

    /// Number of lines.
    pub fn line_count(&self) -> usize {
        self.line_starts().len()
    }
}

/// All inputs of one run.
#[derive(Debug, Default)]
pub struct SourceDb {
    files: Vec<SourceFile>,
}

impl SourceDb {
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(u32::try_from(self.files.len() - 1).unwrap_or(u32::MAX))
    }

    /// Makes room for `n` more files.
    pub fn reserve(&mut self, n: usize) {
        self.files.reserve(n);
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// Marks a byte range of `file` as secret: it is masked wherever source text is shown.
    pub fn mask(&mut self, file: FileId, span: Span) {
        if let Some(f) = self.files.get_mut(file.0 as usize)
            && span.len > 0
        {
            f.secrets.push(span);
        }
    }

    /// Marks a whole file as secret (e.g. a key file that could not be parsed).
    pub fn mask_all(&mut self, file: FileId) {
        let len = self.get(file).text_len();
        self.mask(file, Span::new(0, len));
    }

    /// Whether [`SourceDb::redacted`] differs from `text`, the text of `file`: a secret range
    /// covers a byte it would mask that is not already a `*`.
    pub fn hides_any(&self, file: FileId, text: &str) -> bool {
        let bytes = text.as_bytes();
        self.get(file).secrets.iter().any(|s| {
            let end = s.end().min(bytes.len());
            bytes[(s.start as usize).min(end)..end]
                .iter()
                .any(|&b| masked(b) && b != b'*')
        })
    }

    /// The text of `file` with every secret range replaced by `*` (byte for byte, so
    /// offsets stay valid; line breaks are kept). The only text reporters may show.
    pub fn redacted(&self, file: FileId) -> Arc<str> {
        let f = self.get(file);
        if f.secrets.is_empty() {
            return Arc::clone(f.shared_text());
        }
        let mut bytes = f.text().as_bytes().to_vec();
        for s in &f.secrets {
            let end = s.end().min(bytes.len());
            mask_bytes(&mut bytes[(s.start as usize).min(end)..end]);
        }
        // Masking whole bytes of multi-byte characters keeps valid UTF-8 (all become `*`).
        String::from_utf8(bytes).map_or_else(|_| Arc::from(""), Arc::from)
    }

    /// The text an origin covers, secret ranges masked as in [`SourceDb::redacted`]
    /// (without copying the whole file).
    pub fn redacted_text(&self, origin: Origin) -> std::borrow::Cow<'_, str> {
        let f = self.get(origin.file);
        let (start, end) = (origin.span.start as usize, origin.span.end());
        let Some(text) = f.text().get(start..end) else {
            return "".into();
        };
        let overlapping = |s: &&Span| (s.start as usize) < end && s.end() > start;
        if !f.secrets.iter().any(|s| overlapping(&s)) {
            return text.into();
        }
        let mut bytes = text.as_bytes().to_vec();
        for s in f.secrets.iter().filter(overlapping) {
            let from = (s.start as usize).max(start) - start;
            let to = s.end().min(end) - start;
            mask_bytes(&mut bytes[from..to]);
        }
        String::from_utf8(bytes).map_or_else(|_| "".into(), Into::into)
    }

    /// Records the JSON pointer of every node of `file` (an object read from a cluster, which
    /// has no file line of its own: its findings also name the field).
    pub fn set_pointers(&mut self, file: FileId, mut pointers: Vec<(Span, String)>) {
        if let Some(f) = self.files.get_mut(file.0 as usize) {
            pointers.sort();
            f.pointers = pointers;
        }
    }

    /// The JSON pointer of the field an origin points at (`/spec/replicas`), for files
    /// that have pointers: the node with exactly that span, else the deepest node that
    /// starts there.
    pub fn pointer(&self, origin: Origin) -> Option<&str> {
        let f = self.files.get(origin.file.0 as usize)?;
        let from = f
            .pointers
            .partition_point(|(s, _)| s.start < origin.span.start);
        let at: Vec<&(Span, String)> = f.pointers[from..]
            .iter()
            .take_while(|(s, _)| s.start == origin.span.start)
            .collect();
        at.iter()
            .find(|(s, _)| *s == origin.span)
            .or_else(|| at.iter().max_by_key(|(_, p)| p.len()))
            .map(|(_, p)| p.as_str())
    }

    /// Path, 1-based line and column of an origin.
    pub fn position(&self, origin: Origin) -> (&str, usize, usize) {
        let f = self.get(origin.file);
        let (line, col) = f.line_col(origin.span.start as usize);
        // (columns count characters of the original text; masks keep byte offsets)
        (&f.path, line, col)
    }

    /// The source text an origin covers.
    pub fn text(&self, origin: Origin) -> &str {
        let f = self.get(origin.file);
        f.text()
            .get(origin.span.start as usize..origin.span.end())
            .unwrap_or("")
    }

    /// The length of the text an origin covers without its trailing whitespace (where a
    /// region ends: a block's final line break is not part of it). Of a released file not
    /// read again, only that range is read.
    pub fn trimmed_len(&self, origin: Origin) -> usize {
        self.text_to_search(origin).trim_end().len()
    }

    /// The source text an origin covers, to search in (never to show: secrets are not
    /// masked): of a released file not read again yet, only that range is read, and not
    /// kept, so building the model (which narrows a few locations to a word) does not bring
    /// back the texts released after parsing. Empty when it cannot be read as it was.
    pub fn text_to_search(&self, origin: Origin) -> std::borrow::Cow<'_, str> {
        let f = self.get(origin.file);
        let r = match &f.text {
            Text::Released(r) if r.again.get().is_none() => r,
            _ => return self.text(origin).into(),
        };
        let (start, len) = (origin.span.start as usize, origin.span.len as usize);
        if start + len > r.len {
            return "".into();
        }
        let offset = start as u64 + if r.bom { 3 } else { 0 };
        crate::source::load::read_range(&r.open, offset, len)
            .and_then(|b| String::from_utf8(b).ok())
            .map_or_else(|| "".into(), Into::into)
    }
}

/// Shorthand used by sources: an origin from a byte range.
pub fn origin(file: FileId, start: usize, len: usize) -> Origin {
    Origin::new(file, Span::new(start, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_round_trip() {
        let f = SourceFile::new("x".into(), "ab\nçd: e\n\nlast");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        // `d` sits after the two-byte `ç`: byte 5, column 2
        assert_eq!(f.line_col(5), (2, 2));
        assert_eq!(f.offset_of(2, 2), 5);
        assert_eq!(f.line_col(f.text_len()), (4, 5));
        assert_eq!(f.offset_of(99, 1), f.text_len());
    }

    /// A file of its own under the temp dir, removed on drop.
    struct TempFile(PathBuf);

    impl TempFile {
        fn new(name: &str, bytes: &[u8]) -> Self {
            let dir =
                std::env::temp_dir().join(format!("stakelint-files-{}-{name}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("temp dir");
            let path = dir.join("k.json");
            std::fs::write(&path, bytes).expect("write");
            Self(path)
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            if let Some(dir) = self.0.parent() {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }

    const KEYSTORE: &str = "{\"crypto\": {\"cipher\": \"s3cr3t\"},\n \"pubkey\": \"a1b2\"}\n";

    fn released(file: &TempFile, text: &str) -> (SourceDb, FileId) {
        let mut db = SourceDb::default();
        let mut f = SourceFile::new("k.json".into(), text);
        f.release(file.0.clone(), false);
        let id = db.add(f);
        // the cipher value, as the key-file source masks it
        let at = text.find("s3cr3t").expect("secret");
        db.mask(id, Span::new(at, 6));
        (db, id)
    }

    #[test]
    fn a_released_text_is_read_again_when_asked_for() {
        let file = TempFile::new("same", KEYSTORE.as_bytes());
        let (db, id) = released(&file, KEYSTORE);
        let at = KEYSTORE.find("a1b2").expect("pubkey");
        let origin = Origin::new(id, Span::new(at, 4));
        assert_eq!(db.position(origin), ("k.json", 2, 13));
        assert_eq!(db.text(origin), "a1b2");
        assert_eq!(db.get(id).text(), KEYSTORE);
        assert_eq!(&*db.redacted(id), KEYSTORE.replace("s3cr3t", "******"));
        // a byte order mark is dropped on reading again as at first
        let bom = TempFile::new("bom", format!("\u{feff}{KEYSTORE}").as_bytes());
        let (db, id) = released(&bom, KEYSTORE);
        assert_eq!(db.get(id).text(), KEYSTORE);
    }

    #[test]
    fn a_released_line_index_is_the_held_one() {
        let long = "x".repeat(70_000);
        let edge = "y".repeat(65_534);
        for text in [
            String::new(),
            "a".to_owned(),
            "a\n".to_owned(),
            "a\n\nbc\nd".to_owned(),
            format!("{edge}\nz\n"),
            format!("k: v\n{long}\nw\n"),
        ] {
            let lines = Lines::from_starts(line_starts_of(&text));
            // lengths while every line fits two bytes (the 65,534 + newline one does)
            assert_eq!(matches!(lines, Lines::Lengths(_)), !text.contains(&long));
            assert_eq!(lines.starts(), line_starts_of(&text));
            let file = TempFile::new("lines", text.as_bytes());
            let mut f = SourceFile::new("t.yaml".into(), text.as_str());
            f.release(file.0.clone(), false);
            let held = SourceFile::new("t.yaml".into(), text.as_str());
            for at in [
                0,
                1,
                2,
                text.len() / 2,
                text.len().saturating_sub(2),
                text.len(),
            ] {
                assert_eq!(f.line_col(at), held.line_col(at), "{at}");
            }
            assert_eq!(f.line_count(), held.line_count());
        }
    }

    #[test]
    fn a_finding_on_an_ascii_line_of_a_released_text_is_placed_without_it() {
        // (a duplicate key in 500 rendered copies is 8,000 places: reading every file again
        // to place them brought the whole input back into memory)
        let text = "a: 1\nname: \"é—x\"\nb: 2\n\u{1F600}\n";
        let file = TempFile::new("wide", text.as_bytes());
        let mut f = SourceFile::new("w.yaml".into(), text);
        f.release(file.0.clone(), false);
        let held = SourceFile::new("w.yaml".into(), text);
        let read_again = |f: &SourceFile| match &f.text {
            Text::Released(r) => r.again.get().is_some(),
            Text::Held(_) => true,
        };
        let b = text.find("b:").expect("b");
        for at in [0, 3, b, b + 3] {
            assert_eq!(f.line_col(at), held.line_col(at), "{at}");
        }
        assert!(!read_again(&f), "ASCII lines are placed from the index");
        // a line with characters beyond ASCII counts them in the text
        let x = text.find('x').expect("x");
        assert_eq!(f.line_col(x), (2, 10));
        assert_eq!(held.line_col(x), (2, 10));
        assert!(read_again(&f));
        assert_eq!(wide_lines(text, &line_starts_of(text)).as_ref(), &[1, 3]);
        assert!(wide_lines("a\nb\n", &line_starts_of("a\nb\n")).is_empty());
        // where a region ends: its trailing line break left out, read as a range
        let mut db = SourceDb::default();
        let mut f = SourceFile::new("w.yaml".into(), text);
        f.release(file.0.clone(), false);
        let id = db.add(f);
        assert_eq!(db.trimmed_len(Origin::new(id, Span::new(b, 5))), 4);
        assert!(!read_again(db.get(id)));
    }

    #[test]
    fn a_range_of_a_released_text_is_read_alone_and_not_kept() {
        let text = "kind: Pod\nargs: [\"sh -c 'exec x --a=1'\"]\n";
        let at = text.find("sh -c").expect("script");
        for (name, bytes, bom) in [
            ("plain", text.to_owned(), false),
            ("bom-range", format!("\u{feff}{text}"), true),
        ] {
            let file = TempFile::new(name, bytes.as_bytes());
            let mut f = SourceFile::new("p.yaml".into(), text);
            f.release(file.0.clone(), bom);
            let mut db = SourceDb::default();
            let id = db.add(f);
            let origin = Origin::new(id, Span::new(at, 19));
            assert_eq!(db.text_to_search(origin), &text[at..at + 19]);
            // past the end of the text as parsed: nothing
            let past = Origin::new(id, Span::new(text.len() - 2, 5));
            assert_eq!(db.text_to_search(past), "");
            let Text::Released(r) = &db.get(id).text else {
                panic!("released")
            };
            assert!(r.again.get().is_none(), "the whole text is not read again");
            // once the whole text was read again, ranges come from it
            assert_eq!(db.text(origin), &text[at..at + 19]);
            assert_eq!(db.text_to_search(origin), &text[at..at + 19]);
        }
    }

    #[test]
    fn a_released_text_is_lent_for_one_call_and_not_kept() {
        let file = TempFile::new("lent", KEYSTORE.as_bytes());
        let (db, id) = released(&file, KEYSTORE);
        let f = db.get(id);
        assert_eq!(f.with_text(str::to_owned).as_deref(), Some(KEYSTORE));
        assert!(matches!(&f.text, Text::Released(r) if r.again.get().is_none()));
        // the cipher's mask hides bytes
        assert!(db.hides_any(id, KEYSTORE));
        // rewritten since it was parsed: not lent (a report must digest what it checked)
        std::fs::write(&file.0, KEYSTORE.replace("a1b2", "a1b3")).expect("write");
        assert_eq!(f.with_text(|_| ()), None);
        // (shown, it is masked whole; the text read again for it is kept)
        assert!(!db.redacted(id).contains("a1b"));
        // a mask over nothing but line breaks and `*` hides nothing, as `redacted` shows
        let mut db = SourceDb::default();
        let text = "a*\n*b";
        let id = db.add(SourceFile::new("x".into(), text));
        db.mask(id, Span::new(1, 3));
        assert!(!db.hides_any(id, text));
        assert_eq!(&*db.redacted(id), text);
        db.mask(id, Span::new(3, 2));
        assert!(db.hides_any(id, text));
        assert_ne!(&*db.redacted(id), text);
    }

    #[test]
    fn a_released_text_that_changed_or_went_is_never_shown() {
        // Rewritten since (same length, the secret moved where the mask no longer is), or
        // removed: every character but the line breaks is masked, lines and columns hold.
        let moved = "{\"pubkey\": \"a1b2\",\n \"crypto\": {\"cipher\": \"s3cr3t\"}}\n";
        assert_eq!(moved.len(), KEYSTORE.len());
        let file = TempFile::new("changed", moved.as_bytes());
        let (db, id) = released(&file, KEYSTORE);
        let gone = TempFile::new("gone", KEYSTORE.as_bytes());
        let (db2, id2) = released(&gone, KEYSTORE);
        drop(gone);
        for (db, id) in [(&db, id), (&db2, id2)] {
            let shown = db.redacted(id);
            assert!(
                !shown.contains("s3cr3t") && !shown.contains("a1b2"),
                "{shown}"
            );
            assert_eq!(shown.len(), KEYSTORE.len());
            assert_eq!(shown.matches('\n').count(), 2);
            let at = KEYSTORE.find("a1b2").expect("pubkey");
            assert_eq!(db.position(Origin::new(id, Span::new(at, 4))).1, 2);
        }
    }

    #[test]
    fn masked_ranges_are_redacted_byte_for_byte() {
        let mut db = SourceDb::default();
        let id = db.add(SourceFile::new("k".into(), "a: sécret\nb: ok\n"));
        db.mask(id, Span::new(3, 7));
        let r = db.redacted(id);
        assert_eq!(&*r, "a: *******\nb: ok\n");
        assert_eq!(r.len(), db.get(id).text_len());
        // a range of the text: the same masking, only the part asked for
        let part = |start, len| db.redacted_text(Origin::new(id, Span::new(start, len)));
        assert_eq!(part(0, 4), "a: *");
        assert_eq!(part(4, 6), "******");
        assert_eq!(part(3, 9), "*******\nb");
        assert_eq!(part(11, 5), "b: ok");
        assert_eq!(part(99, 1), "");
    }
}
