//! Every rule, one file each (metadata, docs, check and unit tests together), registered
//! here explicitly and sorted by id.

use crate::rule::Rule;

pub mod api_exposed;
pub mod blast_radius;
pub mod cl_el_pairs;
pub mod client_diversity;
pub mod client_min_version;
pub mod doppelganger_protection;
pub mod duplicate_keys;
pub mod environment_spread;
pub mod fee_recipient;
pub mod geo_area;
pub mod geo_spread;
pub mod host_spread;
pub mod image_pinning;
pub mod invalid_suppression;
pub mod jwt_secret_mismatch;
pub mod metrics_disabled;
pub mod mev_relay_allowlist;
pub mod network_mismatch;
pub mod not_assessed;
pub mod signer_redundancy;
pub mod slashing_db_storage;
pub mod slashing_protection;
pub mod stale_client_data;
pub mod supermajority_client;
pub mod unassigned_keys;
pub mod unrecognised_workload;
pub mod vc_single_writer;

#[cfg(test)]
pub(crate) mod test_support;

/// All rules, sorted by id.
pub static ALL: &[&dyn Rule] = &[
    &api_exposed::ApiExposed,
    &blast_radius::BlastRadius,
    &cl_el_pairs::ClElPairs,
    &client_diversity::ClientDiversity,
    &client_min_version::ClientMinVersion,
    &doppelganger_protection::DoppelgangerProtection,
    &duplicate_keys::DuplicateKeys,
    &environment_spread::EnvironmentSpread,
    &fee_recipient::FeeRecipient,
    &geo_area::GeoArea,
    &geo_spread::GeoSpread,
    &host_spread::HostSpread,
    &image_pinning::ImagePinning,
    &invalid_suppression::InvalidSuppression,
    &jwt_secret_mismatch::JwtSecretMismatch,
    &metrics_disabled::MetricsDisabled,
    &mev_relay_allowlist::MevRelayAllowlist,
    &network_mismatch::NetworkMismatch,
    &not_assessed::NotAssessed,
    &signer_redundancy::SignerRedundancy,
    &slashing_db_storage::SlashingDbStorage,
    &slashing_protection::SlashingProtection,
    &stale_client_data::StaleClientData,
    &supermajority_client::SupermajorityClient,
    &unassigned_keys::UnassignedKeys,
    &unrecognised_workload::UnrecognisedWorkload,
    &vc_single_writer::VcSingleWriter,
];

/// The rule with this id.
pub fn by_id(id: &str) -> Option<&'static dyn Rule> {
    ALL.iter().copied().find(|r| r.meta().id == id)
}
