//! Photographs of ID cards, licences and signed letters keep only their
//! pixels: a phone's JPEG carries EXIF (the place and time it was taken,
//! the device, a thumbnail that may show more than the crop), and either
//! format can hide a second file after its end. Before such an image is
//! stored, every segment or chunk that is not needed to draw it is dropped
//! and nothing after the image's end is kept.
//!
//! Formats as specified in ITU-T T.81 (JPEG, markers in Annex B) and
//! ISO/IEC 15948 (PNG, chunks in section 5).

/// Why an upload is not an image the product can clean.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("文件不是JPG或PNG图片")]
    NotImage,
    #[error("图片文件不完整或已损坏")]
    Damaged,
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The image without its metadata: JPEG keeps SOI, the JFIF (APP0) and
/// Adobe (APP14, needed for the colour transform) segments, the tables,
/// frames and scans, and EOI; PNG keeps the critical chunks and the ones
/// that change how pixels look, in order, up to IEND.
pub fn strip_image_metadata(bytes: &[u8]) -> Result<Vec<u8>, ImageError> {
    if bytes.starts_with(&[0xFF, 0xD8]) {
        strip_jpeg(bytes)
    } else if bytes.starts_with(PNG_SIGNATURE) {
        strip_png(bytes)
    } else {
        Err(ImageError::NotImage)
    }
}

fn strip_jpeg(b: &[u8]) -> Result<Vec<u8>, ImageError> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut i = 2;
    let mut frames = 0;
    loop {
        // A marker: one or more 0xFF fill bytes, then the code.
        if b.get(i) != Some(&0xFF) {
            return Err(ImageError::Damaged);
        }
        while b.get(i) == Some(&0xFF) {
            i += 1;
        }
        let code = *b.get(i).ok_or(ImageError::Damaged)?;
        i += 1;
        match code {
            0xD9 => {
                if frames == 0 {
                    return Err(ImageError::Damaged);
                }
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Ok(out);
            }
            // Standalone markers carry no length.
            0x01 | 0xD0..=0xD7 => out.extend_from_slice(&[0xFF, code]),
            0x00 | 0xD8 => return Err(ImageError::Damaged),
            _ => {
                let len = usize::from(u16::from_be_bytes([
                    *b.get(i).ok_or(ImageError::Damaged)?,
                    *b.get(i + 1).ok_or(ImageError::Damaged)?,
                ]));
                if len < 2 || i + len > b.len() {
                    return Err(ImageError::Damaged);
                }
                let segment = &b[i..i + len];
                i += len;
                let payload = &segment[2..];
                let keep = match code {
                    0xE0 => payload.starts_with(b"JFIF\0"),
                    0xEE => payload.starts_with(b"Adobe"),
                    0xE1..=0xEF | 0xFE => false,
                    _ => true,
                };
                if (0xC0..=0xCF).contains(&code) && ![0xC4, 0xC8, 0xCC].contains(&code) {
                    frames += 1;
                }
                if keep {
                    out.extend_from_slice(&[0xFF, code]);
                    out.extend_from_slice(segment);
                }
                if code == 0xDA {
                    // The entropy-coded scan runs to the next marker that is
                    // neither a stuffed 0xFF00 nor a restart marker.
                    let start = i;
                    loop {
                        match (b.get(i), b.get(i + 1)) {
                            (Some(0xFF), Some(0x00 | 0xD0..=0xD7)) => i += 2,
                            (Some(0xFF), Some(_)) => break,
                            (Some(_), _) => i += 1,
                            (None, _) => return Err(ImageError::Damaged),
                        }
                    }
                    out.extend_from_slice(&b[start..i]);
                }
            }
        }
    }
}

