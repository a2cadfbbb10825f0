//! Page models for the askama templates in `templates/`. Every page holds
//! a `PageCtx` (site name, consultation phones, CSRF token, who is signed
//! in) that the shared layout renders; response types are separate from
//! database rows.

use askama::Template;
use axum::response::Html;
use scigrant_app::FieldErrors;
use scigrant_domain::identity::account::AccountKind;
use scigrant_domain::permission::{Caller, Decision, decide};

use crate::AppState;
use crate::http::context::Ctx;

/// Renders a template; a template error is a bug, shown as a plain notice.
pub fn render<T: Template>(t: &T) -> Html<String> {
    match t.render() {
        Ok(html) => Html(html),
        Err(e) => {
            tracing::error!(error = %e, "template error");
            Html("<!doctype html><meta charset=utf-8><p>页面生成出错，请稍后重试。</p>".into())
        }
    }
}

/// The signed-in account as the header shows it.
#[derive(Clone, Debug)]
pub struct Nav {
    pub kind: AccountKind,
    pub label: String,
    pub role: String,
    /// The unit the person acts for (代办), shown beside the name.
    pub acting: Option<String>,
}

#[derive(Clone, Debug)]
pub struct PageCtx {
    pub site_name: String,
    pub second_name: String,
    /// The words of the login and registration doors (`account_doors`).
    pub doors: scigrant_domain::identity::doors::Doors,
    /// The font served for the second-language name and its licence, as
    /// the footer names it (empty: no font is served).
    pub second_font_licence: String,
    pub business_phones: String,
    pub tech_phones: String,
    /// The address of this page (path and query).
    pub location: String,
    /// The footer's 主办单位, 网站标识码 and filing numbers (empty: not shown).
    pub sponsor: String,
    pub site_code: String,
    pub icp_filing: String,
    pub police_filing: String,
    /// The digits of the public-security filing number, for its query link.
    pub police_code: String,
    pub csrf: crate::http::context::FormToken,
    pub nav: Option<Nav>,
    pub notice: String,
    /// Unread messages in the signed-in account's 消息中心.
    pub unread_messages: i64,
    /// The server's time when the page was made, for states that depend on
    /// it (a call past its close time shows 已截止).
    pub now: i64,
    caller: Caller,
}

/// The staff console's tabs: (address, label).
/// The unit platform's tabs.
const UNIT_TABS: [(&str, &str); 5] = [
    ("/unit/applications", "项目管理"),
    ("/unit/platform", "专家管理"),
    ("/unit", "用户中心"),
    ("/unit/members", "单位从属用户管理"),
    ("/unit/delegations", "用户授权管理"),
];

/// Which of `hrefs` is the page at `location`: the longest that matches.
/// A tab with a query matches that address exactly; one without matches
/// its path and the pages below it.
fn current_tab(location: &str, hrefs: &[&str]) -> Option<usize> {
    let path = location.split('?').next().unwrap_or(location);
    hrefs
        .iter()
        .enumerate()
        .filter(|(_, href)| {
            if href.contains('?') {
                location == **href
            } else {
                path == **href
                    || path
                        .strip_prefix(**href)
                        .is_some_and(|rest| rest.starts_with('/'))
            }
        })
        .max_by_key(|(_, href)| href.len())
        .map(|(i, _)| i)
}

/// `tabs` with whether each is the current page's.
fn marked(
    location: &str,
    tabs: Vec<(&'static str, &'static str)>,
) -> Vec<(&'static str, &'static str, bool)> {
    let hrefs: Vec<&str> = tabs.iter().map(|(h, _)| *h).collect();
    let on = current_tab(location, &hrefs);
    tabs.into_iter()
        .enumerate()
        .map(|(i, (h, l))| (h, l, Some(i) == on))
        .collect()
}

const STAFF_TABS: [(&str, &str); 14] = [
    ("/staff", "后台首页"),
    ("/staff/units", "单位审核"),
    ("/staff/realname", "实名认证审核"),
    ("/staff/appeals", "申诉审核"),
    ("/staff/programs", "计划管理"),
    ("/staff/experts", "专家管理"),
    ("/staff/content", "内容管理"),
    ("/staff/accounts", "后台账号"),
    ("/staff/dictionaries", "字典管理"),
    ("/staff/security", "安全管理"),
    ("/staff/online", "在线用户"),
    ("/staff/logs", "操作日志"),
    ("/staff/logs?kind=login", "登录日志"),
    ("/staff/outbox", "短信发件箱"),
];

