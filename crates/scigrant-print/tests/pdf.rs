//! End-to-end tests: render PDFs and read them back with poppler-utils
//! (`pdftotext`, `pdfinfo`). Missing tools or fonts make the tests fail,
//! never skip.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::sample::{intro_300, pair, para, row, s, sample_document};
use scigrant_print::{
    Block, Document, Fonts, PrintError, Receipt, Section, SignatureBlock, render_pdf,
};

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| Fonts::discover().unwrap_or_else(|e| panic!("{e}")))
}

/// Runs a poppler-utils tool; fails with a clear message when it is missing.
fn tool(name: &str, args: &[&str]) -> String {
    let output = match Command::new(name).args(args).output() {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "`{name}` was not found: install the Debian package poppler-utils \
             (apt-get install poppler-utils); these tests read the PDFs back with it"
        ),
        Err(e) => panic!("running {name}: {e}"),
    };
    assert!(
        output.status.success(),
        "{name} {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// A word and its box: text, xMin, yMin, xMax, yMax (points from the top
/// left corner).
type Word = (String, f64, f64, f64, f64);

/// A PDF written to a temporary file, removed on drop.
struct TempPdf(PathBuf);

impl TempPdf {
    fn new(pdf: &[u8]) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "scigrant-print-{}-{}.pdf",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, pdf).expect("write temporary PDF");
        Self(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("UTF-8 temp path")
    }

    fn text(&self) -> String {
        tool("pdftotext", &["-enc", "UTF-8", self.path(), "-"])
    }

    fn info(&self) -> String {
        tool("pdfinfo", &[self.path()])
    }

    fn pages(&self) -> usize {
        let info = self.info();
        let line = info
            .lines()
            .find(|l| l.starts_with("Pages:"))
            .expect("Pages: line");
        line["Pages:".len()..].trim().parse().expect("page count")
    }

    /// Every word with its box, and the page size.
    fn words(&self) -> (Vec<Word>, f64, f64) {
        let html = tool("pdftotext", &["-bbox", "-enc", "UTF-8", self.path(), "-"]);
        let attr = |tag: &str, name: &str| -> f64 {
            let start = tag.find(&format!("{name}=\"")).expect("attribute") + name.len() + 2;
            let end = tag[start..].find('"').expect("closing quote") + start;
            tag[start..end].parse().expect("number")
        };
        let page = html.find("<page ").map(|i| &html[i..]).expect("a page");
        let page_tag = &page[..page.find('>').expect("tag end")];
        let (width, height) = (attr(page_tag, "width"), attr(page_tag, "height"));
        let mut words = Vec::new();
        for chunk in html.split("<word ").skip(1) {
            let tag_end = chunk.find('>').expect("tag end");
            let tag = &chunk[..tag_end];
            let text_end = chunk.find("</word>").expect("word end");
            let text = chunk[tag_end + 1..text_end].to_owned();
            words.push((
                text,
                attr(tag, "xMin"),
                attr(tag, "yMin"),
                attr(tag, "xMax"),
                attr(tag, "yMax"),
            ));
        }
        (words, width, height)
    }
}

