//! 电子邮箱: a deliberately simple syntactic check of e-mail addresses (not full RFC 5322;
//! the real proof of an address is the confirmation mail). The domain is lowercased so
//! the same mailbox is not registered twice under different capitalisation.

use std::fmt;

/// A syntactically valid address: `local@domain`, domain lowercased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailError {
    Empty,
    Format,
}

impl fmt::Display for EmailError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EmailError::Empty => "请输入电子邮箱",
            EmailError::Format => "电子邮箱格式不正确",
        })
    }
}

impl std::error::Error for EmailError {}

fn valid_label(l: &str) -> bool {
    !l.is_empty()
        && !l.starts_with('-')
        && !l.ends_with('-')
        && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl Email {
    pub fn parse(s: &str) -> Result<Email, EmailError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(EmailError::Empty);
        }
        if s.chars().count() > 254 {
            return Err(EmailError::Format);
        }
        let Some((local, domain)) = s.split_once('@') else {
            return Err(EmailError::Format);
        };
        // Control characters are refused too: they could smuggle headers into mail.
        let local_ok = !local.is_empty()
            && local.chars().count() <= 64
            && !local.chars().any(|c| c.is_whitespace() || c.is_control());
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| valid_label(l))
            && labels
                .last()
                .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()));
        // `domain` containing another '@' fails the label check, so "exactly one @" holds.
        if local_ok && domain_ok {
            Ok(Email(format!("{local}@{}", domain.to_ascii_lowercase())))
        } else {
            Err(EmailError::Format)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn accepts_and_normalises() {
        assert_eq!(
            Email::parse("  Zhang.San@Example.COM ").unwrap().as_str(),
            "Zhang.San@example.com"
        );
        for s in [
            "a@b.cn",
            "first.last+tag@sub.domain-name.gov.cn",
            "user_1@xz-kjt.org",
            "张三@example.com",
        ] {
            assert!(Email::parse(s).is_ok(), "{s}");
        }
        let local = "a".repeat(64);
        assert!(Email::parse(&format!("{local}@example.com")).is_ok());
    }

    #[test]
    fn rejects() {
        assert_eq!(Email::parse(" "), Err(EmailError::Empty));
        let long_local = "a".repeat(65);
        let long_total = format!("a@{}.com", "b".repeat(250));
        for s in [
            "plainaddress",
            "@example.com",
            "a@@example.com",
            "a@b@example.com",
            "a b@example.com",
            "a\n@example.com",
            "a@example",
            "a@example.c",
            "a@example.c0m",
            "a@.example.com",
            "a@example..com",
            "a@-example.com",
            "a@example-.com",
            "a@exa_mple.com",
            "a@例子.中国",
            long_local.as_str(),
            &format!("{long_local}@example.com"),
            &long_total,
        ] {
            assert_eq!(Email::parse(s), Err(EmailError::Format), "{s}");
        }
        assert_eq!(EmailError::Empty.to_string(), "请输入电子邮箱");
    }
}
