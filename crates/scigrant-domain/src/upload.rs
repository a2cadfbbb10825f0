//! The documents the product accepts (certificates, ID scans, PDFs of
//! qualifications, the portal's attachments), recognised by their content,
//! and how sizes are written in messages. Storing them is the store's job.
//! `image` strips what a photographed ID card carries besides its pixels.

pub mod image;
pub use image::{ImageError, strip_image_metadata};

/// The content types the product accepts, recognised by their first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Jpeg,
    Png,
    Pdf,
    /// An OLE2 compound document: Word .doc, Excel .xls, WPS .wps/.et.
    Ole2,
    /// A ZIP container: .zip, and Word .docx / Excel .xlsx (Office Open XML).
    Zip,
}

impl FileKind {
    pub const ALL: [FileKind; 5] = [
        FileKind::Jpeg,
        FileKind::Png,
        FileKind::Pdf,
        FileKind::Ole2,
        FileKind::Zip,
    ];
    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Pdf => "application/pdf",
            FileKind::Ole2 => "application/x-ole-storage",
            FileKind::Zip => "application/zip",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            FileKind::Jpeg => "JPG",
            FileKind::Png => "PNG",
            FileKind::Pdf => "PDF",
            FileKind::Ole2 => "Word/Excel/WPS",
            FileKind::Zip => "DOCX/XLSX/ZIP",
        }
    }
    /// The first bytes every file of this kind starts with.
    pub fn magic(self) -> &'static [u8] {
        match self {
            FileKind::Jpeg => &[0xFF, 0xD8, 0xFF],
            FileKind::Png => b"\x89PNG\r\n\x1a\n",
            FileKind::Pdf => b"%PDF-",
            FileKind::Ole2 => &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1],
            FileKind::Zip => b"PK\x03\x04",
        }
    }
    /// The kind a stored content type names (the `files` table keeps it).
    pub fn from_content_type(s: &str) -> Option<FileKind> {
        FileKind::ALL
            .into_iter()
            .find(|k| k.content_type() == s)
    }
}

/// The file-name endings an attachment of each kind may carry: a file is
/// accepted only when its content and its name agree, so a renamed
/// executable or a ZIP called .pdf is refused.
pub fn extension_fits(kind: FileKind, name: &str) -> bool {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let allowed: &[&str] = match kind {
        FileKind::Jpeg => &["jpg", "jpeg"],
        FileKind::Png => &["png"],
        FileKind::Pdf => &["pdf"],
        FileKind::Ole2 => &["doc", "xls", "wps", "et", "dps"],
        FileKind::Zip => &["docx", "xlsx", "zip"],
    };
    allowed.contains(&ext.as_str())
}

/// "300MB", "512KB": the limit as a refusal names it.
pub fn human_size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{}MB", bytes / (1024 * 1024))
    } else {
        format!("{}KB", bytes / 1024)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_must_agree_with_content() {
        assert!(extension_fits(FileKind::Pdf, "指南.PDF"));
        assert!(extension_fits(FileKind::Ole2, "申报书.doc"));
        assert!(extension_fits(FileKind::Ole2, "预算.wps"));
        assert!(extension_fits(FileKind::Zip, "申报书模板.docx"));
        assert!(!extension_fits(FileKind::Zip, "guide.pdf"));
        assert!(!extension_fits(FileKind::Pdf, "noext"));
        assert!(!extension_fits(FileKind::Ole2, "run.exe"));
    }

    #[test]
    fn content_types_round_trip() {
        for k in FileKind::ALL {
            assert_eq!(FileKind::from_content_type(k.content_type()), Some(k));
        }
    }
}
