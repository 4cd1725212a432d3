//! The common case read straight from the parser's events: a stream of plain Kubernetes
//! documents (no anchors, aliases, tags or merge keys) becomes its span trees without going
//! through serde — a third of a manifest run's time was serde-saphyr's deserializer layer
//! and its `Spanned` location records, not the parser.
//!
//! The scalar rules stay serde-saphyr's: a plain scalar that could be anything but a string
//! (a number, a boolean, a null) is resolved by serde-saphyr itself, with the same options.
//! Anything this reader does not handle — an anchor, an alias, a tag, a merge key, a
//! non-string or duplicate key, deep nesting, an input near a budget, a syntax error —
//! returns `None` and the stream is read by serde-saphyr as before, so the result and every
//! error are the same either way (tested on every fixture and on mutated inputs).

use super::{At, Node, options};
use crate::model::Span;
use rayon::prelude::*;
use serde_saphyr::granit_parser::{self, Event, Parser, ScalarStyle, StrInput};
use std::borrow::Cow;

/// Deeper documents go to serde-saphyr (Kubernetes objects are about 12 levels deep).
const MAX_DEPTH: usize = 64;

enum Frame<'t> {
    Seq(Span, Vec<At<Node>>),
    Map(Span, Vec<(At<String>, At<Node>)>, Option<At<String>>),
    /// A collection of a document of a kind nobody reads: checked as it would be read
    /// (keys, scalars, no anchors or tags) but nothing is built. `keys` of a mapping
    /// (duplicates are errors), `value` when its next scalar is a value.
    Skip {
        map: bool,
        keys: Vec<Cow<'t, str>>,
        value: bool,
    },
}

/// The least size of the pieces a stream is cut into, to be read in parallel (streams of
/// two pieces or more are cut).
pub(super) const PIECE: usize = 256 * 1024;

/// The documents of `text` as [`super::parse_stream`] returns them, or `None` when the
/// stream needs serde-saphyr. A document whose top-level `kind` is a string that `keep`
/// refuses keeps only its top-level scalars (`apiVersion`, `kind`, ...): its collections
/// are checked but not built.
///
/// A stream of at least two pieces of `piece` bytes ([`PIECE`] in a run; the tests cut at
/// every marker) is cut at document markers, and the pieces are read on the thread pool
/// ([`pieces`]).
pub(super) fn parse_in_pieces(
    text: &str,
    keep: &(dyn Fn(&str) -> bool + Sync),
    piece: usize,
) -> Option<Vec<At<Node>>> {
    let read = read_in_pieces(text, keep, piece, &|docs| docs)?;
    Some(read.into_iter().flatten().collect())
}

/// The documents of each piece of `text` (of at least `piece` bytes), handed to `each` on
/// the thread that read them, so what `each` makes of them replaces the trees while other
/// pieces are still read; `None` when a piece needs serde-saphyr.
pub(super) fn read_in_pieces<R: Send>(
    text: &str,
    keep: &(dyn Fn(&str) -> bool + Sync),
    piece: usize,
    each: &(dyn Fn(Vec<At<Node>>) -> R + Sync),
) -> Option<Vec<R>> {
    let starts = pieces(text, piece);
    if starts.len() < 2 {
        return parse_piece(text, 0, keep).map(|docs| vec![each(docs)]);
    }
    (0..starts.len())
        .into_par_iter()
        .map(|i| {
            let (start, end) = (starts[i], starts.get(i + 1).copied().unwrap_or(text.len()));
            parse_piece(&text[start..end], start, keep).map(each)
        })
        .collect()
}

/// Where the pieces start that `text` can be cut into, streams read alone, each of at
/// least `piece` bytes: before a line that starts with the document marker `---` (followed
/// by a space, a tab or the line's end). Such a line cannot be content — YAML forbids it
/// inside any scalar or collection — so it starts a new document whatever came before: the
/// documents of the pieces are those of the stream. What could carry from one document to
/// the next is not cut: a stream with a directive (a line starting with `%`, which sets
/// tags for the next document) is read whole, and anchors and tags send the whole stream to
/// serde-saphyr anyway (one piece declining does). A piece that ends inside an unterminated
/// construct is an error read alone, so it declines too.
pub(super) fn pieces(text: &str, piece: usize) -> Vec<usize> {
    let mut starts = vec![0];
    if text.len() < piece.saturating_mul(2) {
        return starts;
    }
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let b = line.as_bytes();
        if b.first() == Some(&b'%') {
            starts.truncate(1);
            return starts;
        }
        let marker =
            b.starts_with(b"---") && matches!(b.get(3), None | Some(b' ' | b'\t' | b'\r' | b'\n'));
        if marker && at - starts.last().copied().unwrap_or(0) >= piece {
            starts.push(at);
        }
        at += line.len();
    }
    starts
}

