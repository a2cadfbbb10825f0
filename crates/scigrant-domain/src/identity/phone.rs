//! 手机号码: normalisation and validation of mainland mobile numbers (11 digits starting
//! 13–19). Users type numbers with spaces, hyphens or a +86 country code; the stored
//! form is always the bare 11 digits.

use std::fmt;

/// A validated mainland mobile number: exactly 11 ASCII digits matching `1[3-9]\d{9}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phone(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneError {
    Empty,
    Format,
}

impl fmt::Display for PhoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PhoneError::Empty => "请输入手机号码",
            PhoneError::Format => "手机号码格式不正确",
        })
    }
}

impl std::error::Error for PhoneError {}

fn is_mobile(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit)
}

impl Phone {
    /// Removes spaces and hyphens, then a leading `+86`/`86` if exactly 11 digits follow
    /// it (so a bare 11-digit number starting with 86 is never mangled).
    pub fn parse(s: &str) -> Result<Phone, PhoneError> {
        let compact: String = s.trim().chars().filter(|&c| c != ' ' && c != '-').collect();
        if compact.is_empty() {
            return Err(PhoneError::Empty);
        }
        let all_digits = |r: &str| r.len() == 11 && r.bytes().all(|b| b.is_ascii_digit());
        let number = match compact
            .strip_prefix("+86")
            .or_else(|| compact.strip_prefix("86"))
        {
            Some(rest) if all_digits(rest) => rest,
            _ => compact.as_str(),
        };
        if is_mobile(number) {
            Ok(Phone(number.to_string()))
        } else {
            Err(PhoneError::Format)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn accepts_common_spellings() {
        for s in [
            "17312348887",
            " 173 1234 8887 ",
            "173-1234-8887",
            "+8617312348887",
            "+86 173 1234 8887",
            "+86-173-1234-8887",
            "8617312348887",
        ] {
            assert_eq!(Phone::parse(s).unwrap().as_str(), "17312348887", "{s}");
        }
        // An 11-digit number beginning 86 is not a country code: rejected on its own
        // merits (86… is not a mobile prefix) rather than stripped.
        assert_eq!(Phone::parse("86123456789"), Err(PhoneError::Format));
        assert_eq!(
            Phone::parse("19912345678").unwrap().to_string(),
            "19912345678"
        );
    }

    #[test]
    fn rejects() {
        assert_eq!(Phone::parse(""), Err(PhoneError::Empty));
        assert_eq!(Phone::parse(" - "), Err(PhoneError::Empty));
        for s in [
            "12312345678",
            "1731234888",
            "173123488877",
            "+85217312348887",
            "+86173123488",
            "173１2348887",
            "173.1234.8887",
            "+8686173123488",
        ] {
            assert_eq!(Phone::parse(s), Err(PhoneError::Format), "{s}");
        }
        assert_eq!(PhoneError::Format.to_string(), "手机号码格式不正确");
    }
}
