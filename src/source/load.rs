//! Reading the inputs named on the command line: files, directories (walked recursively)
//! and stdin, each read once into the [`SourceDb`], each document handed to its source.

use crate::diagnostic::InputError;
use crate::model::{FileId, Model, Span};
use crate::source::files::{SourceDb, SourceFile};
use crate::source::{inventory, k8s, manifests, yaml};
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

/// Everything read from the inputs.
#[derive(Debug, Default)]
pub struct Loaded {
    pub db: SourceDb,
    pub model: Model,
    /// Inputs that could not be read, parsed or validated (exit code 2).
    pub errors: Vec<InputError>,
    /// Number of input files read (stdin counts as one).
    pub files: usize,
    /// Documents skipped because they are neither Kubernetes objects nor an inventory.
    pub notes: Vec<InputError>,
    /// Kubernetes objects of the kinds stakelint reads, from every input.
    pub objects: Vec<k8s::Object>,
    /// The namespace of objects that carry none (`lint -n`); `default` when empty.
    pub namespace: String,
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

/// Reads every path into an existing [`Loaded`] (which may already hold config and data).
pub fn load_into(out: &mut Loaded, paths: &[String]) {
    for p in paths {
        if p == "-" {
            let mut buf = Vec::new();
            match std::io::stdin().read_to_end(&mut buf) {
                Ok(_) => out.add_bytes("-".into(), buf),
                Err(e) => out.errors.push(InputError::file(
                    "io",
                    "-",
                    format!("cannot read stdin: {e}"),
                )),
            }
        } else if Path::new(p).is_dir() {
            out.walk(p);
        } else {
            out.read_file(p);
        }
    }
    out.finish();
}

impl Loaded {
    fn walk(&mut self, dir: &str) {
        let walker = walkdir::WalkDir::new(dir)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_file() => {
                    let ext = e.path().extension().and_then(|x| x.to_str()).unwrap_or("");
                    if EXTENSIONS.contains(&ext) {
                        self.read_file(&e.path().to_string_lossy());
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    let path = e
                        .path()
                        .map_or_else(|| dir.to_owned(), |p| p.to_string_lossy().into_owned());
                    self.errors
                        .push(InputError::file("io", &path, format!("cannot read: {e}")));
                }
            }
        }
    }

    fn read_file(&mut self, path: &str) {
        match std::fs::read(path) {
            Ok(bytes) => self.add_bytes(path.to_owned(), bytes),
            Err(e) => self.errors.push(InputError::file(
                "io",
                path,
                format!("cannot read `{path}`: {e}"),
            )),
        }
    }

    fn add_bytes(&mut self, path: String, bytes: Vec<u8>) {
        self.files += 1;
        let text = match String::from_utf8(bytes) {
            Ok(t) if !t.contains('\0') => t,
            _ => {
                let msg = format!("`{path}` is not a UTF-8 text file");
                self.errors.push(InputError::file("encoding", &path, msg));
                return;
            }
        };
        let id = self.db.add(SourceFile::new(path, text));
        self.add_text(id);
    }

    /// Adds a text already in the database (a file, stdin, or a test's string).
    pub fn add_text(&mut self, id: FileId) {
        let src = self.db.get(id);
        let docs = match yaml::parse_stream(id, src) {
            Ok(d) => d,
            Err(e) => {
                self.errors.push(e);
                return;
            }
        };
        let starts: Vec<usize> = docs
            .iter()
            .map(|d| yaml::origin_of(id, 0, d).span.start as usize)
            .collect();
        let mut objects = Vec::new();
        for (i, doc) in docs.into_iter().enumerate() {
            let limit = starts.get(i + 1).copied().unwrap_or(src.text.len());
            if inventory::is_inventory(&doc.value) {
                let text = yaml::document_text(&src.text, starts[i], limit);
                if let Err(errs) = inventory::read(id, src, starts[i], text, &mut self.model) {
                    self.errors.extend(errs);
                }
            } else if k8s::is_object(&doc.value) {
                let extent = Span::new(starts[i], limit - starts[i]);
                objects.push((Arc::new(doc), extent));
            } else {
                let at = yaml::origin_of(id, 0, &doc);
                self.notes.push(InputError::at(
                    "skipped",
                    at,
                    "skipped: neither a Kubernetes object nor a stakelint Inventory",
                ));
            }
        }
        for (tree, extent) in objects {
            self.add_object(id, &tree, extent);
        }
    }

    /// Adds a Kubernetes object, or each item of a `kind: List`.
    fn add_object(
        &mut self,
        id: FileId,
        tree: &Arc<serde_saphyr::Spanned<yaml::Node>>,
        extent: Span,
    ) {
        let is_list = tree.value.get("kind").and_then(|k| k.value.as_str()) == Some("List");
        let items = match tree.value.get("items").map(|n| &n.value) {
            Some(yaml::Node::Seq(items)) if is_list => items
                .iter()
                .map(|n| yaml::origin_of(id, 0, n).span.start as usize)
                .collect(),
            _ if is_list => Vec::new(),
            _ => {
                self.push_typed(id, tree, "", extent);
                return;
            }
        };
        for (i, start) in items.iter().enumerate() {
            let end = items.get(i + 1).copied().unwrap_or(extent.end());
            self.push_typed(
                id,
                tree,
                &format!("/items/{i}"),
                Span::new(*start, end.saturating_sub(*start)),
            );
        }
    }

    fn push_typed(
        &mut self,
        id: FileId,
        tree: &Arc<serde_saphyr::Spanned<yaml::Node>>,
        base: &str,
        extent: Span,
    ) {
        match k8s::typed(id, tree, base, extent) {
            Ok(Some(o)) => self.objects.push(o),
            Ok(None) => {}
            Err(e) => self.errors.push(e),
        }
    }

    /// Builds the manifest model and lays the inventories over it (the inventory wins where
    /// both say the same thing). Call once, after every input is added.
    pub fn finish(&mut self) {
        let ns = if self.namespace.is_empty() {
            "default"
        } else {
            self.namespace.as_str()
        };
        let (mut model, errors) = manifests::build(&self.objects, &self.db, ns);
        self.errors.extend(errors);
        model.overlay(std::mem::take(&mut self.model));
        model.finalize();
        self.model = model;
    }
}
