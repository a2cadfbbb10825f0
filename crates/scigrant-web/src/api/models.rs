//! What the API answers, separate from the app's views: plain JSON with
//! state codes beside their Chinese labels, times in epoch milliseconds
//! (UTC) and amounts in 万元 as decimal strings.

use scigrant_app::Page;
use scigrant_app::grants::applications::{ApplicationItem, Receipt, Verification};
use scigrant_app::grants::calls::CallView;
use scigrant_app::identity::members::MemberRow;
use serde::Serialize;
use utoipa::ToSchema;

/// A call (申报指南) open to the public.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallOut {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub program: String,
    pub task: String,
    /// 拟支持项目数.
    pub quota: i64,
    /// 资助上限 (万元).
    #[schema(example = "50.00")]
    pub cap_wan: String,
    pub opens_at: i64,
    pub closes_at: i64,
    pub paper_deadline: i64,
    /// `published` or `closed`, as shown now.
    #[schema(example = "published")]
    pub state: String,
    pub state_label: String,
    /// Whether it takes applications now, by the server's clock.
    pub open: bool,
    pub form_title: String,
}

impl CallOut {
    pub fn new(c: CallView, now: i64) -> CallOut {
        let state = c.state_at(now);
        CallOut {
            open: c.is_open(now),
            id: c.id.0,
            cap_wan: c.cap.to_string(),
            state: state.code().into(),
            state_label: state.label().into(),
            code: c.code,
            name: c.name,
            program: c.program,
            task: c.task,
            quota: c.quota,
            opens_at: c.opens_at,
            closes_at: c.closes_at,
            paper_deadline: c.paper_deadline,
            form_title: c.form_title,
        }
    }
}

/// A row of an application list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationOut {
    pub id: i64,
    /// 申报编号, empty before the first submission.
    pub number: String,
    pub title: String,
    pub call_code: String,
    pub call_name: String,
    /// `draft`, `submitted`, `returned`, `recommended` or `accepted`.
    #[schema(example = "submitted")]
    pub state: String,
    pub state_label: String,
    pub person_name: String,
    /// The applicant's phone number, masked (173****8887).
    pub person_phone_masked: String,
    pub unit_name: String,
    pub submitted_at: Option<i64>,
    /// 申请经费 (万元) as the form states it, when it is an amount.
    pub budget_requested_wan: Option<String>,
    /// Whether the paper copies arrived.
    pub paper_received: bool,
}

impl From<ApplicationItem> for ApplicationOut {
    fn from(a: ApplicationItem) -> Self {
        ApplicationOut {
            id: a.id.0,
            state: a.state.code().into(),
            state_label: a.state.label().into(),
            number: a.number,
            title: a.title,
            call_code: a.call_code,
            call_name: a.call_name,
            person_name: a.person_name,
            person_phone_masked: a.person_phone_masked,
            unit_name: a.unit_name,
            submitted_at: a.submitted,
            budget_requested_wan: a.budget_requested.map(|m| m.to_string()),
            paper_received: a.paper.is_some(),
        }
    }
}

/// The receipt (回执) of a submission: the same as the page's.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptOut {
    pub application_id: i64,
    pub number: String,
    pub submitted_at: i64,
    /// SM3 digest of the frozen version, printed on the paper copy.
    pub digest: String,
}

impl From<Receipt> for ReceiptOut {
    fn from(r: Receipt) -> Self {
        ReceiptOut {
            application_id: r.application_id.0,
            number: r.number,
            submitted_at: r.submitted_at,
            digest: r.digest,
        }
    }
}

/// A member of a unit (单位从属用户), numbers masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberOut {
    pub person_id: i64,
    pub name: String,
    #[schema(example = "5423**********0091")]
    pub doc_no_masked: String,
    #[schema(example = "173****8887")]
    pub phone_masked: String,
    pub department: String,
    pub title: String,
    /// `pending`, `approved` or `rejected`.
    pub membership: String,
    pub locked: bool,
}

impl From<MemberRow> for MemberOut {
    fn from(m: MemberRow) -> Self {
        MemberOut {
            person_id: m.person_id.0,
            membership: m.membership.code().into(),
            name: m.name,
            doc_no_masked: m.doc_no_masked,
            phone_masked: m.phone_masked,
            department: m.department,
            title: m.title,
            locked: m.locked,
        }
    }
}

/// What /verify says about a paper copy.
#[derive(Debug, Serialize, ToSchema)]
pub struct VerificationOut {
    /// Whether the number and digest are those of a submitted version.
    pub matches: bool,
    pub title: Option<String>,
    pub unit: Option<String>,
    pub submitted_at: Option<i64>,
}

impl From<Verification> for VerificationOut {
    fn from(v: Verification) -> Self {
        match v {
            Verification::Matches {
                title,
                unit,
                submitted,
            } => VerificationOut {
                matches: true,
                title: Some(title),
                unit: Some(unit),
                submitted_at: Some(submitted),
            },
            Verification::NoMatch => VerificationOut {
                matches: false,
                title: None,
                unit: None,
                submitted_at: None,
            },
        }
    }
}

/// Where a list page stands: 1-based `page`, `per_page` rows at most,
/// `total` rows in all.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageInfo {
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
}

fn info<T>(p: &Page<T>) -> PageInfo {
    PageInfo {
        page: p.page,
        per_page: p.per_page,
        total: p.total,
    }
}

macro_rules! list {
    ($name:ident, $item:ty, $doc:literal) => {
        #[doc = $doc]
        #[derive(Debug, Serialize, ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            pub paging: PageInfo,
        }

        impl $name {
            pub fn of<T: Into<$item>>(p: Page<T>) -> $name {
                let paging = info(&p);
                $name {
                    items: p.rows.into_iter().map(Into::into).collect(),
                    paging,
                }
            }
        }
    };
}

list!(
    CallList,
    CallOut,
    "A page of calls, soonest deadline first."
);
list!(ApplicationList, ApplicationOut, "A page of applications.");
list!(MemberList, MemberOut, "A page of a unit's members.");