impl PageCtx {
    pub fn new(state: &AppState, ctx: &Ctx) -> PageCtx {
        let cfg = &state.app.config;
        let nav = ctx.session.as_ref().map(|s| Nav {
            kind: s.kind,
            label: s.label.clone(),
            role: match s.caller {
                Caller::Staff { role, .. } => role.label().to_string(),
                _ => s.kind.label().to_string(),
            },
            acting: s.acting.as_ref().map(|on| on.unit_name.clone()),
        });
        PageCtx {
            site_name: cfg.site_name.clone(),
            doors: cfg.doors(),
            second_name: cfg.site_second_name.clone(),
            second_font_licence: state
                .second_font
                .as_ref()
                .map(|f| f.licence.clone())
                .unwrap_or_default(),
            business_phones: cfg.business_phones.join("、"),
            tech_phones: cfg.tech_phones.join("、"),
            location: ctx.location.clone(),
            sponsor: cfg.site_sponsor.clone(),
            site_code: cfg.site_code.clone(),
            icp_filing: cfg.icp_filing.clone(),
            police_filing: cfg.police_filing.clone(),
            police_code: cfg
                .police_filing
                .chars()
                .filter(char::is_ascii_digit)
                .collect(),
            csrf: ctx.csrf.clone(),
            nav,
            notice: String::new(),
            unread_messages: ctx.session.as_ref().map_or(0, |s| s.unread_messages),
            now: state.app.now(),
            caller: ctx.caller(),
        }
    }

    /// The console tabs this staff member may open: each tab's route is
    /// looked up in the route table and decided for the caller, so a role
    /// never sees a tab that leads to 无权访问.
    /// Each with whether it is the current page's (shown underlined, and
    /// `aria-current="page"`).
    pub fn staff_tabs(&self) -> Vec<(&'static str, &'static str, bool)> {
        let allowed = STAFF_TABS
            .into_iter()
            .filter(|(href, _)| {
                let path = href.split('?').next().unwrap_or(href);
                crate::routes::get_permission(path)
                    .is_some_and(|p| decide(p, &self.caller) == Decision::Allow)
            })
            .collect();
        marked(&self.location, allowed)
    }

    /// The unit platform's tabs, each with whether it is the current page's.
    /// A person acting for the unit (代办) sees only the tabs of the
    /// services granted.
    pub fn unit_tabs(&self) -> Vec<(&'static str, &'static str, bool)> {
        let allowed = UNIT_TABS
            .into_iter()
            .filter(|(href, _)| {
                crate::routes::get_permission(href)
                    .is_some_and(|p| decide(p, &self.caller) == Decision::Allow)
            })
            .collect();
        marked(&self.location, allowed)
    }

    /// Where a person acting for a unit does its business: the first unit
    /// tab of the services granted, else (科技项目申报 alone) the person's
    /// own home, where calls are applied to.
    pub fn acting_home(&self) -> &'static str {
        self.unit_tabs()
            .first()
            .map_or("/person", |(href, _, _)| *href)
    }

    pub fn with_notice(mut self, notice: impl Into<String>) -> PageCtx {
        self.notice = notice.into();
        self
    }

    pub fn is_person(&self) -> bool {
        matches!(&self.nav, Some(n) if n.kind == AccountKind::Person)
    }
    pub fn is_unit(&self) -> bool {
        matches!(&self.nav, Some(n) if n.kind == AccountKind::Unit)
    }
    pub fn is_staff(&self) -> bool {
        matches!(&self.nav, Some(n) if n.kind == AccountKind::Staff)
    }
}

/// A refused post from one row of a list page (an objection, a comment,
/// a suggestion): which row, its fields as typed (`T`: two strings by
/// default), and the errors beside them.
#[derive(Clone, Debug)]
pub struct RowRefusal<T = (String, String)> {
    pub id: i64,
    pub typed: T,
    pub errs: Errs,
}