fn strip_png(b: &[u8]) -> Result<Vec<u8>, ImageError> {
    const KEPT: [&[u8; 4]; 11] = [
        b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"sBIT", b"pHYs",
        b"bKGD",
    ];
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(PNG_SIGNATURE);
    let mut i = PNG_SIGNATURE.len();
    let mut first = true;
    loop {
        let head = b.get(i..i + 8).ok_or(ImageError::Damaged)?;
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let kind = &head[4..8];
        let end = i
            .checked_add(12)
            .and_then(|n| n.checked_add(len))
            .filter(|&n| n <= b.len())
            .ok_or(ImageError::Damaged)?;
        if first && kind != b"IHDR" {
            return Err(ImageError::Damaged);
        }
        first = false;
        // A critical chunk (upper-case first letter) the list does not know
        // cannot be dropped without breaking the image: refuse it instead.
        let known = KEPT.iter().any(|k| k.as_slice() == kind);
        if known {
            out.extend_from_slice(&b[i..end]);
        } else if kind[0].is_ascii_uppercase() {
            return Err(ImageError::Damaged);
        }
        i = end;
        if kind == b"IEND" {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(code: u8, payload: &[u8]) -> Vec<u8> {
        let mut v = vec![0xFF, code];
        v.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        v.extend_from_slice(payload);
        v
    }

    /// A JPEG's structure with EXIF, a comment, a stuffed byte and a restart
    /// marker in the scan, and a ZIP glued after EOI.
    fn phone_jpeg() -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8];
        v.extend(seg(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
        v.extend(seg(0xE1, b"Exif\0\0GPS 29.65N 91.13E"));
        v.extend(seg(0xFE, b"taken by Pixel"));
        v.extend(seg(0xDB, &[0; 65]));
        v.extend(seg(0xC0, &[8, 0, 1, 0, 1, 1, 1, 0x11, 0]));
        v.extend(seg(0xC4, &[0; 17]));
        v.extend(seg(0xDA, &[1, 1, 0, 0, 0x3F, 0]));
        v.extend([0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        v.extend([0xFF, 0xD9]);
        v.extend(b"PK\x03\x04hidden");
        v
    }

    #[test]
    fn jpeg_loses_exif_comment_and_trailer_but_keeps_its_scan() {
        let clean = strip_image_metadata(&phone_jpeg()).unwrap();
        let text = String::from_utf8_lossy(&clean);
        assert!(!text.contains("GPS"));
        assert!(!text.contains("Pixel"));
        assert!(!text.contains("hidden"));
        assert!(text.contains("JFIF"));
        assert!(
            clean
                .windows(7)
                .any(|w| w == [0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56])
        );
        assert!(clean.ends_with(&[0xFF, 0xD9]));
        // Cleaning twice changes nothing more.
        assert_eq!(strip_image_metadata(&clean).unwrap(), clean);
    }

    #[test]
    fn a_truncated_jpeg_is_refused() {
        let jpeg = phone_jpeg();
        for cut in [3, 10, 40, 120] {
            assert_eq!(
                strip_image_metadata(&jpeg[..cut]),
                Err(ImageError::Damaged),
                "{cut}"
            );
        }
        // No frame at all: not a picture.
        let mut v = vec![0xFF, 0xD8];
        v.extend([0xFF, 0xD9]);
        assert_eq!(strip_image_metadata(&v), Err(ImageError::Damaged));
    }

    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut v = (data.len() as u32).to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(data);
        v.extend([0, 0, 0, 0]);
        v
    }

    #[test]
    fn png_loses_text_and_exif_chunks_and_what_follows_iend() {
        let mut png = PNG_SIGNATURE.to_vec();
        png.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
        png.extend(chunk(b"tEXt", b"Author\0Zhang San 13712345678"));
        png.extend(chunk(b"eXIf", b"MM\0*GPS"));
        png.extend(chunk(b"IDAT", b"pixels"));
        png.extend(chunk(b"IEND", b""));
        png.extend(b"<script>");
        let clean = strip_image_metadata(&png).unwrap();
        let text = String::from_utf8_lossy(&clean);
        assert!(!text.contains("Zhang"));
        assert!(!text.contains("GPS"));
        assert!(!text.contains("script"));
        assert!(text.contains("pixels"));
        assert_eq!(strip_image_metadata(&clean).unwrap(), clean);
    }

    #[test]
    fn other_files_are_not_images() {
        assert_eq!(
            strip_image_metadata(b"%PDF-1.7"),
            Err(ImageError::NotImage)
        );
        let mut png = PNG_SIGNATURE.to_vec();
        png.extend(chunk(b"IDAT", b"no header first"));
        assert_eq!(strip_image_metadata(&png), Err(ImageError::Damaged));
        let mut png = PNG_SIGNATURE.to_vec();
        png.extend(chunk(b"IHDR", &[0; 13]));
        png.extend(chunk(b"IDAT", b"never ends"));
        assert_eq!(strip_image_metadata(&png), Err(ImageError::Damaged));
    }
}
