//! The checks of `Config::check` that need more than a line: object
//! storage, the webhook and the second-language name's font.

use std::path::Path;

use scigrant_store::files::url::StorageUrl;

use super::{Config, ConfigError};

/// Where Debian's `fonts-noto-core` installs Noto Serif Tibetan, and its
/// licence (the package's copyright file: SIL Open Font License 1.1).
pub const NOTO_SERIF_TIBETAN: &str = "/usr/share/fonts/truetype/noto/NotoSerifTibetan-Regular.ttf";
pub const NOTO_SERIF_TIBETAN_LICENCE: &str = "Noto Serif Tibetan，SIL Open Font License 1.1";

impl Config {
    /// A configured font must exist and have its licence named; without
    /// one, a second-language name gets the packaged Noto Serif Tibetan
    /// when it is installed.
    pub(super) fn check_second_font(&mut self) -> Result<(), ConfigError> {
        if self.site_second_font.is_empty() {
            if !self.site_second_name.is_empty() && Path::new(NOTO_SERIF_TIBETAN).is_file() {
                self.site_second_font = NOTO_SERIF_TIBETAN.into();
                self.site_second_font_licence = NOTO_SERIF_TIBETAN_LICENCE.into();
            }
            return Ok(());
        }
        if !Path::new(&self.site_second_font).is_file() {
            return Err(ConfigError::Invalid(format!(
                "site_second_font = {}：字体文件不存在",
                self.site_second_font
            )));
        }
        if self.site_second_font_licence.trim().is_empty() {
            return Err(ConfigError::Invalid(
                "已设置 site_second_font，须在 site_second_font_licence 中写明字体名称及其许可证"
                    .into(),
            ));
        }
        Ok(())
    }

    /// A storage address that parses, and S3 settings that can work.
    pub(super) fn check_storage(&self) -> Result<(), ConfigError> {
        if !matches!(self.storage_url()?, StorageUrl::S3 { .. }) {
            return Ok(());
        }
        if self.s3_endpoint.starts_with("http://") && !self.s3_allow_http {
            return Err(ConfigError::Invalid(
                "s3_endpoint 为 http 地址：仅在回环或内网中使用，并须设置 s3_allow_http = true"
                    .into(),
            ));
        }
        if !self.s3_access_key_id.is_empty() && self.s3_secret_access_key.is_none() {
            return Err(ConfigError::Invalid(
                "已设置 s3_access_key_id，但缺少 s3_secret_access_key".into(),
            ));
        }
        Ok(())
    }

    /// A webhook needs its signing secret (16 characters or more) and an
    /// http(s) address.
    pub(super) fn check_webhook(&self) -> Result<(), ConfigError> {
        let url = self.webhook_url.trim();
        if url.is_empty() {
            return Ok(());
        }
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(ConfigError::Invalid(format!(
                "webhook_url = {url}：须为 http:// 或 https:// 地址"
            )));
        }
        if self
            .webhook_secret
            .as_ref()
            .is_none_or(|s| s.expose().len() < 16)
        {
            return Err(ConfigError::Invalid(
                "已设置 webhook_url，须设置至少 16 个字符的 webhook_secret 用于签名".into(),
            ));
        }
        Ok(())
    }
}
