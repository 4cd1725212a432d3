//! The one YAML layer: serde-saphyr with input budgets, a span tree for foreign types
//! (Kubernetes objects), typed parsing with spans for our own types (inventory, config),
//! and parse errors turned into located [`InputError`]s.
//!
//! Span trees of plain streams (what Helm and kustomize render) are built straight from
//! the events of serde-saphyr's parser (module `fast`); serde-saphyr still decides every
//! scalar that could be anything but a string, and reads every stream the event reader
//! declines, so both give the same trees and the same errors ([`fast_path_agrees`]).
//!
//! serde-saphyr reports character columns; origins are byte offsets, so error positions
//! go through the file's line index.

use crate::diagnostic::InputError;
use crate::model::{FileId, Origin, Span};
use crate::source::files::SourceFile;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Options, Spanned};
use std::fmt;

mod fast;

/// A YAML node whose every child keeps its location.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<At<Node>>),
    Map(Vec<(At<String>, At<Node>)>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(Node::UInt(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = a.next_element::<At<Node>>()? {
            items.push(item);
        }
        Ok(Node::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(k) = a.next_key::<At<String>>()? {
            entries.push((k, a.next_value::<At<Node>>()?));
        }
        Ok(Node::Map(entries))
    }
}

impl Node {
    /// The value under `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&At<Node>> {
        match self {
            Node::Map(entries) => entries.iter().find(|(k, _)| k.value == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The key node of `key` in a mapping (block mappings are located at their first child,
    /// so findings about a whole mapping point at its key).
    pub fn key(&self, key: &str) -> Option<&At<String>> {
        match self {
            Node::Map(entries) => entries.iter().find(|(k, _)| k.value == key).map(|(k, _)| k),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The node at an RFC 6901 JSON pointer (`/spec/template/spec/containers/1/args/4`).
    pub fn pointer<'a>(this: &'a At<Node>, pointer: &str) -> Option<&'a At<Node>> {
        let mut cur = this;
        for raw in pointer.split('/').skip(1) {
            let part = raw.replace("~1", "/").replace("~0", "~");
            cur = match &cur.value {
                Node::Map(_) => cur.value.get(&part)?,
                Node::Seq(items) => items.get(part.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(cur)
    }

    /// Converts to a `serde_json::Value` (for typed parsing of foreign types).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(*b),
            Node::Int(i) => Value::from(*i),
            Node::UInt(u) => Value::from(*u),
            Node::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Node::Str(s) => Value::String(s.clone()),
            Node::Seq(items) => Value::Array(items.iter().map(|i| i.value.to_json()).collect()),
            Node::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.value.clone(), v.value.to_json()))
                    .collect(),
            ),
        }
    }
}

/// Deserializes a typed value straight from a span tree (no intermediate
/// `serde_json::Value`), with the same data model as JSON: integers, floats (non-finite
/// ones read as null, as JSON has none), strings, sequences, mappings with string keys.
#[derive(Clone, Copy)]
pub struct NodeDeserializer<'a>(pub &'a Node);

impl<'de> Deserializer<'de> for NodeDeserializer<'de> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Node::Bool(b) => v.visit_bool(*b),
            Node::Int(i) => v.visit_i64(*i),
            Node::UInt(u) => v.visit_u64(*u),
            Node::Float(f) if f.is_finite() => v.visit_f64(*f),
            Node::Null | Node::Float(_) => v.visit_unit(),
            Node::Str(s) => v.visit_borrowed_str(s),
            Node::Seq(items) => {
                let mut seq = de::value::SeqDeserializer::new(
                    items.iter().map(|i| NodeDeserializer(&i.value)),
                );
                let out = v.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(out)
            }
            Node::Map(entries) => {
                let mut map = de::value::MapDeserializer::new(
                    entries
                        .iter()
                        .map(|(k, val)| (k.value.as_str(), NodeDeserializer(&val.value))),
                );
                let out = v.visit_map(&mut map)?;
                map.end()?;
                Ok(out)
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Node::Null => v.visit_none(),
            Node::Float(f) if !f.is_finite() => v.visit_none(),
            _ => v.visit_some(self),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Self::Error> {
        match self.0 {
            Node::Str(s) => {
                de::value::BorrowedStrDeserializer::new(s).deserialize_enum(name, variants, v)
            }
            Node::Map(entries) if entries.len() == 1 => {
                let (k, val) = &entries[0];
                v.visit_enum(de::value::MapAccessDeserializer::new(
                    de::value::MapDeserializer::new(std::iter::once((
                        k.value.as_str(),
                        NodeDeserializer(&val.value),
                    ))),
                ))
            }
            _ => Err(de::Error::invalid_type(self.unexpected(), &"an enum")),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, Self::Error> {
        v.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}

impl<'de> de::IntoDeserializer<'de, de::value::Error> for NodeDeserializer<'de> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

impl NodeDeserializer<'_> {
    fn unexpected(&self) -> de::Unexpected<'_> {
        match self.0 {
            Node::Null => de::Unexpected::Unit,
            Node::Bool(b) => de::Unexpected::Bool(*b),
            Node::Int(i) => de::Unexpected::Signed(*i),
            Node::UInt(u) => de::Unexpected::Unsigned(*u),
            Node::Float(f) => de::Unexpected::Float(*f),
            Node::Str(s) => de::Unexpected::Str(s),
            Node::Seq(_) => de::Unexpected::Seq,
            Node::Map(_) => de::Unexpected::Map,
        }
    }
}

/// A compact span tree kept for the lifetime of a run: every node knows the byte range it
/// is written at. Built from a parsed [`Node`] tree once the document is typed; answers
/// JSON-pointer lookups for findings. Flat: one array of nodes (each node's children side
/// by side) and one string of all mapping keys, so an object's tree is two allocations of
/// about 36 bytes per node, not a vector and a key string per node.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    nodes: Box<[Rec]>,
    keys: Box<str>,
    /// For each mapping of more than [`INDEXED`] entries (by the position of its first
    /// entry, ascending): where its entries' positions, ordered by key, start in `by_key`.
    /// (A Secret of 25,000 keystores was looked up entry by entry, each a scan.)
    big: Box<[(u32, u32)]>,
    by_key: Box<[u32]>,
}

/// Mappings with more entries than this are looked up through `Located::by_key`.
const INDEXED: usize = 16;

/// One node of a [`Located`] tree (scalars keep only where they are: typed objects hold
/// the values).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Rec {
    span: Span,
    /// For a mapping entry: its key (a byte range of `keys`) and where the key is written.
    key: (u32, u32),
    key_span: Span,
    /// The children are `nodes[first..first + count]`: mapping entries when [`MAP`] is set
    /// in `count`, else sequence items (the flag rides in the count's top bit, so a node is
    /// 32 bytes, not 36).
    first: u32,
    count: u32,
}

/// The bit of [`Rec::count`] that marks a mapping.
const MAP: u32 = 1 << 31;

impl Rec {
    fn count(&self) -> usize {
        (self.count & !MAP) as usize
    }

    fn is_map(&self) -> bool {
        self.count & MAP != 0
    }
}

/// A node of a [`Located`] tree.
#[derive(Debug, Clone, Copy)]
pub struct NodeRef<'a> {
    tree: &'a Located,
    rec: &'a Rec,
}

