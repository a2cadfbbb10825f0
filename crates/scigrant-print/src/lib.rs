//! Print-ready A4 PDFs of submitted applications.
//!
//! [`render_pdf`] lays out a [`Document`] (cover, sections, signature page and
//! a verification receipt with a QR code) with typst and returns the PDF
//! bytes. It is pure and synchronous (a few hundred milliseconds of CPU for a
//! few pages): call it from `spawn_blocking` in async code.
//!
//! User text never reaches typst as markup: the document is handed to the
//! template as a JSON data file and inserted as plain strings, so `#`, `*`,
//! `$`, `[`, `]`, `\` and the like print literally.
//!
//! Fonts come from the system ([`Fonts::discover`]); typst's embedded fonts
//! are not used and nothing is downloaded.

mod fonts;
mod qr;
mod world;

use serde_json::{Value, json};
use typst::diag::SourceDiagnostic;
use typst::foundations::Smart;
use typst_layout::PagedDocument;
use typst_pdf::PdfOptions;

pub use fonts::Fonts;

/// The typst template; it reads `/data.json` and `/qr.svg`.
const TEMPLATE: &str = include_str!("template.typ");

/// A submitted application, ready for printing.
#[derive(Debug, Clone, Default)]
pub struct Document {
    /// The title, e.g. "2023年“科创中国”科技服务团示范项目申报书".
    pub title: String,
    /// The cover's label/value list, in order, e.g. 项目编号, 项目类别,
    /// 项目子类, 项目名称, 申报单位, 联系人, 手机, 电子信箱, 申报日期. The
    /// entry labelled 项目编号 is printed at the top of the cover, the others
    /// as a list with underlined values.
    pub cover: Vec<(String, String)>,
    /// The lines at the foot of the cover, e.g. "中国科协科学技术创新部制表"
    /// over "2023年4月".
    pub issuer: Vec<String>,
    /// 填报说明, each item a numbered paragraph on a page of its own after
    /// the cover (none: no such page).
    pub instructions: Vec<String>,
    /// The numbered sections, titles included ("一、项目申报单位基本情况").
    pub sections: Vec<Section>,
    /// The signature section that follows the last section (numbered after
    /// it: "十、项目申报单位意见" after nine sections).
    pub signatures: Vec<SignatureBlock>,
    /// Printed on every page's footer (number and digest) and in full, with
    /// a QR code, at the end of the document.
    pub receipt: Receipt,
}

/// One section of the application form.
#[derive(Debug, Clone, Default)]
pub struct Section {
    pub title: String,
    pub blocks: Vec<Block>,
}

/// The content of a section.
#[derive(Debug, Clone)]
pub enum Block {
    /// Running text, with an optional bold label before it ("单位简介：…").
    /// Line breaks (`\n`) in `text` start new paragraphs.
    Paragraph { label: Option<String>, text: String },
    /// Key/value pairs, printed as a bordered grid with two pairs a row
    /// (long values take a whole row).
    Fields(Vec<(String, String)>),
    /// A data table; the header row repeats on every page it spans.
    /// `total` is printed as a bold last row, never alone on a page (the
    /// last data row goes over with it); when it has fewer cells than
    /// there are columns, its first cell spans the difference (a "合计"
    /// label over 编号 and 支出内容明细, say).
    Table {
        columns: Vec<String>,
        rows: Vec<Vec<String>>,
        total: Option<Vec<String>>,
    },
}

/// A signature line in the signature section.
#[derive(Debug, Clone, Default)]
pub struct SignatureBlock {
    /// The label as printed, e.g. "团长（签名）" or
    /// "联合申报单位负责人（签名）（如没有可不填）".
    pub signer: String,
    /// Whether a "单位公章" box is printed beside it.
    pub seal: bool,
}

