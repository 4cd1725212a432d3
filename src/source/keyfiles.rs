//! Validator key files: one parser per format, used by every source (key files on the
//! command line or under a linted directory, inventory `keys.from`, Secrets and ConfigMaps).
//!
//! Only public keys (and the chain a file belongs to) are taken. Every other value of a key
//! file may be secret — keystore `crypto`, web3signer `privateKey`, tokens, passwords — so
//! each parser also returns the byte ranges of those values, which the source database
//! masks before any snippet is shown.
//!
//! Formats: EIP-2335 keystores, EIP-3076 slashing-protection interchange, staking-deposit-cli
//! `deposit_data-*.json`, Lighthouse `validator_definitions.yml`, web3signer key
//! configuration files (every `type`; the public key of `file-raw` is derived from its
//! private key with blst).

use crate::model::{PubKey, Span};
use crate::source::yaml::{self, Node};
use serde::Deserialize;

/// Which format a key file has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Keystore,
    Interchange,
    DepositData,
    ValidatorDefinitions,
    Web3signer,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Keystore => "EIP-2335 keystore",
            Format::Interchange => "EIP-3076 slashing-protection interchange",
            Format::DepositData => "deposit data",
            Format::ValidatorDefinitions => "Lighthouse validator_definitions.yml",
            Format::Web3signer => "web3signer key configuration",
        }
    }
}

/// A public key found in a key file, with the byte range of its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub pubkey: PubKey,
    pub span: Span,
    /// `false` for a Lighthouse definition with `enabled: false`.
    pub enabled: bool,
}

/// A key that is there but whose public key cannot be read offline (a web3signer key in a
/// vault or KMS, a `file-keystore` whose keystore file is elsewhere).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opaque {
    pub kind: String,
    pub span: Span,
    /// For `file-keystore`: the keystore path it names.
    pub keystore_file: Option<String>,
}

/// What a key file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFile {
    pub format: Format,
    pub keys: Vec<Found>,
    pub opaque: Vec<Opaque>,
    /// The chain: interchange `genesis_validators_root`, or deposit data `network_name`.
    pub chain: Option<(String, Span)>,
    /// Byte ranges of secret values (never shown).
    pub secrets: Vec<Span>,
}

/// A problem in a key file; `span` is where, and the message never quotes file content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError {
    pub span: Span,
    pub message: String,
}

/// Checks that a public key is a valid compressed BLS12-381 G1 point in the right subgroup.
/// Keys proven valid by an earlier run are taken from the cache ([`keycache`]).
///
/// [`keycache`]: crate::source::keycache
pub fn validate(key: &PubKey) -> Result<(), &'static str> {
    if crate::source::keycache::known_valid(&key.0) {
        return Ok(());
    }
    blst::min_pk::PublicKey::key_validate(&key.0)
        .map(|_| crate::source::keycache::record_valid(&key.0))
        .map_err(|_| "not a valid BLS12-381 public key (not a compressed point of the G1 subgroup)")
}

/// The public key of a raw BLS secret key (32 bytes, big-endian hex, `0x` optional).
pub fn derive_pubkey(secret_hex: &str) -> Option<PubKey> {
    let hex = secret_hex.trim().trim_start_matches("0x");
    if hex.len() != 64 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..32)
        .map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
        .collect();
    let sk = blst::min_pk::SecretKey::from_bytes(&bytes?).ok()?;
    Some(PubKey(sk.sk_to_pk().compress()))
}

/// Recognises and parses a key file. `Ok(None)` when the text is no key file.
pub fn parse(text: &str) -> Result<Option<KeyFile>, KeyError> {
    let t = text.trim_start();
    if t.starts_with('{') || t.starts_with('[') {
        return parse_json(text);
    }
    parse_yaml(text)
}

#[derive(Deserialize)]
struct JsonProbe<'a> {
    #[serde(borrow)]
    pubkey: Option<&'a str>,
    crypto: Option<serde::de::IgnoredAny>,
    metadata: Option<InterchangeMeta<'a>>,
    data: Option<Vec<InterchangeItem<'a>>>,
}

#[derive(Deserialize)]
struct InterchangeMeta<'a> {
    #[serde(borrow)]
    genesis_validators_root: Option<&'a str>,
    interchange_format_version: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
