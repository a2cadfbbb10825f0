//! 火炬中心业务办理平台用户转移: accounts of a predecessor system brought
//! into this one (`scigrant import accounts FILE`, [`import`]) and the
//! public （个人/企业）账号检索 that tells a returning user which of the
//! seed's cases applies, which login name to use and at which login tab
//! ([`lookup`]).
//!
//! The seed's cases, as this deployment decides them (docs/operations.md
//! has the same table for operators):
//!
//! | lookup | case | when | login |
//! |---|---|---|---|
//! | unit, not imported | 第一种 | no unit here has the 统一社会信用代码 | register a unit |
//! | unit, not imported | 第二种 | a unit here has it | the unit's own login |
//! | unit | 第一种 | imported as a new unit | USCC, legacy password, unit tab |
//! | unit | 第二种 | the USCC was registered here and the row brings no password | USCC, own password or 忘记密码 |
//! | unit | 第三种 | the USCC was registered here and the row brings a password | HJ_ + USCC, legacy password |
//! | unit | 第四种 | the predecessor's unit login (a USCC) was a person's account | USCC, person tab; authorised by the unit after 实名认证 ([`authorise`]) |
//! | person, not imported | — | | register a person |
//! | person | 第一种 | imported as a new person | 手机号, legacy password |
//! | person | 第二种 | the phone (or ID number with it) is registered here, no password to keep | 手机号, own password or 忘记密码 |
//! | person | 第三种 | the phone is registered here and the row brings a password | HJ- + 手机号, legacy password |
//! | person | 第四种 | the row's 证件号码 belongs to a person here under another phone | 自然人申诉找回密码 |

pub mod authorise;
pub mod import;
pub mod lookup;

/// What 账号检索 looks an account up by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// 统一社会信用代码: 火炬中心企业账号转移.
    Unit,
    /// 手机号: 火炬中心个人账号转移.
    Person,
}

impl Lookup {
    pub fn code(self) -> &'static str {
        match self {
            Lookup::Unit => "unit",
            Lookup::Person => "person",
        }
    }
    pub fn from_code(s: &str) -> Option<Lookup> {
        match s {
            "unit" => Some(Lookup::Unit),
            "person" => Some(Lookup::Person),
            _ => None,
        }
    }
}

/// The seed's 第一种 … 第四种 of an imported account (per [`Lookup`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Case {
    First = 1,
    Second = 2,
    Third = 3,
    Fourth = 4,
}

impl Case {
    pub const ALL: [Case; 4] = [Case::First, Case::Second, Case::Third, Case::Fourth];
    pub fn number(self) -> i64 {
        self as i64
    }
    pub fn from_number(n: i64) -> Option<Case> {
        Case::ALL.into_iter().find(|c| c.number() == n)
    }
}

/// The prefix of a unit's login name when its 统一社会信用代码 is taken.
pub const UNIT_PREFIX: &str = "HJ_";
/// The prefix of a person's login name when the phone is taken.
pub const PERSON_PREFIX: &str = "HJ-";

/// The blind index an imported account is recorded and looked up under:
/// the 统一社会信用代码 or the phone number, never stored plain.
pub(crate) fn legacy_key(app: &crate::App, lookup: Lookup, value: &str) -> String {
    app.pii
        .index("legacy", &format!("{}|{value}", lookup.code()))
}
