//! A minimal in-memory typst `World`: one template, one JSON data file and
//! one QR image, the fonts of [`Fonts`](crate::Fonts), no file system, no
//! packages, no network, no clock.

use std::sync::LazyLock;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use crate::fonts::FontsInner;

/// The standard library, built once per process.
static LIBRARY: LazyLock<LazyHash<Library>> = LazyLock::new(|| LazyHash::new(Library::default()));

fn file_id(path: &str) -> FileId {
    let vpath = VirtualPath::new(path).expect("a valid constant virtual path");
    FileId::new(RootedPath::new(VirtualRoot::Project, vpath))
}

// Fixed ids: `FileId`s are interned for the life of the process, so every
// render reuses the same three.
static MAIN: LazyLock<FileId> = LazyLock::new(|| file_id("/main.typ"));
static DATA: LazyLock<FileId> = LazyLock::new(|| file_id("/data.json"));
static QR: LazyLock<FileId> = LazyLock::new(|| file_id("/qr.svg"));

pub(crate) struct PrintWorld<'a> {
    fonts: &'a FontsInner,
    main: Source,
    data: Bytes,
    qr: Bytes,
}

impl<'a> PrintWorld<'a> {
    pub(crate) fn new(fonts: &'a FontsInner, template: &str, data: Vec<u8>, qr: String) -> Self {
        Self {
            fonts,
            main: Source::new(*MAIN, template.to_owned()),
            data: Bytes::new(data),
            qr: Bytes::from_string(qr),
        }
    }
}

impl World for PrintWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &LIBRARY
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &self.fonts.book
    }

    fn main(&self) -> FileId {
        *MAIN
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == *MAIN {
            Ok(self.main.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == *DATA {
            Ok(self.data.clone())
        } else if id == *QR {
            Ok(self.qr.clone())
        } else if id == *MAIN {
            Ok(Bytes::from_string(self.main.clone()))
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.fonts.font(index)
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}