struct InterchangeItem<'a> {
    #[serde(borrow)]
    pubkey: Option<&'a str>,
}

#[derive(Deserialize)]
struct DepositItem<'a> {
    #[serde(borrow)]
    pubkey: Option<&'a str>,
    network_name: Option<&'a str>,
    deposit_data_root: Option<serde::de::IgnoredAny>,
}

fn json_error(text: &str, e: &serde_json::Error) -> KeyError {
    // serde_json reports 1-based line and column (bytes); never its message's quotes.
    let offset = text
        .split_inclusive('\n')
        .take(e.line().saturating_sub(1))
        .map(str::len)
        .sum::<usize>()
        + e.column().saturating_sub(1);
    KeyError {
        span: Span::new(offset.min(text.len()), 0),
        message: format!("malformed JSON ({:?} error)", e.classify()).to_lowercase(),
    }
}

/// Finds the span of the `n`-th occurrence (from `from`) of a key's hex text.
fn locate(text: &str, hex: &str, from: &mut usize) -> Span {
    match text.get(*from..).and_then(|rest| rest.find(hex)) {
        Some(i) => {
            let start = *from + i;
            *from = start + hex.len();
            Span::new(start, hex.len())
        }
        None => Span::new(0, 0),
    }
}

fn key(text: &str, raw: &str, cursor: &mut usize) -> Result<Found, KeyError> {
    let hex = raw.trim();
    let span = locate(text, hex, cursor);
    let pubkey = PubKey::parse(hex).map_err(|why| KeyError {
        span,
        message: format!("malformed public key: {why}"),
    })?;
    validate(&pubkey).map_err(|why| KeyError {
        span,
        message: why.to_owned(),
    })?;
    Ok(Found {
        pubkey,
        span,
        enabled: true,
    })
}

fn parse_json(text: &str) -> Result<Option<KeyFile>, KeyError> {
    let t = text.trim_start();
    let mut cursor = 0;
    if t.starts_with('[') {
        let Ok(items) = serde_json::from_str::<Vec<DepositItem<'_>>>(text) else {
            return Ok(None);
        };
        if items.is_empty()
            || items
                .iter()
                .any(|i| i.deposit_data_root.is_none() || i.pubkey.is_none())
        {
            return Ok(None);
        }
        let mut out = KeyFile {
            format: Format::DepositData,
            keys: Vec::with_capacity(items.len()),
            opaque: Vec::new(),
            chain: None,
            secrets: Vec::new(),
        };
        for i in &items {
            out.keys
                .push(key(text, i.pubkey.unwrap_or(""), &mut cursor)?);
            if out.chain.is_none()
                && let Some(n) = i.network_name
            {
                let mut c = 0;
                out.chain = Some((n.to_owned(), locate(text, &format!("\"{n}\""), &mut c)));
            }
        }
        return Ok(Some(out));
    }
    let probe: JsonProbe<'_> = match serde_json::from_str(text) {
        Ok(p) => p,
        // A JSON file that does not parse is a key file only if it says so.
        Err(e) if text.contains("\"crypto\"") || text.contains("interchange_format_version") => {
            return Err(json_error(text, &e));
        }
        Err(_) => return Ok(None),
    };
    if probe.crypto.is_some() {
        let mut out = KeyFile {
            format: Format::Keystore,
            keys: Vec::with_capacity(1),
            opaque: Vec::new(),
            chain: None,
            secrets: json_secret_values(text, KEYSTORE_PUBLIC),
        };
        // Prysm's all-accounts wallet keystore has an empty `pubkey`: nothing public to read.
        if let Some(pk) = probe.pubkey.filter(|p| !p.trim().is_empty()) {
            out.keys.push(key(text, pk, &mut cursor)?);
        }
        return Ok(Some(out));
    }
    if let (Some(meta), Some(data)) = (&probe.metadata, &probe.data)
        && meta.interchange_format_version.is_some()
    {
        let mut out = KeyFile {
            format: Format::Interchange,
            keys: Vec::new(),
            opaque: Vec::new(),
            chain: None,
            secrets: Vec::new(),
        };
        if let Some(root) = meta.genesis_validators_root {
            let mut c = 0;
            out.chain = Some((root.to_owned(), locate(text, root, &mut c)));
        }
        for item in data {
            if let Some(pk) = item.pubkey {
                out.keys.push(key(text, pk, &mut cursor)?);
            }
        }
        return Ok(Some(out));
    }
    Ok(None)
}

