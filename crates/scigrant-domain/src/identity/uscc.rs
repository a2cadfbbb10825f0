//! 统一社会信用代码 (Unified Social Credit Code, GB 32100-2015): parsing, check-character
//! validation, and access to the embedded 9-character organisation code (GB 11714).
//! A code that fails the GB 32100 check is rejected; a failing GB 11714 check on the
//! embedded organisation code only produces a warning, because some legitimately issued
//! codes (e.g. for 个体工商户) do not carry a real organisation code in that region.

use std::fmt;

/// The 31 characters allowed by GB 32100; I, O, S, V and Z are excluded to avoid
/// confusion with 1, 0, 5, U and 2.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights for positions 1..=17: 3^(i-1) mod 31.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// GB 11714 weights for the 8 body characters of the organisation code.
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// A validated, normalised (uppercase, trimmed) 18-character 统一社会信用代码.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uscc(String);

/// Why a string is not a valid 统一社会信用代码.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsccError {
    Empty,
    Length,
    Char,
    Check,
}

impl fmt::Display for UsccError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UsccError::Empty => "请输入统一社会信用代码",
            UsccError::Length => "统一社会信用代码应为18位",
            UsccError::Char => "统一社会信用代码含有无效字符（不使用I、O、S、V、Z）",
            UsccError::Check => "统一社会信用代码校验位不正确，请核对",
        })
    }
}

impl std::error::Error for UsccError {}

