//! 征求意见 on a draft 申报指南: staff open a period on a published guide
//! article, listing the guide's sections (标题, one per line); visitors (or
//! signed-in users only, as opened) comment on one section at a time; staff
//! mark each comment (采纳, 部分采纳, 未采纳, 已答复) with a reply, and close
//! the consultation with a 处理情况说明 that the portal shows with the
//! counts per state. The phase is computed from the clock and whether it
//! was closed, never stored.

/// The longest comment, in characters.
pub const COMMENT_MAX: usize = 1000;
/// The longest name and unit of a commenter.
pub const NAME_MAX: usize = 30;
pub const UNIT_MAX: usize = 100;
/// The longest reply to a comment.
pub const REPLY_MAX: usize = 1000;
/// The longest 处理情况说明.
pub const EXPLANATION_MAX: usize = 5000;
/// A guide has at most this many sections, each heading at most
/// `SECTION_TITLE_MAX` characters.
pub const SECTIONS_MAX: usize = 30;
pub const SECTION_TITLE_MAX: usize = 60;

/// How staff dealt with a comment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CommentState {
    /// 待处理: as submitted.
    Pending,
    /// 已采纳
    Adopted,
    /// 部分采纳
    PartlyAdopted,
    /// 未采纳
    NotAdopted,
    /// 已答复: a question or remark answered, nothing to adopt.
    Answered,
}

impl CommentState {
    pub const ALL: [CommentState; 5] = [
        CommentState::Pending,
        CommentState::Adopted,
        CommentState::PartlyAdopted,
        CommentState::NotAdopted,
        CommentState::Answered,
    ];
    /// The states staff may set.
    pub const HANDLED: [CommentState; 4] = [
        CommentState::Adopted,
        CommentState::PartlyAdopted,
        CommentState::NotAdopted,
        CommentState::Answered,
    ];
    pub fn code(self) -> &'static str {
        match self {
            CommentState::Pending => "pending",
            CommentState::Adopted => "adopted",
            CommentState::PartlyAdopted => "partly",
            CommentState::NotAdopted => "not_adopted",
            CommentState::Answered => "answered",
        }
    }
    pub fn from_code(s: &str) -> Option<CommentState> {
        CommentState::ALL.into_iter().find(|x| x.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            CommentState::Pending => "待处理",
            CommentState::Adopted => "已采纳",
            CommentState::PartlyAdopted => "部分采纳",
            CommentState::NotAdopted => "未采纳",
            CommentState::Answered => "已答复",
        }
    }
    /// Whether staff must say why: everything but plain adoption.
    pub fn needs_reply(self) -> bool {
        !matches!(self, CommentState::Adopted)
    }
}

/// Where a consultation stands at a moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// 未开始: before its opening time (not shown to visitors).
    Scheduled,
    /// 征求意见中: comments taken, both ends included to the second.
    Open,
    /// 意见处理中: the period is over, staff have not closed it.
    Handling,
    /// 已结束: closed with its 处理情况说明.
    Closed,
}

impl Phase {
    pub fn label(self) -> &'static str {
        match self {
            Phase::Scheduled => "未开始",
            Phase::Open => "征求意见中",
            Phase::Handling => "意见处理中",
            Phase::Closed => "已结束",
        }
    }
}

/// The phase at `now` of a consultation over `[opens_at, closes_at]`.
pub fn phase(opens_at: i64, closes_at: i64, closed: bool, now: i64) -> Phase {
    if closed {
        Phase::Closed
    } else if now < opens_at {
        Phase::Scheduled
    } else if now <= closes_at {
        Phase::Open
    } else {
        Phase::Handling
    }
}

/// A refusal: the field it belongs beside and the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub field: &'static str,
    pub message: String,
}

fn refuse(field: &'static str, message: impl Into<String>) -> Refusal {
    Refusal {
        field,
        message: message.into(),
    }
}

