//! QR code of the verification URL, as an SVG image for typst.

use std::fmt::Write;

use qrcodegen::{QrCode, QrCodeEcc};

use crate::PrintError;

/// Modules of white border around the code (the standard asks for 4).
const QUIET: i32 = 4;

/// Encodes `text` as a QR code and draws it as an SVG: one path with a unit
/// square per dark module, in a `viewBox` that includes the quiet zone.
pub(crate) fn svg(text: &str) -> Result<String, PrintError> {
    let code = QrCode::encode_text(text, QrCodeEcc::Medium)
        .map_err(|_| PrintError::Layout("核验网址过长，无法生成二维码".to_owned()))?;
    let size = code.size();
    let full = size + 2 * QUIET;
    let mut path = String::with_capacity((size * size * 6) as usize);
    for y in 0..size {
        let mut x = 0;
        while x < size {
            if code.get_module(x, y) {
                // Merge horizontal runs of dark modules into one rectangle.
                let start = x;
                while x < size && code.get_module(x, y) {
                    x += 1;
                }
                let _ = write!(
                    path,
                    "M{} {}h{}v1h-{}z",
                    start + QUIET,
                    y + QUIET,
                    x - start,
                    x - start
                );
            } else {
                x += 1;
            }
        }
    }
    Ok(format!(
        concat!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {full} {full}" "#,
            r#"width="{full}" height="{full}" shape-rendering="crispEdges">"#,
            r##"<rect width="{full}" height="{full}" fill="#fff"/>"##,
            r##"<path fill="#000" d="{path}"/></svg>"##
        ),
        full = full,
        path = path
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_has_quiet_zone_and_modules() {
        let svg = svg("https://example.org/verify/KJFWT2023-01-00001").expect("encodes");
        // 44 bytes need version 4 at level M (33 modules), plus the quiet
        // zone on both sides.
        assert!(svg.contains(r#"viewBox="0 0 41 41""#), "{svg}");
        assert!(
            svg.contains("M4 4h7v1h-7z"),
            "finder pattern top row: {svg}"
        );
    }
}
