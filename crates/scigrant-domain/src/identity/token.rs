//! Personal access tokens (个人访问令牌) of the integration API: the scopes
//! a token may carry, which account kinds may grant which scope, the
//! lifetimes offered, and when a token still works.

use crate::identity::account::AccountKind;

/// What a token lets its holder do, beyond the account's own permission
/// on each route (a token never gives more than its account has).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Read applications: one's own, one's unit's, or a call's (staff).
    ApplicationsRead,
    /// Submit one's own drafts.
    ApplicationsSubmit,
    /// Read the unit's members (numbers masked).
    MembersRead,
    /// Read a call's review results and funding decisions (staff).
    ResultsRead,
}

impl Scope {
    pub const ALL: [Scope; 4] = [
        Scope::ApplicationsRead,
        Scope::ApplicationsSubmit,
        Scope::MembersRead,
        Scope::ResultsRead,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Scope::ApplicationsRead => "applications:read",
            Scope::ApplicationsSubmit => "applications:submit",
            Scope::MembersRead => "members:read",
            Scope::ResultsRead => "results:read",
        }
    }

    pub fn from_code(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.code() == s)
    }

    /// What the token page says the scope allows.
    pub fn label(self) -> &'static str {
        match self {
            Scope::ApplicationsRead => "查询申报书",
            Scope::ApplicationsSubmit => "提交申报书",
            Scope::MembersRead => "查询单位从属用户",
            Scope::ResultsRead => "查询评审结果与立项决定",
        }
    }

    /// Whether an account of `kind` may grant this scope to a token: a
    /// person reads and submits their own applications, a unit reads its
    /// applications and members, staff read the applications of calls and
    /// their review results and funding decisions.
    pub fn grantable_by(self, kind: AccountKind) -> bool {
        matches!(
            (self, kind),
            (Scope::ApplicationsRead, _)
                | (Scope::ApplicationsSubmit, AccountKind::Person)
                | (Scope::MembersRead, AccountKind::Unit)
                | (Scope::ResultsRead, AccountKind::Staff)
        )
    }
}

/// The scopes an account of `kind` may choose from, in display order.
pub fn scopes_for(kind: AccountKind) -> Vec<Scope> {
    Scope::ALL
        .into_iter()
        .filter(|s| s.grantable_by(kind))
        .collect()
}

/// Scopes as stored: codes joined by commas, in a fixed order.
pub fn join_scopes(scopes: &[Scope]) -> String {
    let mut s = scopes.to_vec();
    s.sort();
    s.dedup();
    s.iter().map(|x| x.code()).collect::<Vec<_>>().join(",")
}

/// Stored scopes read back; codes this version does not know are dropped.
pub fn split_scopes(stored: &str) -> Vec<Scope> {
    stored.split(',').filter_map(Scope::from_code).collect()
}

/// The lifetimes a token may be given, in days; none lives past a year.
pub const LIFETIME_DAYS: [i64; 4] = [7, 30, 90, 365];

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The expiry of a token created at `now` for `days`, if `days` is offered.
pub fn expiry(now: i64, days: i64) -> Option<i64> {
    LIFETIME_DAYS.contains(&days).then_some(now + days * DAY_MS)
}

/// Whether a token works at `now`: not revoked, not yet expired (at its
/// expiry instant it no longer works).
pub fn usable(now: i64, expires_at: i64, revoked_at: Option<i64>) -> bool {
    revoked_at.is_none() && now < expires_at
}

#[cfg(test)]
mod tests;
