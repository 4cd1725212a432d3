//! The `stakelint` binary: parse arguments, run, map the outcome to an exit code.
use std::process::ExitCode;

mod alloc;

fn main() -> ExitCode {
    alloc::configure();
    stakelint::cli::main()
}
