//! Secrets: argon2id for on-site passwords and PINs (slow, salted, constant-time verify),
//! SHA-256 for API keys and session tokens (long random values need no stretching), and
//! random tokens.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

use crate::error::Error;

/// The OWASP minimum for argon2id (19 MiB, 2 passes, 1 lane): PINs are short, so the hash
/// must be slow, but a stamp page must still answer quickly on a small server.
fn argon2() -> Result<Argon2<'static>, Error> {
    let params = Params::new(19_456, 2, 1, None).map_err(|e| Error::Internal(format!("argon2 params: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash_blocking(secret: &str) -> Result<String, Error> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()?
        .hash_password(secret.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| Error::Internal(format!("argon2 hash: {e}")))
}

fn verify_blocking(phc: &str, secret: &str) -> Result<bool, Error> {
    let parsed =
        PasswordHash::new(phc).map_err(|e| Error::Internal(format!("stored argon2 hash is unreadable: {e}")))?;
    // `verify_password` recomputes the hash with the stored parameters and compares in
    // constant time; any mismatch is a plain "no".
    Ok(argon2()?.verify_password(secret.as_bytes(), &parsed).is_ok())
}

/// Hashes an on-site password or PIN with argon2id, off the async threads.
pub async fn hash_secret(secret: String) -> Result<String, Error> {
    tokio::task::spawn_blocking(move || hash_blocking(&secret))
        .await
        .map_err(|e| Error::Internal(format!("hashing task failed: {e}")))?
}

/// Checks an on-site password or PIN against a stored argon2id hash, off the async threads.
pub async fn verify_secret(phc: String, secret: String) -> Result<bool, Error> {
    tokio::task::spawn_blocking(move || verify_blocking(&phc, &secret))
        .await
        .map_err(|e| Error::Internal(format!("verifying task failed: {e}")))?
}

/// SHA-256 of a high-entropy token (API key, session token): what the database stores.
pub fn sha256(data: &[u8]) -> Vec<u8> {
    Sha256::digest(data).to_vec()
}

/// 256 random bits from the OS, URL-safe base64 without padding (43 characters).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `text` has the shape of a [`random_token`] (used to turn junk away early).
pub fn looks_like_token(text: &str) -> bool {
    text.len() == 43 && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Prefix of every API key, so a leaked key is recognisable in logs and secret scanners.
pub const API_KEY_PREFIX: &str = "sck_";

/// A new API key: the prefix plus 256 random bits.
pub fn new_api_key() -> String {
    format!("{API_KEY_PREFIX}{}", random_token())
}

/// A generated `userId` for stamps created without one: `u_` and 12 base32 characters
/// (60 random bits: unique enough per account, short enough to read aloud).
pub fn new_user_id() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut bytes = [0u8; 12];
    OsRng.fill_bytes(&mut bytes);
    let tail: String = bytes.iter().map(|b| char::from(ALPHABET[usize::from(b % 32)])).collect();
    format!("u_{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2_round_trip() {
        let hash = hash_blocking("2580").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_blocking(&hash, "2580").unwrap());
        assert!(!verify_blocking(&hash, "2581").unwrap());
    }

    #[test]
    fn tokens_have_their_shape() {
        let token = random_token();
        assert!(looks_like_token(&token), "{token}");
        assert_ne!(token, random_token());
        assert!(new_api_key().starts_with(API_KEY_PREFIX));
        let user = new_user_id();
        assert_eq!(user.len(), 14);
        assert_eq!(sha256(b"abc").len(), 32);
    }
}
