//! Join codes, resume tokens and the hashes under which tokens are stored.

use rand::{Rng, TryRngCore};
use sha2::{Digest, Sha256};

/// A random join code; unguessable enough with ~887 million possibilities and slowed-down guessing.
pub fn new_code() -> String {
    let mut rng = rand::rng();
    protocol::codes::from_indexes(std::array::from_fn(|_| rng.random_range(0..protocol::codes::ALPHABET.len())))
}

/// 128 random bits from the operating system's generator, as 32 hex characters.
pub fn new_token() -> String {
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.try_fill_bytes(&mut bytes).expect("the operating system's random generator");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Tokens are stored only as this hash, so a copy of the database cannot take over a session.
pub fn hash_token(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The PKCE challenge of a verifier (RFC 7636's S256, written in lower-case hex instead of
/// base64url): what the desktop app sends when its sign-in begins, keeping the verifier to itself.
pub fn challenge_of(verifier: &str) -> String {
    hash_token(verifier).iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether two secrets are equal, in time that does not depend on where they differ (their
/// hashes are compared, so not on their lengths either).
pub fn same(given: &str, wanted: &str) -> bool {
    let (a, b) = (hash_token(given), hash_token(wanted));
    a.iter().zip(b.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert_ne!(hash_token(&a), hash_token(&b));
        // SHA-256 itself, as any other implementation computes it (FIPS 180-2's "abc").
        let abc: String = hash_token("abc").iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(abc, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn keys_compare_whole() {
        assert!(same("trainer-2026", "trainer-2026"));
        assert!(!same("trainer-2025", "trainer-2026"));
        assert!(!same("", "trainer-2026"));
    }

    #[test]
    fn codes_use_the_alphabet() {
        let code = new_code();
        assert_eq!(protocol::codes::normalize(&code.to_lowercase()), Some(code));
    }
}
