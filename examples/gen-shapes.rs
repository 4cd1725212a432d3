#![allow(clippy::print_stderr)]
//! Writes a layout that stresses one part of stakelint (see `stakelint::fleet`), for the
//! linearity rows of `scripts/bench.sh`:
//! `cargo run --release --example gen-shapes -- --shape large-environment|input-errors|large-secret --n N --out DIR`

use std::path::PathBuf;

fn main() {
    let (mut shape, mut n, mut out) = (String::new(), 1000usize, PathBuf::from("target/shape"));
    let v: Vec<String> = std::env::args().skip(1).collect();
    for pair in v.chunks(2) {
        let [flag, value] = pair else { break };
        match flag.as_str() {
            "--shape" => shape.clone_from(value),
            "--n" => n = value.parse().unwrap_or(n),
            "--out" => out = PathBuf::from(value),
            other => eprintln!("ignoring unknown flag {other}"),
        }
    }
    let made = match shape.as_str() {
        "large-environment" => stakelint::fleet::large_environment(n, &out),
        "input-errors" => stakelint::fleet::input_errors(n, &out),
        "large-secret" => stakelint::fleet::large_secret(n, &out),
        other => {
            eprintln!("unknown shape `{other}`: large-environment, input-errors or large-secret");
            std::process::exit(2);
        }
    };
    match made {
        Ok(s) => eprintln!("{shape} of {n}: {} bytes in {}", s.bytes, out.display()),
        Err(e) => {
            eprintln!("cannot write {}: {e}", out.display());
            std::process::exit(1);
        }
    }
}
