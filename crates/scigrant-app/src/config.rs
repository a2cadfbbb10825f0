//! The one typed configuration, loaded once at start: built-in defaults,
//! then `scigrant.toml` (if present), then `SCIGRANT_*` environment
//! variables. Secrets are redacted in `Debug`.

use std::path::PathBuf;

use scigrant_domain::identity::doors::Doors;
use scigrant_store::files::s3::S3Settings;
use scigrant_store::files::url::StorageUrl;
use serde::Deserialize;

/// A value that never shows in logs.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Lowest PBKDF2-HMAC-SM3 iteration count a production server accepts;
/// see docs/operations.md for the measured cost.
pub const MIN_PASSWORD_ITERATIONS: u32 =
    scigrant_domain::identity::password_hash::MIN_PRODUCTION_ITERATIONS;

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address and port to listen on (`SCIGRANT_LISTEN`).
    pub listen: String,
    /// Where the SQLite database, uploaded files and the PII key live.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; empty means `<data_dir>/scigrant.db`.
    pub database_url: String,
    /// The address users reach the site at; https turns on `Secure` cookies.
    pub public_url: String,
    pub max_connections: u32,
    /// 站点名称 and its second-language name (the Tibet site shows Tibetan).
    pub site_name: String,
    pub site_second_name: String,
    /// The words of the login and registration pages: `province`
    /// (个人用户登录 / 企业用户登录, the default) or `most` (自然人登录 /
    /// 法人登录) — see `scigrant_domain::identity::doors`.
    pub account_doors: String,
    /// A font for the second-language name, served to browsers that lack
    /// one (Tibetan shows as empty boxes on most computers in China), and
    /// its licence as the footer names it ("Noto Serif Tibetan，SIL Open
    /// Font License 1.1"). Empty: Noto Serif Tibetan where Debian's
    /// `fonts-noto-core` installed it; none otherwise.
    pub site_second_font: String,
    pub site_second_font_licence: String,
    /// 业务咨询 / 技术咨询 telephone numbers shown on every page.
    pub business_phones: Vec<String>,
    pub tech_phones: Vec<String>,
    /// What a government site's footer must show (《政府网站发展指引》):
    /// 主办单位, 网站标识码, the ICP filing number (linked to
    /// beian.miit.gov.cn) and the public-security filing number (linked to
    /// beian.mps.gov.cn); each line is left out while empty.
    pub site_sponsor: String,
    pub site_code: String,
    pub icp_filing: String,
    pub police_filing: String,
    /// 64 hex digits; when absent the key is generated into the data dir.
    pub pii_key: Option<Secret>,
    /// PBKDF2-HMAC-SM3 iterations for new password hashes.
    pub password_iterations: u32,
    /// Lets tests lower the iteration count below the production floor.
    pub allow_weak_password_hashing: bool,
    /// For automated tests only: every captcha accepts this answer.
    pub test_captcha: Option<Secret>,
    /// SMTP server for e-mail (`SCIGRANT_SMTP_HOST`); when empty e-mail
    /// stays queued in the outbox, where staff see it.
    pub smtp_host: String,
    pub smtp_port: u16,
    /// `none` (plain, for a relay on the same host), `starttls` or `tls`.
    pub smtp_tls: SmtpTls,
    /// Credentials for the SMTP server; no authentication when empty.
    pub smtp_username: String,
    pub smtp_password: Option<Secret>,
    /// The sender of every e-mail, e.g. `科技创新服务系统 <noreply@kjt.example.cn>`.
    pub mail_from: String,
    /// An SMS gateway taking a JSON POST `{"phone": …, "text": …}`; when
    /// empty SMS stay in the outbox staff read (which counts as delivered).
    pub sms_http_url: String,
    /// How long the SMS gateway may take to answer, in seconds.
    pub sms_http_timeout_secs: u64,
    /// 实名认证 provider taking the JSON protocol of docs/operations.md
    /// (`SCIGRANT_REALNAME_URL`); empty: verification goes to manual review.
    pub realname_url: String,
    /// How long the provider may take (`SCIGRANT_REALNAME_TIMEOUT_MS`).
    pub realname_timeout_ms: u64,
    /// Where application state changes are POSTed as JSON, signed with
    /// HMAC-SM3 under `webhook_secret` (`SCIGRANT_WEBHOOK_URL`,
    /// `SCIGRANT_WEBHOOK_SECRET`); empty: no webhooks.
    pub webhook_url: String,
    pub webhook_secret: Option<Secret>,
    /// Per-IP limits (requests a minute) on login and registration posts.
    pub login_rate_per_minute: u32,
    pub register_rate_per_minute: u32,
    /// Requests a minute one API access token may make, the total across
    /// every node (`SCIGRANT_API_RATE_PER_MINUTE`); over it, 429.
    pub api_rate_per_minute: u32,
    /// Audit records older than this many days are purged once a day
    /// (`SCIGRANT_AUDIT_KEEP_DAYS`); 0 keeps them for ever, and anything
    /// under 180 is refused at start (《网络安全法》: logs kept ≥ 6 months).
    pub audit_keep_days: u32,
    /// Login name of the first 系统管理员, created at first start
    /// (`SCIGRANT_ADMIN_LOGIN`); when unset one is generated and printed.
    /// `admin` is refused.
    pub admin_login: Option<String>,
    /// The shortest and longest 公示 period staff may publish, in days
    /// (both ends counted; provincial practice is 5 to 10).
    pub notice_min_days: i64,
    pub notice_max_days: i64,
    /// Load balancers or reverse proxies whose `X-Forwarded-For` is
    /// believed (`SCIGRANT_TRUSTED_PROXIES`, comma-separated addresses).
    /// Only a request whose TCP peer is one of them has its client address
    /// taken from that header; everyone else's header is ignored.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// A separate address serving Prometheus metrics at `/metrics`
    /// (`SCIGRANT_METRICS_LISTEN`, e.g. `127.0.0.1:9100`).
    pub metrics_listen: Option<String>,
    /// Without `metrics_listen`, `/metrics` on the main address answers
    /// only `Authorization: Bearer <metrics_token>` (`SCIGRANT_METRICS_TOKEN`);
    /// with neither, there are no metrics over HTTP.
    pub metrics_token: Option<Secret>,
    /// `text` (the default) or `json`, one object a line (`SCIGRANT_LOG_FORMAT`).
    pub log_format: String,
    /// Requests slower than this are logged at warn (`SCIGRANT_SLOW_REQUEST_MS`).
    pub slow_request_ms: u64,
    /// Statements slower than this are logged at warn (`SCIGRANT_SLOW_QUERY_MS`).
    pub slow_query_ms: u64,
    /// How long a request waits for a PostgreSQL connection while no
    /// request gets one — the database is down — before it is answered 503
    /// (`SCIGRANT_DB_ACQUIRE_TIMEOUT_MS`). Queueing behind busy connections
    /// while others get theirs (load) is not cut by it.
    pub db_acquire_timeout_ms: u64,
    /// After SIGTERM or Ctrl-C, how long requests in flight may take to
    /// finish before the process exits anyway (`SCIGRANT_SHUTDOWN_GRACE_SECS`).
    pub shutdown_grace_secs: u64,
    /// Where accepted documents are kept (`SCIGRANT_STORAGE_URL`):
    /// `file://PATH`, or `s3://bucket/prefix` for an S3-compatible bucket;
    /// empty means the `files` folder of the data directory.
    pub storage_url: String,
    /// The S3-compatible service (`SCIGRANT_S3_ENDPOINT`, e.g.
    /// `https://oss-cn-beijing.aliyuncs.com`); empty means AWS itself.
    pub s3_endpoint: String,
    pub s3_region: String,
    /// Empty: the credentials of the machine's role.
    pub s3_access_key_id: String,
    pub s3_secret_access_key: Option<Secret>,
    /// Allows an `http://` endpoint (loopback or a private network only).
    pub s3_allow_http: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("data"),
            database_url: String::new(),
            public_url: String::new(),
            max_connections: 16,
            site_name: "科技创新服务系统".into(),
            site_second_name: String::new(),
            account_doors: Doors::default().code().into(),
            site_second_font: String::new(),
            site_second_font_licence: String::new(),
            business_phones: vec![],
            tech_phones: vec![],
            site_sponsor: String::new(),
            site_code: String::new(),
            icp_filing: String::new(),
            police_filing: String::new(),
            pii_key: None,
            password_iterations: MIN_PASSWORD_ITERATIONS,
            allow_weak_password_hashing: false,
            test_captcha: None,
            smtp_host: String::new(),
            smtp_port: 587,
            smtp_tls: SmtpTls::Starttls,
            smtp_username: String::new(),
            smtp_password: None,
            mail_from: "scigrant@localhost".into(),
            sms_http_url: String::new(),
            sms_http_timeout_secs: 10,
            realname_url: String::new(),
            realname_timeout_ms: 3000,
            webhook_url: String::new(),
            webhook_secret: None,
            login_rate_per_minute: 30,
            register_rate_per_minute: 20,
            api_rate_per_minute: 600,
            audit_keep_days: 0,
            admin_login: None,
            notice_min_days: 5,
            notice_max_days: 10,
            trusted_proxies: vec![],
            metrics_listen: None,
            metrics_token: None,
            log_format: "text".into(),
            slow_request_ms: 1000,
            slow_query_ms: 500,
            db_acquire_timeout_ms: scigrant_store::ACQUIRE_TIMEOUT.as_millis() as u64,
            shutdown_grace_secs: 20,
            storage_url: String::new(),
            s3_endpoint: String::new(),
            s3_region: "us-east-1".into(),
            s3_access_key_id: String::new(),
            s3_secret_access_key: None,
            s3_allow_http: false,
        }
    }
}