impl NodeRef<'_> {
    /// Where the node is written.
    pub fn span(&self) -> Span {
        self.rec.span
    }

    /// The span of the key `key` of a mapping.
    pub fn key_span(&self, key: &str) -> Option<Span> {
        self.tree.entry(self.rec, key).map(|c| c.key_span)
    }
}

/// The paths of a span tree worth keeping: a pattern per mapping key (`*`: any key or
/// sequence item) with the patterns of its children; a node whose children are [`SUBTREE`]
/// keeps everything under it, one with none keeps only itself. A span tree is kept for a
/// whole run to locate findings, so an object keeps only the paths stakelint asks for
/// (`resources`, probes, `volumeMounts`, a live object's `status` and `managedFields`
/// are never located).
#[derive(Debug)]
pub struct Keep(pub &'static str, pub &'static [Keep]);

/// Children patterns that keep a whole subtree.
pub const SUBTREE: &[Keep] = &[Keep("**", &[])];

/// What to keep under a node.
#[derive(Debug, Clone, Copy)]
enum Want {
    All,
    Some(&'static [Keep]),
}

impl Want {
    /// What to keep under the child `key` (`None`: a sequence item); `None` to drop it.
    fn child(self, key: Option<&str>) -> Option<Want> {
        match self {
            Want::All => Some(Want::All),
            Want::Some(patterns) => patterns
                .iter()
                .find(|p| p.0 == "*" || Some(p.0) == key)
                .map(|p| match p.1.first() {
                    Some(Keep("**", _)) => Want::All,
                    _ => Want::Some(p.1),
                }),
        }
    }
}

/// The children of a node that are kept, with what to keep under each.
fn kept(n: &At<Node>, want: Want) -> impl Iterator<Item = (Option<&At<String>>, &At<Node>, Want)> {
    let items: &[At<Node>] = match &n.value {
        Node::Seq(items) => items,
        _ => &[],
    };
    let entries: &[(At<String>, At<Node>)] = match &n.value {
        Node::Map(entries) => entries,
        _ => &[],
    };
    let items = items
        .iter()
        .filter_map(move |i| Some((None, i, want.child(None)?)));
    let entries = entries.iter().filter_map(move |(k, v)| {
        let w = want.child(Some(&k.value))?;
        Some((Some(k), v, w))
    });
    items.chain(entries)
}

/// Nodes and key bytes of the kept part of a parsed tree (to size the arrays once).
fn measure(n: &At<Node>, want: Want, nodes: &mut usize, key_bytes: &mut usize) {
    *nodes += 1;
    for (k, v, w) in kept(n, want) {
        *key_bytes += k.map_or(0, |k| k.value.len());
        measure(v, w, nodes, key_bytes);
    }
}

/// Lays out the kept children of `n` (whose record is `nodes[at]`) and, in turn, theirs.
fn lay_out(n: &At<Node>, at: usize, want: Want, nodes: &mut Vec<Rec>, keys: &mut String) {
    if !matches!(n.value, Node::Seq(_) | Node::Map(_)) {
        return;
    }
    let first = nodes.len();
    for (k, v, _) in kept(n, want) {
        let mut rec = Rec {
            span: v.span,
            ..Rec::default()
        };
        if let Some(k) = k {
            rec.key = (keys.len() as u32, k.value.len() as u32);
            rec.key_span = k.span;
            keys.push_str(&k.value);
        }
        nodes.push(rec);
    }
    let count = nodes.len() - first;
    if let Some(r) = nodes.get_mut(at) {
        r.first = first as u32;
        let flag = if matches!(n.value, Node::Map(_)) {
            MAP
        } else {
            0
        };
        r.count = (count as u32).min(MAP - 1) | flag;
    }
    for (j, (_, v, w)) in kept(n, want).enumerate() {
        lay_out(v, first + j, w, nodes, keys);
    }
}

impl Located {
    /// Converts a parsed tree.
    pub fn from_node(n: &At<Node>) -> Self {
        Self::build(n, Want::All)
    }

