//! Writes /tmp/sample.pdf from a realistic 附件4-like application and prints
//! how long font discovery and the render took.
//!
//! `cargo run --release -p scigrant-print --example sample_pdf`

#[path = "../tests/common/sample.rs"]
mod sample;

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let fonts = scigrant_print::Fonts::discover()?;
    let discovered = started.elapsed();
    let doc = sample::sample_document();

    let started = Instant::now();
    let pdf = scigrant_print::render_pdf(&doc, &fonts)?;
    let cold = started.elapsed();

    // Another application, as a long-running server would see next: typst's
    // caches are warm and the fonts loaded, but the content differs.
    let mut other = doc.clone();
    other.receipt.number = "KJFWT2023-01-000124".to_owned();
    other.cover[3].1 = "“科创中国”智能网联汽车产业科技服务团".to_owned();
    if let Some(scigrant_print::Block::Paragraph { text, .. }) =
        other.sections[1].blocks.first_mut()
    {
        *text = text.replace("新能源汽车", "智能网联汽车");
    }
    let started = Instant::now();
    let _ = scigrant_print::render_pdf(&other, &fonts)?;
    let warm = started.elapsed();

    // The same application again (mostly served from typst's caches).
    let started = Instant::now();
    let again = scigrant_print::render_pdf(&doc, &fonts)?;
    let repeat = started.elapsed();
    assert_eq!(pdf, again, "rendering is deterministic");

    std::fs::write("/tmp/sample.pdf", &pdf)?;
    println!(
        "fonts: body {:?}, headings {:?} from {:?} (discovered in {discovered:.2?})",
        fonts.body_family(),
        fonts.heading_family(),
        fonts.files()
    );
    println!(
        "/tmp/sample.pdf: {} bytes; first render {cold:.2?}, another document {warm:.2?}, \
         the same document again {repeat:.2?}",
        pdf.len()
    );
    Ok(())
}
