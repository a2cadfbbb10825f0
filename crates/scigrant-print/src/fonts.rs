//! Finding a CJK font on the machine and serving it to typst.
//!
//! Only fonts that cover Chinese text are registered: typst's own embedded
//! fonts are not used, Latin letters and digits come from the CJK font too.
//! Discovery reads each candidate file once to learn its faces; the faces
//! that are kept are loaded again lazily, on first use, and then stay in
//! memory for the life of the [`Fonts`] value (a Noto CJK `.ttc` is 20–30 MB).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::{env, fmt, fs, io};

use typst::foundations::Bytes;
use typst::text::{Font, FontBook, FontFlags, FontInfo, FontWeight};
use typst::utils::LazyHash;

use crate::PrintError;

/// Characters a face must cover to count as a Chinese font: common
/// characters of the forms and full-width punctuation.
const PROBE: &str = "申报书项目单位签名公章第页共合计（）：，。“”";

/// Directories searched by [`Fonts::discover`], after those in
/// `SCIGRANT_FONT_DIRS`.
const SYSTEM_DIRS: &[&str] = &["/usr/share/fonts", "/usr/local/share/fonts"];

/// How deep [`Fonts::discover`] descends into font directories.
const MAX_DEPTH: usize = 8;

/// The Chinese fonts used for printing: loaded once, shared by every render.
///
/// Cheap to clone (an `Arc` inside); `Send + Sync`, so one value can serve
/// renders on many threads at once.
#[derive(Clone)]
pub struct Fonts {
    pub(crate) inner: Arc<FontsInner>,
}

pub(crate) struct FontsInner {
    pub(crate) book: LazyHash<FontBook>,
    slots: Vec<FaceSlot>,
    files: Vec<FileSlot>,
    /// Family for running text.
    pub(crate) body: String,
    /// Family for titles and headings (the same as `body` when there is
    /// only one family).
    pub(crate) heading: String,
    /// Whether `body` has a bold face; without one, bold is drawn with a
    /// thin outline stroke.
    pub(crate) body_bold: bool,
    /// Whether `heading` has a bold face.
    pub(crate) heading_bold: bool,
}

struct FaceSlot {
    file: usize,
    index: u32,
    font: OnceLock<Option<Font>>,
}

struct FileSlot {
    path: PathBuf,
    data: OnceLock<Option<Bytes>>,
}

impl FontsInner {
    pub(crate) fn font(&self, index: usize) -> Option<Font> {
        let slot = self.slots.get(index)?;
        slot.font
            .get_or_init(|| {
                let file = self.files.get(slot.file)?;
                let data = file
                    .data
                    .get_or_init(|| fs::read(&file.path).ok().map(Bytes::new))
                    .clone()?;
                Font::new(data, slot.index)
            })
            .clone()
    }
}

impl fmt::Debug for Fonts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fonts")
            .field("body", &self.inner.body)
            .field("heading", &self.inner.heading)
            .field("files", &self.files())
            .finish()
    }
}

/// One face found in a font file.
struct Face {
    path: PathBuf,
    index: u32,
    info: FontInfo,
}

impl Fonts {
    /// Finds a Chinese font in the usual places: the directories listed in
    /// the environment variable `SCIGRANT_FONT_DIRS` (colon-separated, searched
    /// first), `/usr/share/fonts`, `/usr/local/share/fonts`,
    /// `~/.local/share/fonts` and `~/.fonts`.
    ///
    /// Files whose names suggest a CJK font (Noto CJK, Source Han,
    /// WenQuanYi, …) are read first; only when none of them covers Chinese
    /// text are all other font files read too. A face counts when it covers
    /// a sample of Chinese characters and punctuation, whatever its name.
    ///
    /// Preference: Noto Serif CJK SC / Source Han Serif for running text
    /// with Noto Sans CJK SC / Source Han Sans for headings; otherwise
    /// WenQuanYi Micro Hei, WenQuanYi Zen Hei, then any other family that
    /// covers Chinese.
    pub fn discover() -> Result<Fonts, PrintError> {
        let mut dirs: Vec<PathBuf> = Vec::new();
        if let Some(extra) = env::var_os("SCIGRANT_FONT_DIRS") {
            dirs.extend(env::split_paths(&extra).filter(|p| !p.as_os_str().is_empty()));
        }
        dirs.extend(SYSTEM_DIRS.iter().map(PathBuf::from));
        if let Some(home) = env::var_os("HOME").filter(|h| !h.is_empty()) {
            let home = PathBuf::from(home);
            dirs.push(home.join(".local/share/fonts"));
            dirs.push(home.join(".fonts"));
        }

        let mut files = Vec::new();
        let mut seen = HashSet::new();
        for dir in &dirs {
            collect_font_files(dir, 0, &mut seen, &mut files);
        }
        let (likely, others): (Vec<PathBuf>, Vec<PathBuf>) =
            files.into_iter().partition(|p| looks_cjk(p));

        let mut faces = Vec::new();
        for path in &likely {
            // Unreadable or broken files are skipped during discovery.
            let _ = read_faces(path, &mut faces);
        }
        if faces.is_empty() {
            for path in &others {
                let _ = read_faces(path, &mut faces);
            }
        }
        Self::build(faces)
    }