fn value_of(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// Check character for 17 alphabet bytes; `None` if any byte is outside the alphabet.
fn check_char(body: &[u8]) -> Option<u8> {
    if body.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (&c, w) in body.iter().zip(WEIGHTS) {
        sum += value_of(c)? * w;
    }
    Some(ALPHABET[((31 - sum % 31) % 31) as usize])
}

impl Uscc {
    /// Trims and uppercases `s`, then checks length, alphabet and check character.
    pub fn parse(s: &str) -> Result<Uscc, UsccError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(UsccError::Empty);
        }
        // ASCII-only uppercasing keeps non-ASCII input unchanged so it is reported as an
        // invalid character rather than changing length unexpectedly.
        let s = s.to_ascii_uppercase();
        if s.chars().count() != 18 {
            return Err(UsccError::Length);
        }
        let bytes = s.as_bytes();
        // Character count is 18, so an all-ASCII string is exactly 18 bytes.
        if bytes.len() != 18 || bytes.iter().any(|&c| value_of(c).is_none()) {
            return Err(UsccError::Char);
        }
        if check_char(&bytes[..17]) != Some(bytes[17]) {
            return Err(UsccError::Check);
        }
        Ok(Uscc(s))
    }

    /// Builds a code from its first 17 characters by appending the check character.
    /// Returns `None` unless `body17` is 17 characters of the GB 32100 alphabet
    /// (lowercase is accepted and normalised).
    pub fn with_check(body17: &str) -> Option<Uscc> {
        let body = body17.to_ascii_uppercase();
        let c = check_char(body.as_bytes())?;
        let mut s = body;
        s.push(char::from(c));
        Some(Uscc(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Positions 9..=17: the embedded 9-character GB 11714 organisation code.
    pub fn org_code(&self) -> &str {
        &self.0[8..17]
    }

    /// Last 4 characters of the organisation code (0-based positions 13..17); commonly
    /// asked for as a short confirmation of the organisation's identity.
    pub fn org_code_last4(&self) -> &str {
        &self.0[13..17]
    }

    /// `Some(warning)` if the embedded organisation code fails the GB 11714 check.
    /// Never a reason to reject the code (see module doc).
    pub fn org_code_warning(&self) -> Option<&'static str> {
        let org = self.org_code().as_bytes();
        let mut sum = 0u32;
        for (&c, w) in org[..8].iter().zip(ORG_WEIGHTS) {
            // GB 11714 values: digits 0..9, letters A..Z = 10..35.
            let v = match c {
                b'0'..=b'9' => u32::from(c - b'0'),
                b'A'..=b'Z' => u32::from(c - b'A') + 10,
                _ => return Some(ORG_WARNING),
            };
            sum += v * w;
        }
        let expected = match 11 - sum % 11 {
            10 => b'X',
            11 => b'0',
            d => b'0' + d as u8,
        };
        if org[8] == expected {
            None
        } else {
            Some(ORG_WARNING)
        }
    }
}

const ORG_WARNING: &str = "组织机构代码校验位不符，请核对";

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn weights_are_powers_of_three_mod_31() {
        let mut w = 1u32;
        for expected in WEIGHTS {
            assert_eq!(w, expected);
            w = w * 3 % 31;
        }
    }

    #[test]
    fn known_valid_code() {
        let u = Uscc::parse("91350100M000100Y43").unwrap();
        assert_eq!(u.as_str(), "91350100M000100Y43");
        assert_eq!(u.org_code(), "M000100Y4");
        assert_eq!(u.org_code_last4(), "00Y4");
        assert_eq!(u.org_code_warning(), None);
        assert_eq!(u.to_string(), "91350100M000100Y43");
    }

    #[test]
    fn trims_and_uppercases() {
        let u = Uscc::parse("  91350100m000100y43\t").unwrap();
        assert_eq!(u.as_str(), "91350100M000100Y43");
    }

    #[test]
    fn computed_codes() {
        // Check characters computed independently (Python) from the GB 32100 formula.
        for (body, check) in [
            ("91350100M000100Y4", '3'),
            ("91110000802100433", 'B'),
            ("91110000100001342", 'C'),
            ("91540000MA6T1AXX1", 'N'),
            ("12100000400000000", 'W'),
        ] {
            let u = Uscc::with_check(body).unwrap();
            assert_eq!(u.as_str().chars().last(), Some(check), "{body}");
            assert_eq!(Uscc::parse(u.as_str()).unwrap(), u);
        }
        assert_eq!(
            Uscc::parse("911100001000013428"),
            Err(UsccError::Check),
            "wrong check char must be rejected"
        );
    }

    #[test]
    fn org_code_warning_only_warns() {
        // Org code MA6T1AXX1 has GB 11714 check '7', not '1': still a valid USCC.
        let u = Uscc::parse("91540000MA6T1AXX1N").unwrap();
        assert_eq!(u.org_code_warning(), Some("组织机构代码校验位不符，请核对"));
        let ok = Uscc::parse("91110000802100433B").unwrap();
        assert_eq!(ok.org_code_warning(), None);
        // Org check value 10 is written as 'X'.
        let x = Uscc::with_check("9111000040000000X").unwrap();
        assert_eq!(x.as_str(), "9111000040000000XM");
        assert_eq!(x.org_code(), "40000000X");
        assert_eq!(x.org_code_warning(), None);
    }

    #[test]
    fn errors() {
        assert_eq!(Uscc::parse(""), Err(UsccError::Empty));
        assert_eq!(Uscc::parse("   "), Err(UsccError::Empty));
        assert_eq!(Uscc::parse("91350100M000100Y4"), Err(UsccError::Length));
        assert_eq!(Uscc::parse("91350100M000100Y433"), Err(UsccError::Length));
        assert_eq!(Uscc::parse("91350100O000100Y43"), Err(UsccError::Char));
        assert_eq!(Uscc::parse("9135010０M000100Y43"), Err(UsccError::Char));
        assert_eq!(Uscc::parse("91350100M000100Y44"), Err(UsccError::Check));
        assert_eq!(UsccError::Length.to_string(), "统一社会信用代码应为18位");
    }

    #[test]
    fn with_check_rejects_bad_bodies() {
        assert_eq!(Uscc::with_check("9135010"), None);
        assert_eq!(Uscc::with_check("91350100M000100I4"), None);
        assert_eq!(Uscc::with_check("91350100M000100Y43"), None);
    }
}
