//! The paper copy: a submitted application turned into the print model of
//! `scigrant-print` (cover as in 附件4/5, every section, tables with 合计,
//! the signature and seal blocks of section 十, and the receipt with its
//! QR code) and rendered off the async runtime.

use std::sync::{Arc, OnceLock};

use scigrant_app::grants::applications::ApplicationView;
use scigrant_print::{
    Block, Document, Fonts, PrintError, Receipt, Section, SignatureBlock, render_pdf,
};

use crate::formview::{FieldView, FormView, ItemView, TableView, view};

/// Fonts are found once, at the first export, and shared.
#[derive(Default)]
pub struct Printer {
    fonts: OnceLock<Result<Fonts, String>>,
}

impl Printer {
    fn fonts(&self) -> Result<Fonts, String> {
        self.fonts
            .get_or_init(|| Fonts::discover().map_err(|e| e.to_string()))
            .clone()
    }

    /// The PDF of `a`, or a Chinese message saying what is missing.
    pub async fn pdf(
        self: &Arc<Self>,
        a: &ApplicationView,
        verify_url: String,
    ) -> Result<Vec<u8>, String> {
        let doc = document(a, verify_url);
        let me = self.clone();
        tokio::task::spawn_blocking(move || {
            let fonts = me.fonts()?;
            render_pdf(&doc, &fonts).map_err(|e: PrintError| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())?
    }
}

fn signatures(code: &str) -> Vec<SignatureBlock> {
    let s = |signer: &str, seal: bool| SignatureBlock {
        signer: signer.into(),
        seal,
    };
    if code.ends_with("fj4") {
        vec![
            s("团长（签名）", false),
            s("单位负责人（签名）", true),
            s("联合申报单位负责人（签名）（如没有可不填）", true),
        ]
    } else {
        vec![
            s("项目负责人（签名）", false),
            s("单位负责人（签名）", true),
            s("企业负责人（签名）（如没有可不填）", true),
            s("联合申报单位负责人（签名）（如没有可不填）", true),
        ]
    }
}

fn flush(fields: &mut Vec<(String, String)>, blocks: &mut Vec<Block>) {
    if !fields.is_empty() {
        blocks.push(Block::Fields(std::mem::take(fields)));
    }
}

/// The print model of a submitted application.
pub fn document(a: &ApplicationView, verify_url: String) -> Document {
    let form = view(&a.spec, &a.data, &[], "", &a.call.code);
    let cover = form
        .cover
        .iter()
        .map(|f: &FieldView| (f.label.clone(), f.value.clone()))
        .collect();
    let sections = sections(&form);
    Document {
        title: form.title.clone(),
        cover,
        issuer: a.spec.issued_by.clone(),
        instructions: a.spec.instructions.clone(),
        sections,
        signatures: signatures(&a.spec.code),
        receipt: Receipt {
            number: a.number.clone(),
            submitted_at: a
                .submitted_at
                .map(scigrant_domain::calendar::format_datetime)
                .unwrap_or_default(),
            digest: a.digest.clone(),
            verify_url,
        },
    }
}

/// A free-standing amount reads "30.00 万元", as 九、项目经费预算 writes
/// it ("申请项目经费 … 万元"); an empty one stays empty.
fn with_unit(amount: &str) -> String {
    if amount.is_empty() {
        String::new()
    } else {
        format!("{amount} 万元")
    }
}

/// The caption over a table, with its unit when the form states one beside
/// it ("经费支出预算表　单位：万元"); other notes are filling instructions
/// and stay off the paper.
fn caption(t: &TableView) -> String {
    if t.note.starts_with("单位：") {
        format!("{}（{}）", t.label, t.note)
    } else {
        t.label.clone()
    }
}

/// A date as the paper form writes it, “2023年5月1日”; anything else as typed.
fn written_date(value: &str) -> String {
    match scigrant_domain::calendar::parse_ymd(value) {
        Ok((y, m, d)) => format!("{y}年{m}月{d}日"),
        Err(_) => value.to_string(),
    }
}

/// One row's printed cells: joined columns (时间进度) become one cell,
/// “2023年5月1日至2023年6月30日”.
fn row_cells(t: &TableView, row: &[FieldView]) -> Vec<String> {
    let mut cells = Vec::new();
    let mut i = 0;
    while i < row.len() {
        match t.joined.iter().find(|(at, ..)| *at == i) {
            Some((_, _, between)) if i + 1 < row.len() => {
                let (a, b) = (written_date(&row[i].value), written_date(&row[i + 1].value));
                cells.push(if a.is_empty() && b.is_empty() {
                    String::new()
                } else {
                    format!("{a}{between}{b}")
                });
                i += 2;
            }
            _ => {
                cells.push(row[i].printed());
                i += 1;
            }
        }
    }
    cells
}

/// The form's sections as printed blocks. Every amount prints with two
/// decimals ([`FieldView::printed`]); amounts in a table go without a unit,
/// which its header ("经费预算（万元）") or caption ("单位：万元") states.
fn sections(form: &FormView) -> Vec<Section> {
    let mut sections = Vec::new();
    for s in &form.sections {
        let mut blocks = Vec::new();
        let mut fields = Vec::new();
        for item in &s.items {
            match item {
                ItemView::Field(f) if f.input == "textarea" => {
                    flush(&mut fields, &mut blocks);
                    blocks.push(Block::Paragraph {
                        label: Some(f.label.clone()),
                        text: f.value.clone(),
                    });
                }
                ItemView::Field(f) if f.input == "money" => {
                    fields.push((f.label.clone(), with_unit(&f.printed())))
                }
                ItemView::Field(f) => fields.push((f.label.clone(), f.value.clone())),
                ItemView::Computed { label, value, .. } => {
                    fields.push((label.clone(), with_unit(value)))
                }
                ItemView::Table(t) => {
                    flush(&mut fields, &mut blocks);
                    let numbered = !t.row_number_label.is_empty();
                    let rows = t
                        .filled_rows()
                        .iter()
                        .enumerate()
                        .map(|(i, r)| {
                            let mut cells = Vec::new();
                            if numbered {
                                cells.push((i + 1).to_string());
                            }
                            cells.extend(row_cells(t, r));
                            cells
                        })
                        .collect();
                    let columns: Vec<String> =
                        t.header_cells.iter().map(|(h, _)| h.clone()).collect();
                    // 合计 spans the columns before the total; cells after it stay empty.
                    let total = (!t.total_label.is_empty()).then(|| {
                        let mut cells = vec![t.total_label.clone(), t.total.clone()];
                        let before: usize = t
                            .header_cells
                            .iter()
                            .scan(0, |at, (_, span)| {
                                *at += span;
                                Some(*at)
                            })
                            .take_while(|end| *end <= t.total_col + 1)
                            .count();
                        cells.extend((before..columns.len()).map(|_| String::new()));
                        cells
                    });
                    blocks.push(Block::Paragraph {
                        label: Some(caption(t)),
                        text: String::new(),
                    });
                    blocks.push(Block::Table {
                        columns,
                        rows,
                        total,
                    });
                }
            }
        }
        flush(&mut fields, &mut blocks);
        if !blocks.is_empty() {
            sections.push(Section {
                title: s.title.clone(),
                blocks,
            });
        }
    }
    sections
}

#[cfg(test)]
mod tests {
    use scigrant_domain::grants::form::{self, Value, samples};

    use super::*;

    /// The sample 附件4 with 申请项目经费 typed as "30", as the second
    /// phase's budget is; 经费总预算 comes to 40 with 自有经费 10.
    fn sample() -> FormView {
        let spec = form::builtin("kczg2023-fj4").expect("built in");
        let mut data = samples::sample_fj4();
        data.insert("budget_requested".into(), Value::Text("30".into()));
        view(&spec, &data, &[], "", "KJFWT2023-01")
    }

    #[test]
    fn amounts_print_with_two_decimals_and_their_unit() {
        let sections = sections(&sample());
        let budget = sections
            .iter()
            .find(|s| s.title == "九、项目经费预算")
            .expect("section 九");
        let Block::Fields(fields) = &budget.blocks[0] else {
            panic!("{:?}", budget.blocks[0]);
        };
        let pair = |k: &str, v: &str| (k.to_owned(), v.to_owned());
        assert_eq!(
            fields,
            &[
                pair("经费总预算", "40.00 万元"),
                pair("申请项目经费", "30.00 万元"),
                pair("自有经费", "10.00 万元"),
            ]
        );
        let Block::Paragraph { label, .. } = &budget.blocks[1] else {
            panic!("{:?}", budget.blocks[1]);
        };
        assert_eq!(label.as_deref(), Some("经费支出预算表（单位：万元）"));
        let Block::Table { rows, total, .. } = &budget.blocks[2] else {
            panic!("{:?}", budget.blocks[2]);
        };
        let amounts: Vec<&str> = rows.iter().map(|r| r[2].as_str()).collect();
        assert_eq!(amounts, ["20.00", "15.00", "12.50", "10.00", "7.50"]);
        assert_eq!(
            total.as_deref(),
            Some(&["合计", "65.00", ""].map(String::from)[..])
        );

        // 经费预算（万元）: plain numbers under a header that names the unit;
        // 时间进度 is one column, “年 月 日至 年 月 日” as on paper.
        let phases = sections
            .iter()
            .find(|s| s.title.starts_with("七、"))
            .and_then(|s| {
                s.blocks.iter().find_map(|b| match b {
                    Block::Table {
                        columns,
                        rows,
                        total,
                    } => Some((columns, rows, total)),
                    _ => None,
                })
            })
            .expect("the phases table");
        assert_eq!(
            phases.0,
            &["实施阶段", "经费预算（万元）", "目标内容", "时间进度"].map(String::from)
        );
        let budgets: Vec<&str> = phases.1.iter().map(|r| r[1].as_str()).collect();
        assert_eq!(budgets, ["20.00", "30.00", "15.00"]);
        assert_eq!(phases.1[0][0], "第一阶段");
        assert_eq!(phases.1[0][3], "2023年5月1日至2023年7月31日");
        assert_eq!(
            phases.2.as_deref(),
            Some(&["合计", "65.00", "", ""].map(String::from)[..])
        );
    }

    /// The paper copy prints the two 30s of the sample alike, "30.00".
    #[test]
    fn the_rendered_copy_prints_every_amount_alike() {
        let doc = Document {
            title: "2023年“科创中国”科技服务团示范项目申报书".into(),
            sections: sections(&sample()),
            receipt: Receipt {
                verify_url: "https://example.org/verify?n=1".into(),
                ..Receipt::default()
            },
            ..Document::default()
        };
        let fonts = Fonts::discover().expect("a CJK font (fonts-noto-cjk)");
        let pdf = render_pdf(&doc, &fonts).expect("renders");
        let path =
            std::env::temp_dir().join(format!("scigrant-web-print-{}.pdf", std::process::id()));
        std::fs::write(&path, pdf).expect("write the PDF");
        let out = std::process::Command::new("pdftotext")
            .args(["-enc", "UTF-8"])
            .arg(&path)
            .arg("-")
            .output()
            .expect("pdftotext (Debian poppler-utils) is needed to read the PDF");
        std::fs::remove_file(&path).expect("remove the PDF");
        let text: String = String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .collect();
        for part in [
            "经费总预算40.00万元",
            "申请项目经费30.00万元",
            "自有经费10.00万元",
            "第二阶段30.00",
            "经费支出预算表（单位：万元）",
            "差旅费12.50",
            "合计65.00",
            "实施阶段经费预算（万元）目标内容时间进度",
            "2023年8月1日至2023年10月31日",
        ] {
            assert!(text.contains(part), "the PDF lacks {part}:\n{text}");
        }
        assert!(!text.contains("30万元"), "{text}");
    }
}
