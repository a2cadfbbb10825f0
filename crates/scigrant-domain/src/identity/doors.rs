//! The front doors of the unified identity system: the same accounts
//! (units, persons, their roles) are entered through the words a
//! deployment's users already know. A provincial platform like Tibet's
//! says 个人用户登录 / 企业用户登录; the MOST 政务服务平台 says 自然人登录 /
//! 法人登录 with 自然人注册 / 单位用户（法人）注册. One deployment setting
//! (`account_doors`) chooses; login and registration behave the same.

/// Which words the login and registration pages use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Doors {
    /// 个人用户 / 企业用户 (the Tibet platform, seed 000).
    #[default]
    Province,
    /// 自然人 / 法人 (科学技术部政务服务平台, seed 004).
    Most,
    /// 供应商注册 with 普通用户 (xm + 手机号) and 单位管理员 (中国科协智慧计财
    /// 服务平台, seed 003 附件6).
    Cast,
}

impl Doors {
    pub const ALL: [Doors; 3] = [Doors::Province, Doors::Most, Doors::Cast];

    pub fn code(self) -> &'static str {
        match self {
            Doors::Province => "province",
            Doors::Most => "most",
            Doors::Cast => "cast",
        }
    }
    pub fn from_code(s: &str) -> Option<Doors> {
        Doors::ALL.into_iter().find(|d| d.code() == s)
    }
    /// The person tab of the login page.
    pub fn person_login(self) -> &'static str {
        match self {
            Doors::Province => "个人用户登录",
            Doors::Most => "自然人登录",
            Doors::Cast => "普通用户登录",
        }
    }
    /// The unit tab of the login page.
    pub fn unit_login(self) -> &'static str {
        match self {
            Doors::Province => "企业用户登录",
            Doors::Most => "法人登录",
            Doors::Cast => "单位管理员登录",
        }
    }
    pub fn person_register(self) -> &'static str {
        match self {
            Doors::Province => "注册个人账号",
            Doors::Most => "自然人注册",
            Doors::Cast => "注册为普通用户",
        }
    }
    pub fn unit_register(self) -> &'static str {
        match self {
            Doors::Province => "注册企业账号",
            Doors::Most => "单位用户（法人）注册",
            Doors::Cast => "注册为单位管理员",
        }
    }
    /// What the login name field asks for on each tab.
    pub fn person_login_hint(self) -> &'static str {
        match self {
            Doors::Province => "请输入证件号码或手机号码",
            Doors::Most => "请输入登录名",
            Doors::Cast => "请输入用户名（xm加手机号，如xm13712345678）",
        }
    }
    pub fn unit_login_hint(self) -> &'static str {
        match self {
            Doors::Province => "请输入单位的统一社会信用代码或联系人手机",
            Doors::Most => "请输入登录名",
            Doors::Cast => "请输入统一社会信用代码或联系人手机",
        }
    }
    /// Where registration starts: 供应商注册 (its search decides between
    /// 普通用户 and 单位管理员) at CAST, the two forms elsewhere.
    pub fn supplier(self) -> bool {
        self == Doors::Cast
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_the_default_is_the_province() {
        for d in Doors::ALL {
            assert_eq!(Doors::from_code(d.code()), Some(d));
        }
        assert_eq!(Doors::from_code("cast"), Some(Doors::Cast));
        assert_eq!(Doors::from_code("tibet"), None);
        assert_eq!(Doors::default(), Doors::Province);
        assert_eq!(Doors::Most.unit_login(), "法人登录");
    }
}