    /// Converts the paths of a parsed tree that `keep` names ([`Keep`]).
    pub fn from_node_kept(n: &At<Node>, keep: &'static [Keep]) -> Self {
        Self::build(n, Want::Some(keep))
    }

    fn build(n: &At<Node>, want: Want) -> Self {
        let (mut count, mut key_bytes) = (0, 0);
        measure(n, want, &mut count, &mut key_bytes);
        let mut nodes = Vec::with_capacity(count);
        let mut keys = String::with_capacity(key_bytes);
        nodes.push(Rec {
            span: n.span,
            ..Rec::default()
        });
        lay_out(n, 0, want, &mut nodes, &mut keys);
        let mut tree = Located {
            nodes: nodes.into_boxed_slice(),
            keys: keys.into_boxed_str(),
            big: Box::default(),
            by_key: Box::default(),
        };
        tree.index_big_mappings();
        tree
    }

    /// Orders the entries of each large mapping by key (then position, so the first of
    /// equal keys comes first, as a scan finds it).
    fn index_big_mappings(&mut self) {
        let (mut big, mut by_key) = (Vec::new(), Vec::new());
        for r in self
            .nodes
            .iter()
            .filter(|r| r.is_map() && r.count() > INDEXED)
        {
            let Ok(at) = u32::try_from(by_key.len()) else {
                break;
            };
            let start = by_key.len();
            by_key.extend(r.first..r.first.saturating_add(r.count() as u32));
            by_key[start..].sort_by(|&a, &b| {
                let key = |i: u32| self.key(&self.nodes[i as usize]);
                key(a).cmp(key(b)).then(a.cmp(&b))
            });
            big.push((r.first, at));
        }
        big.sort_unstable();
        self.big = big.into_boxed_slice();
        self.by_key = by_key.into_boxed_slice();
    }

    /// Number of nodes kept.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    fn children(&self, r: &Rec) -> &[Rec] {
        let first = r.first as usize;
        self.nodes.get(first..first + r.count()).unwrap_or_default()
    }

    fn key(&self, r: &Rec) -> &str {
        let (start, len) = (r.key.0 as usize, r.key.1 as usize);
        self.keys.get(start..start + len).unwrap_or_default()
    }

    /// The entry `key` of the mapping `r`.
    fn entry(&self, r: &Rec, key: &str) -> Option<&Rec> {
        if !r.is_map() {
            return None;
        }
        if r.count() > INDEXED
            && let Ok(b) = self.big.binary_search_by_key(&r.first, |&(first, _)| first)
        {
            let at = self.big[b].1 as usize;
            let order = self.by_key.get(at..at + r.count())?;
            let i = order.partition_point(|&c| self.key(&self.nodes[c as usize]) < key);
            return order
                .get(i)
                .map(|&c| &self.nodes[c as usize])
                .filter(|c| self.key(c) == key);
        }
        self.children(r).iter().find(|c| self.key(c) == key)
    }

    /// The node at an RFC 6901 JSON pointer.
    pub fn pointer(&self, pointer: &str) -> Option<NodeRef<'_>> {
        let mut cur = self.nodes.first()?;
        for raw in pointer.split('/').skip(1) {
            let part: std::borrow::Cow<'_, str> = if raw.contains('~') {
                raw.replace("~1", "/").replace("~0", "~").into()
            } else {
                raw.into()
            };
            cur = if cur.is_map() {
                self.entry(cur, &part)?
            } else {
                self.children(cur).get(part.parse::<usize>().ok()?)?
            };
        }
        Some(NodeRef {
            tree: self,
            rec: cur,
        })
    }
}

/// Origin of a spanned value in `file`, shifted by `base` (where the parsed text starts).
pub fn origin_of(file: FileId, base: usize, s: &impl Placed) -> Origin {
    let span = s.byte_span();
    Origin::new(
        file,
        Span::new(base + span.start as usize, span.len as usize),
    )
}

/// A parsed value that knows the byte range it is written at.
pub trait Placed {
    /// The byte range in the parsed text.
    fn byte_span(&self) -> Span;
}

impl<T> Placed for Spanned<T> {
    fn byte_span(&self) -> Span {
        // `referenced` is where the value is written (for an alias: the alias token).
        let span = self.referenced.span();
        Span::new(
            span.byte_offset().unwrap_or(0) as usize,
            span.byte_len().unwrap_or(0) as usize,
        )
    }
}

impl<T> Placed for At<T> {
    fn byte_span(&self) -> Span {
        self.span
    }
}

