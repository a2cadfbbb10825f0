//! 用户授权管理 (代办): a unit (法人) authorises a named, real-name
//! verified natural person to act for it on named services until an end
//! date. The person then switches to acting for the unit; every request
//! reads the authorisation afresh, so a revocation or an end date takes
//! effect on the next request, even in an open session.

use crate::calendar::{DAY_MS, DateError, civil_date, day_start, parse_ymd};
use crate::identity::account::UnitState;

/// A service a unit may let a person do for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    /// 科技项目申报: apply to calls in the unit's name.
    Apply,
    /// 单位从属用户管理: decide on and lock the unit's members.
    Members,
    /// 项目管理: recommend or return the unit's applications.
    Projects,
}

impl Service {
    pub const ALL: [Service; 3] = [Service::Apply, Service::Members, Service::Projects];

    pub fn code(self) -> &'static str {
        match self {
            Service::Apply => "apply",
            Service::Members => "members",
            Service::Projects => "projects",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Service::Apply => "科技项目申报",
            Service::Members => "单位从属用户管理",
            Service::Projects => "项目管理",
        }
    }

    pub fn from_code(s: &str) -> Option<Service> {
        Service::ALL.into_iter().find(|v| v.code() == s)
    }

    fn bit(self) -> u8 {
        match self {
            Service::Apply => 1,
            Service::Members => 2,
            Service::Projects => 4,
        }
    }
}

/// The services of one authorisation (a small set).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Services(u8);

impl Services {
    pub fn of(list: &[Service]) -> Services {
        Services(list.iter().fold(0, |acc, s| acc | s.bit()))
    }

    pub fn has(self, s: Service) -> bool {
        self.0 & s.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn list(self) -> Vec<Service> {
        Service::ALL.into_iter().filter(|s| self.has(*s)).collect()
    }

    /// Stored form: codes joined by commas (`apply,projects`).
    pub fn codes(self) -> String {
        let codes: Vec<&str> = self.list().into_iter().map(Service::code).collect();
        codes.join(",")
    }

    /// Reads the stored form; unknown codes are ignored.
    pub fn from_codes(s: &str) -> Services {
        let list: Vec<Service> = s.split(',').filter_map(Service::from_code).collect();
        Services::of(&list)
    }

    /// 科技项目申报、项目管理.
    pub fn labels(self) -> String {
        let labels: Vec<&str> = self.list().into_iter().map(Service::label).collect();
        labels.join("、")
    }
}

/// What a person acting for a unit may do, as the permission check sees
/// it: the unit's registration state and the services granted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Acting {
    pub unit_state: UnitState,
    pub services: Services,
}

/// Where an authorisation stands at a moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    Active,
    Expired,
    Revoked,
}

impl Standing {
    pub fn at(now: i64, ends_at: i64, revoked_at: Option<i64>) -> Standing {
        match revoked_at {
            Some(_) => Standing::Revoked,
            None if now >= ends_at => Standing::Expired,
            None => Standing::Active,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Standing::Active => "有效",
            Standing::Expired => "已过期",
            Standing::Revoked => "已撤销",
        }
    }
}

/// The longest authorisation a unit may give at once: three years.
pub const LONGEST_DAYS: i64 = 3 * 366;

/// Why a 授权截止日期 is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EndDateError {
    Date(DateError),
    Past,
    TooFar,
}

impl EndDateError {
    pub fn message(&self) -> String {
        match self {
            EndDateError::Date(e) => e.to_string(),
            EndDateError::Past => "授权截止日期不能早于今天".into(),
            EndDateError::TooFar => "授权期限最长三年".into(),
        }
    }
}

/// The typed 授权截止日期 (YYYY-MM-DD, the whole day included) as the
/// instant the authorisation ends: the next day's 00:00 CST. Today is the
/// earliest end date, three years ahead the latest.
pub fn end_of(typed: &str, now: i64) -> Result<i64, EndDateError> {
    let day = parse_ymd(typed).map_err(EndDateError::Date)?;
    let ends_at = day_start(day) + DAY_MS;
    let today_ends = day_start(civil_date(now)) + DAY_MS;
    if ends_at < today_ends {
        return Err(EndDateError::Past);
    }
    if ends_at > longest_end(now) {
        return Err(EndDateError::TooFar);
    }
    Ok(ends_at)
}

/// The latest end an authorisation given at `now` may have: the end of
/// the day three years ahead (the end an automatic authorisation gets).
pub fn longest_end(now: i64) -> i64 {
    day_start(civil_date(now)) + DAY_MS + LONGEST_DAYS * DAY_MS
}

/// The 授权截止日期 an end instant shows as (its last whole day).
pub fn end_date(ends_at: i64) -> String {
    crate::calendar::format_ymd(civil_date(ends_at - 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::format_ymd;

    const NOW: i64 = 1_764_655_200_000; // 2025-12-02 14:00 CST

    #[test]
    fn services_round_trip_through_their_codes() {
        let s = Services::of(&[Service::Projects, Service::Apply]);
        assert_eq!(s.codes(), "apply,projects");
        assert_eq!(Services::from_codes("apply,projects,bogus"), s);
        assert_eq!(s.labels(), "科技项目申报、项目管理");
        assert!(s.has(Service::Apply) && !s.has(Service::Members));
        assert!(Services::from_codes("").is_empty());
    }

    #[test]
    fn an_end_date_includes_its_whole_day() {
        let today = format_ymd(civil_date(NOW));
        assert_eq!(today, "2025-12-02");
        let ends = end_of("2025-12-02", NOW).unwrap();
        assert_eq!(ends, day_start((2025, 12, 3)));
        assert_eq!(end_date(ends), "2025-12-02");
        assert_eq!(Standing::at(ends - 1, ends, None), Standing::Active);
        assert_eq!(Standing::at(ends, ends, None), Standing::Expired);
        assert_eq!(Standing::at(NOW, ends, Some(NOW)), Standing::Revoked);
    }

    #[test]
    fn an_end_date_is_today_at_the_earliest_and_three_years_out_at_most() {
        assert_eq!(end_of("2025-12-01", NOW), Err(EndDateError::Past));
        assert!(end_of("2028-12-02", NOW).is_ok());
        let longest = longest_end(NOW);
        assert_eq!(end_of(&end_date(longest), NOW), Ok(longest));
        assert_eq!(
            end_of(&end_date(longest + DAY_MS), NOW),
            Err(EndDateError::TooFar)
        );
        assert_eq!(end_of("2029-12-31", NOW), Err(EndDateError::TooFar));
        assert!(matches!(
            end_of("2025-13-01", NOW),
            Err(EndDateError::Date(_))
        ));
    }
}