/// One piece of a stream, which starts at byte `base` of it.
fn parse_piece(text: &str, base: usize, keep: &dyn Fn(&str) -> bool) -> Option<Vec<At<Node>>> {
    let opts = options(text.len());
    let budget = opts.budget.clone().unwrap_or_default();
    let mut po = granit_parser::Options::default();
    po.simple_key_max_lookahead = budget.simple_key_max_lookahead;
    po.flow_nesting_limit = budget.flow_nesting_limit;
    po.block_nesting_limit = po
        .block_nesting_limit
        .max(budget.max_depth.saturating_add(1));
    po.emit_comments = opts.emit_comments;
    po.strict_indentation = opts.strict_indentation;
    po.bom_inside_document_as_content = opts.bom_inside_document_as_content;
    // Far inside serde-saphyr's budgets (which scale with the input): a stream that gets
    // near one is left to serde-saphyr, which reports the breach.
    let max_events = text.len() / 2 + 64;
    let max_docs = budget.max_documents / 2;
    let mut events = 0usize;
    let mut docs = Vec::new();
    let mut doc_count = 0usize;
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<At<Node>> = None;
    // The current document is of a kind nobody reads.
    let mut unread = false;
    // Top-level keys of an unread document whose values were not built (still checked
    // for duplicates).
    let mut cut_keys: Vec<String> = Vec::new();
    for item in Parser::with_options(StrInput::new(text), po) {
        let (ev, span) = item.ok()?;
        events += 1;
        if events > max_events {
            return None;
        }
        let span = byte_span(&span, base)?;
        let is_map = matches!(ev, Event::MappingStart(..));
        if let Some(Frame::Skip { .. }) = stack.last() {
            skip(ev, &mut stack, &mut cut_keys)?;
            continue;
        }
        let done = match ev {
            Event::Scalar(value, style, anchor, tag) => {
                if anchor != 0 || tag.is_some() {
                    return None;
                }
                if let Some(Frame::Map(_, _, key @ None)) = stack.last_mut() {
                    *key = Some(At {
                        value: key_text(value, style)?,
                        span,
                    });
                    continue;
                }
                At {
                    value: scalar(value, style)?,
                    span,
                }
            }
            Event::SequenceStart(_, anchor, tag) | Event::MappingStart(_, anchor, tag) => {
                if anchor != 0 || tag.is_some() || stack.len() >= MAX_DEPTH {
                    return None;
                }
                // A collection as a mapping key is left to serde-saphyr.
                if let Some(Frame::Map(_, _, None)) = stack.last() {
                    return None;
                }
                stack.push(if unread && stack.len() == 1 {
                    Frame::Skip {
                        map: is_map,
                        keys: Vec::new(),
                        value: false,
                    }
                } else if is_map {
                    Frame::Map(span, Vec::new(), None)
                } else {
                    Frame::Seq(span, Vec::new())
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop()? {
                Frame::Seq(span, items) => At {
                    value: Node::Seq(items),
                    span,
                },
                Frame::Map(span, entries, None) => {
                    let cut = if stack.is_empty() { &cut_keys[..] } else { &[] };
                    let keys = entries.iter().map(|(k, _)| k.value.as_str());
                    if duplicates(keys.chain(cut.iter().map(String::as_str))) {
                        return None;
                    }
                    At {
                        value: Node::Map(entries),
                        span,
                    }
                }
                Frame::Map(_, _, Some(_)) | Frame::Skip { .. } => return None,
            },
            Event::DocumentStart(..) => {
                unread = false;
                cut_keys.clear();
                doc_count += 1;
                if doc_count > max_docs {
                    return None;
                }
                continue;
            }
            Event::DocumentEnd => {
                unread = false;
                // Null documents (empty, `~`, `null`) are skipped, as serde-saphyr does.
                match root.take() {
                    Some(At {
                        value: Node::Null, ..
                    })
                    | None => {}
                    Some(doc) => docs.push(doc),
                }
                continue;
            }
            Event::StreamStart | Event::StreamEnd => continue,
            _ => return None,
        };
        let depth = stack.len();
        match stack.last_mut() {
            Some(Frame::Seq(_, items)) => items.push(done),
            Some(Frame::Map(_, entries, key)) => {
                let key = key.take()?;
                if depth == 1
                    && key.value == "kind"
                    && let Node::Str(kind) = &done.value
                {
                    unread = !keep(kind);
                }
                entries.push((key, done));
            }
            Some(Frame::Skip { .. }) => return None,
            None => {
                if root.is_some() {
                    return None;
                }
                root = Some(done);
            }
        }
    }
    (stack.is_empty() && root.is_none()).then_some(docs)
}

/// One event inside a skipped collection (the top of `stack`): checked, not built.
fn skip<'t>(ev: Event<'t>, stack: &mut Vec<Frame<'t>>, cut_keys: &mut Vec<String>) -> Option<()> {
    let depth = stack.len();
    let is_map = matches!(ev, Event::MappingStart(..));
    let Some(Frame::Skip { map, keys, value }) = stack.last_mut() else {
        return None;
    };
    match ev {
        Event::Scalar(text, style, anchor, tag) => {
            if anchor != 0 || tag.is_some() {
                return None;
            }
            if *map && !*value {
                if style == ScalarStyle::Plain && !surely_string(&text) {
                    return None;
                }
                keys.push(text);
            } else if style == ScalarStyle::Plain && !surely_string(&text) {
                scalar(text, style)?;
            }
            *value = *map && !*value;
        }
        Event::SequenceStart(_, anchor, tag) | Event::MappingStart(_, anchor, tag) => {
            if anchor != 0 || tag.is_some() || depth >= MAX_DEPTH || (*map && !*value) {
                return None;
            }
            stack.push(Frame::Skip {
                map: is_map,
                keys: Vec::new(),
                value: false,
            });
        }
        Event::SequenceEnd | Event::MappingEnd => {
            let Some(Frame::Skip { map, keys, value }) = stack.pop() else {
                return None;
            };
            if (map && value) || duplicates(keys.iter().map(|k| &**k)) {
                return None;
            }
            match stack.last_mut()? {
                Frame::Skip { map, value, .. } => *value = *map && !*value,
                // A top-level entry of an unread document: left out.
                Frame::Map(_, _, key) => {
                    cut_keys.push(key.take()?.value);
                }
                Frame::Seq(..) => return None,
            }
        }
        _ => return None,
    }
    Some(())
}

fn byte_span(span: &granit_parser::Span, base: usize) -> Option<Span> {
    let r = span.byte_range()?;
    Some(Span::new(base + r.start, r.end.checked_sub(r.start)?))
}

/// A mapping key: quoted keys and plain keys that can only be strings.
fn key_text(value: Cow<'_, str>, style: ScalarStyle) -> Option<String> {
    (style != ScalarStyle::Plain || surely_string(&value)).then(|| value.into_owned())
}

/// A scalar value: quoted and block scalars are strings; a plain scalar is a string unless
/// it could be read as something else, which serde-saphyr then decides.
fn scalar(value: Cow<'_, str>, style: ScalarStyle) -> Option<Node> {
    if style != ScalarStyle::Plain || surely_string(&value) {
        return Some(Node::Str(value.into_owned()));
    }
    let text: &str = &value;
    if text.is_empty() {
        // An empty plain scalar (`key:`) is null; serde-saphyr reads an empty stream as no
        // document at all.
        return Some(Node::Null);
    }
    // serde-saphyr reads the scalar alone, as a document. Only a single-line ASCII token
    // reads back as the same text: a line break would be folded again, and `---` or `...`
    // would be a document marker. Others go to serde-saphyr with the whole stream.
    if !text.bytes().all(|b| b.is_ascii_graphic())
        || text.starts_with("---")
        || text.starts_with("...")
    {
        return None;
    }
    match serde_saphyr::from_str_with_options::<Node>(text, options(text.len())).ok()? {
        Node::Seq(_) | Node::Map(_) => None,
        other => Some(other),
    }
}

/// Whether a plain scalar can only be read as a string: it starts with a letter and is no
/// YAML boolean or null word, or it starts with `-`/`+` and a letter or dash (`--flag`;
/// numbers have a digit or `.` after the sign), or with `/` (a path). Everything else is
/// left to serde-saphyr. Conservative: a wrong "no" only costs time.
fn surely_string(v: &str) -> bool {
    let b = v.as_bytes();
    match b.first() {
        Some(c) if c.is_ascii_alphabetic() => {
            b.len() > 5
                || !["y", "n", "yes", "no", "on", "off", "true", "false", "null"]
                    .iter()
                    .any(|w| w.eq_ignore_ascii_case(v))
        }
        Some(b'-' | b'+') => b
            .get(1)
            .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'-'),
        Some(b'/') => true,
        _ => false,
    }
}

/// Duplicate keys are serde-saphyr's error to report.
fn duplicates<'k>(keys: impl Iterator<Item = &'k str>) -> bool {
    let mut keys: Vec<&str> = keys.collect();
    if keys.len() <= 16 {
        return keys.iter().enumerate().any(|(i, k)| keys[..i].contains(k));
    }
    keys.sort_unstable();
    keys.windows(2).any(|w| w[0] == w[1])
}
