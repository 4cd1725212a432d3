//! `kubectl-stakelint`: stakelint as a kubectl plugin (`kubectl stakelint …` is
//! `stakelint cluster …`).
use std::process::ExitCode;

fn main() -> ExitCode {
    stakelint::cli::kubectl_main()
}

// The same allocator as `stakelint` (see src/main.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
