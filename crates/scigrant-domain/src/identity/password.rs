//! The password policy (following the MOST / 科技部 guidance the project adopts) and the
//! score behind the browser's strength meter. The policy: 8–128 characters, at least three of
//! four character classes, no embedded personal data (login name, phone, ID number), and
//! not one of the project's bundled predictable patterns (`data/common-passwords.txt`).

use std::fmt;

const COMMON_PASSWORDS: &str = include_str!("../../data/common-passwords.txt");

const MIN_LEN: usize = 8;
const MAX_LEN: usize = 128;
/// Personal strings shorter than this are ignored: short fragments (e.g. a 3-letter login)
/// would reject too many unrelated passwords.
const MIN_PERSONAL_LEN: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordError {
    Length,
    Classes,
    Personal,
    Common,
}

impl fmt::Display for PasswordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PasswordError::Length => "密码长度应为8至128位",
            PasswordError::Classes => "密码须包含大写字母、小写字母、数字、符号中的至少三类",
            PasswordError::Personal => "密码不能包含登录名、手机号或证件号码",
            PasswordError::Common => "该密码过于常见，请更换",
        })
    }
}

impl std::error::Error for PasswordError {}

/// Number of classes present among: ASCII uppercase, ASCII lowercase, ASCII digit, and
/// "symbol" = any other character (punctuation, space, and also non-ASCII letters such as
/// Chinese characters — this keeps the rule identical to the browser's `/[^A-Za-z0-9]/`).
fn class_count(pw: &str) -> u8 {
    let (mut upper, mut lower, mut digit, mut symbol) = (false, false, false, false);
    for c in pw.chars() {
        match c {
            'A'..='Z' => upper = true,
            'a'..='z' => lower = true,
            '0'..='9' => digit = true,
            _ => symbol = true,
        }
    }
    u8::from(upper) + u8::from(lower) + u8::from(digit) + u8::from(symbol)
}

fn is_common(pw: &str) -> bool {
    let pw = pw.to_lowercase();
    COMMON_PASSWORDS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .any(|l| l.to_lowercase() == pw)
}

/// Checks `pw` against the policy. `personal` holds the user's login name, phone number,
/// ID number etc.; each one of at least 4 characters must not occur in the password
/// (case-insensitively). Checks run in the order the messages are most useful to a user.
pub fn check_password(pw: &str, personal: &[&str]) -> Result<(), PasswordError> {
    let len = pw.chars().count();
    if !(MIN_LEN..=MAX_LEN).contains(&len) {
        return Err(PasswordError::Length);
    }
    if class_count(pw) < 3 {
        return Err(PasswordError::Classes);
    }
    let lower = pw.to_lowercase();
    let leaks = personal
        .iter()
        .map(|p| p.trim())
        .filter(|p| p.chars().count() >= MIN_PERSONAL_LEN)
        .any(|p| lower.contains(&p.to_lowercase()));
    if leaks {
        return Err(PasswordError::Personal);
    }
    if is_common(pw) {
        return Err(PasswordError::Common);
    }
    Ok(())
}

/// Strength score 0..=4 for the strength meter (the browser script computes the same):
///
/// * 0 — empty;
/// * 1 — shorter than 8 characters (whatever its classes);
/// * otherwise the number of character classes (1..=4, classes as in the policy), and a
///   password of 3 classes with at least 12 characters is raised to 4.
///
/// So 3 or more means the length and class rules are met. The score does not know
/// about personal data or the common list; [`check_password`] remains authoritative.
pub fn strength(pw: &str) -> u8 {
    let len = pw.chars().count();
    if len == 0 {
        return 0;
    }
    if len < MIN_LEN {
        return 1;
    }
    match class_count(pw) {
        3 if len >= 12 => 4,
        n => n,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn entries() -> Vec<&'static str> {
        COMMON_PASSWORDS
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    }

    #[test]
    fn accepts_good_passwords() {
        assert_eq!(check_password("Gesang-Meiduo-7", &[]), Ok(()));
        assert_eq!(check_password("xizang#kjt-2025", &["zhangsan"]), Ok(()));
        assert_eq!(check_password("雪域高原Lhasa9", &[]), Ok(()));
        assert_eq!(
            check_password(&format!("Aa1{}", "x".repeat(125)), &[]),
            Ok(())
        );
    }

    #[test]
    fn length_counts_chars() {
        assert_eq!(check_password("Aa1!aaa", &[]), Err(PasswordError::Length));
        assert_eq!(
            check_password(&format!("Aa1{}", "x".repeat(126)), &[]),
            Err(PasswordError::Length)
        );
        // 7 characters but 21 bytes: still too short.
        assert_eq!(check_password("密码Ab1!x", &[]), Err(PasswordError::Length));
    }

    #[test]
    fn classes() {
        assert_eq!(
            check_password("abcdefgh1234", &[]),
            Err(PasswordError::Classes)
        );
        assert_eq!(
            check_password("ABCDEFGH!!!!", &[]),
            Err(PasswordError::Classes)
        );
        assert_eq!(check_password("abcd efgh 1", &[]), Ok(()));
        assert_eq!(
            check_password("XIZANGkejiting", &[]),
            Err(PasswordError::Classes)
        );
    }

    #[test]
    fn personal_data() {
        let personal = ["ZhangSan", "17312348887", "11010519491231002X", "abc", ""];
        let p = |pw: &str| check_password(pw, &personal);
        assert_eq!(p("x-zhangsan-9"), Err(PasswordError::Personal));
        assert_eq!(p("Tel17312348887!"), Err(PasswordError::Personal));
        assert_eq!(p("11010519491231002x!a"), Err(PasswordError::Personal));
        // "abc" is too short to count as personal data.
        assert_eq!(p("Abc-Gesang-7"), Ok(()));
    }

    #[test]
    fn common_list() {
        for pw in [
            "Password1!",
            "admin@123",
            "QWER1234!",
            "Aa123456",
            "Abc@1234",
            "P@ssw0rd",
        ] {
            assert_eq!(check_password(pw, &[]), Err(PasswordError::Common), "{pw}");
        }
        assert_eq!(
            check_password("Woaini520!", &[]),
            Err(PasswordError::Common)
        );
        assert_eq!(
            check_password("Kejiting@2025", &[]),
            Err(PasswordError::Common)
        );
    }

    #[test]
    fn common_list_is_meaningful() {
        let list = entries();
        assert!(list.len() >= 250, "{}", list.len());
        let mut seen = std::collections::HashSet::new();
        for e in &list {
            // Every entry must be reachable, i.e. pass the earlier rules.
            let len = e.chars().count();
            assert!((MIN_LEN..=MAX_LEN).contains(&len), "{e}");
            assert!(class_count(e) >= 3, "{e}");
            assert!(seen.insert(e.to_lowercase()), "duplicate {e}");
        }
    }

    #[test]
    fn strength_scores() {
        assert_eq!(strength(""), 0);
        assert_eq!(strength("Ab1!"), 1);
        assert_eq!(strength("abcdefgh"), 1);
        assert_eq!(strength("abcdefg1"), 2);
        assert_eq!(strength("Abcdefg1"), 3);
        assert_eq!(strength("Abcdefg1!"), 4);
        assert_eq!(strength("Abcdefghijk1"), 4);
        assert_eq!(strength("abcdefghijklmnop1"), 2);
    }

    #[test]
    fn messages() {
        assert_eq!(PasswordError::Length.to_string(), "密码长度应为8至128位");
        assert_eq!(PasswordError::Common.to_string(), "该密码过于常见，请更换");
    }
}
