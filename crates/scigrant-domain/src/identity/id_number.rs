//! Identity documents: the mainland 居民身份证号码 (GB 11643-1999: region code, birth date,
//! sequence number with gender, ISO 7064 MOD 11-2 check character) and the set of document
//! types a person may register with, with a format check for each.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Weights 2^(17-i) mod 11 for the 17 body digits.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// The province-level administrative division codes of GB/T 2260 (first two digits of
/// the 6-digit region code, including 71 台湾, 81 香港, 82 澳门), plus 83 and 91, which
/// are not GB/T 2260 provinces but begin numbers issued to 港澳台 residents (830000 on
/// 台湾居民居住证) and to foreign permanent residents.
const PROVINCES: [&str; 36] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82", "83", "91",
];

/// A validated 18-character 居民身份证号码 with an uppercase check character.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdNumber(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdNumberError {
    Empty,
    Length,
    Format,
    BirthDate,
    Region,
    Check,
}

impl fmt::Display for IdNumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IdNumberError::Empty => "请输入证件号码",
            IdNumberError::Length => "身份证号码应为18位",
            IdNumberError::Format => "身份证号码格式不正确",
            IdNumberError::BirthDate => "身份证号码中的出生日期不正确",
            IdNumberError::Region => "身份证号码的地区代码不正确",
            IdNumberError::Check => "身份证号码校验位不正确",
        })
    }
}

impl std::error::Error for IdNumberError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    pub fn label(self) -> &'static str {
        match self {
            Gender::Male => "男",
            Gender::Female => "女",
        }
    }
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Parses ASCII digits; callers guarantee `s` is all digits and short enough.
fn digits(s: &str) -> u32 {
    s.bytes().fold(0, |acc, b| acc * 10 + u32::from(b - b'0'))
}

/// The earliest birth year accepted. GB 11643 writes the full year, and its
/// own example (440524188001010014) is of a person born in 1880, so people
/// born in the 19th century hold valid numbers; an earlier year is a typing
/// error.
const EARLIEST_BIRTH_YEAR: i32 = 1800;

/// (year, month, day) at positions 7..=14 of an 18-character, digit-checked number.
fn date_of(s: &str) -> (i32, u32, u32) {
    (
        digits(&s[6..10]) as i32,
        digits(&s[10..12]),
        digits(&s[12..14]),
    )
}

impl IdNumber {
    /// Validates `s` (trimmed; lowercase `x` accepted) as of the calendar date `today`
    /// (year, month, day), which bounds the birth date from above.
    pub fn parse(s: &str, today: (i32, u32, u32)) -> Result<IdNumber, IdNumberError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(IdNumberError::Empty);
        }
        let s = s.to_ascii_uppercase();
        if s.chars().count() != 18 {
            return Err(IdNumberError::Length);
        }
        let b = s.as_bytes();
        if b.len() != 18
            || !b[..17].iter().all(u8::is_ascii_digit)
            || !(b[17].is_ascii_digit() || b[17] == b'X')
        {
            return Err(IdNumberError::Format);
        }
        if !PROVINCES.contains(&&s[..2]) {
            return Err(IdNumberError::Region);
        }
        let (y, m, d) = date_of(&s);
        if y < EARLIEST_BIRTH_YEAR || d == 0 || d > days_in_month(y, m) || (y, m, d) > today {
            return Err(IdNumberError::BirthDate);
        }
        if Self::check_char_for(&s[..17]) != Some(char::from(b[17])) {
            return Err(IdNumberError::Check);
        }
        Ok(IdNumber(s))
    }

    /// The check character for 17 ASCII digits, or `None` if `body17` is not that.
    /// Useful for building fixtures.
    pub fn check_char_for(body17: &str) -> Option<char> {
        let b = body17.as_bytes();
        if b.len() != 17 || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let sum: u32 = b
            .iter()
            .zip(WEIGHTS)
            .map(|(&c, w)| u32::from(c - b'0') * w)
            .sum();
        Some(char::from(CHECK_CHARS[(sum % 11) as usize]))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// (year, month, day) encoded at positions 7..=14.
    pub fn birth_date(&self) -> (i32, u32, u32) {
        date_of(&self.0)
    }

    /// The 17th digit is odd for men and even for women.
    pub fn gender(&self) -> Gender {
        if digits(&self.0[16..17]) % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        }
    }
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Identity document kinds accepted at registration. `code()` is the stable value stored
/// in the database and used in forms; the serde representation matches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DocumentType {
    #[serde(rename = "mainland_id")]
    MainlandId,
    #[serde(rename = "hmt_permit")]
    HkMacaoTaiwanPermit,
    #[serde(rename = "passport")]
    ForeignPassport,
}

