//! Replays the fuzz corpus (`fuzz/corpus/**`, grown by `cargo run --release --example fuzz`)
//! through every target — the YAML layer, every key-file parser, inventory and manifest
//! model building, every rule and every renderer — so an input that once crashed or broke
//! an output invariant is caught in CI. Every file goes through every target, not only its
//! own: a key file is also a YAML stream.

#[path = "../fuzz/harness.rs"]
mod harness;

use std::path::{Path, PathBuf};

fn corpus() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(&root)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(walkdir::DirEntry::into_path)
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_input_passes_every_target() {
    let files = corpus();
    assert!(
        files.len() >= 20,
        "the corpus is there ({} files)",
        files.len()
    );
    let mut failures = Vec::new();
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        for (name, target) in harness::TARGETS {
            let result = std::panic::catch_unwind(|| target(&bytes));
            if result.is_err() {
                failures.push(format!("{name}: {}", path.display()));
            }
        }
    }
    assert!(failures.is_empty(), "failed: {failures:#?}");
}

#[test]
fn every_target_has_a_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    for (name, _) in harness::TARGETS {
        let n = std::fs::read_dir(root.join(name)).map_or(0, Iterator::count);
        assert!(n > 0, "fuzz/corpus/{name} is empty");
    }
}