/// A value and the byte range it is written at: the nodes of a span tree. Read through
/// serde-saphyr's [`Spanned`] (keeping only the byte range), or built straight from the
/// parser's events ([`fast`]).
#[derive(Debug, Clone, PartialEq)]
pub struct At<T> {
    pub value: T,
    pub span: Span,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for At<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Spanned::<T>::deserialize(d)?;
        let span = s.byte_span();
        Ok(At {
            value: s.value,
            span,
        })
    }
}

/// serde-saphyr options for untrusted input of `len` bytes: kubectl-compatible scalars,
/// duplicate keys rejected, budgets that scale with the input (linear memory, no alias bombs).
pub fn options(len: usize) -> Options {
    let mut o = Options::default();
    o.legacy_octal_numbers = true;
    o.with_snippet = false;
    // Comments are not read. Emitted, they are buffered while the parser looks ahead, and
    // more than 32 in a row would reject valid YAML.
    o.emit_comments = false;
    o.budget = serde_saphyr::budget! {
        max_documents: len / 4 + 16,
        max_nodes: len + 1_000,
        max_events: 2 * len + 2_000,
        max_total_scalar_bytes: len + 1_024,
    };
    o
}

/// Parses every document of a YAML (or JSON) stream into span trees. Empty documents
/// are skipped.
pub fn parse_stream(file: FileId, src: &SourceFile) -> Result<Vec<At<Node>>, InputError> {
    parse_stream_of(file, src, &|_| true)
}

/// [`parse_stream`] that builds only what `keep` reads: of a document whose top-level
/// `kind` it refuses, only the top-level scalars are kept (`apiVersion`, `kind`), the rest
/// is checked as it is read but not built (a CRD is a large tree nobody looks at).
pub fn parse_stream_of(
    file: FileId,
    src: &SourceFile,
    keep: &(dyn Fn(&str) -> bool + Sync),
) -> Result<Vec<At<Node>>, InputError> {
    let pieces = parse_stream_each(file, src, keep, &|docs| docs)?;
    Ok(pieces.into_iter().flatten().collect())
}

/// [`parse_stream_of`] that hands the documents to `each` piece by piece, in order: a long
/// stream is read in pieces on the thread pool (cut at its document markers), and what
/// `each` makes of a piece's trees replaces them as soon as they are read, so the trees of
/// the whole stream are never held at once. A stream read whole (short, or read by
/// serde-saphyr) is one piece.
pub fn parse_stream_each<R: Send>(
    file: FileId,
    src: &SourceFile,
    keep: &(dyn Fn(&str) -> bool + Sync),
    each: &(dyn Fn(Vec<At<Node>>) -> R + Sync),
) -> Result<Vec<R>, InputError> {
    if let Some(read) = fast::read_in_pieces(src.text(), keep, fast::PIECE, each) {
        return Ok(read);
    }
    slow_stream(file, src).map(|docs| vec![each(docs)])
}

/// Whether reading `src` straight from the parser's events gives exactly what
/// serde-saphyr gives, when it reads the stream at all — and, with `keep`, the same
/// documents, those of a refused kind cut to their top-level scalars: the invariant of the
/// fast path, checked by the tests and the fuzzer. `Ok(true)` when the fast path read the
/// stream.
#[doc(hidden)]
pub fn fast_path_agrees(
    src: &SourceFile,
    keep: &(dyn Fn(&str) -> bool + Sync),
) -> Result<bool, String> {
    // Cut at every document marker, the pieces read alone must give the stream's documents
    // (or decline, and the whole stream goes to serde-saphyr).
    if let Some(pieces) = fast::parse_in_pieces(src.text(), keep, 1) {
        match fast::parse_in_pieces(src.text(), keep, usize::MAX) {
            Some(whole) if format!("{pieces:?}") == format!("{whole:?}") => {}
            Some(whole) => {
                return Err(format!(
                    "read in pieces, the stream differs:\n{pieces:?}\nvs\n{whole:?}"
                ));
            }
            None => return Err("read in pieces, a stream declined whole is read".into()),
        }
    }
    let (fast, cut) = match (
        fast::parse_in_pieces(src.text(), &|_| true, fast::PIECE),
        fast::parse_in_pieces(src.text(), keep, fast::PIECE),
    ) {
        (None, None) => return Ok(false),
        (Some(whole), Some(cut)) => (whole, cut),
        (None, Some(_)) => {
            return Err("cutting documents accepts a stream it declines whole".into());
        }
        (Some(_), None) => return Err("cutting documents declines a stream it reads whole".into()),
    };
    // Debug output compares NaN floats as equal, as they are.
    match slow_stream(FileId(0), src) {
        Ok(slow) if format!("{slow:?}") == format!("{fast:?}") => {}
        Ok(slow) => {
            return Err(format!(
                "the event reader differs from serde-saphyr:\n{fast:?}\nvs\n{slow:?}"
            ));
        }
        Err(e) => {
            return Err(format!(
                "the event reader accepts what serde-saphyr rejects: {}",
                e.message
            ));
        }
    }
    if cut.len() != fast.len() {
        return Err(format!("{} documents cut, {} whole", cut.len(), fast.len()));
    }
    for (c, whole) in cut.iter().zip(&fast) {
        if format!("{c:?}") == format!("{whole:?}") {
            continue;
        }
        let refused = whole
            .value
            .get("kind")
            .and_then(|k| k.value.as_str())
            .is_some_and(|k| !keep(k));
        // Kept: what came before `kind` (built before the kind was known) and scalars.
        let scalars = match &whole.value {
            Node::Map(entries) => Node::Map(
                entries
                    .iter()
                    .scan(false, |past_kind, (k, v)| {
                        let keep = !*past_kind || !matches!(v.value, Node::Map(_) | Node::Seq(_));
                        *past_kind |= k.value == "kind";
                        Some(keep.then(|| (k.clone(), v.clone())))
                    })
                    .flatten()
                    .collect(),
            ),
            _ => return Err("a document that is not a mapping was cut".into()),
        };
        if !refused || format!("{:?}", c.value) != format!("{scalars:?}") || c.span != whole.span {
            return Err(format!("a document was cut wrong:\n{c:?}\nof\n{whole:?}"));
        }
    }
    Ok(true)
}

