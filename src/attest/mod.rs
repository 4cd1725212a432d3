//! The compliance self-attestation report (SPEC §7): `stakelint report`, `stakelint verify`
//! and `stakelint aggregate`.
//!
//! An operator's report is built from the same [`crate::app::Analysis`] as `lint` — model,
//! findings, configuration and data tables — into a [`doc::Report`]: a versioned JSON
//! document (schema `schemas/report-v1.schema.json`) whose `body` holds everything the
//! report states and whose `digest` is the SHA-256 of the body's canonical JSON. Markdown
//! (for the DAO's Discourse forum) and single-file HTML (inline SVG charts, no scripts)
//! are renderings of that document, never computed separately.
//!
//! - [`inputs`]: the digest over the input files (canonical order, portable paths);
//! - [`build`]: `Analysis` → report body (guardrail statuses and the figures behind them);
//! - [`doc`]: the document, canonical JSON, the report digest and the message to sign;
//! - [`sign`], [`keystore`]: EIP-191 `personal_sign` with secp256k1, Web3 Secret Storage;
//! - [`verify`]: signature, body digest and (given the inputs) reproduction;
//! - [`diff`]: "changes since the last report";
//! - [`aggregate`]: the DAO side, many operators' reports into protocol-wide figures;
//! - [`markdown`], [`html`], [`svg`], [`escape`]: renderings.

pub mod aggregate;
pub mod aggregate_render;
pub mod args;
pub mod build;
pub mod cmd;
pub mod diff;
pub mod doc;
pub mod escape;
pub mod html;
pub mod inputs;
pub mod keystore;
pub mod markdown;
pub mod sign;
pub mod svg;
pub mod verify;

pub use doc::{Body, Report, Status};
