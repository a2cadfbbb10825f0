//! Mail domains as a conflict signal: an institutional domain shared by an
//! expert and an applicant says they may work together; a public
//! provider's says nothing.

/// Public mail providers: a shared domain there says nothing about a shared
/// employer. Subdomains (vip.qq.com, vip.163.com) count as the provider.
pub const PUBLIC_MAIL_DOMAINS: [&str; 36] = [
    "qq.com",
    "foxmail.com",
    "163.com",
    "126.com",
    "yeah.net",
    "188.com",
    "netease.com",
    "sina.com",
    "sina.cn",
    "sina.com.cn",
    "sohu.com",
    "139.com",
    "189.cn",
    "wo.cn",
    "21cn.com",
    "tom.com",
    "263.net",
    "aliyun.com",
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "live.cn",
    "msn.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "yahoo.com",
    "yahoo.com.cn",
    "yahoo.cn",
    "protonmail.com",
    "proton.me",
    "mail.com",
    "aol.com",
    "gmx.com",
];

/// The lower-cased domain of an e-mail address, if it has one.
pub fn email_domain(email: &str) -> Option<String> {
    let (_, domain) = email.trim().rsplit_once('@')?;
    let domain = domain.trim().trim_end_matches('.').to_lowercase();
    (!domain.is_empty()).then_some(domain)
}

/// Whether `domain` (lower-case) belongs to a public mail provider.
pub fn is_public_mail_domain(domain: &str) -> bool {
    PUBLIC_MAIL_DOMAINS.iter().any(|p| {
        domain == *p
            || domain
                .strip_suffix(p)
                .is_some_and(|rest| rest.ends_with('.'))
    })
}
