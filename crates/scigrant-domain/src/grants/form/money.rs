//! Amounts of money as the application forms state them: 万元 with at most two decimals
//! (i.e. to the nearest 100 元). Stored as an integer count of hundredths of 万元 so sums
//! and comparisons are exact; floating point would make "55.00 ≤ 55" depend on rounding.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The one message for every malformed amount, as the forms ask for it.
pub const MONEY_ERROR: &str = "请输入金额（万元，最多两位小数）";

/// More integer digits than this are refused: no project is worth 10¹² 万元, and the bound
/// keeps every parsed amount (and sums of many of them) far from `i64` overflow.
const MAX_INTEGER_DIGITS: usize = 12;

/// An amount in hundredths of 万元 (`Money::parse("12.5")` holds 1250).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

/// Why a string is not an amount; displays as [`MONEY_ERROR`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MoneyError;

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MONEY_ERROR)
    }
}

impl std::error::Error for MoneyError {}

impl Money {
    pub const ZERO: Money = Money(0);

    /// From hundredths of 万元.
    pub const fn from_cents(cents: i64) -> Money {
        Money(cents)
    }

    /// Whole 万元; `None` on overflow.
    pub fn from_wan(wan: i64) -> Option<Money> {
        wan.checked_mul(100).map(Money)
    }

    /// Hundredths of 万元.
    pub const fn cents(self) -> i64 {
        self.0
    }

    /// Sums saturate instead of overflowing: a form may hold any number of rows, and a
    /// saturated total still fails every equality and cap check it takes part in.
    pub fn saturating_add(self, other: Money) -> Money {
        Money(self.0.saturating_add(other.0))
    }

    /// Accepts `55`, `12.5`, `0.01` (surrounding whitespace ignored). Refuses signs,
    /// exponents, separators, full-width digits, a bare or trailing point, and more than
    /// two decimals: users should see the amount they typed, not a silently rounded one.
    pub fn parse(s: &str) -> Result<Money, MoneyError> {
        let s = s.trim();
        let (int, frac) = match s.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (s, None),
        };
        let digits_only = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if int.is_empty() || int.len() > MAX_INTEGER_DIGITS || !digits_only(int) {
            return Err(MoneyError);
        }
        let frac = frac.unwrap_or("");
        if !digits_only(frac) || frac.len() > 2 || (s.ends_with('.') && frac.is_empty()) {
            return Err(MoneyError);
        }
        let value = |p: &str| {
            p.bytes()
                .fold(0i64, |acc, b| acc * 10 + i64::from(b - b'0'))
        };
        let cents = match frac.len() {
            0 => 0,
            1 => value(frac) * 10,
            _ => value(frac),
        };
        Ok(Money(value(int) * 100 + cents))
    }
}

impl fmt::Display for Money {
    /// Always two decimals (`55.00`), as amounts are printed on the forms.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// Serialised as its display string so JSON never carries a float.
impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Money, D::Error> {
        let s = String::deserialize(d)?;
        Money::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parses_and_displays() {
        for (s, cents, shown) in [
            ("55", 5500, "55.00"),
            ("12.5", 1250, "12.50"),
            ("0.01", 1, "0.01"),
            (" 0 ", 0, "0.00"),
            ("007.10", 710, "7.10"),
            ("999999999999.99", 99_999_999_999_999, "999999999999.99"),
        ] {
            let m = Money::parse(s).unwrap();
            assert_eq!(m.cents(), cents, "{s}");
            assert_eq!(m.to_string(), shown, "{s}");
        }
        assert_eq!(Money::from_cents(-150).to_string(), "-1.50");
        assert_eq!(
            Money::from_cents(i64::MIN).to_string(),
            "-92233720368547758.08"
        );
        assert_eq!(Money::from_wan(55), Some(Money::from_cents(5500)));
        assert_eq!(Money::from_wan(i64::MAX), None);
    }

    #[test]
    fn refuses() {
        for s in [
            "",
            " ",
            "12.345",
            "-1",
            "+1",
            "1e3",
            "1,000",
            "１２",
            ".5",
            "5.",
            "1.2.3",
            "abc",
            "55万元",
            "0x10",
            "1 000",
            "1000000000000",
        ] {
            assert_eq!(Money::parse(s), Err(MoneyError), "{s:?}");
        }
        assert_eq!(MoneyError.to_string(), "请输入金额（万元，最多两位小数）");
    }

    #[test]
    fn saturates_and_orders() {
        let max = Money::from_cents(i64::MAX);
        assert_eq!(max.saturating_add(Money::from_cents(1)), max);
        assert!(Money::parse("55.00").unwrap() <= Money::parse("55").unwrap());
        assert!(Money::parse("55.01").unwrap() > Money::parse("55").unwrap());
    }

    #[test]
    fn serde_as_string() {
        let m = Money::parse("12.5").unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"12.50\"");
        assert_eq!(serde_json::from_str::<Money>("\"12.50\"").unwrap(), m);
        assert!(serde_json::from_str::<Money>("12.5").is_err());
        assert!(serde_json::from_str::<Money>("\"1.234\"").is_err());
    }
}
