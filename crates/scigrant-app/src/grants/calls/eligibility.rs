//! 申报主体 of a call as its notice words it, and the 申报单位名单 staff
//! keep where those words name a closed category (“中国科协所属全国学会”):
//! with a list, only the units on it may apply, checked when an
//! application is begun and again when it is submitted.

use scigrant_domain::grants::eligibility::{
    EligibleUnit, admits, list_text, parse_list, text_error,
};
use scigrant_domain::identity::uscc::Uscc;
use scigrant_domain::ids::CallId;
use scigrant_store::AnyConnection;
use scigrant_store::grants::calls;

use crate::{Actor, App, AppError, FieldErrors, audit};

/// The 申报主体 form as typed: the notice's words and the list, one
/// organisation a line (“中国机械工程学会，51100000500000001X”).
#[derive(Clone, Debug, Default)]
pub struct EligibilityForm {
    pub text: String,
    pub units: String,
}

impl EligibilityForm {
    /// The form as stored, for editing.
    pub fn of(text: &str, units: &[EligibleUnit]) -> EligibilityForm {
        EligibilityForm {
            text: text.to_string(),
            units: list_text(units),
        }
    }
}

/// A call's 申报单位名单 on `c`, in order (empty: no list).
pub(super) async fn list_on(
    c: &mut AnyConnection,
    call: CallId,
) -> Result<Vec<EligibleUnit>, AppError> {
    Ok(calls::eligible_units(c, call.0)
        .await?
        .into_iter()
        .map(|(name, uscc)| EligibleUnit {
            name,
            uscc: Uscc::parse(&uscc).ok(),
        })
        .collect())
}

/// 保存申报主体: the notice's words and the list (replaced as a whole;
/// empty: no list). Every wrong line of the list is named. Audit
/// `call.eligibility`.
pub async fn set_eligibility(
    app: &App,
    actor: &Actor,
    call: CallId,
    f: &EligibilityForm,
) -> Result<usize, AppError> {
    let mut e = FieldErrors::new();
    let text = f.text.trim();
    if let Some(m) = text_error(text) {
        e.add("eligibility", m);
    }
    let list = match parse_list(&f.units) {
        Ok(list) => list,
        Err(lines) => {
            e.add("units", lines.join("；"));
            Vec::new()
        }
    };
    e.into_result()?;
    let mut tx = app.db.begin().await?;
    if !calls::set_eligibility_text(&mut tx, call.0, text, app.now()).await? {
        return Err(AppError::NotFound);
    }
    let rows: Vec<(&str, &str)> = list
        .iter()
        .map(|u| (u.name.as_str(), u.uscc.as_ref().map_or("", Uscc::as_str)))
        .collect();
    calls::replace_eligible_units(&mut tx, call.0, &rows).await?;
    audit(
        &mut tx,
        app,
        actor,
        "call.eligibility",
        ("call", Some(call.0)),
        "success",
        &format!("申报主体：{text}；申报单位名单{}个", list.len()),
    )
    .await?;
    tx.commit().await?;
    Ok(list.len())
}

/// Refuses a unit that is not on the call's list, when it has one.
pub(crate) async fn check_listed(
    c: &mut AnyConnection,
    call: CallId,
    eligibility_text: &str,
    unit_name: &str,
    unit_uscc: &str,
) -> Result<(), AppError> {
    let list = list_on(c, call).await?;
    if admits(&list, unit_name, unit_uscc) {
        return Ok(());
    }
    let who = if eligibility_text.is_empty() {
        String::new()
    } else {
        format!("本类别的申报主体为：{eligibility_text}。")
    };
    Err(AppError::Refused(format!(
        "{who}您所在单位（{unit_name}）不在本类别的申报单位名单内，不能申报；如有疑问请联系项目管理员"
    )))
}
