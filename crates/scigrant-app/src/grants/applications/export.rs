//! The Excel export of a call's applications with the columns staff chose.
//! The file is read by people, so its cells are worded and formatted here,
//! the same words and CST times the pages show.

use scigrant_domain::calendar::format_datetime;
use scigrant_domain::ids::CallId;

use super::view::{ApplicationItem, PaperView, of_call};
use crate::{Actor, App, AppError, audit};

/// Export columns staff may choose, in a stable order.
pub const EXPORT_COLUMNS: [(&str, &str); 10] = [
    ("number", "申报编号"),
    ("call", "项目类别"),
    ("title", "项目名称"),
    ("unit", "申报单位"),
    ("person", "项目负责人"),
    ("phone", "手机"),
    ("city", "试点城市"),
    ("budget", "申请经费（万元）"),
    ("state", "状态"),
    ("paper", "纸质材料"),
];

/// The call's application list as .xlsx with the chosen columns (personal
/// data masked; all columns when none is chosen). Audit
/// `application.export`.
pub async fn export_call(
    app: &App,
    actor: &Actor,
    call_id: CallId,
    columns: &[String],
) -> Result<Vec<u8>, AppError> {
    let items = of_call(app, call_id, None).await?;
    let bytes = crate::export::xlsx_of("申报书", &EXPORT_COLUMNS, columns, &items, cell)?;
    let mut tx = app.db.begin().await?;
    audit(
        &mut tx,
        app,
        actor,
        "application.export",
        ("call", Some(call_id.0)),
        "success",
        &format!("{}条", items.len()),
    )
    .await?;
    tx.commit().await?;
    Ok(bytes)
}

/// The text of column `key` for one application.
fn cell(i: &ApplicationItem, key: &str) -> String {
    match key {
        "number" => i.number.clone(),
        "call" => format!("{} {}", i.call_code, i.call_name),
        "title" => i.title.clone(),
        "unit" => i.unit_name.clone(),
        "person" => i.person_name.clone(),
        "phone" => i.person_phone_masked.clone(),
        "city" => i.pilot_city.clone(),
        "budget" => i
            .budget_requested
            .map(|m| m.to_string())
            .unwrap_or_default(),
        "state" => i.state.label().to_string(),
        _ => paper_text(i.paper.as_ref()),
    }
}

/// "2023-04-28 11:59:00 7份，已盖章（逾期）", or "未收到".
fn paper_text(paper: Option<&PaperView>) -> String {
    let Some(p) = paper else {
        return "未收到".into();
    };
    format!(
        "{} {}份，{}{}",
        format_datetime(p.received),
        p.copies,
        if p.stamped { "已盖章" } else { "未盖章" },
        if p.late { "（逾期）" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_cells_read_as_before() {
        assert_eq!(paper_text(None), "未收到");
        let p = PaperView {
            // 2023-04-28 12:01:00 CST.
            received: 1_682_654_460_000,
            copies: 7,
            stamped: true,
            late: true,
        };
        assert_eq!(
            paper_text(Some(&p)),
            "2023-04-28 12:01:00 7份，已盖章（逾期）"
        );
        let on_time = PaperView {
            stamped: false,
            late: false,
            ..p
        };
        assert_eq!(
            paper_text(Some(&on_time)),
            "2023-04-28 12:01:00 7份，未盖章"
        );
    }
}
