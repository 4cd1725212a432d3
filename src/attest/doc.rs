//! The compliance report document, version 1 (`schemas/report-v1.schema.json`): the
//! canonical, machine-readable form every other rendering is made from.
//!
//! ```text
//! { "kind": "stakelint-compliance-report", "version": 1,
//!   "body": { … everything the report states … },
//!   "digest": "sha256:<hex>",            // SHA-256 of the body's canonical JSON
//!   "signature": { "scheme": "eip191-personal-sign", "address": "0x…",
//!                  "signature": "0x…", "message": "…" } | null }
//! ```
//!
//! **Canonical JSON** is RFC 8785 (JCS): object keys sorted by UTF-16 code units, no
//! whitespace, strings escaped as JSON requires and nothing more. The body holds no
//! floating-point numbers (shares are written as text), so integers print the same in
//! every implementation; the digest can be recomputed with any JCS library.
//!
//! **The signed message** (see [`Report::message`]) is short and human-readable, so a
//! hardware wallet shows what is attested, and commits to the whole report through the
//! report digest:
//!
//! ```text
//! stakelint compliance report v1
//! Operator: example-operator
//! Period: 2026-Q4
//! Date: 2026-11-29
//! Status: not compliant
//! Inputs: sha256:…
//! Report: sha256:…
//! ```

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// `kind` of a report document.
pub const KIND: &str = "stakelint-compliance-report";
/// `version` of the report schema this build writes and reads.
pub const VERSION: u32 = 1;
/// `signature.scheme`: EIP-191 version 0x45 (`personal_sign`) over secp256k1.
pub const SIGNATURE_SCHEME: &str = "eip191-personal-sign";

/// A guardrail's status. Ordered from best to worst, so the worst of several is `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Compliant,
    NotAssessed,
    NotCompliant,
}

impl Status {
    /// `compliant`, `not compliant`, `not assessed`.
    pub fn label(self) -> &'static str {
        match self {
            Status::Compliant => "compliant",
            Status::NotAssessed => "not assessed",
            Status::NotCompliant => "not compliant",
        }
    }

    /// A plain-text symbol (for HTML, where no emoji font may be installed).
    pub fn symbol(self) -> &'static str {
        match self {
            Status::Compliant => "✓",
            Status::NotAssessed => "?",
            Status::NotCompliant => "✗",
        }
    }

    /// An emoji mark for Markdown (Discourse renders emoji).
    pub fn mark(self) -> &'static str {
        match self {
            Status::Compliant => "✅",
            Status::NotAssessed => "❔",
            Status::NotCompliant => "❌",
        }
    }

    /// The worst of several statuses; `NotAssessed` when there are none (nothing was checked).
    pub fn worst(all: impl IntoIterator<Item = Status>) -> Status {
        all.into_iter().max().unwrap_or(Status::NotAssessed)
    }
}

/// The whole document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub kind: String,
    pub version: u32,
    /// `sha256:<hex>` of the canonical JSON of `body`.
    pub digest: String,
    pub signature: Option<SignatureDoc>,
    pub body: Body,
}

/// An EIP-191 signature over [`Report::message`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureDoc {
    /// Always [`SIGNATURE_SCHEME`].
    pub scheme: String,
    /// The signer's address (EIP-55 checksummed).
    pub address: String,
    /// `0x` + r ‖ s ‖ v (65 bytes, v = 27 or 28).
    pub signature: String,
    /// The exact message that was signed (derivable from the body; kept so that any tool
    /// can check the signature, e.g. `cast wallet verify`).
    pub message: String,
}

