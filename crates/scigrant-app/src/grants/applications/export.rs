//! The Excel export of a call's applications with the columns staff chose.

use super::view::of_call;
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
/// data masked). Audit `application.export`.
pub async fn export_call(
    app: &App,
    actor: &Actor,
    call_id: i64,
    columns: &[String],
) -> Result<Vec<u8>, AppError> {
    let items = of_call(app, call_id, "").await?;
    let chosen: Vec<(&str, &str)> = EXPORT_COLUMNS
        .iter()
        .filter(|(k, _)| columns.is_empty() || columns.iter().any(|c| c == k))
        .copied()
        .collect();
    let headers: Vec<&str> = chosen.iter().map(|(_, l)| *l).collect();
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|i| {
            chosen
                .iter()
                .map(|(k, _)| match *k {
                    "number" => i.number.clone(),
                    "call" => format!("{} {}", i.call_code, i.call_name),
                    "title" => i.title.clone(),
                    "unit" => i.unit_name.clone(),
                    "person" => i.person_name.clone(),
                    "phone" => i.person_phone_masked.clone(),
                    "city" => i.pilot_city.clone(),
                    "budget" => i.budget_requested.clone(),
                    "state" => i.state.label().to_string(),
                    _ => i.paper.clone(),
                })
                .collect()
        })
        .collect();
    let bytes = crate::export::xlsx("申报书", &headers, &rows)?;
    let mut tx = app.db.begin().await?;
    audit(
        &mut tx,
        app,
        actor,
        "application.export",
        ("call", Some(call_id)),
        "success",
        &format!("{}条", rows.len()),
    )
    .await?;
    tx.commit().await?;
    Ok(bytes)
}