impl<T: Clone> RowRefusal<T> {
    /// The fields as typed, when row `id`'s post was the refused one.
    pub fn typed_for(refusal: &Option<RowRefusal<T>>, id: i64) -> Option<T> {
        refusal
            .as_ref()
            .filter(|r| r.id == id)
            .map(|r| r.typed.clone())
    }
    /// The error beside `field` of row `id`, or empty.
    pub fn err_for(refusal: &Option<RowRefusal<T>>, id: i64, field: &str) -> String {
        refusal
            .as_ref()
            .filter(|r| r.id == id)
            .map(|r| r.errs.msg(field).to_string())
            .unwrap_or_default()
    }
}

/// Field errors as templates read them.
#[derive(Clone, Debug, Default)]
pub struct Errs(pub FieldErrors);

impl Errs {
    pub fn has(&self, field: &str) -> bool {
        self.0.get(field).is_some()
    }
    pub fn msg(&self, field: &str) -> &str {
        self.0.get(field).unwrap_or("")
    }
    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }
    pub fn count(&self) -> usize {
        self.0.0.len()
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub title: &'a str,
    pub message: &'a str,
    pub request_id: &'a str,
}

/// A select option: value, label, selected.
#[derive(Clone, Debug)]
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub fn options(items: &[(&str, &str)], current: &str) -> Vec<Opt> {
    items
        .iter()
        .map(|(v, l)| Opt {
            value: (*v).to_string(),
            label: (*l).to_string(),
            selected: *v == current,
        })
        .collect()
}

/// What a form offers from a dictionary: its enabled entries in order, and
/// `current` marked "（已停用）" when the record holds a retired one.
pub fn dict_options(d: &scigrant_domain::dictionary::Dictionary, current: &str) -> Vec<Opt> {
    d.offered(current)
        .into_iter()
        .map(|o| Opt {
            value: o.code,
            label: o.label,
            selected: o.selected,
        })
        .collect()
}

/// Pagination links for list pages.
#[derive(Clone, Debug)]
pub struct Pager {
    pub summary: String,
    pub page: i64,
    pub pages: i64,
    /// The query string without `page=`, ending in `&` when non-empty.
    pub base: String,
}

impl Pager {
    pub fn new<T>(p: &scigrant_app::Page<T>, base: String) -> Pager {
        Pager {
            summary: p.summary(),
            page: p.page,
            pages: p.pages(),
            base,
        }
    }
    pub fn has_prev(&self) -> bool {
        self.page > 1
    }
    pub fn has_next(&self) -> bool {
        self.page < self.pages
    }
    pub fn prev(&self) -> i64 {
        self.page - 1
    }
    pub fn next(&self) -> i64 {
        self.page + 1
    }
}

/// Percent-encodes a query value.
pub fn qv(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An .xlsx file as a download: `ascii` names it for old clients,
/// `name` (Chinese) for the rest.
pub fn xlsx_download(ascii: &str, name: &str, bytes: Vec<u8>) -> axum::response::Response {
    use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
    use axum::response::IntoResponse;
    (
        [
            (
                CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
                    qv(name)
                ),
            ),
        ],
        bytes,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::current_tab;

    #[test]
    fn the_current_tab_is_the_longest_match() {
        let unit = [
            "/unit/applications",
            "/unit/platform",
            "/unit",
            "/unit/members",
        ];
        assert_eq!(current_tab("/unit", &unit), Some(2));
        assert_eq!(current_tab("/unit/members?page=2", &unit), Some(3));
        assert_eq!(current_tab("/unit/members/7", &unit), Some(3));
        assert_eq!(current_tab("/unit/org-cert", &unit), Some(2));
        assert_eq!(current_tab("/units", &unit), None);
        let staff = ["/staff", "/staff/logs", "/staff/logs?kind=login"];
        assert_eq!(current_tab("/staff/logs", &staff), Some(1));
        assert_eq!(current_tab("/staff/logs?kind=login", &staff), Some(2));
        assert_eq!(current_tab("/staff/logs?page=3", &staff), Some(1));
        assert_eq!(current_tab("/staff/calls/4", &staff), Some(0));
    }
}