impl DocumentType {
    pub fn all() -> [DocumentType; 3] {
        [
            DocumentType::MainlandId,
            DocumentType::HkMacaoTaiwanPermit,
            DocumentType::ForeignPassport,
        ]
    }

    pub fn label(self) -> &'static str {
        match self {
            DocumentType::MainlandId => "中国大陆居民身份证",
            DocumentType::HkMacaoTaiwanPermit => "港澳台居民往来内地通行证",
            DocumentType::ForeignPassport => "外籍人员护照",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            DocumentType::MainlandId => "mainland_id",
            DocumentType::HkMacaoTaiwanPermit => "hmt_permit",
            DocumentType::ForeignPassport => "passport",
        }
    }

    pub fn from_code(code: &str) -> Option<DocumentType> {
        Self::all().into_iter().find(|t| t.code() == code)
    }
}

/// Validates and normalises a document number of the given kind. Mainland IDs follow
/// [`IdNumber::parse`]; permits and passports differ too much between issuers to check
/// more than 5–20 characters of `[A-Z0-9]` after trimming and uppercasing.
pub fn parse_document_number(
    kind: DocumentType,
    s: &str,
    today: (i32, u32, u32),
) -> Result<String, String> {
    match kind {
        DocumentType::MainlandId => IdNumber::parse(s, today)
            .map(|id| id.0)
            .map_err(|e| e.to_string()),
        DocumentType::HkMacaoTaiwanPermit | DocumentType::ForeignPassport => {
            let s = s.trim().to_ascii_uppercase();
            if s.is_empty() {
                return Err(IdNumberError::Empty.to_string());
            }
            let ok = (5..=20).contains(&s.len())
                && s.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
            if ok {
                Ok(s)
            } else {
                Err("证件号码格式不正确".to_string())
            }
        }
    }
}

