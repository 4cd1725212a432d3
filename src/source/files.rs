//! The inputs: each read once, kept with its display path, text and line index.

use crate::model::{FileId, Origin, Span};
use std::sync::Arc;

/// One input text (a file, stdin, or an embedded data table).
#[derive(Debug)]
pub struct SourceFile {
    /// The path as given on the command line (relative stays relative), `-` for stdin,
    /// `<builtin>/…` for embedded data.
    pub path: String,
    pub text: Arc<str>,
    /// Byte offsets of line starts, computed when first asked for (most key files are never
    /// asked: no finding points into them).
    line_starts: std::sync::OnceLock<Vec<u32>>,
    /// Byte ranges of secret values (keystore `crypto`, private keys, Secret data): never
    /// shown; see [`SourceDb::redacted`].
    secrets: Vec<Span>,
    /// For an object read from a live cluster: each node's span and JSON pointer, sorted
    /// by span (see [`SourceDb::pointer`]).
    pointers: Vec<(Span, String)>,
}

impl SourceFile {
    pub fn new(path: String, text: impl Into<Arc<str>>) -> Self {
        Self {
            path,
            text: text.into(),
            line_starts: std::sync::OnceLock::new(),
            secrets: Vec::new(),
            pointers: Vec::new(),
        }
    }

    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            let mut starts = vec![0u32];
            starts.extend(
                self.text
                    .bytes()
                    .enumerate()
                    .filter(|&(_, b)| b == b'\n')
                    .map(|(i, _)| u32::try_from(i + 1).unwrap_or(u32::MAX)),
            );
            starts
        })
    }

    /// 1-based line and 1-based column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let starts = self.line_starts();
        let line = starts
            .partition_point(|&s| s as usize <= offset)
            .saturating_sub(1);
        let start = starts[line] as usize;
        let col = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line + 1, col + 1)
    }

    /// Byte offset of a 1-based line and 1-based character column (clamped to the text).
    pub fn offset_of(&self, line: usize, column: usize) -> usize {
        let Some(&start) = self.line_starts().get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let start = start as usize;
        let rest = &self.text[start..];
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
        let len = self.get(file).text.len();
        self.mask(file, Span::new(0, len));
    }

    /// The text of `file` with every secret range replaced by `*` (byte for byte, so
    /// offsets stay valid; line breaks are kept). The only text reporters may show.
    pub fn redacted(&self, file: FileId) -> Arc<str> {
        let f = self.get(file);
        if f.secrets.is_empty() {
            return Arc::clone(&f.text);
        }
        let mut bytes = f.text.as_bytes().to_vec();
        for s in &f.secrets {
            let end = s.end().min(bytes.len());
            for b in &mut bytes[(s.start as usize).min(end)..end] {
                if *b != b'\n' && *b != b'\r' {
                    *b = b'*';
                }
            }
        }
        // Masking whole bytes of multi-byte characters keeps valid UTF-8 (all become `*`).
        String::from_utf8(bytes).map_or_else(|_| Arc::from(""), Arc::from)
    }

    /// The text an origin covers, secret ranges masked as in [`SourceDb::redacted`]
    /// (without copying the whole file).
    pub fn redacted_text(&self, origin: Origin) -> std::borrow::Cow<'_, str> {
        let f = self.get(origin.file);
        let (start, end) = (origin.span.start as usize, origin.span.end());
        let Some(text) = f.text.get(start..end) else {
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
            for b in &mut bytes[from..to] {
                if *b != b'\n' && *b != b'\r' {
                    *b = b'*';
                }
            }
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
        f.text
            .get(origin.span.start as usize..origin.span.end())
            .unwrap_or("")
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
        assert_eq!(f.line_col(f.text.len()), (4, 5));
        assert_eq!(f.offset_of(99, 1), f.text.len());
    }

    #[test]
    fn masked_ranges_are_redacted_byte_for_byte() {
        let mut db = SourceDb::default();
        let id = db.add(SourceFile::new("k".into(), "a: sécret\nb: ok\n"));
        db.mask(id, Span::new(3, 7));
        let r = db.redacted(id);
        assert_eq!(&*r, "a: *******\nb: ok\n");
        assert_eq!(r.len(), db.get(id).text.len());
        // a range of the text: the same masking, only the part asked for
        let part = |start, len| db.redacted_text(Origin::new(id, Span::new(start, len)));
        assert_eq!(part(0, 4), "a: *");
        assert_eq!(part(4, 6), "******");
        assert_eq!(part(3, 9), "*******\nb");
        assert_eq!(part(11, 5), "b: ok");
        assert_eq!(part(99, 1), "");
    }
}
