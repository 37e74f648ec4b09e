//! Secrets: argon2id password hashes with the OWASP parameters, and the random secrets of
//! sessions and API tokens, of which the store keeps only a SHA-256 digest (a stolen database
//! then holds no usable session or token).
//!
//! Hashing a password takes tens of milliseconds of CPU on purpose: async callers run
//! `hash_password` and `verify_password` on a blocking thread (`spawn_blocking`).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::{Result, StoreError};

/// Memory cost in KiB (OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1).
pub const ARGON2_MEMORY_KIB: u32 = 19_456;
/// Iterations.
pub const ARGON2_ITERATIONS: u32 = 2;
/// Parallelism.
pub const ARGON2_PARALLELISM: u32 = 1;

/// What API token secrets start with, so that they are recognisable in logs and secret scanners.
pub const TOKEN_PREFIX: &str = "wmt_";

fn argon2() -> Result<Argon2<'static>> {
    let params = Params::new(
        ARGON2_MEMORY_KIB,
        ARGON2_ITERATIONS,
        ARGON2_PARALLELISM,
        None,
    )
    .map_err(|error| StoreError::Invalid(format!("argon2 parameters: {error}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a password with argon2id and a random salt, as a PHC string
/// (`$argon2id$v=19$m=19456,t=2,p=1$...`).
pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::encode_b64(&random_bytes::<16>())
        .map_err(|error| StoreError::Invalid(format!("password salt: {error}")))?;
    let hash = argon2()?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|error| StoreError::Invalid(format!("password hash: {error}")))?;
    Ok(hash.to_string())
}

/// Whether `password` matches a hash from `hash_password` (with the parameters stored in the
/// hash). A malformed hash matches nothing.
pub fn verify_password(password: &str, hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let Ok(argon2) = argon2() else {
        return false;
    };
    argon2.verify_password(password.as_bytes(), &parsed).is_ok()
}

/// Whether a hash was made with other parameters than today's, so that the caller re-hashes the
/// password at the next successful sign-in.
pub fn needs_rehash(hash: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return true;
    };
    let expected = format!("m={ARGON2_MEMORY_KIB},t={ARGON2_ITERATIONS},p={ARGON2_PARALLELISM}");
    parsed.algorithm.as_str() != "argon2id" || parsed.params.to_string() != expected
}

/// A new secret: 32 random bytes from the operating system, in hex, after `prefix`.
pub fn new_secret(prefix: &str) -> String {
    let mut secret = String::with_capacity(prefix.len() + 64);
    secret.push_str(prefix);
    secret.push_str(&hex(&random_bytes::<32>()));
    secret
}

/// The digest the store keeps of a secret: SHA-256, in hex. A random 256-bit secret needs no salt
/// or slow hash: it cannot be guessed, only stolen.
pub fn secret_digest(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0; N];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_a_known_text() {
        assert_eq!(
            secret_digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn secrets_are_random_and_prefixed() {
        let one = new_secret(TOKEN_PREFIX);
        let two = new_secret(TOKEN_PREFIX);
        assert!(one.starts_with(TOKEN_PREFIX));
        assert_eq!(one.len(), TOKEN_PREFIX.len() + 64);
        assert_ne!(one, two);
    }
}
