//! stakelint: a guardrail linter for Ethereum validator infrastructure.
//!
//! Data flows one way: **sources → model → rules → findings → reporters**.
//! - [`source`] reads inputs (inventory YAML, later manifests, key files, a live cluster)
//!   into [`model`] pieces that remember where they came from;
//! - [`rules`] (the top-level `rules/` folder) check the model and emit [`finding::Finding`]s;
//! - [`lint`] runs the rules, applies configuration and suppressions;
//! - [`report`] renders findings in one format each.
#![forbid(unsafe_code)]

pub mod app;
pub mod attest;
pub mod baseline;
pub mod cli;
pub mod config;
pub mod data;
pub mod diagnostic;
pub mod finding;
pub mod fleet;
pub mod init;
pub mod lint;
pub mod model;
pub mod pool;
pub mod report;
pub mod rule;
pub mod source;

#[path = "../rules/mod.rs"]
pub mod rules;
