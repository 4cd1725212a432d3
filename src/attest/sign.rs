//! EIP-191 `personal_sign` over secp256k1 — the way node operators already sign messages
//! with their manager address (MetaMask, `cast wallet sign`, eth-account, hardware
//! wallets): `keccak256("\x19Ethereum Signed Message:\n" ‖ len(message) ‖ message)`,
//! signed with RFC 6979 deterministic ECDSA (k256), low-s, as 65 bytes r ‖ s ‖ v with
//! v = 27 + recovery id. The signer's address is the last 20 bytes of the Keccak-256 of
//! the uncompressed public key, written with the EIP-55 checksum.
//!
//! Only the primitives of the RustCrypto crates are used; nothing here is home-made
//! cryptography. A Safe (contract account) signature cannot be checked offline (EIP-1271
//! needs the chain): only externally-owned accounts' signatures are verified.

use k256::ecdsa::{RecoveryId, Signature, SigningKey, VerifyingKey};
use sha3::{Digest, Keccak256};
use std::fmt;

/// An Ethereum address.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address(pub [u8; 20]);

impl Address {
    /// The address of a public key.
    pub fn of(key: &VerifyingKey) -> Self {
        let point = key.to_sec1_point(false);
        let hash = Keccak256::digest(&point.as_bytes()[1..]);
        let mut out = [0u8; 20];
        out.copy_from_slice(&hash[12..]);
        Self(out)
    }

    /// Parses `0x` + 40 hex digits. All-lower or all-upper case is accepted as is; mixed
    /// case must be a correct EIP-55 checksum (a typo in a checksummed address is caught).
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let digits = t
            .strip_prefix("0x")
            .or_else(|| t.strip_prefix("0X"))
            .ok_or_else(|| {
                format!(
                    "`{}` is not an address: expected 0x and 40 hex digits",
                    shown(t)
                )
            })?;
        let bytes = decode_hex(digits)
            .filter(|b| b.len() == 20)
            .ok_or_else(|| {
                format!(
                    "`{}` is not an address: expected 0x and 40 hex digits",
                    shown(t)
                )
            })?;
        let mut out = [0u8; 20];
        out.copy_from_slice(&bytes);
        let address = Self(out);
        let mixed = digits.chars().any(|c| c.is_ascii_lowercase())
            && digits.chars().any(|c| c.is_ascii_uppercase());
        if mixed && address.to_string()[2..] != *digits {
            return Err(format!(
                "`{t}` has a wrong EIP-55 checksum (a mistyped address?); the checksummed form of these digits is {address}"
            ));
        }
        Ok(address)
    }
}

/// At most 80 characters of user input, for an error message.
fn shown(t: &str) -> String {
    t.chars().take(80).collect()
}

