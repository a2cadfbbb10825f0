//! The documents the product accepts (certificates, ID scans, PDFs of
//! qualifications), recognised by their content, and how sizes are written
//! in messages. Storing them is the store's job.

/// The content types the product accepts, recognised by their first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Jpeg,
    Pdf,
}

impl FileKind {
    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Jpeg => "image/jpeg",
            FileKind::Pdf => "application/pdf",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            FileKind::Jpeg => "JPG",
            FileKind::Pdf => "PDF",
        }
    }
    /// The first bytes every file of this kind starts with.
    pub fn magic(self) -> &'static [u8] {
        match self {
            FileKind::Jpeg => &[0xFF, 0xD8, 0xFF],
            FileKind::Pdf => b"%PDF-",
        }
    }
}

/// "300MB", "512KB": the limit as a refusal names it.
pub fn human_size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{}MB", bytes / (1024 * 1024))
    } else {
        format!("{}KB", bytes / 1024)
    }
}
