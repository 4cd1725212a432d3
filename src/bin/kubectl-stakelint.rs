//! `kubectl-stakelint`: stakelint as a kubectl plugin (`kubectl stakelint …` is
//! `stakelint cluster …`).
use std::process::ExitCode;

// The same allocator and options as `stakelint`.
#[path = "../alloc.rs"]
mod alloc;

fn main() -> ExitCode {
    alloc::configure();
    stakelint::cli::kubectl_main()
}