/// How the SMTP connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain SMTP: only for a relay on the same host or a test server.
    None,
    /// STARTTLS upgrade, required (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

impl SmtpTls {
    pub fn from_code(s: &str) -> Option<SmtpTls> {
        match s.trim() {
            "none" => Some(SmtpTls::None),
            "starttls" => Some(SmtpTls::Starttls),
            "tls" => Some(SmtpTls::Tls),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("配置文件 {0} 无法读取：{1}")]
    Read(PathBuf, std::io::Error),
    #[error("配置文件 {0} 格式错误：{1}")]
    Parse(PathBuf, String),
    #[error("环境变量 {0} 的值无效：{1}")]
    Env(&'static str, String),
    #[error("{0}")]
    Invalid(String),
}

impl Config {
    /// defaults → `file` (when it exists) → environment.
    pub fn load(file: Option<&std::path::Path>) -> Result<Config, ConfigError> {
        let path = file
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("scigrant.toml"));
        let mut cfg = if path.exists() {
            let text =
                std::fs::read_to_string(&path).map_err(|e| ConfigError::Read(path.clone(), e))?;
            toml::from_str(&text).map_err(|e| ConfigError::Parse(path.clone(), e.to_string()))?
        } else if file.is_some() {
            return Err(ConfigError::Read(
                path,
                std::io::Error::from(std::io::ErrorKind::NotFound),
            ));
        } else {
            Config::default()
        };
        cfg.apply_env(|k| std::env::var(k).ok())?;
        cfg.check()?;
        Ok(cfg)
    }

    /// Refuses combinations that would be unsafe in production.
    pub fn check(&mut self) -> Result<(), ConfigError> {
        if self.public_url.is_empty() {
            self.public_url = format!("http://{}", self.listen);
        }
        if self.test_captcha.is_some() && self.https() {
            return Err(ConfigError::Invalid(
                "SCIGRANT_TEST_CAPTCHA 仅用于自动化测试，公开地址为 https 时拒绝启动".into(),
            ));
        }
        if self.password_iterations < MIN_PASSWORD_ITERATIONS && !self.allow_weak_password_hashing {
            return Err(ConfigError::Invalid(format!(
                "password_iterations 不得低于 {MIN_PASSWORD_ITERATIONS}"
            )));
        }
        if self.notice_min_days < 1 || self.notice_max_days < self.notice_min_days {
            return Err(ConfigError::Invalid(format!(
                "公示期天数设置有误：notice_min_days = {}，notice_max_days = {}（最少 1 天，且不大于最多天数）",
                self.notice_min_days, self.notice_max_days
            )));
        }
        if self.allow_weak_password_hashing && self.https() {
            return Err(ConfigError::Invalid(
                "allow_weak_password_hashing 仅用于测试，公开地址为 https 时拒绝启动".into(),
            ));
        }
        if let Some(login) = &self.admin_login
            && crate::admin::staff::is_reserved_login(login)
        {
            return Err(ConfigError::Invalid(
                "admin_login 不得为 admin，请另选系统管理员登录名".into(),
            ));
        }
        if (1..crate::admin::audit::MIN_KEEP_DAYS).contains(&self.audit_keep_days) {
            return Err(ConfigError::Invalid(format!(
                "audit_keep_days = {}：审计记录须保留至少 {} 天（0 为永久保留）",
                self.audit_keep_days,
                crate::admin::audit::MIN_KEEP_DAYS
            )));
        }
        if Doors::from_code(&self.account_doors).is_none() {
            return Err(ConfigError::Invalid(format!(
                "account_doors 须为 province、most 或 cast，而不是 {}",
                self.account_doors
            )));
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return Err(ConfigError::Invalid(format!(
                "log_format 须为 text 或 json，而不是 {}",
                self.log_format
            )));
        }
        if self
            .metrics_token
            .as_ref()
            .is_some_and(|t| t.expose().len() < 16)
        {
            return Err(ConfigError::Invalid("metrics_token 至少 16 个字符".into()));
        }
        scigrant_store::Backend::from_url(&self.database_url())
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        self.check_storage()?;
        self.check_webhook()?;
        self.check_second_font()
    }

    /// Where accepted documents are kept.
    pub fn storage_url(&self) -> Result<StorageUrl, ConfigError> {
        if self.storage_url.trim().is_empty() {
            Ok(StorageUrl::Local(self.data_dir.join("files")))
        } else {
            StorageUrl::parse(self.storage_url.trim()).map_err(ConfigError::Invalid)
        }
    }

    /// How to reach and sign in to an S3-compatible bucket.
    pub fn s3_settings(&self) -> S3Settings {
        S3Settings {
            endpoint: self.s3_endpoint.clone(),
            region: self.s3_region.clone(),
            access_key_id: self.s3_access_key_id.clone(),
            secret_access_key: self
                .s3_secret_access_key
                .as_ref()
                .map(|s| s.expose().to_string())
                .unwrap_or_default(),
            allow_http: self.s3_allow_http,
        }
    }

    /// The login and registration pages' words.
    pub fn doors(&self) -> Doors {
        Doors::from_code(&self.account_doors).unwrap_or_default()
    }

    pub fn https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    pub fn database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("scigrant.db").display()
            )
        } else {
            self.database_url.clone()
        }
    }
}

mod checks;
mod env;
pub use checks::{NOTO_SERIF_TIBETAN, NOTO_SERIF_TIBETAN_LICENCE};

#[cfg(test)]
mod tests;