/// The secret ranges of a key file that failed to parse: the non-public string values when
/// it is well-formed JSON (so the public key an error points at stays visible), else `None`
/// (mask the whole file).
pub fn secrets_of_broken(text: &str) -> Option<Vec<Span>> {
    serde_json::from_str::<serde::de::IgnoredAny>(text).ok()?;
    Some(json_secret_values(text, KEYSTORE_PUBLIC))
}

/// Keys of a keystore whose string values are public.
const KEYSTORE_PUBLIC: &[&str] = &["pubkey", "path", "uuid", "description", "function", "name"];

/// Byte ranges of the string values of a JSON text whose key is not in `public`: in a
/// keystore that is the whole `crypto` section (salts, IVs, checksum, ciphertext).
fn json_secret_values(text: &str, public: &[&str]) -> Vec<Span> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut last_key: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'"' {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut j = start;
        while j < b.len() && b[j] != b'"' {
            j += if b[j] == b'\\' { 2 } else { 1 };
        }
        let end = j.min(b.len());
        let next = b[end.saturating_add(1).min(b.len())..]
            .iter()
            .find(|c| !c.is_ascii_whitespace());
        if next == Some(&b':') {
            last_key = Some((start, end));
        } else {
            let public_value = last_key.is_some_and(|(s, e)| public.contains(&&text[s..e]));
            if !public_value {
                out.push(Span::new(start, end - start));
            }
        }
        i = end + 1;
    }
    out
}

/// Web3signer key-configuration fields whose values are secret.
const WEB3SIGNER_SECRETS: &[&str] = &[
    "privateKey",
    "token",
    "clientSecret",
    "secretAccessKey",
    "password",
    "keystorePassword",
    "clientCertificatePassword",
];
/// Lighthouse definition fields whose values are secret.
const DEFINITION_SECRETS: &[&str] = &["voting_keystore_password", "client_identity_password"];
/// Every web3signer key-configuration `type`.
const WEB3SIGNER_TYPES: &[&str] = &[
    "file-raw",
    "file-keystore",
    "hashicorp",
    "azure-secret",
    "azure-key",
    "aws-secret",
    "aws-kms",
    "interlock",
    "yubihsm",
    "pkcs11",
];

fn str_field<'n>(map: &'n Node, k: &str) -> Option<(&'n str, Span)> {
    let v = map.get(k)?;
    Some((v.value.as_str()?, v.span))
}

/// A scalar field as written: hex keys such as `0x97f1…` are plain YAML integers (too big
/// for any number type), so the text is taken from the source, not from the parsed value.
fn raw_field<'t>(text: &'t str, map: &Node, k: &str) -> Option<(&'t str, Span)> {
    let v = map.get(k)?;
    if matches!(v.value, Node::Map(_) | Node::Seq(_)) {
        return None;
    }
    let span = v.span;
    let raw = text.get(span.start as usize..span.end())?.trim();
    Some((raw.trim_matches(|c| c == '"' || c == '\''), span))
}

fn yaml_key(text: &str, raw: &str, span: Span, enabled: bool) -> Result<Found, KeyError> {
    let _ = text;
    let pubkey = PubKey::parse(raw.trim()).map_err(|why| KeyError {
        span,
        message: format!("malformed public key: {why}"),
    })?;
    validate(&pubkey).map_err(|why| KeyError {
        span,
        message: why.to_owned(),
    })?;
    Ok(Found {
        pubkey,
        span,
        enabled,
    })
}

