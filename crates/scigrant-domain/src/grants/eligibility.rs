//! 申报主体 as a call states it. Besides the 单位性质 a call admits, the
//! 2023 “科创中国” call names its applicants in words (“中国科协所属全国学会”,
//! “省级科协所属……直属单位（或省级学会）”): the call keeps that text as
//! written, and where it names a closed category, staff keep a list of the
//! eligible organisations (名单). When a call has a list, only a unit on it
//! may apply: matched by 统一社会信用代码 when the entry gives one, else
//! by its full name.

use crate::identity::uscc::Uscc;

/// The 申报主体 text of a call, as written in the notice.
pub const ELIGIBILITY_TEXT_MAX: usize = 500;
/// At most this many organisations on a call's list (there are about 210
/// 全国学会).
pub const ELIGIBLE_UNITS_MAX: usize = 2000;
/// An organisation's name on the list.
pub const ELIGIBLE_NAME_MAX: usize = 100;

/// What is wrong with a call's 申报主体 text (trimmed), if anything: the
/// new-call form and the call's 申报主体 card say the same.
pub fn text_error(text: &str) -> Option<String> {
    (text.trim().chars().count() > ELIGIBILITY_TEXT_MAX)
        .then(|| format!("申报主体说明不能超过{ELIGIBILITY_TEXT_MAX}个字"))
}

/// One organisation on a call's list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EligibleUnit {
    pub name: String,
    pub uscc: Option<Uscc>,
}

/// A unit's full name as compared: no spaces, ASCII parentheses as the
/// full-width ones names are registered with.
fn name_key(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '(' => '（',
            ')' => '）',
            c => c,
        })
        .collect()
}

/// Reads the list as staff type it: one organisation a line, its full name
/// optionally followed by its 统一社会信用代码 after a comma, a tab or
/// spaces. Blank lines are skipped. Every line in error is reported as
/// “第n行：…”, so the whole list can be corrected at once.
pub fn parse_list(text: &str) -> Result<Vec<EligibleUnit>, Vec<String>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let n = i + 1;
        let (name, code) = match line.rfind([',', '，', '\t', ' ', '　']) {
            Some(at) => {
                let (head, tail) = line.split_at(at);
                // Past the separator (one character, of 1 to 3 bytes).
                let tail = tail
                    .char_indices()
                    .nth(1)
                    .map_or("", |(i, _)| &tail[i..])
                    .trim();
                // A last word that looks like a code is one; otherwise the
                // whole line is a name with a space in it.
                if tail.len() == 18 && tail.is_ascii() {
                    (
                        head.trim_end_matches([',', '，', ' ', '\t', '　']).trim(),
                        Some(tail),
                    )
                } else {
                    (line, None)
                }
            }
            None => (line, None),
        };
        if name.is_empty() {
            errors.push(format!("第{n}行：请填写单位名称"));
            continue;
        }
        if name.chars().count() > ELIGIBLE_NAME_MAX {
            errors.push(format!("第{n}行：单位名称不能超过{ELIGIBLE_NAME_MAX}个字"));
            continue;
        }
        let uscc = match code.map(Uscc::parse) {
            Some(Ok(u)) => Some(u),
            Some(Err(e)) => {
                errors.push(format!("第{n}行：{e}"));
                continue;
            }
            None => None,
        };
        out.push(EligibleUnit {
            name: name.to_string(),
            uscc,
        });
    }
    if out.len() > ELIGIBLE_UNITS_MAX {
        errors.push(format!("名单不能超过{ELIGIBLE_UNITS_MAX}个单位"));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The list as staff typed it back (one line each, code after a comma).
pub fn list_text(list: &[EligibleUnit]) -> String {
    list.iter()
        .map(|u| match &u.uscc {
            Some(c) => format!("{}，{}", u.name, c.as_str()),
            None => u.name.clone(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether a unit (its full name and 统一社会信用代码) may apply to a call
/// with `list`; an empty list restricts nobody.
pub fn admits(list: &[EligibleUnit], name: &str, uscc: &str) -> bool {
    list.is_empty()
        || list.iter().any(|u| match &u.uscc {
            Some(code) => code.as_str().eq_ignore_ascii_case(uscc.trim()),
            None => name_key(&u.name) == name_key(name),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(n: u32) -> String {
        Uscc::with_check(&format!("51100000{n:09}"))
            .expect("valid body")
            .as_str()
            .to_string()
    }

    #[test]
    fn reads_names_with_or_without_codes() {
        let c = code(1);
        let text = format!("中国机械工程学会，{c}\n\n  中国电子学会  \n中国 化工学会\t{c}\n");
        let list = parse_list(&text).expect("valid");
        assert_eq!(list.len(), 3);
        assert_eq!(list[0].name, "中国机械工程学会");
        assert_eq!(list[0].uscc.as_ref().map(Uscc::as_str), Some(c.as_str()));
        assert_eq!(list[1].name, "中国电子学会");
        assert_eq!(list[1].uscc, None);
        assert_eq!(list[2].name, "中国 化工学会");
        assert_eq!(
            list_text(&list[..2]),
            format!("中国机械工程学会，{c}\n中国电子学会")
        );
    }

    #[test]
    fn every_wrong_line_is_named() {
        let bad = format!("{}X", &code(2)[..17]);
        let errors = parse_list(&format!("中国电子学会\n中国通信学会，{bad}\n，{}", code(3)))
            .expect_err("two lines wrong");
        assert_eq!(
            errors,
            [
                "第2行：统一社会信用代码校验位不正确，请核对".to_string(),
                "第3行：请填写单位名称".to_string(),
            ]
        );
    }

    #[test]
    fn a_list_admits_by_code_or_by_full_name() {
        let c = code(4);
        let list =
            parse_list(&format!("中国机械工程学会，{c}\n中国自动化学会(CAA)")).expect("valid");
        assert!(admits(&[], "任何单位", ""));
        assert!(admits(&list, "改名后的学会", &c.to_ascii_lowercase()));
        assert!(!admits(&list, "中国机械工程学会", &code(5)));
        assert!(admits(&list, "中国自动化学会（CAA）", &code(6)));
        assert!(!admits(&list, "中国自动化学会江苏分会", &code(6)));
    }
}
