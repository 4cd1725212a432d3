#![allow(clippy::print_stdout)]
//! The parse-only floor for benchmarks: read every `.yaml`/`.yml`/`.json` file under the
//! given paths and YAML-parse it with the same parser (serde-saphyr into a plain value), in
//! parallel like stakelint, doing nothing else. `cargo run --release --example parse-floor -- DIR`

use rayon::prelude::*;

// The allocator stakelint's binary uses, with its options, so the floor is measured on
// equal terms.
#[path = "../src/allocator.rs"]
mod allocator;

fn main() {
    allocator::configure();
    let mut files = Vec::new();
    for root in std::env::args().skip(1) {
        for e in walkdir::WalkDir::new(&root)
            .into_iter()
            .filter_map(Result::ok)
        {
            let ok = e
                .path()
                .extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| matches!(x, "yaml" | "yml" | "json"));
            if e.file_type().is_file() && ok {
                files.push(e.into_path());
            }
        }
    }
    let t = std::time::Instant::now();
    let docs: usize = files
        .par_iter()
        .map(|p| {
            let Ok(text) = std::fs::read_to_string(p) else {
                return 0;
            };
            let mut o = serde_saphyr::options::Options::default();
            o.budget = None;
            serde_saphyr::from_multiple_with_options::<serde_json::Value>(&text, o)
                .map_or(0, |d| d.len())
        })
        .sum();
    println!(
        "{} files, {docs} documents parsed in {:.3} s",
        files.len(),
        t.elapsed().as_secs_f64()
    );
}
