//! 申诉找回密码: the two kinds of appeal (自然人, 单位法人用户), their
//! states, the 身份类型 choices, and the rules for the uploaded images
//! (jpg/png/jpeg by content, at most 1 MB) and for how long they are kept.

use crate::upload::FileKind;

/// 上传的证件文件 "大小不超过1MB": 1,048,576 bytes pass, one more is refused.
pub const IMAGE_MAX: u64 = 1024 * 1024;
/// Days an appeal's images are kept after the decision; the retention job
/// deletes them then (docs/operations.md).
pub const IMAGE_KEEP_DAYS: i64 = 90;

/// Which appeal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppealKind {
    /// 自然人申诉找回密码
    Person,
    /// 单位法人用户申诉找回密码
    Unit,
}

impl AppealKind {
    pub fn code(self) -> &'static str {
        match self {
            AppealKind::Person => "person",
            AppealKind::Unit => "unit",
        }
    }
    pub fn from_code(s: &str) -> Option<AppealKind> {
        match s {
            "person" => Some(AppealKind::Person),
            "unit" => Some(AppealKind::Unit),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            AppealKind::Person => "自然人申诉找回密码",
            AppealKind::Unit => "单位法人用户申诉找回密码",
        }
    }
}

/// Where an appeal stands: 等待审核, then approved or rejected once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AppealState {
    Pending,
    Approved,
    Rejected,
}

impl AppealState {
    pub fn code(self) -> &'static str {
        match self {
            AppealState::Pending => "pending",
            AppealState::Approved => "approved",
            AppealState::Rejected => "rejected",
        }
    }
    pub fn from_code(s: &str) -> Option<AppealState> {
        match s {
            "pending" => Some(AppealState::Pending),
            "approved" => Some(AppealState::Approved),
            "rejected" => Some(AppealState::Rejected),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            AppealState::Pending => "等待审核",
            AppealState::Approved => "审核通过",
            AppealState::Rejected => "审核不通过",
        }
    }
    /// Only a pending appeal is decided, and only once.
    pub fn can_decide(self) -> bool {
        self == AppealState::Pending
    }
}

/// 身份类型, as the seed's form offers them.
pub const IDENTITY_TYPES: [(&str, &str); 3] = [
    ("mainland", "中华人民共和国大陆地区"),
    ("hkmt", "中华人民共和国港、澳、台地区"),
    ("other", "其他"),
];

/// The label of a 身份类型 code.
pub fn identity_type_label(code: &str) -> Option<&'static str> {
    IDENTITY_TYPES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
}

/// The kinds an appeal image may be ("jpg、png、jpeg其中任何一种格式").
pub const IMAGE_KINDS: [FileKind; 2] = [FileKind::Jpeg, FileKind::Png];

/// The kind of an image by its first bytes, if it is a JPEG or a PNG.
pub fn image_kind(bytes: &[u8]) -> Option<FileKind> {
    IMAGE_KINDS
        .into_iter()
        .find(|k| bytes.starts_with(k.magic()))
}

/// Whether a file name ends as an appeal image may (jpg, png, jpeg).
pub fn image_name_fits(name: &str) -> bool {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    matches!(ext.as_str(), "jpg" | "jpeg" | "png")
}

/// Why an image is refused, or `None` when it may be kept: empty, over
/// [`IMAGE_MAX`], not a JPEG or PNG by content, or named otherwise.
pub fn image_refusal(name: &str, bytes: &[u8]) -> Option<&'static str> {
    if bytes.is_empty() {
        return Some("请选择要上传的文件");
    }
    if bytes.len() as u64 > IMAGE_MAX {
        return Some("上传的证件文件大小不能超过1MB");
    }
    if image_kind(bytes).is_none() || !image_name_fits(name) {
        return Some("上传的证件文件类型需为jpg、png、jpeg其中任何一种格式");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_told_by_content_and_size() {
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
        jpeg.resize(IMAGE_MAX as usize, 0x20);
        assert_eq!(image_refusal("正面.JPG", &jpeg), None);
        jpeg.push(0x20);
        assert_eq!(
            image_refusal("正面.jpg", &jpeg),
            Some("上传的证件文件大小不能超过1MB")
        );
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        assert_eq!(image_refusal("反面.png", &png), None);
        assert!(image_refusal("反面.gif", &png).is_some());
        assert!(image_refusal("a.jpg", b"%PDF-1.4").is_some());
        assert!(image_refusal("a.jpg", b"").is_some());
    }

    #[test]
    fn only_a_pending_appeal_is_decided() {
        assert!(AppealState::Pending.can_decide());
        assert!(!AppealState::Approved.can_decide());
        assert!(!AppealState::Rejected.can_decide());
        for s in [
            AppealState::Pending,
            AppealState::Approved,
            AppealState::Rejected,
        ] {
            assert_eq!(AppealState::from_code(s.code()), Some(s));
        }
    }
}