/// Everything the report states.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Body {
    pub operator: String,
    /// The reporting period, e.g. `2026-Q4`.
    pub period: String,
    /// The date the report speaks for (`--today`), YYYY-MM-DD.
    pub date: String,
    pub tool: Tool,
    pub rule_set: RuleSet,
    pub client_shares: ClientSharesInfo,
    pub inputs: Inputs,
    pub options: RunOptions,
    pub summary: Summary,
    /// The executive summary: each guardrail across all environments.
    pub guardrails: Vec<Guardrail>,
    pub environments: Vec<EnvironmentDoc>,
    /// Guardrails about the operator as a whole (`environment-spread`).
    pub operator_checks: Vec<Check>,
    /// Every finding, suppressed ones included (marked), sorted by path, line, rule.
    pub findings: Vec<FindingDoc>,
    /// Every suppression and waiver, valid or not.
    pub suppressions: Vec<SuppressionDoc>,
    /// What would make a reader misjudge the statuses (e.g. `not-assessed` turned off).
    pub caveats: Vec<String>,
    /// Changes since the previous report (`--previous`).
    pub changes: Option<Changes>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

/// Which rules judged the inputs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSet {
    /// The version of stakelint that carries the rules.
    pub version: String,
    /// `sha256:<hex>` over every rule's id, default severity, parameters and docs and the
    /// embedded data tables: changes whenever a rule or table changes.
    pub digest: String,
    pub rules: u32,
}

/// The client-share table `supermajority-client` used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientSharesInfo {
    /// When the figures were measured, YYYY-MM-DD.
    pub date: String,
    pub source: String,
    /// `built-in`, or the input path of a `--client-shares` / config table.
    pub table: String,
}

/// The input files and their digest (see [`crate::attest::inputs`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inputs {
    /// Always [`crate::attest::inputs::SCHEME`].
    pub scheme: String,
    /// `sha256:<hex>`.
    pub digest: String,
    pub files: Vec<InputFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFile {
    /// Normalised path (`/`-separated, relative to the inputs' common folder; `-` for stdin).
    pub path: String,
    pub bytes: u64,
    /// `sha256:<hex>` of the file; `null` for a file that holds secret values (a Secret,
    /// a raw key), so that no digest of a secret is published on its own.
    pub sha256: Option<String>,
    /// `input`, `config` or `client-shares`.
    pub role: String,
}

/// Run options that change the findings (so `verify --inputs` can reproduce them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunOptions {
    /// `-n`: namespace of objects that carry none; empty for `default`.
    pub namespace: String,
    pub no_inline_suppressions: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// The worst guardrail status over every environment.
    pub status: Status,
    pub environments: u64,
    /// Keys held by the environments (explicit keys deduplicated).
    pub keys: u64,
    /// Keys found that no validator client or signer holds.
    pub unassigned_keys: u64,
    pub pairs: u64,
    pub guardrails: StatusCounts,
    pub findings: FindingCounts,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusCounts {
    pub compliant: u64,
    pub not_compliant: u64,
    pub not_assessed: u64,
}