fn parse_yaml(text: &str) -> Result<Option<KeyFile>, KeyError> {
    let looks =
        text.contains("voting_public_key") || WEB3SIGNER_TYPES.iter().any(|t| text.contains(t));
    if !looks {
        return Ok(None);
    }
    let src = crate::source::files::SourceFile::new(String::new(), text);
    let docs = match yaml::parse_stream(crate::model::FileId(0), &src) {
        Ok(d) => d,
        Err(e) => {
            let span = e.origin.map_or(Span::default(), |o| o.span);
            return Err(KeyError {
                span,
                message: "malformed YAML in a key file".to_owned(),
            });
        }
    };
    // Lighthouse: one document, a sequence of definitions.
    if let [doc] = docs.as_slice()
        && let Node::Seq(items) = &doc.value
        && items
            .iter()
            .any(|i| i.value.get("voting_public_key").is_some())
    {
        let mut out = KeyFile {
            format: Format::ValidatorDefinitions,
            keys: Vec::new(),
            opaque: Vec::new(),
            chain: None,
            secrets: Vec::new(),
        };
        for item in items {
            for s in DEFINITION_SECRETS {
                if let Some(v) = item.value.get(s) {
                    out.secrets.push(v.span);
                }
            }
            let Some((pk, span)) = raw_field(text, &item.value, "voting_public_key") else {
                continue;
            };
            let enabled = !matches!(
                item.value.get("enabled").map(|e| &e.value),
                Some(Node::Bool(false))
            );
            out.keys.push(yaml_key(text, pk, span, enabled)?);
        }
        return Ok(Some(out));
    }
    // Web3signer: one key per document, polymorphic on `type`.
    let mut out = KeyFile {
        format: Format::Web3signer,
        keys: Vec::new(),
        opaque: Vec::new(),
        chain: None,
        secrets: Vec::new(),
    };
    for doc in &docs {
        let Some((kind, kind_span)) = str_field(&doc.value, "type") else {
            continue;
        };
        if !WEB3SIGNER_TYPES.contains(&kind) {
            continue;
        }
        for s in WEB3SIGNER_SECRETS {
            if let Some(v) = doc.value.get(s) {
                out.secrets.push(v.span);
            }
        }
        if doc
            .value
            .get("keyType")
            .and_then(|k| k.value.as_str())
            .is_some_and(|k| !k.eq_ignore_ascii_case("BLS"))
        {
            continue;
        }
        match (kind, raw_field(text, &doc.value, "privateKey")) {
            ("file-raw", Some((sk, span))) => match derive_pubkey(sk) {
                Some(pubkey) => out.keys.push(Found {
                    pubkey,
                    span: kind_span,
                    enabled: true,
                }),
                None => {
                    return Err(KeyError {
                        span,
                        message: "`privateKey` is not a 32-byte BLS secret key".to_owned(),
                    });
                }
            },
            _ => out.opaque.push(Opaque {
                kind: kind.to_owned(),
                span: kind_span,
                keystore_file: str_field(&doc.value, "keystoreFile").map(|(p, _)| p.to_owned()),
            }),
        }
    }
    Ok((!out.keys.is_empty() || !out.opaque.is_empty()).then_some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Valid public keys (py_ecc `SkToPk` of throwaway scalars; see fixtures/keys/README.md).
    pub(crate) const K0: &str = "af51b856584c5e12a7ca95099fedae1e1959e1c4584d70a9556b705ff4a1db3c1c934770d47404e150afc349a49c4a27";

    #[test]
    fn derives_the_public_key_of_a_raw_secret() {
        // secret key 1 → the G1 generator
        let pk = derive_pubkey(&format!("0x{}1", "0".repeat(63))).unwrap();
        assert_eq!(
            pk.to_string(),
            "0x97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb"
        );
        assert!(derive_pubkey("0x1234").is_none());
    }

    #[test]
    fn validates_points() {
        assert!(validate(&PubKey::parse(K0).unwrap()).is_ok());
        // flip the last byte: almost surely off the curve
        let mut bad = PubKey::parse(K0).unwrap();
        bad.0[47] ^= 1;
        assert!(validate(&bad).is_err());
        assert!(validate(&PubKey([0; 48])).is_err());
    }

    #[test]
    fn keystore_crypto_is_masked_and_pubkey_found() {
        let ks = format!(
            "{{\"crypto\": {{\"kdf\": {{\"function\": \"scrypt\", \"params\": {{\"salt\": \"SALTSECRET\"}}, \"message\": \"\"}}, \"cipher\": {{\"function\": \"aes-128-ctr\", \"params\": {{\"iv\": \"IVSECRET\"}}, \"message\": \"CIPHERSECRET\"}}}}, \"pubkey\": \"{K0}\", \"path\": \"m/12381/3600/0/0/0\", \"uuid\": \"u\", \"version\": 4}}"
        );
        let f = parse(&ks).unwrap().unwrap();
        assert_eq!(f.format, Format::Keystore);
        assert_eq!(f.keys.len(), 1);
        assert_eq!(&ks[f.keys[0].span.start as usize..f.keys[0].span.end()], K0);
        let masked: Vec<&str> = f
            .secrets
            .iter()
            .map(|s| &ks[s.start as usize..s.end()])
            .collect();
        for secret in ["SALTSECRET", "IVSECRET", "CIPHERSECRET"] {
            assert!(masked.contains(&secret), "{secret} not masked: {masked:?}");
        }
        assert!(!masked.contains(&K0));
    }

    #[test]
    fn web3signer_raw_keys_are_derived_and_masked() {
        let y = format!(
            "type: file-raw\nkeyType: BLS\nprivateKey: 0x{}1\n---\ntype: hashicorp\nserverHost: vault\ntoken: TOKENSECRET\n",
            "0".repeat(63)
        );
        let f = parse(&y).unwrap().unwrap();
        assert_eq!(f.format, Format::Web3signer);
        assert_eq!(f.keys.len(), 1);
        assert_eq!(f.opaque.len(), 1);
        let masked: Vec<&str> = f
            .secrets
            .iter()
            .map(|s| &y[s.start as usize..s.end()])
            .collect();
        assert!(
            masked.iter().any(|m| m.contains("00000001")) && masked.contains(&"TOKENSECRET"),
            "{masked:?}"
        );
    }

    #[test]
    fn definitions_interchange_and_deposit_data() {
        let defs = format!(
            "- enabled: false\n  voting_public_key: \"0x{K0}\"\n  type: local_keystore\n  voting_keystore_path: /k.json\n  voting_keystore_password: PASSWORDSECRET\n"
        );
        let f = parse(&defs).unwrap().unwrap();
        assert_eq!(
            (f.format, f.keys.len(), f.keys[0].enabled),
            (Format::ValidatorDefinitions, 1, false)
        );
        assert_eq!(
            &defs[f.secrets[0].start as usize..f.secrets[0].end()],
            "PASSWORDSECRET"
        );
        let ic = format!(
            "{{\"metadata\": {{\"interchange_format_version\": \"5\", \"genesis_validators_root\": \"0x4b36\"}}, \"data\": [{{\"pubkey\": \"0x{K0}\", \"signed_blocks\": [], \"signed_attestations\": []}}]}}"
        );
        let f = parse(&ic).unwrap().unwrap();
        assert_eq!((f.format, f.keys.len()), (Format::Interchange, 1));
        assert_eq!(f.chain.as_ref().unwrap().0, "0x4b36");
        let dd = format!(
            "[{{\"pubkey\": \"{K0}\", \"withdrawal_credentials\": \"00\", \"amount\": 32000000000, \"signature\": \"aa\", \"deposit_message_root\": \"bb\", \"deposit_data_root\": \"cc\", \"fork_version\": \"10000910\", \"network_name\": \"hoodi\", \"deposit_cli_version\": \"2.7.0\"}}]"
        );
        let f = parse(&dd).unwrap().unwrap();
        assert_eq!(
            (f.format, f.chain.as_ref().unwrap().0.as_str()),
            (Format::DepositData, "hoodi")
        );
    }

    #[test]
    fn broken_key_files_give_errors_without_content() {
        let e =
            parse("{\"crypto\": {\"cipher\": \"CIPHERSECRET\"}, \"pubkey\": \"zz\"").unwrap_err();
        assert!(!e.message.contains("CIPHERSECRET"), "{}", e.message);
        let mut bad = K0.to_owned();
        bad.replace_range(94.., "00");
        let e = parse(&format!("{{\"crypto\": {{}}, \"pubkey\": \"{bad}\"}}")).unwrap_err();
        assert!(e.message.contains("BLS12-381"), "{}", e.message);
        assert!(parse("{\"name\": \"package.json\"}").unwrap().is_none());
        assert!(parse("apiVersion: v1\nkind: Service\n").unwrap().is_none());
    }
}
