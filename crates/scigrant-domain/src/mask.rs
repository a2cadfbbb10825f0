//! Display masking of personal data (证件号码, 手机号码, 姓名) for lists, logs and exports,
//! so pages show enough to recognise a record without exposing the full value. All
//! functions count characters, not bytes, so Chinese names and full-width input are safe.

/// Keeps `head` and `tail` characters and replaces each character between with '*'.
fn keep_ends(chars: &[char], head: usize, tail: usize) -> String {
    let n = chars.len();
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| if i < head || i >= n - tail { c } else { '*' })
        .collect()
}

/// Short values cannot keep both ends without revealing everything, so: 0 chars → "",
/// 1 → "*", 2 → first + "*", otherwise first and last kept.
fn mask_short(chars: &[char]) -> String {
    match chars.len() {
        0 => String::new(),
        1 => "*".to_string(),
        2 => keep_ends(chars, 1, 0),
        _ => keep_ends(chars, 1, 1),
    }
}

/// "542322199101060091" → "5423**********0091": first 4 and last 4 kept when the value
/// has at least 9 characters; shorter values keep only the first and last character.
pub fn mask_id(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() >= 9 {
        keep_ends(&chars, 4, 4)
    } else {
        mask_short(&chars)
    }
}

/// "17312348887" → "173****8887": first 3 and last 4 kept when at least one character
/// remains to hide (≥ 8 characters); shorter values keep only the first and last.
pub fn mask_phone(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() >= 8 {
        keep_ends(&chars, 3, 4)
    } else {
        mask_short(&chars)
    }
}

/// "张三" → "张*", "欧阳娜娜" → "欧***": the first character (usually the surname) is
/// kept. A one-character name is fully masked.
pub fn mask_name(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".to_string(),
        _ => keep_ends(&chars, 1, 0),
    }
}

/// "zhang.san@example.cn" → "z********@example.cn": the first character of the
/// local part and the whole domain are kept; a value without '@' is masked as a name.
pub fn mask_email(s: &str) -> String {
    match s.split_once('@') {
        Some((local, domain)) => {
            let chars: Vec<char> = local.chars().collect();
            let local = match chars.len() {
                0 => String::new(),
                1 => "*".to_string(),
                _ => keep_ends(&chars, 1, 0),
            };
            format!("{local}@{domain}")
        }
        None => mask_name(s),
    }
}

/// The labels after which a message carries a secret: the one-time codes
/// of recovery and appeals, a new staff member's 激活码 and an approved
/// appeal's 一次性密码.
const SECRET_LABELS: [&str; 3] = ["验证码：", "激活码：", "一次性密码："];

/// A message as staff may read it in the 短信发件箱: every secret after
/// one of [`SECRET_LABELS`] becomes `******` (always six, so not even its
/// length shows), up to the next punctuation. Staff answer "no code
/// arrived" from the rest; the secret reaches only its recipient.
pub fn mask_secrets(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some((at, label)) = SECRET_LABELS
        .iter()
        .filter_map(|l| rest.find(l).map(|i| (i, *l)))
        .min_by_key(|(i, _)| *i)
    {
        out.push_str(&rest[..at + label.len()]);
        rest = &rest[at + label.len()..];
        let end = rest
            .find(|c: char| c.is_whitespace() || "，,。；;）)".contains(c))
            .unwrap_or(rest.len());
        if end > 0 {
            out.push_str("******");
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert_eq!(mask_id("542322199101060091"), "5423**********0091");
        assert_eq!(mask_id("11010519491231002X"), "1101**********002X");
        assert_eq!(mask_id("H12345678"), "H123*5678");
        assert_eq!(mask_id("E123456"), "E*****6");
        assert_eq!(mask_id("AB"), "A*");
        assert_eq!(mask_id("A"), "*");
        assert_eq!(mask_id(""), "");
    }

    #[test]
    fn phones() {
        assert_eq!(mask_phone("17312348887"), "173****8887");
        assert_eq!(mask_phone("12345678"), "123*5678");
        assert_eq!(mask_phone("1234567"), "1*****7");
        assert_eq!(mask_phone(""), "");
    }

    #[test]
    fn emails() {
        assert_eq!(mask_email("zhang.san@example.cn"), "z********@example.cn");
        assert_eq!(mask_email("a@b.cn"), "*@b.cn");
        assert_eq!(mask_email("noat"), "n***");
    }

    #[test]
    fn names() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("扎西顿珠"), "扎***");
        assert_eq!(mask_name("次仁·多吉"), "次****");
        assert_eq!(mask_name("Tenzin"), "T*****");
        assert_eq!(mask_name("李"), "*");
        assert_eq!(mask_name(""), "");
    }

    #[test]
    fn secrets_are_hidden_from_staff_and_the_rest_kept() {
        assert_eq!(
            mask_secrets("【科技厅】您正在重置登录密码，验证码：493027，5分钟内有效。"),
            "【科技厅】您正在重置登录密码，验证码：******，5分钟内有效。"
        );
        assert_eq!(
            mask_secrets(
                "（申诉编号：SS000000000001）已审核通过，一次性密码：aB3dE5fG7hJ9，请尽快登录"
            ),
            "（申诉编号：SS000000000001）已审核通过，一次性密码：******，请尽快登录"
        );
        assert_eq!(
            mask_secrets("激活码：Q7K2M9PX，72小时内有效。激活码：X"),
            "激活码：******，72小时内有效。激活码：******"
        );
        assert_eq!(
            mask_secrets("您的实名认证状态：已审核认证。"),
            "您的实名认证状态：已审核认证。"
        );
    }
}