/// [`parse_stream`] through serde-saphyr's deserializer: every YAML feature, every error.
fn slow_stream(file: FileId, src: &SourceFile) -> Result<Vec<At<Node>>, InputError> {
    serde_saphyr::from_multiple_with_options::<At<Node>>(src.text(), options(src.text().len()))
        .map_err(|e| to_input_error(&e, file, src, 0, None))
}

/// Parses `text` (which starts at byte `base` of `src`) into our own type, with spans.
pub fn parse_typed<T: for<'de> Deserialize<'de>>(
    file: FileId,
    src: &SourceFile,
    base: usize,
    text: &str,
) -> Result<T, InputError> {
    serde_saphyr::from_str_with_options::<T>(text, options(text.len()))
        .map_err(|e| to_input_error(&e, file, src, base, Some(text)))
}

/// Turns a serde-saphyr error into a located input error. `sub` is the parsed slice when
/// only part of the file was parsed (its positions are relative to `base`).
fn to_input_error(
    e: &serde_saphyr::Error,
    file: FileId,
    src: &SourceFile,
    base: usize,
    sub: Option<&str>,
) -> InputError {
    let message = e.without_snippet().to_string();
    // The bare message starts with "line L column C: "; the location is shown separately.
    let message = strip_position_suffix(strip_position_prefix(&message)).to_owned();
    let offset = e.location().filter(|l| l.line() > 0).map_or(0, |l| {
        let (line, col) = (l.line() as usize, l.column() as usize);
        match sub {
            Some(t) => base + SourceFile::new(String::new(), t).offset_of(line, col),
            None => src.offset_of(line, col),
        }
    });
    let code = if message.contains("unknown field") {
        "schema"
    } else {
        "yaml"
    };
    InputError::at(code, Origin::new(file, Span::new(offset, 0)), message).label("here")
}

/// Drops a trailing " at line L, column C" (the location is shown separately).
fn strip_position_suffix(m: &str) -> &str {
    match m.rfind(" at line ") {
        Some(i) if m[i..].contains(", column ") => &m[..i],
        _ => m,
    }
}

fn strip_position_prefix(m: &str) -> &str {
    let Some(rest) = m.strip_prefix("line ") else {
        return m;
    };
    match rest.find(": ") {
        Some(i) if rest[..i].contains("column") => &rest[i + 2..],
        _ => m,
    }
}

