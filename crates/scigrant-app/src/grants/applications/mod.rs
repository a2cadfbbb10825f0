//! 项目申报: a member drafts an application through the call's declared
//! form (autosaved, never lost), submits it before the deadline by the
//! server's clock and gets a receipt (回执) with an SM3 digest of the frozen
//! version; the unit recommends (推荐, where the call's rules are enforced)
//! or returns it; staff accept it (形式审查) or return it, record the paper
//! copies and grant audited extensions. `verify` proves a paper copy.
//!
//! One file per job: `view` (what readers see and the lists), `draft`
//! (start, autosave), `submit` (the receipt), `decide` (推荐 / 退回 /
//! 形式审查), `rules` (the call's rules checked at 推荐), `paper` (paper
//! copies, extensions), `export` (Excel) and `verify` (/verify). Callers
//! use the items re-exported here. The views carry numbers, enums and
//! epoch-millisecond times; the web layer words and formats them.

mod decide;
mod draft;
mod events;
mod export;
mod handler;
mod paper;
mod rules;
mod submit;
mod verify;
mod view;

pub use decide::{recommend, staff_decide, staff_decision, unit_decision, unit_return, withdraw};
pub use draft::{save, save_posted, start};
pub use export::{EXPORT_COLUMNS, export_call};
pub use handler::change_handler;
pub use paper::{grant_extension, record_paper};
pub use submit::{Receipt, submit, submit_posted, submit_saved};
pub use verify::{Verification, verify};
pub(crate) use view::load_for_review;
pub use view::{
    ApplicationItem, ApplicationView, EventView, PaperView, Reader, load, of_call, of_person,
    of_unit, reader_for,
};

use scigrant_domain::calendar;
use scigrant_domain::grants::application::ApplicationState;
use scigrant_domain::grants::form::{self, FormData, FormSpec, ValidationContext, Value};
use scigrant_store::grants::applications::ApplicationRow;
use sm3::{Digest, Sm3};

use scigrant_store::pii::{PiiCipher, SealedColumn};

use crate::grants::calls::CallView;
use crate::grants::sealed_form;

/// The key of the field whose value is the project's title.
const TITLE_KEY: &str = "project_name";
/// The field naming the pilot city (意向服务的试点城市).
const CITY_KEY: &str = "pilot_cities";
/// The field stating the requested amount (申请经费, 万元).
const BUDGET_KEY: &str = "budget_requested";

/// The form as the applicant last saved it (`data_json` of row `id`), its
/// sealed phone values opened ([`sealed_form::open`]).
pub(crate) fn draft_data(pii: &PiiCipher, id: i64, data_json: &str) -> FormData {
    sealed_form::open(pii, SealedColumn::APPLICATION_DRAFT.row(id), data_json)
}

/// The frozen version submitted (`submitted_json` of row `id`), opened.
pub(crate) fn submitted_data(pii: &PiiCipher, id: i64, submitted_json: &str) -> FormData {
    sealed_form::open(
        pii,
        SealedColumn::APPLICATION_SUBMITTED.row(id),
        submitted_json,
    )
}

/// The submitted version when there is one, else the draft, opened.
pub(crate) fn latest_data(
    pii: &PiiCipher,
    id: i64,
    data_json: &str,
    submitted_json: Option<&str>,
) -> FormData {
    match submitted_json {
        Some(frozen) => submitted_data(pii, id, frozen),
        None => draft_data(pii, id, data_json),
    }
}

/// The digest printed on the receipt and the paper copy.
pub fn digest_of(spec: &FormSpec, data: &FormData) -> String {
    hex::encode(Sm3::digest(form::digest_input(spec, data).as_bytes()))
}

/// What the form's rules need to know about the call.
fn context_of(call: &CallView) -> ValidationContext {
    ValidationContext {
        category_cap_wan: Some(call.cap),
        period_end: Some(calendar::civil_date(call.period_end)),
    }
}

fn text_of(data: &FormData, key: &str) -> String {
    match data.get(key) {
        Some(Value::Text(t)) => t.trim().to_string(),
        _ => String::new(),
    }
}

/// The stored state; a code this version does not know reads as a draft,
/// which nobody but its author sees.
fn state_of(row: &ApplicationRow) -> ApplicationState {
    ApplicationState::from_code(&row.state).unwrap_or(ApplicationState::Draft)
}

/// Whether staff (the authority) may see the application.
pub(crate) fn authority_sees(row: &ApplicationRow) -> bool {
    ApplicationState::from_code(&row.state).is_some_and(|st| {
        scigrant_domain::permission::authority_sees_application(st, row.submitted_at.is_some())
    })
}
