//! The one calendar of the product. Every date a person types (call
//! deadlines, paper deadlines, extensions, paper-copy arrival, log filters,
//! dates inside application forms) is read here, and only real calendar
//! dates pass: "2023-02-29" and "2023-04-31" are refused, never rolled over
//! into March or May. Times are integer milliseconds since the Unix epoch;
//! people see China Standard Time (UTC+8, no daylight saving).

/// (year, month, day).
pub type Ymd = (i32, u32, u32);

pub const DAY_MS: i64 = 86_400_000;
const CST_OFFSET_MS: i64 = 8 * 3600 * 1000;

/// Why a typed date or time was refused; the text is shown beside the field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("请按“年-月-日”填写日期，例如 2023-04-25")]
    Format,
    #[error("日期不存在：{0}（请检查月份和天数）")]
    NoSuchDate(String),
    #[error("时间不正确：{0}（请按“时:分”填写，例如 12:00）")]
    Time(String),
}

fn days_in_month(y: i32, m: u32) -> u32 {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    }
}

/// Reads `YYYY-MM-DD` (surrounding whitespace ignored): ASCII digits, years
/// from 1900 on, and only days the month has.
pub fn parse_ymd(s: &str) -> Result<Ymd, DateError> {
    let t = s.trim();
    let b = t.as_bytes();
    let digit_at = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(DateError::Format);
    }
    if ![0, 1, 2, 3, 5, 6, 8, 9].into_iter().all(digit_at) {
        return Err(DateError::Format);
    }
    let num = |r: std::ops::Range<usize>| {
        b[r].iter()
            .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'))
    };
    let (y, m, d) = (num(0..4) as i32, num(5..7), num(8..10));
    if y >= 1900 && (1..=days_in_month(y, m)).contains(&d) {
        Ok((y, m, d))
    } else {
        Err(DateError::NoSuchDate(t.to_string()))
    }
}

/// `2023-11-30`.
pub fn format_ymd((y, m, d): Ymd) -> String {
    format!("{y:04}-{m:02}-{d:02}")
}

/// The CST date of an instant.
pub fn civil_date(ms: i64) -> Ymd {
    civil_from_days((ms + CST_OFFSET_MS).div_euclid(DAY_MS))
}

// Howard Hinnant's days-to-civil algorithm (public domain description).
fn civil_from_days(z: i64) -> Ymd {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    ((if m <= 2 { y + 1 } else { y }) as i32, m, d)
}

fn days_from_civil((y, m, d): Ymd) -> i64 {
    let y = i64::from(if m <= 2 { y - 1 } else { y });
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Start (00:00 CST) of a day, in epoch milliseconds.
pub fn day_start(ymd: Ymd) -> i64 {
    days_from_civil(ymd) * DAY_MS - CST_OFFSET_MS
}

/// The typed day as the half-open range [00:00, next day's 00:00) CST, as
/// a "from … to …" filter reads it: both ends of the range include the day.
pub fn day_range(s: &str) -> Result<(i64, i64), DateError> {
    let start = day_start(parse_ymd(s)?);
    Ok((start, start + DAY_MS))
}

/// Where on its day a date without a time falls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayPart {
    /// 00:00:00 (opening times, arrival dates).
    Start,
    /// 23:59:59 (deadlines: "申报截止 2023-04-25" means the whole day).
    End,
}

/// Reads "2023-04-25" (at the start or the end of that day) or
/// "2023-04-28 12:00" / "2023-04-28T12:00:30", China Standard Time.
pub fn parse_moment(s: &str, part: DayPart) -> Result<i64, DateError> {
    let s = s.trim().replacen('T', " ", 1);
    let (date, time) = match s.split_once(' ') {
        Some((d, t)) => (d, Some(t.trim())),
        None => (s.as_str(), None),
    };
    let day = day_start(parse_ymd(date)?);
    let Some(t) = time else {
        return Ok(match part {
            DayPart::Start => day,
            DayPart::End => day + DAY_MS - 1000,
        });
    };
    let bad = || DateError::Time(t.to_string());
    let mut parts = t.split(':');
    let mut next = |required: bool| -> Result<i64, DateError> {
        match parts.next() {
            Some(p) if !p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse().map_err(|_| bad())
            }
            None if !required => Ok(0),
            _ => Err(bad()),
        }
    };
    let (h, m, sec) = (next(true)?, next(true)?, next(false)?);
    if parts.next().is_some() || h > 23 || m > 59 || sec > 59 {
        return Err(bad());
    }
    Ok(day + (h * 3600 + m * 60 + sec) * 1000)
}

