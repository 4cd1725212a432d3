//! Sources: one module per input kind. Each turns input into model pieces with their
//! origins; sources know nothing of rules.

#[cfg(feature = "cluster")]
pub mod cluster;
pub mod files;
pub mod inventory;
pub mod k8s;
pub mod keycache;
pub mod keyfiles;
pub mod load;
pub mod manifests;
pub mod yaml;