/// As [`parse_document_number`] for a 证件类型 code of the dictionary: the
/// built-in types keep their own checks; a type the 系统管理员 added is a
/// document of another issuer, checked as permits and passports are.
pub fn parse_document_code_number(
    code: &str,
    s: &str,
    today: (i32, u32, u32),
) -> Result<String, String> {
    let kind = DocumentType::from_code(code).unwrap_or(DocumentType::ForeignPassport);
    parse_document_number(kind, s, today)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn an_added_document_type_is_checked_as_a_passport() {
        let today = (2025, 6, 1);
        assert_eq!(
            parse_document_code_number("officer_card", " ab12345 ", today).unwrap(),
            "AB12345"
        );
        assert!(parse_document_code_number("officer_card", "12", today).is_err());
        assert!(parse_document_code_number("mainland_id", "AB12345", today).is_err());
    }

    const TODAY: (i32, u32, u32) = (2025, 6, 1);

    fn with_check(body: &str) -> String {
        format!("{body}{}", IdNumber::check_char_for(body).unwrap())
    }

    #[test]
    fn known_vector() {
        let id = IdNumber::parse("11010519491231002X", TODAY).unwrap();
        assert_eq!(id.birth_date(), (1949, 12, 31));
        assert_eq!(id.gender(), Gender::Female);
        assert_eq!(id.gender().label(), "女");
        // Lowercase x is normalised.
        let id = IdNumber::parse(" 11010519491231002x ", TODAY).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn seed_example_has_wrong_check_digit() {
        // The seed example's check digit should be X per GB 11643; it is rejected as is.
        assert_eq!(
            IdNumber::parse("542322199101060091", TODAY),
            Err(IdNumberError::Check)
        );
        assert_eq!(IdNumber::check_char_for("54232219910106009"), Some('X'));
        let id = IdNumber::parse("54232219910106009X", TODAY).unwrap();
        assert_eq!(id.birth_date(), (1991, 1, 6));
        assert_eq!(id.gender(), Gender::Male);
        assert_eq!(id.gender().label(), "男");
    }

    /// The example of GB 11643 itself: a man born on 1 January 1880.
    #[test]
    fn the_standards_example_born_in_1880_is_valid() {
        let id = IdNumber::parse("440524188001010014", TODAY).unwrap();
        assert_eq!(id.birth_date(), (1880, 1, 1));
        assert_eq!(id.gender(), Gender::Male);
    }

    #[test]
    fn computed_vectors() {
        for body in [
            "44030419800229001", // leap day 1980
            "65010220000229123", // leap day 2000 (divisible by 400)
            "81000018000101000", // earliest allowed year
            "91000020250601002", // born "today"
        ] {
            let s = with_check(body);
            assert!(IdNumber::parse(&s, TODAY).is_ok(), "{s}");
        }
    }

    #[test]
    fn errors() {
        let p = |s: &str| IdNumber::parse(s, TODAY).unwrap_err();
        assert_eq!(p(""), IdNumberError::Empty);
        assert_eq!(p("1101051949123100"), IdNumberError::Length);
        assert_eq!(p("11010519491231002XX"), IdNumberError::Length);
        assert_eq!(p("11010519491231002Y"), IdNumberError::Format);
        assert_eq!(p("1101051949123100X2"), IdNumberError::Format);
        assert_eq!(p("11010519491231００2X"), IdNumberError::Format);
        assert_eq!(p(&with_check("10010519491231002")), IdNumberError::Region);
        assert_eq!(p(&with_check("24010519491231002")), IdNumberError::Region);
        assert_eq!(
            p(&with_check("11010519000229002")),
            IdNumberError::BirthDate
        ); // 1900 not leap
        assert_eq!(
            p(&with_check("11010517991231002")),
            IdNumberError::BirthDate
        );
        assert_eq!(
            p(&with_check("11010518000229002")),
            IdNumberError::BirthDate
        ); // 1800 not leap either
        assert_eq!(
            p(&with_check("11010519491301002")),
            IdNumberError::BirthDate
        );
        assert_eq!(
            p(&with_check("11010519490431002")),
            IdNumberError::BirthDate
        );
        assert_eq!(
            p(&with_check("11010519490100002")),
            IdNumberError::BirthDate
        );
        assert_eq!(
            p(&with_check("11010520250602002")),
            IdNumberError::BirthDate
        ); // future
        assert_eq!(p("110105194912310020"), IdNumberError::Check);
        assert_eq!(
            IdNumberError::Region.to_string(),
            "身份证号码的地区代码不正确"
        );
    }

    #[test]
    fn document_types() {
        for t in DocumentType::all() {
            assert_eq!(DocumentType::from_code(t.code()), Some(t));
        }
        assert_eq!(DocumentType::from_code("other"), None);
        assert_eq!(DocumentType::MainlandId.label(), "中国大陆居民身份证");
        assert_eq!(
            DocumentType::HkMacaoTaiwanPermit.label(),
            "港澳台居民往来内地通行证"
        );
        assert_eq!(DocumentType::ForeignPassport.label(), "外籍人员护照");
    }

    #[test]
    fn document_numbers() {
        let f = |k, s: &str| parse_document_number(k, s, TODAY);
        assert_eq!(
            f(DocumentType::MainlandId, "11010519491231002x"),
            Ok("11010519491231002X".to_string())
        );
        assert_eq!(
            f(DocumentType::MainlandId, "542322199101060091"),
            Err("身份证号码校验位不正确".to_string())
        );
        assert_eq!(
            f(DocumentType::HkMacaoTaiwanPermit, " h12345678 "),
            Ok("H12345678".to_string())
        );
        assert_eq!(
            f(DocumentType::ForeignPassport, "e1234"),
            Ok("E1234".to_string())
        );
        let bad = Err("证件号码格式不正确".to_string());
        assert_eq!(f(DocumentType::ForeignPassport, "E123"), bad);
        assert_eq!(f(DocumentType::ForeignPassport, "E12-345"), bad);
        assert_eq!(f(DocumentType::ForeignPassport, "护照12345"), bad);
        assert_eq!(f(DocumentType::ForeignPassport, &"A".repeat(21)), bad);
        assert_eq!(
            f(DocumentType::HkMacaoTaiwanPermit, "  "),
            Err("请输入证件号码".to_string())
        );
    }
}