/// The guide's section headings as staff typed them, one per line: blank
/// lines dropped, each trimmed; at least one, at most `SECTIONS_MAX`, none
/// longer than `SECTION_TITLE_MAX`, none twice.
pub fn parse_sections(text: &str) -> Result<Vec<String>, Refusal> {
    let sections: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    if sections.is_empty() {
        return Err(refuse("sections", "请填写指南的章节标题，每行一个"));
    }
    if sections.len() > SECTIONS_MAX {
        return Err(refuse("sections", format!("章节不能超过{SECTIONS_MAX}个")));
    }
    if let Some(long) = sections
        .iter()
        .find(|s| s.chars().count() > SECTION_TITLE_MAX)
    {
        return Err(refuse(
            "sections",
            format!("章节标题“{long}”超过{SECTION_TITLE_MAX}个字"),
        ));
    }
    for (i, s) in sections.iter().enumerate() {
        if sections[..i].contains(s) {
            return Err(refuse("sections", format!("章节标题“{s}”重复")));
        }
    }
    Ok(sections)
}

/// The period: it must end after it opens.
pub fn check_period(opens_at: i64, closes_at: i64) -> Result<(), Refusal> {
    if closes_at <= opens_at {
        return Err(refuse("closes", "截止时间应晚于开始时间"));
    }
    Ok(())
}

/// A comment's text: required, at most `COMMENT_MAX` characters.
pub fn check_body(body: &str) -> Result<(), Refusal> {
    let n = body.trim().chars().count();
    if n == 0 {
        Err(refuse("body", "请填写意见内容"))
    } else if n > COMMENT_MAX {
        Err(refuse(
            "body",
            format!("意见内容不能超过{COMMENT_MAX}字（当前{n}字）"),
        ))
    } else {
        Ok(())
    }
}

/// How many comments are in each state, in `CommentState::ALL`'s order.
pub fn tally(states: impl IntoIterator<Item = CommentState>) -> Vec<(CommentState, i64)> {
    let mut counts: Vec<(CommentState, i64)> = CommentState::ALL.iter().map(|s| (*s, 0)).collect();
    for s in states {
        if let Some(c) = counts.iter_mut().find(|(x, _)| *x == s) {
            c.1 += 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_period_includes_both_ends_to_the_second() {
        let (open, close) = (10_000, 20_000);
        assert_eq!(phase(open, close, false, open - 1000), Phase::Scheduled);
        assert_eq!(phase(open, close, false, open), Phase::Open);
        assert_eq!(phase(open, close, false, close), Phase::Open);
        assert_eq!(phase(open, close, false, close + 1000), Phase::Handling);
        assert_eq!(phase(open, close, true, close - 1000), Phase::Closed);
        assert_eq!(check_period(open, open).unwrap_err().field, "closes");
        assert_eq!(check_period(open, close), Ok(()));
    }

    #[test]
    fn sections_are_one_per_line() {
        assert_eq!(
            parse_sections("一、总体目标\n\n  二、申报方向 \r\n").unwrap(),
            vec!["一、总体目标".to_string(), "二、申报方向".to_string()]
        );
        assert_eq!(
            parse_sections(" \n").unwrap_err().message,
            "请填写指南的章节标题，每行一个"
        );
        assert_eq!(
            parse_sections("一、总体目标\n一、总体目标")
                .unwrap_err()
                .message,
            "章节标题“一、总体目标”重复"
        );
        let long = "长".repeat(SECTION_TITLE_MAX + 1);
        assert!(parse_sections(&long).is_err());
    }

    #[test]
    fn comments_are_required_and_bounded() {
        assert_eq!(check_body("  ").unwrap_err().message, "请填写意见内容");
        assert_eq!(check_body(&"字".repeat(COMMENT_MAX)), Ok(()));
        assert_eq!(
            check_body(&"字".repeat(COMMENT_MAX + 1))
                .unwrap_err()
                .message,
            "意见内容不能超过1000字（当前1001字）"
        );
    }

    #[test]
    fn states_round_trip_and_tally() {
        for s in CommentState::ALL {
            assert_eq!(CommentState::from_code(s.code()), Some(s));
        }
        assert_eq!(CommentState::from_code("pending "), None);
        assert!(!CommentState::Adopted.needs_reply());
        assert!(CommentState::NotAdopted.needs_reply());
        let t = tally([
            CommentState::Adopted,
            CommentState::Adopted,
            CommentState::Answered,
        ]);
        assert_eq!(t[1], (CommentState::Adopted, 2));
        assert_eq!(t[4], (CommentState::Answered, 1));
        assert_eq!(t[0], (CommentState::Pending, 0));
    }
}
