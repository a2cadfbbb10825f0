//! The call's rules, checked when the unit recommends (推荐): the three
//! ineligibility declarations, one forum or conference per 试点城市 across
//! the calls of one city group, and no person in two of the unit's
//! applications of one program. Each refusal names the rule and the other
//! application.

use scigrant_domain::grants::application::INELIGIBILITY;
use scigrant_domain::grants::form::{FormData, Value};
use scigrant_store::AnyConnection;
use scigrant_store::grants::applications::{self as store, ApplicationRow};
use scigrant_store::grants::calls::CallRow;
use scigrant_store::pii::PiiCipher;

use super::{submitted_data, text_of};
use crate::{AppError, FieldErrors};

/// The people table compared across a unit's applications.
const MEMBERS_KEY: &str = "members";
/// The (name, mobile) fields of the 团长 and the 首席专家.
const NAMED_ROLES: [(&str, &str); 2] = [
    ("leader_name", "leader_mobile"),
    ("chief_expert_name", "chief_expert_mobile"),
];

/// The unit confirmed that none of the ineligibility conditions applies,
/// one checkbox each (`declaration0` …).
pub(super) fn declarations_confirmed(declarations: &[bool]) -> Result<(), AppError> {
    let mut e = FieldErrors::new();
    for (i, text) in INELIGIBILITY.iter().enumerate() {
        if !declarations.get(i).copied().unwrap_or(false) {
            e.add(&format!("declaration{i}"), format!("请确认：{text}"));
        }
    }
    e.into_result()
}

/// 每个试点城市限申报1个产业创新论坛或产学融合会议项目: no other
/// recommended application of the call's city group names the same city.
pub(super) async fn one_per_pilot_city(
    c: &mut AnyConnection,
    call: &CallRow,
    row: &ApplicationRow,
) -> Result<(), AppError> {
    if call.city_group.is_empty() || row.pilot_city.is_empty() {
        return Ok(());
    }
    let others = store::recommended_in_city(c, &call.city_group, &row.pilot_city, row.id).await?;
    match others.first() {
        Some(o) => Err(AppError::Refused(format!(
            "每个试点城市限申报1个产业创新论坛或产学融合会议项目：{}已有申报书 {}（{}）",
            row.pilot_city,
            o.number.as_deref().unwrap_or_default(),
            o.title
        ))),
        None => Ok(()),
    }
}

/// 同一单位申报2个（含）以上项目时，各项目的专家不得重复 (seed 003 四.2):
/// nobody named in the application — its 团长, its 首席专家 or anyone in
/// the people table — appears in another recommended application of the
/// unit in the same program.
pub(super) async fn no_person_twice_in_program(
    c: &mut AnyConnection,
    pii: &PiiCipher,
    call: &CallRow,
    row: &ApplicationRow,
) -> Result<(), AppError> {
    let mine = people(&frozen(pii, row));
    let siblings =
        store::recommended_of_unit_in_program(c, row.unit_id, call.program_id, row.id).await?;
    for o in &siblings {
        let theirs = people(&frozen(pii, o));
        if let Some((name, _)) = mine.iter().find(|p| theirs.contains(p)) {
            return Err(AppError::Refused(format!(
                "同一单位申报2个（含）以上项目时，各项目的专家不得重复：{name}已在申报书 {}（{}）中",
                o.number.as_deref().unwrap_or_default(),
                o.title
            )));
        }
    }
    Ok(())
}

fn frozen(pii: &PiiCipher, row: &ApplicationRow) -> FormData {
    submitted_data(pii, row.id, row.submitted_json.as_deref().unwrap_or("{}"))
}

/// The named people of an application: (name, contact) of the 团长 and the
/// 首席专家 (their mobiles) and of every row of the people table; a person
/// is the same person when both match.
fn people(data: &FormData) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = NAMED_ROLES
        .iter()
        .map(|(name, mobile)| (text_of(data, name), text_of(data, mobile)))
        .filter(|(name, _)| !name.is_empty())
        .collect();
    if let Some(Value::Rows(rows)) = data.get(MEMBERS_KEY) {
        out.extend(rows.iter().filter_map(|r| {
            let cell = |k: &str| r.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
            let name = cell("name");
            (!name.is_empty()).then(|| (name, cell("contact")))
        }));
    }
    out
}
