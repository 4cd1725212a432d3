//! The `stakelint` binary: parse arguments, run, map the outcome to an exit code.
use std::process::ExitCode;

mod allocator;

fn main() -> ExitCode {
    allocator::configure();
    stakelint::cli::main()
}