impl StatusCounts {
    pub fn add(&mut self, s: Status) {
        match s {
            Status::Compliant => self.compliant += 1,
            Status::NotCompliant => self.not_compliant += 1,
            Status::NotAssessed => self.not_assessed += 1,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingCounts {
    pub errors: u64,
    pub warnings: u64,
    pub infos: u64,
    pub suppressed: u64,
}

/// One guardrail across all environments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guardrail {
    pub rule: String,
    pub title: String,
    /// `environment` (judged per environment) or `operator` (judged once).
    pub scope: String,
    pub status: Status,
    pub compliant: Vec<String>,
    pub not_compliant: Vec<String>,
    pub not_assessed: Vec<String>,
}

/// One guardrail in one environment (or for the operator), with the figures behind it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub rule: String,
    pub title: String,
    pub status: Status,
    /// The figures the status rests on, e.g. `1,200 keys (limit 1,000)`.
    pub figures: String,
    /// Unsuppressed findings of the rule here.
    pub findings: u64,
    /// Why it could not be assessed (the `not-assessed` findings, or the rule turned off).
    pub not_assessed: Vec<String>,
    /// Findings suppressed here, with the suppression's reason.
    pub waived: Vec<Waived>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waived {
    pub message: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentDoc {
    pub name: String,
    pub status: Status,
    pub keys: KeysDoc,
    pub pairs: Vec<PairDoc>,
    pub combinations: Vec<Combination>,
    pub clients: ClientCounts,
    pub regions: Vec<RegionDoc>,
    /// Broad areas of the pairs (AMERS, EMEA, APAC), sorted.
    pub areas: Vec<String>,
    pub validator_clients: Vec<ValidatorClientDoc>,
    pub signers: Vec<SignerDoc>,
    pub checks: Vec<Check>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeysDoc {
    /// Number of keys; `null` when no holder declares any.
    pub count: Option<u64>,
    /// `blast-radius`'s `max_keys`.
    pub limit: u64,
    /// The explicit public keys (sorted), so that a later report can say which were added
    /// or removed. Keys declared only by count are not listed.
    pub pubkeys: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientDoc {
    pub client: String,
    pub version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairDoc {
    pub name: String,
    pub consensus: Option<ClientDoc>,
    pub execution: Option<ClientDoc>,
    /// The host, when one is known.
    pub host: Option<String>,
    /// `host`, `spread` (replicas kept on distinct hosts), `unconstrained` or `unknown`.
    pub placement: String,
    pub region: Option<String>,
    pub zone: Option<String>,
    pub area: Option<String>,
}

/// A CL:EL client combination and how many pairs use it (`unknown` for a client that
/// could not be resolved).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Combination {
    pub consensus: String,
    pub execution: String,
    pub pairs: u64,
}

/// Pairs per client, for each layer (the client mix).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientCounts {
    pub consensus: Vec<ClientCount>,
    pub execution: Vec<ClientCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientCount {
    pub client: String,
    pub pairs: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionDoc {
    pub region: String,
    pub area: Option<String>,
    pub pairs: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidatorClientDoc {
    pub name: String,
    pub client: Option<String>,
    pub replicas: u32,
    /// `null`: not stated (the client's default applies).
    pub doppelganger: Option<bool>,
    pub slashing_protection: Option<bool>,
    pub signer: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignerDoc {
    pub name: String,
    pub kind: String,
    pub instances: u32,
    pub threshold: Option<u32>,
    pub slashing_protection: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub path: String,
    pub line: u64,
    pub column: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingDoc {
    pub rule: String,
    pub severity: String,
    pub message: String,
    pub environment: Option<String>,
    pub location: Option<Location>,
    pub help: Option<String>,
    pub suppressed: bool,
    /// The suppression's reason, for a suppressed finding.
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuppressionDoc {
    /// Rule id, or `*`.
    pub rule: String,
    /// `operator` (every environment), `environment` or `workload`.
    pub scope: String,
    pub environment: Option<String>,
    /// `inline` (inventory `ignore:`, annotation) or `config` (`waivers:`).
    pub source: String,
    pub reason: Option<String>,
    pub expires: Option<String>,
    pub location: Option<Location>,
    /// Whether it suppresses (has a reason and has not expired).
    pub valid: bool,
    /// Why it does not, when it does not.
    pub problem: Option<String>,
    /// Findings it suppressed in this report.
    pub suppressed_findings: u64,
}

/// "Changes since the last report".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changes {
    pub previous: PreviousRef,
    pub environments_added: Vec<String>,
    pub environments_removed: Vec<String>,
    pub guardrails: Vec<StatusChange>,
    pub keys: Vec<KeyChange>,
    pub clients: Vec<ClientChange>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousRef {
    pub operator: String,
    pub period: String,
    pub date: String,
    /// The previous report's digest: reports chain.
    pub digest: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub rule: String,
    /// `null` for an operator-wide guardrail.
    pub environment: Option<String>,
    /// `null` when the guardrail or environment is new.
    pub from: Option<Status>,
    /// `null` when the guardrail or environment is gone.
    pub to: Option<Status>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyChange {
    pub environment: String,
    pub before: Option<u64>,
    pub after: Option<u64>,
    /// Explicit public keys added and removed.
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientChange {
    pub environment: String,
    pub pair: String,
    /// `added`, `removed` or `changed`.
    pub change: String,
    /// e.g. `lighthouse v7.0.1 + geth v1.15.11`.
    pub before: Option<String>,
    pub after: Option<String>,
}

/// `sha256:<hex>`.
pub fn sha256_tag(bytes: &[u8]) -> String {
    format!("sha256:{}", hex(&Sha256::digest(bytes)))
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// RFC 8785 canonical JSON of a value (see the module docs).
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

/// Feeds what is written to a SHA-256 (a report's canonical body is hashed as it is
/// written, not built whole first: at 1M keys it is hundreds of megabytes).
struct Hashing(Sha256);

impl std::fmt::Write for Hashing {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.update(s.as_bytes());
        Ok(())
    }
}

fn write_canonical(v: &Value, out: &mut impl std::fmt::Write) {
    // (writing to a String or a hash cannot fail)
    match v {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            // JCS sorts by UTF-16 code units (the same as bytes for the ASCII keys we write).
            entries.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            let _ = out.write_char('{');
            for (i, (k, val)) in entries.into_iter().enumerate() {
                if i > 0 {
                    let _ = out.write_char(',');
                }
                let _ = out.write_str(&serde_json::to_string(k).unwrap_or_default());
                let _ = out.write_char(':');
                write_canonical(val, out);
            }
            let _ = out.write_char('}');
        }
        Value::Array(items) => {
            let _ = out.write_char('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    let _ = out.write_char(',');
                }
                write_canonical(item, out);
            }
            let _ = out.write_char(']');
        }
        scalar => {
            let _ = out.write_str(&serde_json::to_string(scalar).unwrap_or_default());
        }
    }
}

/// The digest of a body given as JSON (as read from a file: unknown fields count too): the
/// SHA-256 of its canonical JSON.
pub fn body_digest(body: &Value) -> String {
    let mut h = Hashing(Sha256::new());
    write_canonical(body, &mut h);
    format!("sha256:{}", hex(&h.0.finalize()))
}

impl Report {
    /// A new, unsigned report with its digest.
    pub fn new(body: Body) -> Self {
        let value = serde_json::to_value(&body).unwrap_or(Value::Null);
        Self {
            kind: KIND.to_owned(),
            version: VERSION,
            digest: body_digest(&value),
            body,
            signature: None,
        }
    }

    /// The message an operator signs for this report (see the module docs).
    pub fn message(&self) -> String {
        message(&self.body, &self.digest)
    }

    /// Pretty-printed JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// The message for a body and its report digest.
pub fn message(body: &Body, digest: &str) -> String {
    format!(
        "stakelint compliance report v{VERSION}\nOperator: {}\nPeriod: {}\nDate: {}\nStatus: {}\nInputs: {}\nReport: {}",
        body.operator,
        body.period,
        body.date,
        body.summary.status.label(),
        body.inputs.digest,
        digest
    )
}

/// Whether a JSON value holds a floating-point number anywhere (the body must not).
pub fn has_float(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.is_f64(),
        Value::Array(a) => a.iter().any(has_float),
        Value::Object(m) => m.values().any(has_float),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_json_sorts_keys_and_has_no_whitespace() {
        let v = json!({"b": [1, {"z": null, "a": "x\ny"}], "a": true, "é": "\u{1f}"});
        assert_eq!(
            canonical_json(&v),
            r#"{"a":true,"b":[1,{"a":"x\ny","z":null}],"é":"\u001f"}"#
        );
        // the body digest hashes that text as it is written
        assert_eq!(
            body_digest(&v),
            sha256_tag(r#"{"a":true,"b":[1,{"a":"x\ny","z":null}],"é":"\u001f"}"#.as_bytes())
        );
    }

    #[test]
    fn worst_status_wins() {
        use Status::*;
        assert_eq!(Status::worst([Compliant, NotAssessed]), NotAssessed);
        assert_eq!(Status::worst([NotCompliant, NotAssessed]), NotCompliant);
        assert_eq!(Status::worst([]), NotAssessed);
        assert_eq!(
            serde_json::to_string(&NotCompliant).unwrap(),
            "\"not-compliant\""
        );
    }
}