/// "2025-06-28" in CST.
pub fn format_date(ms: i64) -> String {
    format_ymd(civil_date(ms))
}

/// "14:03:09" in CST.
pub fn format_time(ms: i64) -> String {
    let secs = (ms + CST_OFFSET_MS).div_euclid(1000).rem_euclid(86_400);
    format!(
        "{:02}:{:02}:{:02}",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

/// "2025-06-28 14:03:09" in CST.
pub fn format_datetime(ms: i64) -> String {
    format!("{} {}", format_date(ms), format_time(ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_china_standard_time() {
        // 2023-04-25 00:00 CST is 2023-04-24 16:00 UTC = 1682352000000.
        assert_eq!(day_start((2023, 4, 25)), 1_682_352_000_000);
        assert_eq!(civil_date(1_682_352_000_000), (2023, 4, 25));
        assert_eq!(civil_date(1_682_352_000_000 - 1), (2023, 4, 24));
        assert_eq!(
            format_datetime(1_682_352_000_000 + 3_723_000),
            "2023-04-25 01:02:03"
        );
        assert_eq!(format_datetime(-1000), "1970-01-01 07:59:59");
        assert_eq!(format_time(1_682_352_000_000 + 3_723_000), "01:02:03");
    }

    #[test]
    fn only_real_dates_pass() {
        assert_eq!(parse_ymd("2024-02-29"), Ok((2024, 2, 29)));
        assert_eq!(parse_ymd(" 2000-02-29 "), Ok((2000, 2, 29)));
        for s in [
            "2023-02-29",
            "2023-04-31",
            "2023-02-31",
            "1900-02-29",
            "2023-00-10",
        ] {
            assert_eq!(parse_ymd(s), Err(DateError::NoSuchDate(s.into())), "{s}");
        }
        assert_eq!(
            parse_ymd("2023-13-01").map_err(|e| e.to_string()),
            Err("日期不存在：2023-13-01（请检查月份和天数）".to_string())
        );
        for s in [
            "2023-4-1",
            "23-04-01",
            "2023-04-01T00",
            "２０２３-04-01",
            "",
        ] {
            assert_eq!(parse_ymd(s), Err(DateError::Format), "{s}");
        }
    }

    #[test]
    fn moments_and_ranges() {
        let d = day_start((2023, 4, 28));
        assert_eq!(parse_moment("2023-04-28", DayPart::Start), Ok(d));
        assert_eq!(
            parse_moment("2023-04-28", DayPart::End),
            Ok(d + DAY_MS - 1000)
        );
        assert_eq!(
            parse_moment("2023-04-28 12:00", DayPart::End),
            Ok(d + 12 * 3_600_000)
        );
        assert_eq!(
            parse_moment("2023-04-28T12:00:30", DayPart::Start),
            Ok(d + 12 * 3_600_000 + 30_000)
        );
        assert_eq!(
            parse_moment("2023-02-31 12:00", DayPart::Start),
            Err(DateError::NoSuchDate("2023-02-31".into()))
        );
        for t in ["24:00", "12:60", "12", "1:2:3:4", "ab:00"] {
            assert_eq!(
                parse_moment(&format!("2023-04-28 {t}"), DayPart::Start),
                Err(DateError::Time(t.into())),
                "{t}"
            );
        }
        assert_eq!(day_range("2023-04-28"), Ok((d, d + DAY_MS)));
        assert!(day_range("2023-04-31").is_err());
    }
}
