//! The operator's signing key: a file holding a hex private key, or an encrypted Web3
//! Secret Storage (v3) keystore as geth, Clef, MetaMask exports, `cast wallet` and
//! eth-account write (scrypt or PBKDF2-HMAC-SHA256, AES-128-CTR, Keccak-256 MAC).
//!
//! Secret hygiene: key material, passwords and derived keys live in zeroizing buffers and
//! no error message quotes the content of a key or password file.

use super::sign::decode_hex;
use k256::ecdsa::SigningKey;
use serde::Deserialize;
use sha3::{Digest, Keccak256};
use std::path::Path;
use zeroize::Zeroizing;

/// Largest scrypt work accepted (128 · N · r bytes of memory): 1 GiB, four times geth's
/// "standard" parameters, so a hostile keystore cannot exhaust memory.
const MAX_SCRYPT_MEMORY: u64 = 1 << 30;
/// Largest PBKDF2 iteration count accepted.
const MAX_PBKDF2_ROUNDS: u32 = 10_000_000;

#[derive(Deserialize)]
struct KeystoreV3 {
    version: u32,
    #[serde(alias = "Crypto")]
    crypto: Crypto,
    address: Option<String>,
}

#[derive(Deserialize)]
struct Crypto {
    cipher: String,
    cipherparams: CipherParams,
    ciphertext: String,
    kdf: String,
    kdfparams: serde_json::Value,
    mac: String,
}

#[derive(Deserialize)]
struct CipherParams {
    iv: String,
}

#[derive(Deserialize)]
struct ScryptParams {
    dklen: usize,
    n: u64,
    r: u32,
    p: u32,
    salt: String,
}

#[derive(Deserialize)]
struct Pbkdf2Params {
    c: u32,
    dklen: usize,
    prf: String,
    salt: String,
}

/// Reads the signing key from `key_file` (hex, or a keystore decrypted with the password
/// in `password_file`: its first line, without the line break).
pub fn load(key_file: &Path, password_file: Option<&Path>) -> Result<SigningKey, String> {
    let shown = key_file.display();
    let text = Zeroizing::new(
        std::fs::read(key_file).map_err(|e| format!("cannot read the key file `{shown}`: {e}"))?,
    );
    let trimmed = text.trim_ascii();
    if trimmed.starts_with(b"{") {
        let Some(pw_path) = password_file else {
            return Err(format!(
                "`{shown}` is an encrypted keystore: give its password with --password-file FILE"
            ));
        };
        let pw =
            Zeroizing::new(std::fs::read(pw_path).map_err(|e| {
                format!("cannot read the password file `{}`: {e}", pw_path.display())
            })?);
        let pw = first_line(&pw);
        return decrypt(trimmed, pw).map_err(|e| format!("keystore `{shown}`: {e}"));
    }
    if password_file.is_some() {
        return Err(format!(
            "`{shown}` is not a keystore: --password-file only applies to encrypted keystores"
        ));
    }
    from_hex(trimmed).map_err(|e| format!("key file `{shown}`: {e}"))
}