/// The text of the document whose root node starts at byte `start`, up to (not
/// including) the next document marker at or after `start` and before `limit`.
pub fn document_text(text: &str, start: usize, limit: usize) -> &str {
    let limit = limit.min(text.len());
    let start = start.min(limit);
    let body = &text[start..limit];
    let mut pos = 0;
    for line in body.split_inclusive('\n') {
        if pos > 0 && (line.starts_with("---") || line.starts_with("...")) {
            return &body[..pos];
        }
        pos += line.len();
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new("t.yaml".into(), text)
    }

    fn pos(src: &SourceFile, o: Origin) -> (usize, usize) {
        src.line_col(o.span.start as usize)
    }

    #[test]
    fn large_mappings_are_looked_up_by_key_as_a_scan_would() {
        // A mapping over the index size (keys out of order, nested in a small one, one key a
        // prefix of another) and one under it: every key found where the parsed tree has it.
        let mut text = String::from("small: {b: 1, a: 2}\ndata:\n");
        let keys: Vec<String> = (0..200).rev().map(|i| format!("k{i}")).collect();
        for (i, k) in keys.iter().enumerate() {
            text.push_str(&format!("  {k}: v{i}\n"));
            if i == 7 {
                text.push_str("  inner:\n");
                for j in 0..40 {
                    text.push_str(&format!("    n{j}: w\n"));
                }
            }
        }
        let src = file(&text);
        let docs = parse_stream(FileId(0), &src).unwrap();
        let tree = Located::from_node(&docs[0]);
        assert_eq!(
            tree.big.len(),
            2,
            "data and inner are indexed, small is not"
        );
        let mut paths: Vec<String> = keys.iter().map(|k| format!("/data/{k}")).collect();
        paths.extend((0..40).map(|j| format!("/data/inner/n{j}")));
        paths.extend(
            [
                "/small/a",
                "/small/b",
                "/data/k",
                "/data/k1999",
                "/data/inner/n40",
            ]
            .map(String::from),
        );
        for p in &paths {
            let parsed = Node::pointer(&docs[0], p).map(|n| n.span);
            assert_eq!(tree.pointer(p).map(|n| n.span()), parsed, "{p}");
        }
        assert!(tree.pointer("/data/k17").is_some() && tree.pointer("/data/k").is_none());
    }

    #[test]
    fn compact_tree_answers_pointers_like_the_parsed_tree() {
        let text = "metadata:\n  annotations:\n    a/b: x\n    c~d: y\nspec:\n  items: [p, {q: r}]\n  empty: {}\n";
        let src = file(text);
        let docs = parse_stream(FileId(0), &src).unwrap();
        let tree = Located::from_node(&docs[0]);
        let at = |p: &str| {
            tree.pointer(p)
                .map(|n| &text[n.span().start as usize..n.span().end()])
        };
        // every node of the parsed tree is found at the same place
        for p in [
            "/metadata/annotations/a~1b",
            "/metadata/annotations/c~0d",
            "/spec/items/0",
            "/spec/items/1/q",
            "/spec/empty",
        ] {
            let parsed = Node::pointer(&docs[0], p).map(|n| n.span);
            assert_eq!(tree.pointer(p).map(|n| n.span()), parsed, "{p}");
        }
        assert_eq!(at("/metadata/annotations/a~1b"), Some("x"));
        assert_eq!(at("/spec/items/1/q"), Some("r"));
        // missing keys, indexes past the end, and paths through scalars are not found
        for p in [
            "/metadata/labels",
            "/spec/items/2",
            "/spec/items/x",
            "/spec/items/0/deeper",
            "/spec/empty/k",
            "/metadata/annotations/a~1b/0",
        ] {
            assert!(tree.pointer(p).is_none(), "{p}");
        }
        let spec = tree.pointer("/spec").unwrap();
        assert_eq!(
            spec.key_span("empty")
                .map(|s| &text[s.start as usize..s.end()]),
            Some("empty")
        );
        assert_eq!(spec.key_span("nope"), None);
        assert_eq!(tree.pointer("/spec/items").unwrap().key_span("0"), None);
        // a mapping's flag rides in its count: a node is 32 bytes
        assert_eq!(std::mem::size_of::<Rec>(), 32);
    }

    #[test]
    fn span_tree_locates_nested_nodes_across_documents() {
        let src = file(
            "a: 1\n---\n\n---\nkind: StatefulSet\nspec:\n  template:\n    spec:\n      containers:\n        - name: x\n          args: [\"--a\", \"--b=ç\", --c]\n",
        );
        let docs = parse_stream(FileId(0), &src).unwrap();
        assert_eq!(docs.len(), 2, "the empty document is skipped");
        let n = Node::pointer(&docs[1], "/spec/template/spec/containers/0/args/2").unwrap();
        assert_eq!(n.value, Node::Str("--c".into()));
        assert_eq!(pos(&src, origin_of(FileId(0), 0, n)), (11, 34));
        let k = docs[1].value.key("kind").unwrap();
        assert_eq!(pos(&src, origin_of(FileId(0), 0, k)), (5, 1));
    }

    #[test]
    fn foreign_types_parse_from_the_tree_and_errors_map_back_to_lines() {
        use k8s_openapi::api::apps::v1::StatefulSet;
        let src = file(
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: cl}\nspec:\n  replicas: 3\n  selector: {matchLabels: {app: cl}}\n  serviceName: cl\n  template:\n    spec:\n      containers:\n        - name: lighthouse\n          image: sigp/lighthouse:v7.0.1\n          volumeMounts: [{name: k, mountPath: /k}]\n      volumes: [{name: k, secret: {secretName: s, defaultMode: 0644}}]\n",
        );
        let docs = parse_stream(FileId(0), &src).unwrap();
        let sts: StatefulSet = serde_json::from_value(docs[0].value.to_json()).unwrap();
        let spec = sts.spec.unwrap();
        assert_eq!(spec.replicas, Some(3));
        let pod = spec.template.spec.unwrap();
        assert_eq!(
            pod.containers[0].image.as_deref(),
            Some("sigp/lighthouse:v7.0.1")
        );
        // 0644 is octal as in kubectl
        let mode = pod.volumes.unwrap()[0]
            .secret
            .as_ref()
            .unwrap()
            .default_mode;
        assert_eq!(mode, Some(0o644));
        let image = Node::pointer(&docs[0], "/spec/template/spec/containers/0/image").unwrap();
        assert_eq!(pos(&src, origin_of(FileId(0), 0, image)), (12, 18));
    }

    #[test]
    fn syntax_errors_are_located() {
        let src = file("a: 1\nb: [1, 2\nc: 3\n");
        let e = parse_stream(FileId(0), &src).unwrap_err();
        let o = e.origin.unwrap();
        assert!(pos(&src, o).0 >= 2, "{e:?}");
        assert!(!e.message.starts_with("line "), "{}", e.message);
    }

    #[test]
    fn alias_bombs_stop_at_the_budget() {
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..8 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("b{}", i - 1)
            };
            let refs = vec![format!("*{prev}"); 10].join(", ");
            bomb.push_str(&format!("b{i}: &b{i} [{refs}]\n"));
        }
        let src = file(&bomb);
        assert!(parse_stream(FileId(0), &src).is_err());
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let src = file("a: 1\na: 2\n");
        let e = parse_stream(FileId(0), &src).unwrap_err();
        assert_eq!(pos(&src, e.origin.unwrap()).0, 2);
    }

    #[test]
    fn document_text_stops_at_the_next_marker() {
        let t = "a: 1\nb: 2\n---\nc: 3\n";
        assert_eq!(document_text(t, 0, t.len()), "a: 1\nb: 2\n");
        assert_eq!(document_text(t, 14, t.len()), "c: 3\n");
    }

    #[test]
    fn the_event_reader_agrees_with_serde_saphyr_on_every_scalar_kind() {
        // Each value as a mapping value, a sequence item and a document root.
        let values = [
            "abc",
            "yes",
            "Yes",
            "NO",
            "y",
            "n",
            "on",
            "Off",
            "true",
            "FALSE",
            "null",
            "Null",
            "~",
            "",
            "0",
            "-1",
            "+1",
            "007",
            "0o17",
            "0x1F",
            "0X1F",
            "0b101",
            "1_000",
            "1.5",
            "-1.5e3",
            ".5",
            "1e999",
            ".inf",
            "-.inf",
            ".NaN",
            "-.nan",
            "inf",
            "nan",
            "Infinity",
            "0755",
            "99999999999999999999999999",
            "-9223372036854775809",
            "2024-01-01",
            "12:30:00",
            "8Gi",
            "500m",
            "--flag=1",
            "-mainnet",
            "-",
            "--",
            "-.5",
            "+.5",
            "/bin/sh",
            "./run",
            "_x",
            "@x",
            "'quoted'",
            "\"dq\\n\"",
            "|\n  block\n",
            ">-\n  folded\n  text\n",
            "a b",
            "multi\n  line",
            ".x\n\n  .y",
            "1\n  2",
            "...x",
            "---x",
            "é1",
            "1€",
            "0x97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb",
        ];
        for v in values {
            for text in [
                format!("k: {v}\n"),
                format!("- {v}\n- x\n"),
                format!("--- {v}\n"),
                format!("{{k: [{v}]}}\n"),
            ] {
                let src = file(&text);
                assert!(
                    fast_path_agrees(&src, &|_| true).is_ok(),
                    "{text:?}: {:?}",
                    fast_path_agrees(&src, &|_| true)
                );
            }
        }
        // The common case is read by the event reader, not handed back.
        for text in [
            "k: abc\n",
            "k: 8551\n",
            "k: true\n",
            "k:\n",
            "a: [1, x]\nb: {c: d}\n",
        ] {
            assert_eq!(
                fast_path_agrees(&file(text), &|_| true),
                Ok(true),
                "{text:?}"
            );
        }
    }

    #[test]
    fn the_event_reader_hands_what_it_does_not_read_to_serde_saphyr() {
        for text in [
            "a: &x 1\nb: *x\n",                // anchors and aliases
            "a: !!str 1\n",                    // tags
            "base: &b {x: 1}\nc:\n  <<: *b\n", // merge keys
            "a: 1\na: 2\n",                    // duplicate keys
            "? [a, b]\n: c\n",                 // a collection as a key
            "1: one\n",                        // a key that is not surely a string
            "a: [1, 2\n",                      // a syntax error
            "a:\n  b: 1\n c: 2\n",             // bad indentation
        ] {
            let src = file(text);
            assert_eq!(fast_path_agrees(&src, &|_| true), Ok(false), "{text:?}");
        }
        // ... so errors and every YAML feature are as before.
        assert!(parse_stream(FileId(0), &file("a: 1\na: 2\n")).is_err());
        let docs = parse_stream(FileId(0), &file("a: &x 1\nb: *x\n")).unwrap();
        assert_eq!(
            docs[0].value.get("b").map(|n| &n.value),
            Some(&Node::UInt(1))
        );
    }

    #[test]
    fn the_event_reader_agrees_on_every_fixture_and_reads_the_manifests() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let (mut read, mut total) = (0, 0);
        for dir in ["fixtures", "tests", "fuzz/corpus"] {
            for e in walkdir::WalkDir::new(root.join(dir)).sort_by_file_name() {
                let Ok(e) = e else { continue };
                if !e.file_type().is_file() {
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(e.path()) else {
                    continue;
                };
                let src = file(&text);
                match fast_path_agrees(&src, &crate::source::k8s::is_read_kind) {
                    Ok(fast) => {
                        let yaml = e.path().extension().is_some_and(|x| x == "yaml");
                        if yaml && !dir.starts_with("fuzz") && text.contains("apiVersion:") {
                            total += 1;
                            read += usize::from(fast);
                        }
                    }
                    Err(why) => panic!("{}: {why}", e.path().display()),
                }
            }
        }
        assert!(total >= 40, "{total} manifest files");
        assert!(
            read * 10 >= total * 9,
            "the event reader read {read} of {total} manifest files"
        );
    }

    #[test]
    fn documents_of_kinds_nobody_reads_keep_only_their_top_level_scalars() {
        let text = "apiVersion: v1\nmetadata: {name: early}\nkind: ServiceMonitor\nspec:\n  big: [1, 2, {x: y}]\nnote: last\n---\napiVersion: v1\nkind: Service\nspec: {a: b}\n";
        let src = file(text);
        let keep = crate::source::k8s::is_read_kind;
        assert_eq!(fast_path_agrees(&src, &keep), Ok(true));
        let docs = parse_stream_of(FileId(0), &src, &keep).unwrap();
        let keys = |d: &At<Node>| match &d.value {
            Node::Map(e) => e.iter().map(|(k, _)| k.value.clone()).collect::<Vec<_>>(),
            _ => Vec::new(),
        };
        // `metadata` came before `kind`: kept; `spec` after it: not built.
        assert_eq!(keys(&docs[0]), ["apiVersion", "metadata", "kind", "note"]);
        assert_eq!(keys(&docs[1]), ["apiVersion", "kind", "spec"]);
        // A cut document is still checked as it is read: a duplicate key, an anchor or a
        // non-string key inside it hands the stream to serde-saphyr, which reports it.
        for bad in [
            "kind: CRD\nspec: {a: 1, a: 2}\n",
            "kind: CRD\nspec: [&x 1, *x]\n",
            "kind: CRD\nspec: {1: x}\n",
            "kind: CRD\nspec: [1e999]\n",
            "kind: CRD\nspec: {}\nspec: {}\n",
            "spec: {}\nkind: CRD\nspec: {}\n",
        ] {
            assert_eq!(fast_path_agrees(&file(bad), &keep), Ok(false), "{bad:?}");
        }
        assert!(
            parse_stream_of(FileId(0), &file("kind: CRD\nspec: {a: 1, a: 2}\n"), &keep).is_err()
        );
    }

    #[test]
    fn a_long_stream_read_in_pieces_gives_the_documents_read_whole() {
        // Cut at every marker (the fuzzer does the same on every input), tricky boundaries:
        // content on the marker line, CRLF, block scalars that end at a marker, markers
        // that are not at column 0 or are longer, empty and null documents.
        for text in [
            "a: 1\n---\nb: 2\n",
            "--- {a: 1}\n--- [x]\n---\n",
            "a: 1\r\n---\r\nb: x\r\n",
            "--- |\n  text\n---\nb: 2\n",
            "a: |+\n  kept\n\n---\nb: 2\n",
            "a: >\n  folded\n  ---\n---\nb: 2\n",
            "a: |\n  x\n  ---\n----: x\n---x: y\n--- # c\nb: 1\n",
            "# only a comment\n---\n~\n---\nnull\n---\nc: 3\n...\n---\nd: 4\n",
        ] {
            let src = file(text);
            assert!(fast::pieces(text, 1).len() > 1, "{text:?}");
            assert_eq!(fast_path_agrees(&src, &|_| true), Ok(true), "{text:?}");
        }
        // A piece that ends inside a construct cannot be read alone: the stream is read
        // whole, by serde-saphyr, with the same result (here: its errors).
        for text in ["a: \"x\n---\ny\"\n", "a: [x,\n---\n]\n", "a: 'x\n---\n'\n"] {
            let src = file(text);
            assert!(
                fast::parse_in_pieces(text, &|_| true, 1).is_none(),
                "{text:?}"
            );
            assert!(fast_path_agrees(&src, &|_| true).is_ok(), "{text:?}");
            assert_eq!(
                parse_stream(FileId(0), &src).map_err(|e| e.message),
                slow_stream(FileId(0), &src).map_err(|e| e.message),
                "{text:?}"
            );
        }
        // A directive sets up the next document: a stream with one is not cut.
        let tagged = "a: 1\n---\n%YAML 1.2\n---\nb: 2\n";
        assert_eq!(fast::pieces(tagged, 1).len(), 1);
        // The size the lint cuts at: a rendered chart of 3 MB is read in pieces, and its
        // documents — every span shifted to its place in the stream — are those read whole.
        let doc =
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: n\ndata:\n  k: |\n    line\n";
        let text = doc.repeat(3 * 1024 * 1024 / doc.len());
        let cut = fast::pieces(&text, fast::PIECE);
        assert!(cut.len() >= 8, "{} pieces", cut.len());
        assert!(cut.iter().all(|&at| text[at..].starts_with("---\n")));
        let docs = parse_stream(FileId(0), &file(&text)).unwrap();
        let whole = fast::parse_in_pieces(&text, &|_| true, usize::MAX).unwrap();
        assert_eq!(docs, whole);
        assert_eq!(docs.len(), text.len() / doc.len());
        let last = &docs[docs.len() - 1];
        assert_eq!(last.span.start as usize, text.len() - doc.len() + 4);
    }

    #[test]
    fn comments_in_a_row_are_no_error() {
        // serde-saphyr buffers emitted comments while looking ahead (32 at most); they are
        // not emitted, so a heavily commented manifest reads.
        for at in ["a:\n", "- a\n", "a: 1\n"] {
            let text = format!("{at}{}  b: 1\nc: 2\n", "# a comment\n".repeat(100));
            let src = file(&text);
            let slow = slow_stream(FileId(0), &src);
            let fast = parse_stream(FileId(0), &src);
            assert_eq!(slow.is_ok(), fast.is_ok(), "{text}");
            assert!(fast_path_agrees(&src, &|_| true).is_ok());
        }
        let text = format!("spec:\n{}  replicas: 1\n", "  # note\n".repeat(100));
        assert!(parse_stream(FileId(0), &file(&text)).is_ok());
        assert_eq!(fast_path_agrees(&file(&text), &|_| true), Ok(true));
    }
}