/// Proof of submission, printed on the document.
#[derive(Debug, Clone, Default)]
pub struct Receipt {
    /// The application number (申报编号).
    pub number: String,
    /// When it was submitted, as text (提交时间).
    pub submitted_at: String,
    /// The SM3 digest of the submitted version, in hex.
    pub digest: String,
    /// Where the printed copy can be checked; encoded in the QR code.
    pub verify_url: String,
}

/// Why a PDF could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// No font on the machine covers Chinese text.
    #[error("未找到中文字体，请安装 Debian 软件包 fonts-noto-cjk 或 fonts-wqy-microhei")]
    NoCjkFont,
    /// A font file named in [`Fonts::from_paths`] could not be used.
    #[error("无法读取字体文件 {path}：{source}")]
    FontFile {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    /// Typst rejected the document (a bug in the template, or data that
    /// cannot be laid out such as a verification URL too long for a QR code).
    #[error("排版失败：{0}")]
    Layout(String),
    /// The PDF export failed.
    #[error("PDF 导出失败：{0}")]
    Export(String),
}

/// Renders `doc` as an A4 PDF.
///
/// Pure and synchronous; safe to call from many threads at once with one
/// shared [`Fonts`]. The output is deterministic for a given document and
/// font set (no creation date is written).
pub fn render_pdf(doc: &Document, fonts: &Fonts) -> Result<Vec<u8>, PrintError> {
    let data = serde_json::to_vec(&template_data(doc, fonts))
        .map_err(|e| PrintError::Layout(e.to_string()))?;
    let qr = qr::svg(&doc.receipt.verify_url)?;
    let world = world::PrintWorld::new(&fonts.inner, TEMPLATE, data, qr);

    let result = typst::compile::<PagedDocument>(&world).output;
    // Keep typst's memoization cache from growing without bound in a
    // long-running process: drop what the last few renders did not use.
    typst::comemo::evict(10);
    let document = result.map_err(|errors| PrintError::Layout(messages(&errors)))?;

    let options = PdfOptions {
        ident: Smart::Custom(format!("scigrant:{}", doc.receipt.number)),
        creator: Smart::Custom(Some("SciGrant".to_owned())),
        ..PdfOptions::default()
    };
    typst_pdf::pdf(&document, &options).map_err(|errors| PrintError::Export(messages(&errors)))
}

fn messages(errors: &[SourceDiagnostic]) -> String {
    errors
        .iter()
        .map(|e| {
            let mut line = e.message.to_string();
            for hint in &e.hints {
                line.push('（');
                line.push_str(&hint.v);
                line.push('）');
            }
            line
        })
        .collect::<Vec<_>>()
        .join("；")
}

/// Builds the JSON the template reads. All layout decisions that depend on
/// the data (which cover entry is the number, how fields pair up, column
/// widths and alignment) are made here.
fn template_data(doc: &Document, fonts: &Fonts) -> Value {
    let is_number = |label: &str| normalize_label(label) == "项目编号";
    let number = doc.cover.iter().find(|(label, _)| is_number(label));
    let cover: Vec<Value> = doc
        .cover
        .iter()
        .filter(|(label, _)| !is_number(label))
        .map(|(label, value)| json!({ "label": normalize_label(label), "value": value }))
        .collect();
    let sections: Vec<Value> = doc
        .sections
        .iter()
        .map(|s| json!({ "title": s.title, "blocks": s.blocks.iter().map(block_data).collect::<Vec<_>>() }))
        .collect();
    let signatures: Vec<Value> = doc
        .signatures
        .iter()
        .map(|s| json!({ "signer": s.signer, "seal": s.seal }))
        .collect();
    let inner = &fonts.inner;
    json!({
        "title": doc.title,
        "title_lines": title_lines(&doc.title),
        "number": number.map(|(label, value)| json!({ "label": normalize_label(label), "value": value })),
        "cover": cover,
        "issuer": doc.issuer,
        "instructions": doc.instructions,
        "sections": sections,
        "signature_title": format!("{}、项目申报单位意见", chinese_numeral(doc.sections.len() + 1)),
        "signatures": signatures,
        "receipt": {
            "number": doc.receipt.number,
            "submitted_at": doc.receipt.submitted_at,
            "digest": doc.receipt.digest,
            "verify_url": doc.receipt.verify_url,
        },
        "fonts": {
            "body": inner.body,
            "heading": inner.heading,
            "body_bold": inner.body_bold,
            "heading_bold": inner.heading_bold,
        },
    })
}

