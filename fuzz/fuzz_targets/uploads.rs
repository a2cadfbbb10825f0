//! Multipart uploads: a request body of any bytes, arriving in pieces of any size, read
//! with the parser under the web front end's uploads (multer, which axum's `Multipart`
//! wraps) under the same size limits, then what the product does with each part: a file
//! is accepted by its first bytes (`FileKind::magic`) and its name (`extension_fits`), an
//! image for an appeal or 实名认证 has its metadata stripped (`strip_image_metadata`),
//! and a text field is decoded once, whole. No panic, and the stripping holds its
//! promises on whatever it accepts: the same signature, never longer than what came in,
//! and stripping the result again changes nothing.
#![no_main]

use futures::executor::block_on;
use futures::stream;
use libfuzzer_sys::fuzz_target;
use scigrant_domain::upload::image::strip_image_metadata;
use scigrant_domain::upload::{FileKind, extension_fits};

const BOUNDARY: &str = "----scigrant-fuzz";
/// The largest text field the web front end keeps (`http::forms::MAX_TEXT`).
const MAX_TEXT: usize = 64 * 1024;
const KINDS: [FileKind; 4] = [FileKind::Jpeg, FileKind::Pdf, FileKind::Ole2, FileKind::Zip];

fn check_image(bytes: &[u8]) {
    if let Ok(clean) = strip_image_metadata(bytes) {
        assert!(clean.len() <= bytes.len(), "stripping made the image longer");
        assert_eq!(clean[..2], bytes[..2], "stripping changed the signature");
        assert_eq!(
            strip_image_metadata(&clean).as_deref(),
            Ok(clean.as_slice()),
            "stripping a stripped image changed it"
        );
    }
}

fuzz_target!(|input: &[u8]| {
    // The first byte chooses the size of the pieces the body arrives in.
    let Some((&piece, body)) = input.split_first() else {
        return;
    };
    // Every image path sees the raw bytes too, not only what the parser lets through.
    check_image(body);
    let piece = usize::from(piece).max(1);
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        body.chunks(piece).map(|c| Ok(c.to_vec())).collect();
    let limits = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .whole_stream(1024 * 1024)
            .per_field(256 * 1024),
    );
    let mut mp = multer::Multipart::with_constraints(stream::iter(chunks), BOUNDARY, limits);
    block_on(async {
        while let Ok(Some(mut field)) = mp.next_field().await {
            let name = field.name().unwrap_or("").to_string();
            let file_name = field.file_name().map(str::to_string);
            let mut bytes = Vec::new();
            while let Ok(Some(chunk)) = field.chunk().await {
                bytes.extend_from_slice(&chunk);
            }
            match file_name {
                Some(file_name) => {
                    for kind in KINDS {
                        if bytes.starts_with(kind.magic()) {
                            let _ = extension_fits(kind, &file_name);
                        }
                    }
                    check_image(&bytes);
                }
                // Decoded once, whole: a field split inside a character reads the
                // same as one that arrived at once.
                None if bytes.len() <= MAX_TEXT => {
                    let whole = String::from_utf8_lossy(&bytes);
                    if let Ok(typed) = std::str::from_utf8(&bytes) {
                        assert_eq!(whole, typed, "{name}");
                    }
                }
                None => {}
            }
        }
    });
});