impl fmt::Display for Address {
    /// EIP-55 mixed-case checksum encoding.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lower = super::doc::hex(&self.0);
        let hash = Keccak256::digest(lower.as_bytes());
        f.write_str("0x")?;
        for (i, c) in lower.chars().enumerate() {
            let nibble = (hash[i / 2] >> (if i % 2 == 0 { 4 } else { 0 })) & 0x0f;
            if c.is_ascii_alphabetic() && nibble >= 8 {
                write!(f, "{}", c.to_ascii_uppercase())?;
            } else {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({self})")
    }
}

/// The EIP-191 (version 0x45) hash of a message.
pub fn eip191_hash(message: &[u8]) -> [u8; 32] {
    let mut h = Keccak256::new();
    h.update(b"\x19Ethereum Signed Message:\n");
    h.update(message.len().to_string().as_bytes());
    h.update(message);
    h.finalize().into()
}

/// Signs a message (EIP-191 personal_sign): 65 bytes r ‖ s ‖ v, v = 27 or 28.
pub fn sign(key: &SigningKey, message: &str) -> [u8; 65] {
    let (sig, recid) = key.sign_prehash_recoverable(&eip191_hash(message.as_bytes()));
    let mut out = [0u8; 65];
    out[..64].copy_from_slice(&sig.to_bytes());
    out[64] = 27 + recid.to_byte();
    out
}

/// The address that signed `message`, from a 65-byte signature. v may be 27/28 or 0/1
/// (some hardware wallets); a high-s signature (malleated) is refused, as Ethereum has
/// since EIP-2.
pub fn recover(message: &str, signature: &[u8; 65]) -> Result<Address, String> {
    let v = match signature[64] {
        v @ (27 | 28) => v - 27,
        v @ (0 | 1) => v,
        v => return Err(format!("the signature's v byte is {v}; expected 27 or 28")),
    };
    let sig = Signature::from_slice(&signature[..64])
        .map_err(|_| "the signature's r or s is out of range".to_owned())?;
    if sig.normalize_s() != sig {
        return Err(
            "the signature has a high s value (malleable); sign again with a standard wallet"
                .into(),
        );
    }
    let recid = RecoveryId::from_byte(v).ok_or("invalid recovery id")?;
    let key = VerifyingKey::recover_from_prehash(&eip191_hash(message.as_bytes()), &sig, recid)
        .map_err(|_| "no public key can be recovered from this signature".to_owned())?;
    Ok(Address::of(&key))
}

/// Parses `0x` + 130 hex digits.
pub fn parse_signature(text: &str) -> Result<[u8; 65], String> {
    let t = text.trim();
    let digits = t.strip_prefix("0x").unwrap_or(t);
    let bytes = decode_hex(digits).ok_or_else(|| {
        "a signature is 0x followed by 130 hex digits (65 bytes: r, s, v)".to_owned()
    })?;
    <[u8; 65]>::try_from(bytes.as_slice()).map_err(|_| {
        if bytes.len() > 65 {
            format!(
                "the signature has {} bytes, not 65: a contract (Safe, EIP-1271) signature cannot be checked offline; sign with the owner's key (an externally-owned account)",
                bytes.len()
            )
        } else {
            format!("the signature has {} bytes, not 65 (r, s, v)", bytes.len())
        }
    })
}

/// `0x` + hex of a signature.
pub fn signature_hex(sig: &[u8; 65]) -> String {
    format!("0x{}", super::doc::hex(sig))
}

/// Decodes hex digits (either case); `None` for an odd length or a non-hex character.
pub fn decode_hex(digits: &str) -> Option<Vec<u8>> {
    let b = digits.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    b.chunks(2)
        .map(|p| {
            let hi = (p[0] as char).to_digit(16)?;
            let lo = (p[1] as char).to_digit(16)?;
            Some((hi * 16 + lo) as u8)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(hex: &str) -> SigningKey {
        SigningKey::from_slice(&decode_hex(hex.trim_start_matches("0x")).unwrap()).unwrap()
    }

    /// viem's documentation of `hashMessage` and alloy's `hashing_functions` example.
    #[test]
    fn published_eip191_hashes() {
        assert_eq!(
            super::super::doc::hex(&eip191_hash(b"hello world")),
            "d9eba16ed0ecae432b71fe008c98cc872bb4cc214d3220a36f365326cf807d68"
        );
        assert_eq!(
            super::super::doc::hex(&eip191_hash(b"hello_world")),
            "d52de6e039c023a7c77752126e4d9d99e2a7dacea3d19e97e9c2ebcb3ecf1c00"
        );
    }

    /// eth-account's documentation of `Account.sign_message` ("I♥SF", its example key).
    #[test]
    fn eth_account_documented_signature() {
        let k = key("0xb25c7db31feed9122727bf0939dc769a96564b2de4c4726d035b36ecf1e5b364");
        assert_eq!(
            super::super::doc::hex(&eip191_hash("I♥SF".as_bytes())),
            "1476abb745d423bf09273f1afd887d951181d25adc66c4834a70491911b7f750"
        );
        let sig = sign(&k, "I♥SF");
        assert_eq!(
            signature_hex(&sig),
            "0xe6ca9bba58c88611fad66a6ce8f996908195593807c4b38bd528d2cff09d4eb33e5bfbbf4d3e39b1a2fd816a7680c19ebebaf3a141b239934ad43cb33fcec8ce1c"
        );
        let addr = Address::of(k.verifying_key());
        assert_eq!(
            addr.to_string(),
            "0x5ce9454909639D2D17A3F753ce7d93fa0b9aB12E"
        );
        assert_eq!(recover("I♥SF", &sig), Ok(addr));
    }

    /// viem's documentation of `signMessage('hello world')` with the first Anvil/Hardhat
    /// development account (a published test key).
    #[test]
    fn viem_documented_signature() {
        let k = key("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
        let expected = "0xa461f509887bd19e312c0c58467ce8ff8e300d3c1a90b608a760c5b80318eaf15fe57c96f9175d6cd4daad4663763baa7e78836e067d0163e9a2ccf2ff753f5b1b";
        assert_eq!(signature_hex(&sign(&k, "hello world")), expected);
        let sig = parse_signature(expected).unwrap();
        assert_eq!(
            recover("hello world", &sig).unwrap().to_string(),
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        );
        // another message recovers another address
        assert_ne!(
            recover("hello world!", &sig).unwrap().to_string(),
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        );
    }

    #[test]
    fn addresses_and_signatures_parse_strictly() {
        let a = Address::parse("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266").unwrap();
        assert_eq!(a.to_string(), "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
        assert_eq!(
            Address::parse("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
            Ok(a)
        );
        let typo = Address::parse("0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266").unwrap_err();
        assert!(typo.contains("checksum"), "{typo}");
        assert!(Address::parse("0x1234").is_err());
        assert!(parse_signature("0x12").unwrap_err().contains("not 65"));
        assert!(
            parse_signature(&format!("0x{}", "ab".repeat(100)))
                .unwrap_err()
                .contains("EIP-1271")
        );
        let mut sig = [0u8; 65];
        sig[64] = 29;
        assert!(recover("x", &sig).unwrap_err().contains("v byte"));
    }

    #[test]
    fn high_s_signatures_are_refused() {
        let k = key("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
        let sig = sign(&k, "m");
        let parsed = Signature::from_slice(&sig[..64]).unwrap();
        // s' = n - s: the same signature, malleated
        let (r, s) = parsed.split_scalars();
        let high = Signature::from_scalars(r, -*s).unwrap();
        let mut malleated = sig;
        malleated[..64].copy_from_slice(&high.to_bytes());
        malleated[64] = if sig[64] == 27 { 28 } else { 27 };
        assert!(recover("m", &malleated).unwrap_err().contains("high s"));
    }
}
