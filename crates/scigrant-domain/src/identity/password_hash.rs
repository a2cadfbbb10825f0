//! Password storage with PBKDF2-HMAC-SM3 (SM3 is the 国密 hash of GM/T 0004-2012) in a
//! self-describing, PHC-like string
//! `$pbkdf2-sm3$i=<iterations>$<salt hex>$<hash hex>` (16-byte salt, 32-byte output).
//! Storing the iteration count in each hash lets the cost be raised later: hashes below
//! [`MIN_PRODUCTION_ITERATIONS`] are re-hashed at the next successful login. Salt
//! generation is left to the caller so that this crate stays free of IO and randomness.

const PREFIX: &str = "$pbkdf2-sm3$i=";
const SALT_LEN: usize = 16;
const HASH_LEN: usize = 32;

/// Iteration count for new hashes in production; hashes with fewer iterations should be
/// upgraded on login. Measured on the 2-core reference machine: 200 000 iterations
/// cost about 50 ms per hash (≈255 ns an iteration; `examples/hash_cost.rs`).
pub const MIN_PRODUCTION_ITERATIONS: u32 = 200_000;

/// Upper bound accepted by [`verify_password`], so that a corrupted or hostile stored
/// string cannot make a single verification run for minutes.
const MAX_ITERATIONS: u32 = 10_000_000;

fn derive(pw: &str, salt: &[u8], iterations: u32) -> [u8; HASH_LEN] {
    let mut out = [0u8; HASH_LEN];
    pbkdf2::pbkdf2_hmac::<sm3::Sm3>(pw.as_bytes(), salt, iterations, &mut out);
    out
}

/// Hashes `pw` (UTF-8 bytes) with the given salt. An iteration count of 0 is treated as
/// 1, which is what PBKDF2 computes for it anyway, so the string stays verifiable.
pub fn hash_password(pw: &str, salt: &[u8; SALT_LEN], iterations: u32) -> String {
    let iterations = iterations.max(1);
    let hash = derive(pw, salt, iterations);
    format!(
        "{PREFIX}{iterations}${}${}",
        hex::encode(salt),
        hex::encode(hash)
    )
}

struct Parsed {
    iterations: u32,
    salt: [u8; SALT_LEN],
    hash: [u8; HASH_LEN],
}

fn parse(encoded: &str) -> Option<Parsed> {
    let rest = encoded.strip_prefix(PREFIX)?;
    let mut parts = rest.split('$');
    let (i, salt_hex, hash_hex) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    // Digits only: `u32::from_str` would also accept a leading '+'.
    if i.is_empty() || !i.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let iterations: u32 = i.parse().ok()?;
    if !(1..=MAX_ITERATIONS).contains(&iterations) {
        return None;
    }
    let mut salt = [0u8; SALT_LEN];
    hex::decode_to_slice(salt_hex, &mut salt).ok()?;
    let mut hash = [0u8; HASH_LEN];
    hex::decode_to_slice(hash_hex, &mut hash).ok()?;
    Some(Parsed {
        iterations,
        salt,
        hash,
    })
}

/// Constant-time equality for equal-length secrets: every byte is examined regardless of
/// where the first difference is, so timing does not reveal how much of a hash matched.
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// True iff `encoded` is a well-formed hash string and `pw` matches it. Malformed input
/// yields `false`; this function never panics.
pub fn verify_password(pw: &str, encoded: &str) -> bool {
    match parse(encoded) {
        Some(p) => ct_eq(&derive(pw, &p.salt, p.iterations), &p.hash),
        None => false,
    }
}

/// The iteration count of a well-formed hash string, for deciding whether to re-hash.
pub fn iterations_of(encoded: &str) -> Option<u32> {
    parse(encoded).map(|p| p.iterations)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use sm3::Digest;

    const SALT: [u8; 16] = *b"saltsaltsaltsalt";

    #[test]
    fn sm3_known_answer() {
        // GM/T 0004-2012, example 1.
        assert_eq!(
            hex::encode(sm3::Sm3::digest(b"abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn pbkdf2_sm3_matches_openssl() {
        // Expected values from Python's hashlib.pbkdf2_hmac('sm3', ...) (OpenSSL 3).
        let salt: [u8; 16] = core::array::from_fn(|i| i as u8);
        assert_eq!(
            hash_password("password", &salt, 1000),
            "$pbkdf2-sm3$i=1000$000102030405060708090a0b0c0d0e0f$\
             304c324b5c73584d3af229f224b9c0c2a7e8541ad99e976d46182125f3843f0d"
        );
        assert_eq!(
            hash_password("密码Test1!", &SALT, 1),
            "$pbkdf2-sm3$i=1$73616c7473616c7473616c7473616c74$\
             808304daf246f2f72dce7c491ae31a3ebe0669a18014fe8dc26d34cb0688e546"
        );
    }

    #[test]
    fn round_trip() {
        let h = hash_password("Gesang-Meiduo-7", &SALT, 10);
        assert!(verify_password("Gesang-Meiduo-7", &h));
        assert!(!verify_password("Gesang-Meiduo-8", &h));
        assert!(!verify_password("", &h));
        assert_eq!(iterations_of(&h), Some(10));
    }

    #[test]
    fn zero_iterations_is_one() {
        let h = hash_password("x", &SALT, 0);
        assert_eq!(iterations_of(&h), Some(1));
        assert_eq!(h, hash_password("x", &SALT, 1));
        assert!(verify_password("x", &h));
    }

    #[test]
    fn malformed_is_false() {
        let good = hash_password("pw", &SALT, 3);
        assert!(verify_password("pw", &good));
        let bad = [
            String::new(),
            "$pbkdf2-sm3$".to_string(),
            good.replace("sm3", "sha256"),
            good.replace("i=3", "i=0"),
            good.replace("i=3", "i=+3"),
            good.replace("i=3", "i="),
            good.replace("i=3", "i=99999999999"),
            good.replace("i=3", "i=10000001"),
            format!("{good}$"),
            format!("{good}00"),
            good[..good.len() - 2].to_string(),
            good.replacen("73616c74", "zz616c74", 1),
            good.replacen("73616c74", "73616c", 1),
            format!(" {good}"),
        ];
        for b in &bad {
            assert!(!verify_password("pw", b), "{b}");
            assert_eq!(iterations_of(b), None, "{b}");
        }
    }

    #[test]
    fn constant_time_eq() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
        assert!(ct_eq(b"", b""));
    }
}