    /// Uses the given font files, or font directories (searched
    /// recursively), instead of searching the system. Fails when a named
    /// file cannot be read or is not a font, and with
    /// [`PrintError::NoCjkFont`] when none of them covers Chinese text.
    pub fn from_paths(paths: &[PathBuf]) -> Result<Fonts, PrintError> {
        let mut faces = Vec::new();
        for path in paths {
            if path.is_dir() {
                let mut files = Vec::new();
                collect_font_files(path, 0, &mut HashSet::new(), &mut files);
                for file in &files {
                    let _ = read_faces(file, &mut faces);
                }
            } else {
                let found =
                    read_faces(path, &mut faces).map_err(|source| PrintError::FontFile {
                        path: path.clone(),
                        source,
                    })?;
                if found == 0 {
                    return Err(PrintError::FontFile {
                        path: path.clone(),
                        source: io::Error::new(io::ErrorKind::InvalidData, "not a font file"),
                    });
                }
            }
        }
        Self::build(faces)
    }

    /// The family used for running text, e.g. "Noto Serif CJK SC".
    pub fn body_family(&self) -> &str {
        &self.inner.body
    }

    /// The family used for titles and headings.
    pub fn heading_family(&self) -> &str {
        &self.inner.heading
    }

    /// The font files in use.
    pub fn files(&self) -> Vec<&Path> {
        self.inner.files.iter().map(|f| f.path.as_path()).collect()
    }

    fn build(faces: Vec<Face>) -> Result<Fonts, PrintError> {
        let cjk: Vec<Face> = faces.into_iter().filter(|f| covers_cjk(&f.info)).collect();

        // Rank the families.
        let mut families: Vec<(String, i32, bool)> = Vec::new(); // name, score, serif
        for face in &cjk {
            if families
                .iter()
                .any(|(name, _, _)| *name == face.info.family)
            {
                continue;
            }
            let (score, serif) = family_score(&face.info);
            families.push((face.info.family.clone(), score, serif));
        }
        families.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let Some(best) = families.first() else {
            return Err(PrintError::NoCjkFont);
        };
        let best_sans = families.iter().find(|f| !f.2);
        let best_serif = families.iter().find(|f| f.2);
        let (body, heading) = match (best_serif, best_sans) {
            // A first-class serif (Noto Serif CJK / Source Han Serif) for
            // running text, with the sans for headings.
            (Some(serif), Some(sans)) if serif.1 >= 100 => (serif.0.clone(), sans.0.clone()),
            (Some(serif), None) if serif.1 >= 100 => (serif.0.clone(), serif.0.clone()),
            _ => (best.0.clone(), best_sans.unwrap_or(best).0.clone()),
        };

        // Register the faces of the chosen families, one slot per face.
        let mut book = FontBook::new();
        let mut slots = Vec::new();
        let mut files: Vec<FileSlot> = Vec::new();
        let mut seen = HashSet::new();
        for face in cjk {
            if face.info.family != body && face.info.family != heading {
                continue;
            }
            // The same face can be reachable through two paths (symlinks);
            // keep one per family and variant.
            if !seen.insert((face.info.family.clone(), face.info.variant)) {
                continue;
            }
            let file = match files.iter().position(|f| f.path == face.path) {
                Some(i) => i,
                None => {
                    files.push(FileSlot {
                        path: face.path,
                        data: OnceLock::new(),
                    });
                    files.len() - 1
                }
            };
            book.push(face.info);
            slots.push(FaceSlot {
                file,
                index: face.index,
                font: OnceLock::new(),
            });
        }
        let has_bold = |family: &str| {
            (0..slots.len()).any(|i| {
                book.info(i).is_some_and(|info| {
                    info.family == family && info.variant.weight >= FontWeight::SEMIBOLD
                })
            })
        };
        let body_bold = has_bold(&body);
        let heading_bold = has_bold(&heading);
        Ok(Fonts {
            inner: Arc::new(FontsInner {
                book: LazyHash::new(book),
                slots,
                files,
                body,
                heading,
                body_bold,
                heading_bold,
            }),
        })
    }
}

