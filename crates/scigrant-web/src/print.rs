//! The paper copy: a submitted application turned into the print model of
//! `scigrant-print` (cover as in 附件4/5, every section, tables with 合计,
//! the signature and seal blocks of section 十, and the receipt with its
//! QR code) and rendered off the async runtime.

use std::sync::{Arc, OnceLock};

use scigrant_app::grants::applications::ApplicationView;
use scigrant_print::{
    Block, Document, Fonts, PrintError, Receipt, Section, SignatureBlock, render_pdf,
};

use crate::formview::{FieldView, ItemView, view};

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
                ItemView::Field(f) => fields.push((f.label.clone(), f.value.clone())),
                ItemView::Computed { label, value, .. } => {
                    fields.push((label.clone(), format!("{value} 万元")))
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
                            cells.extend(r.iter().map(|c| c.value.clone()));
                            cells
                        })
                        .collect();
                    // 合计 spans the columns before the total; cells after it stay empty.
                    let total = (!t.total_label.is_empty()).then(|| {
                        let mut cells = vec![t.total_label.clone(), t.total.clone()];
                        cells.extend((t.total_col + 1..t.headers.len()).map(|_| String::new()));
                        cells
                    });
                    blocks.push(Block::Paragraph {
                        label: Some(t.label.clone()),
                        text: String::new(),
                    });
                    blocks.push(Block::Table {
                        columns: t.headers.clone(),
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
    Document {
        title: form.title.clone(),
        cover,
        issuer: if a.spec.code.starts_with("kczg") {
            "中国科协科学技术创新部制表".into()
        } else {
            String::new()
        },
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
