//! Reading submitted forms. Multipart uploads are streamed straight into
//! the file store, where size and content type are checked chunk by chunk,
//! so a file that is too large or of the wrong type is refused before it
//! is stored and never held whole in memory.

use std::collections::HashMap;

use axum::extract::Multipart;
use scigrant_app::identity::register::Uploaded;
use scigrant_app::{App, AppError, FieldErrors};
use scigrant_domain::upload::FileKind;

/// A file field the form accepts.
pub struct FileSpec {
    pub field: &'static str,
    pub kind: FileKind,
    pub max: u64,
}

/// A file field that accepts any of several kinds, told apart by content
/// (a signed statement as PDF or as a JPG photo).
pub struct AnyKindSpec<'a> {
    pub field: &'static str,
    pub kinds: &'a [FileKind],
    pub max: u64,
}

/// A multipart form: text fields, stored files, and upload errors.
#[derive(Default)]
pub struct Submitted {
    pub text: HashMap<String, String>,
    pub files: HashMap<String, Uploaded>,
    pub errors: FieldErrors,
}

impl Submitted {
    pub fn get(&self, name: &str) -> String {
        self.text.get(name).cloned().unwrap_or_default()
    }
    pub fn file(&self, name: &str) -> Option<&Uploaded> {
        self.files.get(name)
    }
    /// Deletes every stored file (the request is refused as a whole).
    pub async fn discard(&self, app: &App) {
        for u in self.files.values() {
            app.files.remove(&u.stored.key).await;
        }
    }
}

const MAX_TEXT: usize = 64 * 1024;

pub async fn read_multipart(app: &App, mp: Multipart, specs: &[FileSpec]) -> Submitted {
    let any: Vec<AnyKindSpec<'_>> = specs
        .iter()
        .map(|s| AnyKindSpec {
            field: s.field,
            kinds: std::slice::from_ref(&s.kind),
            max: s.max,
        })
        .collect();
    read_multipart_any(app, mp, &any).await
}

/// [`read_multipart`] for fields that take one of several kinds.
pub async fn read_multipart_any(
    app: &App,
    mut mp: Multipart,
    specs: &[AnyKindSpec<'_>],
) -> Submitted {
    let mut out = Submitted::default();
    loop {
        let mut field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                // The body ended early or exceeded the route's limit.
                let field = specs.first().map(|s| s.field).unwrap_or("form");
                out.errors.add(
                    field,
                    format!(
                        "上传中断或文件过大，请重新选择文件后提交（{}）",
                        e.body_text()
                    ),
                );
                out.discard(app).await;
                out.files.clear();
                return out;
            }
        };
        let name = field.name().unwrap_or("").to_string();
        if let Some(spec) = specs.iter().find(|s| s.field == name) {
            let has_name = field.file_name().is_some_and(|n| !n.is_empty());
            let original = field.file_name().unwrap_or("").to_string();
            if !has_name {
                continue;
            }
            let mut upload = match app.files.begin_any(spec.kinds, spec.max).await {
                Ok(u) => u,
                Err(e) => {
                    out.errors.add(&name, format!("文件保存失败：{e}"));
                    continue;
                }
            };
            let mut failed = false;
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) => {
                        if let Err(e) = upload.write(&chunk).await {
                            out.errors.add(&name, e.to_string());
                            failed = true;
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        upload.abort().await;
                        out.errors
                            .add(&name, format!("上传中断，请重新提交（{}）", e.body_text()));
                        failed = true;
                        break;
                    }
                }
            }
            if failed {
                continue;
            }
            match upload.finish().await {
                Ok(stored) => {
                    // A second file for the same field replaces the first.
                    if let Some(old) = out.files.insert(
                        name.clone(),
                        Uploaded {
                            stored,
                            original_name: original,
                        },
                    ) {
                        app.files.remove(&old.stored.key).await;
                    }
                }
                Err(e) => out.errors.add(&name, e.to_string()),
            }
        } else {
            // Bytes first: a chunk may end inside a character (一个汉字 is
            // three bytes), so the text is decoded once, whole.
            let mut value = Vec::new();
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) => {
                        if value.len() + chunk.len() > MAX_TEXT {
                            out.errors.add(&name, "内容过长");
                            break;
                        }
                        value.extend_from_slice(&chunk);
                    }
                    Ok(None) => break,
                    Err(_) => break,
                }
            }
            out.text
                .insert(name, String::from_utf8_lossy(&value).into_owned());
        }
    }
    out
}

/// Merges errors: those found while uploading come first, then the use
/// case's, one message per field.
pub fn merge(mut first: FieldErrors, then: FieldErrors) -> FieldErrors {
    for (k, v) in then.0 {
        first.add(&k, v);
    }
    first
}

