//! Formatting for people, used by the templates (`{{ at|datetime }}`): the
//! app layer hands over numbers, enums and epoch milliseconds, and the
//! words and CST dates a person reads are produced here. A template module
//! brings these in with `use crate::http::filters;`.

use std::borrow::Borrow;

use askama::Values;
use scigrant_domain::admin::audit;
use scigrant_domain::calendar;
use scigrant_domain::dictionary::DictEntry;
use scigrant_domain::grants::application::ApplicationEvent;

/// "2023-04-25 09:30:00" (China Standard Time).
#[askama::filter_fn]
pub fn datetime(ms: impl Borrow<i64>, _: &dyn Values) -> askama::Result<String> {
    Ok(calendar::format_datetime(*ms.borrow()))
}

/// "2023-04-25 09:30" (China Standard Time), for deadlines people read
/// to the minute ("征求意见中（截至 …）").
#[askama::filter_fn]
pub fn minute(ms: impl Borrow<i64>, _: &dyn Values) -> askama::Result<String> {
    let mut s = calendar::format_datetime(*ms.borrow());
    s.truncate(16);
    Ok(s)
}

/// "2023-04-25" (China Standard Time).
#[askama::filter_fn]
pub fn date(ms: impl Borrow<i64>, _: &dyn Values) -> askama::Result<String> {
    Ok(calendar::format_date(*ms.borrow()))
}

/// A file size as people read it: "812KB", "3.2MB", "900B".
#[askama::filter_fn]
pub fn size(bytes: impl Borrow<i64>, _: &dyn Values) -> askama::Result<String> {
    let b = *bytes.borrow();
    Ok(if b >= 1024 * 1024 {
        format!("{:.1}MB", b as f64 / (1024.0 * 1024.0))
    } else if b >= 1024 {
        format!("{}KB", b / 1024)
    } else {
        format!("{b}B")
    })
}

/// An optional time, or "—" when there is none.
#[askama::filter_fn]
pub fn datetime_or_dash(ms: impl Borrow<Option<i64>>, _: &dyn Values) -> askama::Result<String> {
    Ok(ms
        .borrow()
        .map(calendar::format_datetime)
        .unwrap_or_else(|| "—".into()))
}

/// "14:03:09" (China Standard Time), e.g. when a draft was last saved.
#[askama::filter_fn]
pub fn time(ms: impl Borrow<i64>, _: &dyn Values) -> askama::Result<String> {
    Ok(calendar::format_time(*ms.borrow()))
}

/// What a history entry of an application (办理记录) says happened.
#[askama::filter_fn]
pub fn event_label(
    action: impl Borrow<Option<ApplicationEvent>>,
    _: &dyn Values,
) -> askama::Result<&'static str> {
    Ok(match action.borrow() {
        Some(ApplicationEvent::Created) => "创建申报书",
        Some(ApplicationEvent::Submitted) => "提交",
        Some(ApplicationEvent::Recommended) => "单位推荐",
        Some(ApplicationEvent::UnitReturned) => "单位退回修改",
        Some(ApplicationEvent::Accepted) => "形式审查通过",
        Some(ApplicationEvent::StaffReturned) => "形式审查退回",
        Some(ApplicationEvent::Paper) => "纸质材料登记",
        Some(ApplicationEvent::Extension) => "延期",
        Some(ApplicationEvent::Withdrawn) => "申请人撤回",
        Some(ApplicationEvent::HandlerChanged) => "变更项目经办人",
        None => "其他",
    })
}

/// The unit kinds a call admits (申报主体), as one line: "科研院所、企业".
#[askama::filter_fn]
pub fn unit_kinds(kinds: impl Borrow<Vec<DictEntry>>, _: &dyn Values) -> askama::Result<String> {
    Ok(kinds
        .borrow()
        .iter()
        .map(|k| k.label.as_str())
        .collect::<Vec<_>>()
        .join("、"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::filters;
    use askama::Template;

    #[derive(Template)]
    #[template(
        source = "{{ at|time }} {{ known|event_label }} {{ unknown|event_label }} {{ kinds|unit_kinds }}",
        ext = "txt"
    )]
    struct Sample {
        at: i64,
        known: Option<ApplicationEvent>,
        unknown: Option<ApplicationEvent>,
        kinds: Vec<DictEntry>,
    }

    fn entry(code: &str, label: &str) -> DictEntry {
        DictEntry {
            code: code.into(),
            label: label.into(),
            position: 0,
            enabled: true,
        }
    }

    #[test]
    fn words_and_times_for_the_grants_pages() {
        let s = Sample {
            // 2023-04-25 01:02:03 CST.
            at: 1_682_352_000_000 + 3_723_000,
            known: Some(ApplicationEvent::StaffReturned),
            unknown: None,
            kinds: vec![entry("institute", "科研院所"), entry("enterprise", "企业")],
        };
        assert_eq!(
            s.render().unwrap_or_default(),
            "01:02:03 形式审查退回 其他 科研院所、企业"
        );
    }
}

/// The auditor's name for an audit action code (the code itself when the
/// catalogue does not know it).
#[askama::filter_fn]
pub fn action_label(code: impl AsRef<str>, _: &dyn Values) -> askama::Result<String> {
    let code = code.as_ref();
    Ok(audit::action_label(code).unwrap_or(code).to_string())
}

/// 成功, 失败, 通过, 不通过 for an audit outcome code.
#[askama::filter_fn]
pub fn outcome_label(code: impl AsRef<str>, _: &dyn Values) -> askama::Result<String> {
    let code = code.as_ref();
    Ok(audit::outcome_label(code).unwrap_or(code).to_string())
}

/// 单位, 个人用户, 后台账号 … for an audit target kind.
#[askama::filter_fn]
pub fn target_label(kind: impl AsRef<str>, _: &dyn Values) -> askama::Result<String> {
    let kind = kind.as_ref();
    Ok(audit::target_label(kind).unwrap_or(kind).to_string())
}
