#![allow(clippy::print_stderr)]
//! Generates an operator of any size for benchmarks (see `stakelint::fleet`):
//! `cargo run --release --example gen-fleet -- --keys N --environments E [--extra K] [--crd-kib C] [--one-namespace true] [--annotate true] --out DIR`

use std::path::PathBuf;

fn main() {
    let mut spec = stakelint::fleet::Spec {
        keys: 1000,
        environments: 1,
        extra: 10,
        crd_kib: 0,
        one_namespace: false,
        annotate: false,
    };
    let mut out = PathBuf::from("target/fleet");
    let v: Vec<String> = std::env::args().skip(1).collect();
    for pair in v.chunks(2) {
        let [flag, value] = pair else { break };
        match flag.as_str() {
            "--keys" => spec.keys = value.parse().unwrap_or(spec.keys),
            "--environments" => spec.environments = value.parse().unwrap_or(spec.environments),
            "--extra" => spec.extra = value.parse().unwrap_or(spec.extra),
            "--crd-kib" => spec.crd_kib = value.parse().unwrap_or(spec.crd_kib),
            "--one-namespace" => spec.one_namespace = value == "true",
            "--annotate" => spec.annotate = value == "true",
            "--out" => out = PathBuf::from(value),
            other => eprintln!("ignoring unknown flag {other}"),
        }
    }
    match stakelint::fleet::generate(&spec, &out) {
        Ok(s) => eprintln!(
            "{} keys, {} environments, {} manifests, {} files, {} bytes in {}",
            spec.keys,
            spec.environments,
            s.manifests,
            s.files,
            s.bytes,
            out.display()
        ),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