/// A password file's first line (a trailing `\n` or `\r\n` is not part of the password).
fn first_line(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(bytes.len());
    let line = &bytes[..end];
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// A hex private key (`0x` optional, 64 hex digits).
pub fn from_hex(text: &[u8]) -> Result<SigningKey, String> {
    let t = std::str::from_utf8(text).map_err(|_| "not a hex private key (not text)".to_owned())?;
    let digits = t.strip_prefix("0x").unwrap_or(t);
    let bytes =
        Zeroizing::new(decode_hex(digits).filter(|b| b.len() == 32).ok_or(
            "neither a hex private key (64 hex digits) nor a Web3 Secret Storage keystore",
        )?);
    SigningKey::from_slice(&bytes)
        .map_err(|_| "the private key is out of range for secp256k1".into())
}

/// Decrypts a Web3 Secret Storage v3 keystore.
pub fn decrypt(json: &[u8], password: &[u8]) -> Result<SigningKey, String> {
    let ks: KeystoreV3 = serde_json::from_slice(json).map_err(|e| {
        // (serde's message could quote a value of the file: only say where)
        format!(
            "not a Web3 Secret Storage v3 keystore (JSON {:?} error at line {}, column {})",
            e.classify(),
            e.line(),
            e.column()
        )
    })?;
    if ks.version != 3 {
        return Err(format!(
            "keystore version {} is not supported (only 3)",
            ks.version
        ));
    }
    let c = &ks.crypto;
    if c.cipher != "aes-128-ctr" {
        return Err(format!(
            "cipher `{}` is not supported (only aes-128-ctr)",
            c.cipher
        ));
    }
    let field = |name: &str, v: &str| {
        decode_hex(v.trim_start_matches("0x")).ok_or_else(|| format!("`{name}` is not hex"))
    };
    let iv = field("iv", &c.cipherparams.iv)?;
    let ciphertext = field("ciphertext", &c.ciphertext)?;
    let mac = field("mac", &c.mac)?;
    if iv.len() != 16 {
        return Err("the AES-128-CTR iv must be 16 bytes".into());
    }
    let dk = derive(&c.kdf, &c.kdfparams, password)?;
    let mut h = Keccak256::new();
    h.update(&dk[16..32]);
    h.update(&ciphertext);
    if h.finalize().as_slice() != mac.as_slice() {
        return Err("wrong password (the keystore's MAC does not match)".into());
    }
    let mut plain = Zeroizing::new(ciphertext);
    {
        use aes::cipher::{KeyIvInit, StreamCipher};
        let mut cipher = ctr::Ctr128BE::<aes::Aes128>::new_from_slices(&dk[..16], &iv)
            .map_err(|_| "bad AES key or iv length")?;
        cipher.apply_keystream(&mut plain);
    }
    if plain.len() != 32 {
        return Err(format!(
            "the decrypted key has {} bytes, not 32",
            plain.len()
        ));
    }
    let key = SigningKey::from_slice(&plain)
        .map_err(|_| "the decrypted key is out of range for secp256k1".to_owned())?;
    if let Some(stated) = ks.address.as_deref().filter(|a| !a.is_empty()) {
        let stated =
            super::sign::Address::parse(&format!("0x{}", stated.trim_start_matches("0x")))?;
        let actual = super::sign::Address::of(key.verifying_key());
        if stated != actual {
            return Err(format!(
                "the keystore says it holds {stated}, but its key is {actual}"
            ));
        }
    }
    Ok(key)
}

/// The derived key (at least 32 bytes: AES key, then MAC key).
fn derive(
    kdf: &str,
    params: &serde_json::Value,
    password: &[u8],
) -> Result<Zeroizing<Vec<u8>>, String> {
    match kdf {
        "scrypt" => {
            let p: ScryptParams = serde_json::from_value(params.clone())
                .map_err(|e| format!("bad scrypt parameters: {e}"))?;
            let salt = decode_hex(p.salt.trim_start_matches("0x")).ok_or("`salt` is not hex")?;
            check_dklen(p.dklen)?;
            if p.n < 2 || !p.n.is_power_of_two() {
                return Err(format!("scrypt n = {} is not a power of two", p.n));
            }
            if 128 * p.n * u64::from(p.r) > MAX_SCRYPT_MEMORY || p.p > 16 || p.r == 0 || p.p == 0 {
                return Err(format!(
                    "scrypt parameters n = {}, r = {}, p = {} are beyond what stakelint accepts (at most 1 GiB, p ≤ 16)",
                    p.n, p.r, p.p
                ));
            }
            let log_n = p.n.trailing_zeros() as u8;
            let params = scrypt::Params::new(log_n, p.r, p.p)
                .map_err(|_| "invalid scrypt parameters".to_owned())?;
            let mut dk = Zeroizing::new(vec![0u8; p.dklen]);
            scrypt::scrypt(password, &salt, &params, &mut dk)
                .map_err(|_| "scrypt failed (invalid output length)".to_owned())?;
            Ok(dk)
        }
        "pbkdf2" => {
            let p: Pbkdf2Params = serde_json::from_value(params.clone())
                .map_err(|e| format!("bad pbkdf2 parameters: {e}"))?;
            if p.prf != "hmac-sha256" {
                return Err(format!(
                    "pbkdf2 prf `{}` is not supported (only hmac-sha256)",
                    p.prf
                ));
            }
            check_dklen(p.dklen)?;
            if p.c == 0 || p.c > MAX_PBKDF2_ROUNDS {
                return Err(format!("pbkdf2 c = {} is out of range", p.c));
            }
            let salt = decode_hex(p.salt.trim_start_matches("0x")).ok_or("`salt` is not hex")?;
            let mut dk = Zeroizing::new(vec![0u8; p.dklen]);
            pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, &salt, p.c, &mut dk);
            Ok(dk)
        }
        other => Err(format!(
            "key derivation `{other}` is not supported (scrypt or pbkdf2)"
        )),
    }
}

fn check_dklen(dklen: usize) -> Result<(), String> {
    if (32..=64).contains(&dklen) {
        Ok(())
    } else {
        Err(format!("dklen {dklen} is not supported (32 to 64 bytes)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_keys_and_refusals_never_quote_the_input() {
        let k = from_hex(b"0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
            .unwrap();
        assert_eq!(
            super::super::sign::Address::of(k.verifying_key()).to_string(),
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        );
        let secretish = b"0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff8";
        let err = from_hex(secretish).unwrap_err();
        assert!(!err.contains("ac0974"), "{err}");
        assert!(from_hex(&[b'0'; 64]).unwrap_err().contains("out of range"));
    }

    #[test]
    fn password_files_lose_only_the_line_break() {
        assert_eq!(first_line(b"pw\n"), b"pw");
        assert_eq!(first_line(b"pw\r\nrest"), b"pw");
        assert_eq!(first_line(b" pw "), b" pw ");
    }

    #[test]
    fn hostile_keystores_are_refused_before_any_work() {
        let ks = |kdf: &str, params: &str| {
            format!(
                r#"{{"version":3,"crypto":{{"cipher":"aes-128-ctr","cipherparams":{{"iv":"00000000000000000000000000000000"}},"ciphertext":"00","kdf":"{kdf}","kdfparams":{params},"mac":"00"}}}}"#
            )
        };
        let huge = ks(
            "scrypt",
            r#"{"dklen":32,"n":1073741824,"r":8,"p":1,"salt":"00"}"#,
        );
        assert!(
            decrypt(huge.as_bytes(), b"x")
                .unwrap_err()
                .contains("beyond")
        );
        let odd = ks("scrypt", r#"{"dklen":32,"n":1000,"r":8,"p":1,"salt":"00"}"#);
        assert!(
            decrypt(odd.as_bytes(), b"x")
                .unwrap_err()
                .contains("power of two")
        );
        let prf = ks(
            "pbkdf2",
            r#"{"dklen":32,"c":1,"prf":"hmac-sha512","salt":"00"}"#,
        );
        assert!(decrypt(prf.as_bytes(), b"x").unwrap_err().contains("prf"));
        assert!(decrypt(b"{}", b"x").unwrap_err().contains("not a Web3"));
    }
}
