//! `kubectl-stakelint`: stakelint as a kubectl plugin (`kubectl stakelint …` is
//! `stakelint cluster …`).
use std::process::ExitCode;

// The same allocator and options as `stakelint`.
#[path = "../allocator.rs"]
mod allocator;

fn main() -> ExitCode {
    allocator::configure();
    stakelint::cli::kubectl_main()
}
