//! The client ids stakelint uses everywhere (lower-case), per role.

/// Execution clients.
pub const EXECUTION: &[&str] = &["besu", "erigon", "geth", "nethermind", "reth"];
/// Consensus clients (`caplin` is Erigon's embedded consensus client).
pub const CONSENSUS: &[&str] = &[
    "caplin",
    "grandine",
    "lighthouse",
    "lodestar",
    "nimbus",
    "prysm",
    "teku",
];
/// Validator clients: each consensus client's VC, and vouch.
pub const VALIDATOR: &[&str] = &[
    "grandine",
    "lighthouse",
    "lodestar",
    "nimbus",
    "prysm",
    "teku",
    "vouch",
];