/// Whether a face covers the probe characters.
fn covers_cjk(info: &FontInfo) -> bool {
    PROBE.chars().all(|c| info.coverage.contains(c as u32))
}

/// Preference of a family (higher is better) and whether it is a serif.
fn family_score(info: &FontInfo) -> (i32, bool) {
    let name = info.family.to_lowercase();
    let serif = name.contains("serif")
        || name.contains("song")
        || name.contains("ming")
        || name.contains("宋")
        || (info.flags.contains(FontFlags::SERIF)
            && !name.contains("sans")
            && !name.contains("hei"));
    let simplified = name.ends_with(" sc") || name.ends_with(" cn") || name.contains(" sc ");
    let pan_cjk = [
        "noto serif cjk",
        "noto sans cjk",
        "source han serif",
        "source han sans",
    ];
    let mut score = if pan_cjk.iter().any(|p| name.starts_with(p)) {
        // The same design also comes as JP, KR, TC and HK families.
        if simplified { 100 } else { 20 }
    } else if name == "noto serif sc" || name == "noto sans sc" {
        95
    } else if name == "wenquanyi micro hei" {
        80
    } else if name == "wenquanyi zen hei" {
        70
    } else {
        50
    };
    if name.contains("mono") || info.flags.contains(FontFlags::MONOSPACE) {
        score -= 30;
    }
    (score, serif)
}

/// Whether a file name suggests a CJK font, so that it is read first.
fn looks_cjk(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    const HINTS: &[&str] = &[
        "cjk",
        "wqy",
        "wenquanyi",
        "sourcehan",
        "source-han",
        "sans-sc",
        "serif-sc",
        "sanssc",
        "serifsc",
        "droidsansfallback",
        "uming",
        "ukai",
        "simsun",
        "simhei",
        "msyh",
        "fangsong",
        "kaiti",
        "song",
        "hei",
    ];
    HINTS.iter().any(|h| name.contains(h))
}

fn is_font_file(path: &Path) -> bool {
    path.extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .is_some_and(|e| matches!(e.as_str(), "ttf" | "otf" | "ttc" | "otc"))
}

/// Collects font files below `dir`, following symbolic links once.
fn collect_font_files(
    dir: &Path,
    depth: usize,
    seen: &mut HashSet<PathBuf>,
    out: &mut Vec<PathBuf>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let Ok(canonical) = fs::canonicalize(dir) else {
        return;
    };
    if !seen.insert(canonical) {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        let Ok(meta) = fs::metadata(&path) else {
            continue;
        };
        if meta.is_dir() {
            collect_font_files(&path, depth + 1, seen, out);
        } else if meta.is_file() && is_font_file(&path) {
            let key = fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
            if seen.insert(key) {
                out.push(path);
            }
        }
    }
}

/// Reads the faces of one font file; returns how many were found.
fn read_faces(path: &Path, out: &mut Vec<Face>) -> io::Result<usize> {
    let data = fs::read(path)?;
    let before = out.len();
    let count = faces_in(&data);
    for index in 0..count {
        if let Some(info) = FontInfo::new(&data, index) {
            out.push(Face {
                path: path.to_path_buf(),
                index,
                info,
            });
        }
    }
    Ok(out.len() - before)
}

/// Number of faces in a font file: a collection (`ttcf` header) or one face.
fn faces_in(data: &[u8]) -> u32 {
    match data {
        [b't', b't', b'c', b'f', _, _, _, _, a, b, c, d, ..] => {
            u32::from_be_bytes([*a, *b, *c, *d]).min(256)
        }
        _ => 1,
    }
}
