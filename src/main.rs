//! The `stakelint` binary: parse arguments, run, map the outcome to an exit code.
use std::process::ExitCode;

fn main() -> ExitCode {
    stakelint::cli::main()
}

// mimalloc (as ruff and uv use): the many small allocations of parsing on several threads
// cost about a fifth less time than with the system allocator (see README "Performance").
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