/// The cover title in lines: a long title ending in 申报书 (or 申请书, …)
/// keeps that word on a line of its own, as the printed forms do.
fn title_lines(title: &str) -> Vec<&str> {
    const ENDINGS: [&str; 4] = ["申报书", "申请书", "任务书", "计划书"];
    for ending in ENDINGS {
        if let Some(head) = title.strip_suffix(ending)
            && title.chars().count() > 16
            && !head.trim().is_empty()
        {
            return vec![head.trim_end(), ending];
        }
    }
    vec![title]
}

/// A cover label without spacing and the trailing colon: "联 系 人：" →
/// "联系人" (the template spreads it to the common width itself).
fn normalize_label(label: &str) -> String {
    label
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '：' | ':'))
        .collect()
}

fn block_data(block: &Block) -> Value {
    match block {
        Block::Paragraph { label, text } => {
            let paras: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .collect();
            json!({ "kind": "paragraph", "label": label, "paras": paras })
        }
        Block::Fields(pairs) => json!({ "kind": "fields", "rows": field_rows(pairs) }),
        Block::Table {
            columns,
            rows,
            total,
        } => table_data(columns, rows, total.as_deref()),
    }
}

/// A value this wide (in half-width units, a Chinese character counts 2)
/// gets a whole row of the field grid.
const WIDE_VALUE: usize = 20;
/// A key this wide does too (it wraps in its quarter of the width).
const WIDE_KEY: usize = 16;

/// Pairs up key/value fields: two short ones a row, a long one alone.
fn field_rows(pairs: &[(String, String)]) -> Vec<Vec<[&str; 2]>> {
    let wide = |(k, v): &(String, String)| {
        display_width(v) > WIDE_VALUE || display_width(k) > WIDE_KEY || v.contains('\n')
    };
    let mut rows: Vec<Vec<[&str; 2]>> = Vec::new();
    let mut pending: Option<&(String, String)> = None;
    for pair in pairs {
        if wide(pair) {
            if let Some(p) = pending.take() {
                rows.push(vec![[&p.0, &p.1]]);
            }
            rows.push(vec![[&pair.0, &pair.1]]);
        } else if let Some(p) = pending.take() {
            rows.push(vec![[&p.0, &p.1], [&pair.0, &pair.1]]);
        } else {
            pending = Some(pair);
        }
    }
    if let Some(p) = pending {
        rows.push(vec![[&p.0, &p.1]]);
    }
    rows
}

