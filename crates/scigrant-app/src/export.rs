//! Excel (.xlsx) export of lists: one sheet, a bold header, the rows as
//! shown on screen (personal data already masked by the caller).

use rust_xlsxwriter::{Format, Workbook};

use crate::AppError;

/// The columns a list offers for export, in their stable order: (key,
/// header).
pub type Columns = &'static [(&'static str, &'static str)];

/// A workbook of `items` in the columns the user `picked` (all when none),
/// always in the list's own order, `cell` giving each cell's text as the
/// screen shows it (personal data masked by the caller).
pub fn xlsx_of<T>(
    sheet: &str,
    all: Columns,
    picked: &[String],
    items: &[T],
    cell: impl Fn(&T, &str) -> String,
) -> Result<Vec<u8>, AppError> {
    let chosen: Vec<(&str, &str)> = all
        .iter()
        .filter(|(k, _)| picked.is_empty() || picked.iter().any(|c| c == k))
        .copied()
        .collect();
    let headers: Vec<&str> = chosen.iter().map(|(_, l)| *l).collect();
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|i| chosen.iter().map(|(k, _)| cell(i, k)).collect())
        .collect();
    xlsx(sheet, &headers, &rows)
}

pub fn xlsx(sheet: &str, headers: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, AppError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let x = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.to_string());
    ws.set_name(sheet).map_err(x)?;
    let bold = Format::new().set_bold();
    for (col, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, col as u16, *h, &bold)
            .map_err(x)?;
        ws.set_column_width(col as u16, 18).map_err(x)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (col, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, col as u16, v).map_err(x)?;
        }
    }
    wb.save_to_buffer().map_err(x)
}
