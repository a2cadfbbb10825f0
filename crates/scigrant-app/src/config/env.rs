//! `SCIGRANT_*` environment variables over the file's values: every key
//! of `Config` that an operator may set without a file.

use super::{Config, ConfigError, Secret, SmtpTls};

impl Config {
    /// Applies `SCIGRANT_*` variables read through `get`.
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        let list = |v: String| -> Vec<String> {
            v.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        if let Some(v) = get("SCIGRANT_LISTEN") {
            self.listen = v;
        }
        if let Some(v) = get("SCIGRANT_DATA_DIR") {
            self.data_dir = v.into();
        }
        if let Some(v) = get("SCIGRANT_DATABASE_URL") {
            self.database_url = v;
        }
        if let Some(v) = get("SCIGRANT_PUBLIC_URL") {
            self.public_url = v;
        }
        if let Some(v) = get("SCIGRANT_MAX_CONNECTIONS") {
            self.max_connections = v
                .parse()
                .map_err(|_| ConfigError::Env("SCIGRANT_MAX_CONNECTIONS", v))?;
        }
        if let Some(v) = get("SCIGRANT_SITE_NAME") {
            self.site_name = v;
        }
        if let Some(v) = get("SCIGRANT_ACCOUNT_DOORS") {
            self.account_doors = v.trim().to_string();
        }
        if let Some(v) = get("SCIGRANT_SITE_SECOND_NAME") {
            self.site_second_name = v;
        }
        if let Some(v) = get("SCIGRANT_SITE_SECOND_FONT") {
            self.site_second_font = v;
        }
        if let Some(v) = get("SCIGRANT_SITE_SECOND_FONT_LICENCE") {
            self.site_second_font_licence = v;
        }
        if let Some(v) = get("SCIGRANT_BUSINESS_PHONES") {
            self.business_phones = list(v);
        }
        if let Some(v) = get("SCIGRANT_TECH_PHONES") {
            self.tech_phones = list(v);
        }
        if let Some(v) = get("SCIGRANT_SITE_SPONSOR") {
            self.site_sponsor = v;
        }
        if let Some(v) = get("SCIGRANT_SITE_CODE") {
            self.site_code = v;
        }
        if let Some(v) = get("SCIGRANT_ICP_FILING") {
            self.icp_filing = v;
        }
        if let Some(v) = get("SCIGRANT_POLICE_FILING") {
            self.police_filing = v;
        }
        if let Some(v) = get("SCIGRANT_PII_KEY") {
            self.pii_key = Some(Secret(v));
        }
        if let Some(v) = get("SCIGRANT_PASSWORD_ITERATIONS") {
            self.password_iterations = v
                .parse()
                .map_err(|_| ConfigError::Env("SCIGRANT_PASSWORD_ITERATIONS", v))?;
        }
        if let Some(v) = get("SCIGRANT_ALLOW_WEAK_PASSWORD_HASHING") {
            self.allow_weak_password_hashing = v == "1" || v == "true";
        }
        if let Some(v) = get("SCIGRANT_TEST_CAPTCHA")
            && !v.is_empty()
        {
            self.test_captcha = Some(Secret(v));
        }
        if let Some(v) = get("SCIGRANT_SMTP_HOST") {
            self.smtp_host = v;
        }
        if let Some(v) = get("SCIGRANT_SMTP_PORT") {
            self.smtp_port = v
                .parse()
                .map_err(|_| ConfigError::Env("SCIGRANT_SMTP_PORT", v))?;
        }
        if let Some(v) = get("SCIGRANT_SMTP_TLS") {
            self.smtp_tls =
                SmtpTls::from_code(&v).ok_or(ConfigError::Env("SCIGRANT_SMTP_TLS", v))?;
        }
        if let Some(v) = get("SCIGRANT_SMTP_USERNAME") {
            self.smtp_username = v;
        }
        if let Some(v) = get("SCIGRANT_SMTP_PASSWORD")
            && !v.is_empty()
        {
            self.smtp_password = Some(Secret(v));
        }
        if let Some(v) = get("SCIGRANT_MAIL_FROM") {
            self.mail_from = v;
        }
        if let Some(v) = get("SCIGRANT_SMS_HTTP_URL") {
            self.sms_http_url = v;
        }
        if let Some(v) = get("SCIGRANT_SMS_HTTP_TIMEOUT_SECS") {
            self.sms_http_timeout_secs = v
                .parse()
                .map_err(|_| ConfigError::Env("SCIGRANT_SMS_HTTP_TIMEOUT_SECS", v))?;
        }
        if let Some(v) = get("SCIGRANT_WEBHOOK_URL") {
            self.webhook_url = v;
        }
        if let Some(v) = get("SCIGRANT_WEBHOOK_SECRET")
            && !v.is_empty()
        {
            self.webhook_secret = Some(Secret(v));
        }
        if let Some(v) = get("SCIGRANT_LOGIN_RATE_PER_MINUTE") {
            self.login_rate_per_minute = v
                .parse()
                .map_err(|_| ConfigError::Env("SCIGRANT_LOGIN_RATE_PER_MINUTE", v))?;
        }
        if let Some(v) = get("SCIGRANT_REGISTER_RATE_PER_MINUTE") {
            self.register_rate_per_minute = v
                .parse()
                .map_err(|_| ConfigError::Env("SCIGRANT_REGISTER_RATE_PER_MINUTE", v))?;
        }
        if let Some(v) = get("SCIGRANT_AUDIT_KEEP_DAYS") {
            self.audit_keep_days = v
                .parse()
                .map_err(|_| ConfigError::Env("SCIGRANT_AUDIT_KEEP_DAYS", v))?;
        }
        if let Some(v) = get("SCIGRANT_API_RATE_PER_MINUTE") {
            self.api_rate_per_minute = v
                .parse()
                .map_err(|_| ConfigError::Env("SCIGRANT_API_RATE_PER_MINUTE", v))?;
        }
        if let Some(v) = get("SCIGRANT_ADMIN_LOGIN")
            && !v.trim().is_empty()
        {
            self.admin_login = Some(v.trim().to_string());
        }
        if let Some(v) = get("SCIGRANT_NOTICE_MIN_DAYS") {
            self.notice_min_days = v
                .parse()
                .map_err(|_| ConfigError::Env("SCIGRANT_NOTICE_MIN_DAYS", v))?;
        }
        if let Some(v) = get("SCIGRANT_TRUSTED_PROXIES") {
            self.trusted_proxies = list(v.clone())
                .iter()
                .map(|s| s.parse())
                .collect::<Result<_, _>>()
                .map_err(|_| ConfigError::Env("SCIGRANT_TRUSTED_PROXIES", v))?;
        }
        if let Some(v) = get("SCIGRANT_NOTICE_MAX_DAYS") {
            self.notice_max_days = v
                .parse()
                .map_err(|_| ConfigError::Env("SCIGRANT_NOTICE_MAX_DAYS", v))?;
        }
        if let Some(v) = get("SCIGRANT_METRICS_LISTEN")
            && !v.trim().is_empty()
        {
            self.metrics_listen = Some(v.trim().to_string());
        }
        if let Some(v) = get("SCIGRANT_METRICS_TOKEN")
            && !v.is_empty()
        {
            self.metrics_token = Some(Secret(v));
        }
        if let Some(v) = get("SCIGRANT_LOG_FORMAT") {
            self.log_format = v;
        }
        let number = |name: &'static str, v: String| -> Result<u64, ConfigError> {
            v.parse().map_err(|_| ConfigError::Env(name, v))
        };
        if let Some(v) = get("SCIGRANT_REALNAME_URL") {
            self.realname_url = v;
        }
        if let Some(v) = get("SCIGRANT_REALNAME_TIMEOUT_MS") {
            self.realname_timeout_ms = number("SCIGRANT_REALNAME_TIMEOUT_MS", v)?;
        }
        if let Some(v) = get("SCIGRANT_SLOW_REQUEST_MS") {
            self.slow_request_ms = number("SCIGRANT_SLOW_REQUEST_MS", v)?;
        }
        if let Some(v) = get("SCIGRANT_SLOW_QUERY_MS") {
            self.slow_query_ms = number("SCIGRANT_SLOW_QUERY_MS", v)?;
        }
        if let Some(v) = get("SCIGRANT_DB_ACQUIRE_TIMEOUT_MS") {
            self.db_acquire_timeout_ms = number("SCIGRANT_DB_ACQUIRE_TIMEOUT_MS", v)?;
        }
        if let Some(v) = get("SCIGRANT_SHUTDOWN_GRACE_SECS") {
            self.shutdown_grace_secs = number("SCIGRANT_SHUTDOWN_GRACE_SECS", v)?;
        }
        if let Some(v) = get("SCIGRANT_STORAGE_URL") {
            self.storage_url = v;
        }
        if let Some(v) = get("SCIGRANT_S3_ENDPOINT") {
            self.s3_endpoint = v;
        }
        if let Some(v) = get("SCIGRANT_S3_REGION") {
            self.s3_region = v;
        }
        if let Some(v) = get("SCIGRANT_S3_ACCESS_KEY_ID") {
            self.s3_access_key_id = v;
        }
        if let Some(v) = get("SCIGRANT_S3_SECRET_ACCESS_KEY")
            && !v.is_empty()
        {
            self.s3_secret_access_key = Some(Secret(v));
        }
        if let Some(v) = get("SCIGRANT_S3_ALLOW_HTTP") {
            self.s3_allow_http = v == "1" || v == "true";
        }
        Ok(())
    }
}