fn table_data(columns: &[String], rows: &[Vec<String>], total: Option<&[String]>) -> Value {
    let n = rows
        .iter()
        .map(Vec::len)
        .chain([columns.len()])
        .max()
        .unwrap_or(0)
        .max(1);
    let pad = |cells: &[String]| -> Vec<String> {
        let mut cells = cells.to_vec();
        cells.resize(n, String::new());
        cells
    };
    let header = pad(columns);
    let body: Vec<Vec<String>> = rows.iter().map(|r| pad(r)).collect();

    // Column widths: short columns (序号, 金额) size to their content,
    // the others share the rest in proportion to their longest cell.
    // Numeric columns are right-aligned.
    let mut widths = Vec::with_capacity(n);
    let mut align = Vec::with_capacity(n);
    for col in 0..n {
        let longest = header
            .iter()
            .skip(col)
            .take(1)
            .chain(body.iter().map(|r| &r[col]))
            .chain(total.and_then(|t| t.get(col)))
            .flat_map(|cell| cell.lines().map(display_width))
            .max()
            .unwrap_or(0);
        // The constant favours the narrower of the shared columns, so that
        // a short label column does not wrap beside a long text column.
        widths.push(if longest <= 16 {
            0
        } else {
            longest.min(60) + 8
        });
        let filled: Vec<&str> = body
            .iter()
            .map(|r| r[col].trim())
            .filter(|c| !c.is_empty())
            .collect();
        align.push(
            if filled.is_empty() || !filled.iter().all(|c| is_number(c)) {
                "left"
            } else if filled
                .iter()
                .all(|c| c.len() <= 3 && c.bytes().all(|b| b.is_ascii_digit()))
            {
                // Serial numbers (序号, 编号).
                "center"
            } else {
                "right"
            },
        );
    }
    if widths.iter().all(|w| *w == 0) {
        // Only short columns: let them share the full width anyway.
        for (col, w) in widths.iter_mut().enumerate() {
            *w = header[col].chars().count().max(2);
        }
    }

    let total = total.map(|t| {
        let t: Vec<&String> = t.iter().take(n).collect();
        let span = n + 1 - t.len().max(1);
        json!({ "span": span, "cells": t })
    });
    json!({
        "kind": "table",
        "columns": header,
        "rows": body,
        "total": total,
        "widths": widths,
        "align": align,
    })
}

/// Width in half-width units: CJK characters count 2.
fn display_width(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

fn is_number(cell: &str) -> bool {
    cell.chars().any(|c| c.is_ascii_digit())
        && cell
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '+' | '%'))
}

/// 1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九.
fn chinese_numeral(n: usize) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n].to_owned(),
        10..=19 => format!("十{}", if n == 10 { "" } else { DIGITS[n - 10] }),
        20..=99 => format!(
            "{}十{}",
            DIGITS[n / 10],
            if n.is_multiple_of(10) {
                ""
            } else {
                DIGITS[n % 10]
            }
        ),
        _ => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numerals() {
        let got: Vec<String> = [1, 9, 10, 11, 20, 21, 99, 100]
            .map(chinese_numeral)
            .to_vec();
        assert_eq!(
            got,
            ["一", "九", "十", "十一", "二十", "二十一", "九十九", "100"]
        );
    }

    #[test]
    fn labels_lose_spacing_and_colon() {
        assert_eq!(normalize_label("联 系 人："), "联系人");
        assert_eq!(normalize_label("手    机:"), "手机");
    }

    #[test]
    fn fields_pair_short_values_and_give_long_ones_a_row() {
        let f = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        let pairs = [
            f("姓名", "张三"),
            f("手机", "13800000000"),
            f(
                "工作单位及职务",
                "中国科学技术协会学会服务中心科技服务处副处长",
            ),
            f("电子邮箱", "a@b.cn"),
            f(
                "通讯地址",
                "北京市西城区白纸坊街道2号经济日报社业务综合楼A座805室",
            ),
            f("单位电话", "010-1"),
        ];
        let rows = field_rows(&pairs);
        let shape: Vec<usize> = rows.iter().map(Vec::len).collect();
        assert_eq!(shape, [2, 1, 1, 1, 1]);
        assert_eq!(rows[3][0][0], "通讯地址");
    }

    #[test]
    fn tables_pad_rows_size_columns_and_span_the_total_label() {
        let s = |v: &[&str]| v.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>();
        let data = table_data(
            &s(&["编号", "支出内容明细", "金额", "测算依据"]),
            &[
                s(&[
                    "1",
                    "专家咨询费",
                    "12.50",
                    "20人次×2500元/人次，按国家财政经费管理规定执行",
                ]),
                s(&["2"]),
            ],
            Some(&s(&["合计", "12.50", ""])),
        );
        assert_eq!(data["rows"][1].as_array().map(Vec::len), Some(4));
        assert_eq!(data["align"], json!(["center", "left", "right", "left"]));
        assert_eq!(data["widths"][0], 0);
        assert!(data["widths"][3].as_u64().unwrap_or(0) > 16);
        assert_eq!(data["total"]["span"], 2);
    }
}
