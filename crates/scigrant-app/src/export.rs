//! Excel (.xlsx) export of lists: one sheet, a bold header, the rows as
//! shown on screen (personal data already masked by the caller).

use rust_xlsxwriter::{Format, Workbook};

use crate::AppError;

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
