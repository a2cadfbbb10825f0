//! Reading submitted forms. Multipart uploads are streamed straight into
//! the file store, where size and content type are checked chunk by chunk,
//! so a file that is too large or of the wrong type is refused before it
//! is stored and never held whole in memory.

use std::collections::HashMap;

use axum::extract::Multipart;
use scigrant_app::identity::register::Uploaded;
use scigrant_app::{App, FieldErrors};
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
            let mut value = String::new();
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) => {
                        if value.len() + chunk.len() > MAX_TEXT {
                            out.errors.add(&name, "内容过长");
                            break;
                        }
                        value.push_str(&String::from_utf8_lossy(&chunk));
                    }
                    Ok(None) => break,
                    Err(_) => break,
                }
            }
            out.text.insert(name, value);
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