impl Drop for TempPdf {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Text without any whitespace: pdftotext breaks lines and spreads
/// justified text with spaces.
fn squash(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The squashed text without page headers and footers, so that text that
/// breaks across pages reads as one.
fn without_page_furniture(text: &str, doc: &Document) -> String {
    let mut text = squash(text)
        .replace(&squash(&doc.title), "")
        .replace(&format!("申报编号：{}", doc.receipt.number), "")
        .replace(&format!("SM3摘要：{}", doc.receipt.digest), "");
    // 第N页共M页
    while let Some(start) = text.find("第") {
        let rest = &text[start + "第".len()..];
        let digits = |s: &str| s.chars().take_while(char::is_ascii_digit).count();
        let n = digits(rest);
        let after = &rest[n..];
        if n == 0 || !after.starts_with("页共") {
            break;
        }
        let m = digits(&after["页共".len()..]);
        let end = start + "第".len() + n + "页共".len() + m + "页".len();
        text.replace_range(start..end, "");
    }
    text
}

fn assert_contains(haystack: &str, needle: &str) {
    assert!(
        squash(haystack).contains(&squash(needle)),
        "the PDF text lacks {needle:?}; it reads:\n{haystack}"
    );
}

/// Cover, one page of sections and the signature page.
fn three_page_document() -> Document {
    let mut doc = sample_document();
    doc.sections = vec![
        Section {
            title: s("一、项目申报单位基本情况"),
            blocks: vec![
                Block::Fields(vec![
                    pair("单位名称", "中国汽车工程学会"),
                    pair("统一社会信用代码", "51100000500000001X"),
                    pair(
                        "通讯地址",
                        "北京市海淀区学院路某号中国汽车工程学会科技服务部，邮编100083",
                    ),
                ]),
                para(Some("单位简介"), &intro_300()),
            ],
        },
        Section {
            title: s("九、项目经费预算"),
            blocks: vec![Block::Table {
                columns: row(&["编号", "支出内容明细", "金额（万元）", "测算依据"]),
                rows: vec![
                    row(&["1", "专家咨询费", "18.00", "60人次×3000元/人次"]),
                    row(&["2", "差旅费", "15.00", "50人次×3000元/人次"]),
                ],
                total: Some(row(&["合计", "33.00", ""])),
            }],
        },
    ];
    doc
}

#[test]
fn three_page_document_reads_back_and_stays_small() {
    let doc = three_page_document();
    let pdf = render_pdf(&doc, fonts()).expect("renders");
    let file = TempPdf::new(&pdf);
    assert_eq!(file.pages(), 3, "cover, sections, signature page");
    assert!(
        file.info().contains("595.276 x 841.89"),
        "A4: {}",
        file.info()
    );

    let text = file.text();
    // Cover.
    for needle in [
        "2023年“科创中国”科技服务团示范项目",
        "项目编号：KJFWT2023-01",
        "项目类别：",
        "“科创中国”科技服务团示范项目",
        "联系人：王晓明",
        "手机：13812345678",
        "申报日期：2023年4月20日",
        "中国科协科学技术创新部制表",
    ] {
        assert_contains(&text, needle);
    }
    // Sections: labels, the 300-character paragraph, fields, table cells
    // and the 合计 row.
    let intro = intro_300();
    assert_eq!(intro.chars().count(), 300);
    for needle in [
        "一、项目申报单位基本情况",
        "统一社会信用代码",
        "51100000500000001X",
        &format!("单位简介：{intro}"),
        "支出内容明细",
        "专家咨询费",
        "60人次×3000元/人次",
        "合计33.00",
    ] {
        assert_contains(&text, needle);
    }
    // Signature section, numbered after the last section.
    for needle in [
        "三、项目申报单位意见",
        "团长（签名）：",
        "单位负责人（签名）：",
        "联合申报单位负责人（签名）（如没有可不填）：",
        "单位公章",
        "年月日",
    ] {
        assert_contains(&text, needle);
    }
    // Footers: every page but the cover, numbered from the first page after it.
    assert_contains(&text, "第 1 页 共 2 页");
    assert_contains(&text, "第 2 页 共 2 页");
    assert!(
        !squash(&text).contains("第3页"),
        "the cover is not numbered"
    );
    // Receipt.
    for needle in [
        "申报编号：KJFWT2023-01-000123",
        "提交时间：2023-04-20 16:32:05",
        "SM3摘要：66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0",
        "扫描二维码或访问 https://sbxt.example.org.cn/verify/KJFWT2023-01-000123 核验本申报书与系统提交版本是否一致",
    ] {
        assert_contains(&text, needle);
    }
    // Subset fonts keep it small.
    eprintln!("three-page document: {} bytes", pdf.len());
    assert!(pdf.len() < 300_000, "three pages took {} bytes", pdf.len());
}

#[test]
fn sample_document_reads_back() {
    let doc = sample_document();
    let pdf = render_pdf(&doc, fonts()).expect("renders");
    let file = TempPdf::new(&pdf);
    let pages = file.pages();
    eprintln!("sample document: {pages} pages, {} bytes", pdf.len());
    assert!((4..=6).contains(&pages), "{pages} pages");
    assert!(pdf.len() < 1_000_000, "{} bytes", pdf.len());
    let text = file.text();
    for section in &doc.sections {
        assert_contains(&text, &section.title);
    }
    assert_contains(&text, "十、项目申报单位意见");
    assert_contains(&text, "上汽通用五菱 技术中心主任");
    assert_contains(&text, &format!("第 1 页 共 {} 页", pages - 1));
    assert_contains(&text, &format!("第 {0} 页 共 {0} 页", pages - 1));
    assert_no_overflow(&file, &doc.receipt.digest);
}

/// Text a user typed that would be markup in typst comes out literally.
#[test]
fn user_text_is_never_markup() {
    let nasty = r#"#set page(width: 1cm) *bold* $x$ ] \ _em_ `raw` <lbl> @ref ~ "q" {b} // c /* d */ #panic() = 标题"#;
    let mut doc = three_page_document();
    doc.title = format!("{nasty}申报书");
    doc.cover.push(pair(nasty, nasty));
    doc.sections[0].blocks.push(para(Some(nasty), nasty));
    doc.sections[0]
        .blocks
        .push(Block::Fields(vec![pair(nasty, nasty), pair("短", "]")]));
    doc.sections[1].blocks.push(Block::Table {
        columns: row(&["\\", "]"]),
        rows: vec![row(&[nasty, "$x$"])],
        total: Some(row(&["*bold*"])),
    });
    doc.signatures.push(SignatureBlock {
        signer: s(nasty),
        seal: true,
    });
    doc.receipt.submitted_at = s(nasty);

    let pdf = render_pdf(&doc, fonts()).expect("renders");
    let file = TempPdf::new(&pdf);
    assert!(
        file.info().contains("595.276 x 841.89"),
        "still A4: {}",
        file.info()
    );
    let text = file.text();
    let count = squash(&text).matches(&squash(nasty)).count();
    // Title (cover and page headers), cover entry label and value,
    // paragraph label and text, field key and value, table cell, signature,
    // receipt.
    assert!(count >= 9, "{count} literal copies in:\n{text}");
    for needle in [
        "#set page(width: 1cm)",
        "*bold*",
        "$x$",
        "]",
        "\\",
        "_em_",
        "`raw`",
        "<lbl>",
        "@ref",
    ] {
        assert_contains(&text, needle);
    }
}

/// The longest content the forms allow (and more) flows over pages: long
/// paragraphs, a long cell that must break, and a table of many rows whose
/// header repeats on every page.
#[test]
fn long_content_flows_across_pages_without_overflow() {
    let long = intro_300();
    let mut doc = sample_document();
    for section in &mut doc.sections {
        section
            .blocks
            .push(para(Some("补充说明"), &format!("{long}\n{long}\n{long}")));
    }
    let huge_cell: String = long.repeat(8); // 2,400 characters in one cell
    doc.sections[2]
        .blocks
        .push(Block::Fields(vec![pair("其他相关内容", &huge_cell)]));
    // Unbreakable Latin runs (a pasted URL or hash) must not stick out either.
    let run = format!("https://example.org/{}", "x".repeat(160));
    doc.sections[2]
        .blocks
        .push(Block::Fields(vec![pair("网址", &run), pair("短", "短")]));
    doc.sections[2].blocks.push(para(Some("网址"), &run));
    doc.sections[7].blocks.push(Block::Table {
        columns: row(&["序号", "网址"]),
        rows: vec![row(&["1", &run])],
        total: None,
    });
    let rows: Vec<Vec<String>> = (1..=120)
        .map(|i| {
            let i = i.to_string();
            row(&[
                &i,
                "张三",
                "某某大学 教授",
                "13800000000",
                "负责第 i 项任务的组织实施与成果总结",
            ])
        })
        .collect();
    doc.sections[7].blocks.push(Block::Table {
        columns: row(&[
            "序号",
            "姓名",
            "工作单位及职务/职称",
            "联系方式",
            "承担的主要工作（附表）",
        ]),
        rows,
        total: None,
    });
    let pdf = render_pdf(&doc, fonts()).expect("renders");
    let file = TempPdf::new(&pdf);
    let pages = file.pages();
    eprintln!("long document: {pages} pages, {} bytes", pdf.len());
    assert!(pages >= 12, "{pages} pages");
    let text = file.text();
    assert!(
        without_page_furniture(&text, &doc).contains(&huge_cell),
        "the 2,400-character cell is not all there:\n{text}"
    );
    assert_contains(&text, "120张三");
    assert_contains(&text, &run);
    // 120 rows span several pages, each starting with the header row.
    let headers = squash(&text).matches("承担的主要工作（附表）").count();
    assert!(headers >= 3, "header row printed {headers} times");
    assert_contains(&text, &format!("第 {0} 页 共 {0} 页", pages - 1));
    assert_no_overflow(&file, &doc.receipt.digest);
}

/// A 经费支出预算表 of `n` rows (`第{i}项支出`), after a heading, with or
/// without its 合计 row.
fn budget_document(n: usize, total: bool) -> Document {
    let mut doc = sample_document();
    let rows = (1..=n)
        .map(|i| {
            row(&[
                &i.to_string(),
                &format!("第{i}项支出"),
                "1.00",
                "按实际发生测算",
            ])
        })
        .collect();
    doc.sections = vec![Section {
        title: s("九、项目经费预算"),
        blocks: vec![Block::Table {
            columns: row(&["编号", "支出内容明细", "金额", "测算依据"]),
            rows,
            total: total.then(|| row(&["合计", &format!("{n}.00"), ""])),
        }],
    }];
    doc
}

/// The text of each page, squashed.
fn page_texts(file: &TempPdf) -> Vec<String> {
    file.text().split('\u{c}').map(squash).collect()
}

/// The 合计 row never stands alone under a repeated header: when the data
/// rows exactly fill a page, the last of them moves over with it.
#[test]
fn the_total_row_keeps_company_with_a_data_row() {
    // How many rows fill the table's first page (fonts decide, so measure).
    let long = TempPdf::new(&render_pdf(&budget_document(100, false), fonts()).expect("renders"));
    let pages = page_texts(&long);
    let first = pages
        .iter()
        .find(|p| p.contains("第1项支出"))
        .expect("the table's first page");
    let fill = (1..=100)
        .take_while(|i| first.contains(&format!("第{i}项支出")))
        .count();
    assert!((10..100).contains(&fill), "{fill} rows on the first page");

    // Exactly that many rows: without care, 合计 would fall alone on the
    // next page.
    let doc = budget_document(fill, true);
    let file = TempPdf::new(&render_pdf(&doc, fonts()).expect("renders"));
    let pages = page_texts(&file);
    let with_total: Vec<&String> = pages.iter().filter(|p| p.contains("合计")).collect();
    assert_eq!(with_total.len(), 1, "{pages:#?}");
    let total_page = with_total[0];
    assert!(
        total_page.contains(&format!("第{fill}项支出")),
        "the 合计 row's page holds no data row:\n{total_page}"
    );
    assert!(total_page.contains(&format!("{fill}.00")), "{total_page}");
    // Every row is printed once, in order, and the header repeats.
    let all: String = pages.concat();
    for i in 1..=fill {
        assert_eq!(all.matches(&format!("第{i}项支出")).count(), 1, "row {i}");
    }
    assert!(total_page.contains("支出内容明细"), "{total_page}");
    assert_no_overflow(&file, &doc.receipt.digest);
}

/// Every word lies within the side margins and the page, and only the
/// footer is printed in the bottom margin.
fn assert_no_overflow(file: &TempPdf, digest: &str) {
    let (words, width, height) = file.words();
    assert!(!words.is_empty());
    let margin = 2.5 / 2.54 * 72.0; // 2.5 cm in points
    let footer_words = [format!("SM3摘要：{digest}"), s("第"), s("页"), s("共")];
    for (text, x0, y0, x1, y1) in &words {
        // Full-width punctuation may hang its blank half into the right
        // margin at the end of a justified line (typst's `overhang`).
        let hang = if text.ends_with(['，', '。', '、', '；', '：', '）', '”', '》']) {
            7.0
        } else {
            1.0
        };
        assert!(
            *x0 >= margin - 1.0 && *x1 <= width - margin + hang,
            "{text:?} sticks out sideways: x {x0:.1}..{x1:.1} on a {width:.1} pt page"
        );
        assert!(*y0 >= 0.0 && *y1 <= height, "{text:?} is off the page");
        // typst's lines end at the baseline; pdftotext's boxes include the
        // descent below it (about 3 pt at 12 pt). A real overflow is a
        // whole line or more.
        if *y1 > height - margin + 5.0 {
            let footer =
                footer_words.iter().any(|w| w == text) || text.chars().all(|c| c.is_ascii_digit());
            assert!(
                footer,
                "{text:?} overflows into the bottom margin (y {y0:.1}..{y1:.1})"
            );
        }
    }
}

#[test]
fn rendering_is_deterministic_and_thread_safe() {
    fn assert_send_sync<T: Send + Sync + Clone + 'static>() {}
    assert_send_sync::<Fonts>();
    let doc = three_page_document();
    let handles: Vec<_> = (0..2)
        .map(|_| {
            let fonts = fonts().clone();
            let doc = doc.clone();
            std::thread::spawn(move || render_pdf(&doc, &fonts).expect("renders"))
        })
        .collect();
    let outputs: Vec<Vec<u8>> = handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .collect();
    assert_eq!(outputs[0], outputs[1]);
    assert_eq!(outputs[0], render_pdf(&doc, fonts()).expect("renders"));
}

#[test]
fn fonts_from_paths_and_missing_fonts() {
    // The files discovery found work when named directly.
    let files: Vec<PathBuf> = fonts().files().into_iter().map(Path::to_path_buf).collect();
    let named = Fonts::from_paths(&files).expect("the discovered files");
    assert_eq!(named.body_family(), fonts().body_family());
    assert_eq!(named.heading_family(), fonts().heading_family());

    // A directory without fonts: a clear message naming the packages.
    let empty = std::env::temp_dir().join(format!("scigrant-print-nofonts-{}", std::process::id()));
    std::fs::create_dir_all(&empty).expect("temp dir");
    let err = Fonts::from_paths(std::slice::from_ref(&empty)).expect_err("no fonts there");
    assert!(matches!(err, PrintError::NoCjkFont), "{err:?}");
    assert_eq!(
        err.to_string(),
        "未找到中文字体，请安装 Debian 软件包 fonts-noto-cjk 或 fonts-wqy-microhei"
    );

    // A named file that is not a font.
    let bogus = empty.join("bogus.ttf");
    std::fs::write(&bogus, b"not a font").expect("write");
    let err = Fonts::from_paths(std::slice::from_ref(&bogus)).expect_err("not a font");
    assert!(matches!(err, PrintError::FontFile { .. }), "{err:?}");
    std::fs::remove_dir_all(&empty).expect("cleanup");
}

#[test]
fn empty_document_still_renders() {
    let doc = Document {
        receipt: Receipt {
            verify_url: s("https://example.org/v/1"),
            ..Receipt::default()
        },
        ..Document::default()
    };
    let pdf = render_pdf(&doc, fonts()).expect("renders");
    let file = TempPdf::new(&pdf);
    assert_eq!(file.pages(), 2);
    assert_contains(&file.text(), "一、项目申报单位意见");
}

/// The cover ends with the issuer and the month the form was made
/// (“中国科协科学技术创新部制表 / 2023年4月”), and the 填报说明 page comes
/// right after it, numbered as the paper form numbers it, before the
/// first section; page numbers start after both.
#[test]
fn the_instructions_page_follows_the_cover() {
    let mut doc = three_page_document();
    doc.instructions = vec![
        s("本申报书是申报中国科协项目的依据，填写内容须实事求是，表述应明确、严谨。"),
        s("申报书应为A4开本，具体报送份数请参照项目申报通知要求。"),
    ];
    let file = TempPdf::new(&render_pdf(&doc, fonts()).expect("renders"));
    assert_eq!(file.pages(), 4, "cover, 填报说明, sections, signature page");
    let pages = page_texts(&file);
    assert!(
        pages[0].ends_with("中国科协科学技术创新部制表2023年4月"),
        "{}",
        pages[0]
    );
    assert!(
        pages[1].starts_with("填报说明1．本申报书是申报中国科协项目的依据"),
        "{}",
        pages[1]
    );
    assert!(pages[1].contains("2．申报书应为A4开本"), "{}", pages[1]);
    assert!(!pages[1].contains("第1页"), "{}", pages[1]);
    assert!(
        pages[2].contains("一、项目申报单位基本情况"),
        "{}",
        pages[2]
    );
    assert!(pages[2].contains("第1页共2页"), "{}", pages[2]);
}
