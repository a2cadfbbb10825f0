//! An article of the portal: its section, its states and who may move it
//! between them. Visibility is computed from the clock (`publish_at`), never
//! stored, so a scheduled article appears without anything having to run.

/// The portal's sections (栏目). 立项公示 and 专家公示 are the evaluation's
/// notices (`/gongshi`), linked from the menus rather than kept twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Section {
    /// 通知公告
    Notices,
    /// 申报指南
    Guides,
    /// 常见问答
    Faq,
    /// 文件法规
    Regulations,
    /// 资料下载
    Downloads,
    /// 使用说明
    Manuals,
}

impl Section {
    pub const ALL: [Section; 6] = [
        Section::Notices,
        Section::Guides,
        Section::Faq,
        Section::Regulations,
        Section::Downloads,
        Section::Manuals,
    ];
    /// The four tabs of the home page, in the seed's order.
    pub const TABS: [Section; 4] = [
        Section::Notices,
        Section::Guides,
        Section::Faq,
        Section::Regulations,
    ];
    /// The stored code, also the path segment (`/notices/tzgg`).
    pub fn code(self) -> &'static str {
        match self {
            Section::Notices => "tzgg",
            Section::Guides => "sbzn",
            Section::Faq => "cjwd",
            Section::Regulations => "wjfg",
            Section::Downloads => "zlxz",
            Section::Manuals => "sysm",
        }
    }
    pub fn from_code(s: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|x| x.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Section::Notices => "通知公告",
            Section::Guides => "申报指南",
            Section::Faq => "常见问答",
            Section::Regulations => "文件法规",
            Section::Downloads => "资料下载",
            Section::Manuals => "使用说明",
        }
    }
}

/// Where an article stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArticleState {
    /// 草稿: the editor is writing it.
    Draft,
    /// 待审核: submitted, waiting for a 内容审核.
    Pending,
    /// 已退回: the reviewer sent it back with a reason.
    Returned,
    /// 已发布: approved; public from `publish_at` on.
    Published,
    /// 已撤回: taken off the portal; the editor may revise and resubmit.
    Withdrawn,
}

impl ArticleState {
    pub const ALL: [ArticleState; 5] = [
        ArticleState::Draft,
        ArticleState::Pending,
        ArticleState::Returned,
        ArticleState::Published,
        ArticleState::Withdrawn,
    ];
    pub fn code(self) -> &'static str {
        match self {
            ArticleState::Draft => "draft",
            ArticleState::Pending => "pending",
            ArticleState::Returned => "returned",
            ArticleState::Published => "published",
            ArticleState::Withdrawn => "withdrawn",
        }
    }
    pub fn from_code(s: &str) -> Option<ArticleState> {
        ArticleState::ALL.into_iter().find(|x| x.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            ArticleState::Draft => "草稿",
            ArticleState::Pending => "待审核",
            ArticleState::Returned => "已退回",
            ArticleState::Published => "已发布",
            ArticleState::Withdrawn => "已撤回",
        }
    }
    /// The editor may change the text (a save keeps a new version).
    pub fn editable(self) -> bool {
        matches!(
            self,
            ArticleState::Draft | ArticleState::Returned | ArticleState::Withdrawn
        )
    }
}

/// What someone does to an article.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArticleAction {
    /// 提交审核 (editor).
    Submit,
    /// 审核通过 (reviewer): published, visible from its time.
    Approve,
    /// 退回 (reviewer), with a reason.
    Return,
    /// 撤回 (reviewer): off the portal at once.
    Withdraw,
}

impl ArticleAction {
    /// The state the action leads to from `from`, or `None` when it does
    /// not apply there.
    pub fn apply(self, from: ArticleState) -> Option<ArticleState> {
        use ArticleState::*;
        match (self, from) {
            (ArticleAction::Submit, Draft | Returned | Withdrawn) => Some(Pending),
            (ArticleAction::Approve, Pending) => Some(Published),
            (ArticleAction::Return, Pending) => Some(Returned),
            (ArticleAction::Withdraw, Published) => Some(Withdrawn),
            _ => None,
        }
    }
    /// The refusal when it does not apply.
    pub fn refusal(self) -> &'static str {
        match self {
            ArticleAction::Submit => "只有草稿、已退回或已撤回的文章可以提交审核",
            ArticleAction::Approve | ArticleAction::Return => "只有待审核的文章可以审核",
            ArticleAction::Withdraw => "只有已发布的文章可以撤回",
        }
    }
}

/// Nobody approves their own article: the reviewer must be someone other
/// than the staff member who last saved its text.
pub fn may_review(reviewer: i64, last_editor: i64) -> bool {
    reviewer != last_editor
}

/// Whether visitors see the article at `now`.
pub fn is_public(state: ArticleState, publish_at: i64, now: i64) -> bool {
    state == ArticleState::Published && publish_at <= now
}

/// Limits of the article form.
pub const TITLE_MAX: usize = 100;
pub const PUBLISHER_MAX: usize = 50;
pub const BODY_MAX: usize = 50_000;
/// One attachment may be at most 50 MB, and an article holds at most 10.
pub const ATTACHMENT_MAX: u64 = 50 * 1024 * 1024;
pub const ATTACHMENTS_PER_ARTICLE: usize = 10;

/// The kinds an attachment may be: PDF, Word/Excel/WPS (OLE2), and
/// DOCX/XLSX/ZIP.
pub const ATTACHMENT_KINDS: [crate::upload::FileKind; 3] = [
    crate::upload::FileKind::Pdf,
    crate::upload::FileKind::Ole2,
    crate::upload::FileKind::Zip,
];

#[cfg(test)]
mod tests;