/// A posted urlencoded form as name/value pairs, repeated names kept
/// (checkbox groups); handlers whose fields are not known in advance read it.
pub struct Posted(pub Vec<(String, String)>);

impl Posted {
    pub fn parse(body: &[u8]) -> Posted {
        Posted(serde_urlencoded::from_bytes(body).unwrap_or_default())
    }
    /// The first value of `name`, or empty.
    pub fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
    /// Every value of `name`.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

/// A small multipart form read in memory: its text fields, the bytes of
/// its one file field (empty when none was chosen), and why the file was
/// refused, if it was (the other fields are still read, so the form comes
/// back as typed).
pub struct InMemory {
    pub posted: Posted,
    pub file: Vec<u8>,
    pub error: Option<String>,
}

/// Reads a multipart form whose file (`file_field`) is parsed, never
/// stored (a form definition, a sheet); a file over `max` bytes is
/// refused with the limit named and its bytes dropped as they arrive.
pub async fn read_in_memory(
    mut mp: axum::extract::Multipart,
    file_field: &str,
    max: usize,
) -> InMemory {
    let mut out = InMemory {
        posted: Posted(Vec::new()),
        file: Vec::new(),
        error: None,
    };
    loop {
        let mut field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                out.error = Some("上传中断或文件过大，请重新选择文件".into());
                break;
            }
        };
        let name = field.name().unwrap_or("").to_string();
        if name != file_field {
            let value = field.text().await.unwrap_or_default();
            out.posted.0.push((name, value));
            continue;
        }
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) if out.error.is_none() => {
                    if out.file.len() + chunk.len() > max {
                        out.file.clear();
                        out.error = Some(if max >= 1024 * 1024 {
                            format!("文件不能超过{} MB", max / 1024 / 1024)
                        } else {
                            format!("文件不能超过{} KB", max / 1024)
                        });
                    } else {
                        out.file.extend_from_slice(&chunk);
                    }
                }
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(_) => {
                    out.file.clear();
                    out.error = Some("上传中断，请重新选择文件".into());
                    break;
                }
            }
        }
    }
    out
}

/// The largest form definition (申报书 or 指南建议表 JSON) staff may import;
/// the built-in 附件4 is about 20 KB.
pub const DEFINITION_MAX: usize = 512 * 1024;

/// The imported form definition's text: empty when no file was chosen, or
/// why the file cannot be read (the caller shows it beside the file field).
pub fn definition_text(got: &InMemory) -> Result<String, String> {
    if let Some(e) = &got.error {
        return Err(e.clone());
    }
    let bytes = got.file.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&got.file);
    String::from_utf8(bytes.to_vec())
        .map_err(|_| "表单定义文件须为UTF-8编码的JSON文本，请重新选择文件".to_string())
}

/// A multipart form whose image fields are read in memory, each kept up to
/// `max + 1` bytes (one byte over is refusal enough; the rest is dropped as
/// it arrives), for a use case that checks and cleans them before storing
/// anything: its text fields and, per image field chosen, the name and
/// bytes. An interrupted body leaves `broken` set.
pub struct Images {
    pub posted: Posted,
    pub images: HashMap<String, scigrant_app::identity::appeal::Image>,
    pub broken: bool,
}

/// 上传自然人信息 / 上传法人信息: the two signed images (`front`, `back`,
/// at most 1 MB each) read in memory, or the refusal of an interrupted
/// upload before any use case runs.
pub async fn read_front_back(mp: Multipart) -> Result<Images, AppError> {
    let read = read_images(
        mp,
        &["front", "back"],
        scigrant_domain::identity::realname::IMAGE_MAX as usize,
    )
    .await;
    if read.broken {
        return Err(AppError::Refused("上传未完成，请重新选择文件后提交".into()));
    }
    Ok(read)
}

pub async fn read_images(mut mp: Multipart, fields: &[&str], max: usize) -> Images {
    let mut out = Images {
        posted: Posted(Vec::new()),
        images: HashMap::new(),
        broken: false,
    };
    loop {
        let mut field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => {
                out.broken = true;
                break;
            }
        };
        let name = field.name().unwrap_or("").to_string();
        if !fields.contains(&name.as_str()) {
            let value = field.text().await.unwrap_or_default();
            out.posted.0.push((name, value));
            continue;
        }
        let file_name = field.file_name().unwrap_or("").to_string();
        let mut bytes = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    let room = (max + 1).saturating_sub(bytes.len());
                    bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
                }
                Ok(None) => break,
                Err(_) => {
                    out.broken = true;
                    bytes.clear();
                    break;
                }
            }
        }
        if !file_name.is_empty() || !bytes.is_empty() {
            out.images.insert(
                name,
                scigrant_app::identity::appeal::Image {
                    name: file_name,
                    bytes,
                },
            );
        }
    }
    out
}
