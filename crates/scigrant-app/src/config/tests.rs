use super::*;

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let v: Vec<(String, String)> = pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    move |k| v.iter().find(|(a, _)| a == k).map(|(_, b)| b.clone())
}

#[test]
fn env_overrides_defaults() {
    let mut c = Config::default();
    c.apply_env(env(&[
        ("SCIGRANT_LISTEN", "0.0.0.0:9000"),
        ("SCIGRANT_BUSINESS_PHONES", "0891-6837871, 0891-6830873"),
    ]))
    .ok();
    c.check().ok();
    assert_eq!(c.listen, "0.0.0.0:9000");
    assert_eq!(c.business_phones, vec!["0891-6837871", "0891-6830873"]);
    assert_eq!(c.public_url, "http://0.0.0.0:9000");
    assert!(c.database_url().starts_with("sqlite://"));
}

#[test]
fn unknown_scheme_and_test_captcha_over_https_are_refused() {
    let mut c = Config {
        database_url: "mysql://x".into(),
        ..Config::default()
    };
    assert!(c.check().unwrap_err().to_string().contains("mysql"));
    let mut c = Config {
        public_url: "https://kj.example.cn".into(),
        test_captcha: Some(Secret::new("1234")),
        ..Config::default()
    };
    assert!(c.check().is_err());
}

#[test]
fn admin_login_comes_from_the_environment_and_admin_is_refused() {
    let mut c = Config::default();
    c.apply_env(env(&[("SCIGRANT_ADMIN_LOGIN", " zhang.kjt ")]))
        .unwrap();
    c.check().unwrap();
    assert_eq!(c.admin_login.as_deref(), Some("zhang.kjt"));
    let mut c = Config::default();
    c.apply_env(env(&[("SCIGRANT_ADMIN_LOGIN", "Admin")]))
        .unwrap();
    assert_eq!(
        c.check().unwrap_err().to_string(),
        "admin_login 不得为 admin，请另选系统管理员登录名"
    );
}

#[test]
fn operations_keys_come_from_the_environment_and_are_checked() {
    let mut c = Config::default();
    c.apply_env(env(&[
        ("SCIGRANT_METRICS_LISTEN", "127.0.0.1:9100"),
        ("SCIGRANT_LOG_FORMAT", "json"),
        ("SCIGRANT_SLOW_REQUEST_MS", "250"),
        ("SCIGRANT_SHUTDOWN_GRACE_SECS", "5"),
    ]))
    .unwrap();
    c.check().unwrap();
    assert_eq!(c.metrics_listen.as_deref(), Some("127.0.0.1:9100"));
    assert_eq!(
        (
            c.log_format.as_str(),
            c.slow_request_ms,
            c.shutdown_grace_secs
        ),
        ("json", 250, 5)
    );
    let mut c = Config {
        log_format: "xml".into(),
        ..Config::default()
    };
    assert_eq!(
        c.check().unwrap_err().to_string(),
        "log_format 须为 text 或 json，而不是 xml"
    );
    let mut c = Config {
        metrics_token: Some(Secret::new("short")),
        ..Config::default()
    };
    assert_eq!(
        c.check().unwrap_err().to_string(),
        "metrics_token 至少 16 个字符"
    );
}

#[test]
fn smtp_settings_come_from_the_environment() {
    let mut c = Config::default();
    c.apply_env(env(&[
        ("SCIGRANT_SMTP_HOST", "smtp.example.cn"),
        ("SCIGRANT_SMTP_PORT", "465"),
        ("SCIGRANT_SMTP_TLS", "tls"),
        ("SCIGRANT_SMTP_PASSWORD", "s3cret"),
    ]))
    .unwrap();
    assert_eq!(c.smtp_host, "smtp.example.cn");
    assert_eq!(c.smtp_port, 465);
    assert_eq!(c.smtp_tls, SmtpTls::Tls);
    assert!(!format!("{c:?}").contains("s3cret"));
    let mut c = Config::default();
    assert!(c.apply_env(env(&[("SCIGRANT_SMTP_TLS", "ssl")])).is_err());
}

#[test]
fn secrets_are_redacted() {
    let c = Config {
        pii_key: Some(Secret::new("00ff")),
        s3_secret_access_key: Some(Secret::new("wJalrXUtnFEMI")),
        ..Config::default()
    };
    assert!(!format!("{c:?}").contains("00ff"));
    assert!(!format!("{c:?}").contains("wJalrXUtnFEMI"));
    assert!(!format!("{:?}", c.s3_settings()).contains("wJalrXUtnFEMI"));
}

#[test]
fn storage_is_local_by_default_and_s3_comes_from_the_environment() {
    let mut c = Config::default();
    c.check().unwrap();
    assert_eq!(
        c.storage_url().unwrap(),
        StorageUrl::Local(PathBuf::from("data/files"))
    );
    c.apply_env(env(&[
        ("SCIGRANT_STORAGE_URL", "s3://kj-files/scigrant"),
        ("SCIGRANT_S3_ENDPOINT", "http://10.0.0.5:9000"),
        ("SCIGRANT_S3_ACCESS_KEY_ID", "AKIAEXAMPLE"),
        ("SCIGRANT_S3_SECRET_ACCESS_KEY", "wJalrXUtnFEMI"),
    ]))
    .unwrap();
    assert_eq!(
        c.check().unwrap_err().to_string(),
        "s3_endpoint 为 http 地址：仅在回环或内网中使用，并须设置 s3_allow_http = true"
    );
    c.apply_env(env(&[("SCIGRANT_S3_ALLOW_HTTP", "true")]))
        .unwrap();
    c.check().unwrap();
    assert_eq!(
        c.storage_url().unwrap().to_string(),
        "s3://kj-files/scigrant"
    );
    let s = c.s3_settings();
    assert_eq!(
        (
            s.endpoint.as_str(),
            s.access_key_id.as_str(),
            s.secret_access_key.as_str()
        ),
        ("http://10.0.0.5:9000", "AKIAEXAMPLE", "wJalrXUtnFEMI")
    );
    let mut c = Config {
        storage_url: "ftp://x".into(),
        ..Config::default()
    };
    assert_eq!(
        c.check().unwrap_err().to_string(),
        "存储地址 ftp://x 无效：不支持的协议（应为 file://目录 或 s3://存储桶/前缀）"
    );
}

#[test]
fn a_webhook_needs_an_http_address_and_a_signing_secret() {
    let mut c = Config::default();
    c.apply_env(env(&[
        ("SCIGRANT_WEBHOOK_URL", "https://finance.example.cn/hooks"),
        ("SCIGRANT_WEBHOOK_SECRET", "0123456789abcdef"),
    ]))
    .unwrap();
    c.check().unwrap();
    let mut c = Config {
        webhook_url: "https://finance.example.cn/hooks".into(),
        webhook_secret: Some(Secret::new("short")),
        ..Config::default()
    };
    assert_eq!(
        c.check().unwrap_err().to_string(),
        "已设置 webhook_url，须设置至少 16 个字符的 webhook_secret 用于签名"
    );
    let mut c = Config {
        webhook_url: "ftp://finance.example.cn/hooks".into(),
        webhook_secret: Some(Secret::new("0123456789abcdef")),
        ..Config::default()
    };
    assert_eq!(
        c.check().unwrap_err().to_string(),
        "webhook_url = ftp://finance.example.cn/hooks：须为 http:// 或 https:// 地址"
    );
}

#[test]
fn account_doors_choose_the_login_words_and_refuse_unknown_ones() {
    let mut c = Config::default();
    assert_eq!(c.doors(), Doors::Province);
    c.apply_env(env(&[("SCIGRANT_ACCOUNT_DOORS", "most")]))
        .unwrap();
    c.check().unwrap();
    assert_eq!(c.doors().unit_login(), "法人登录");
    c.apply_env(env(&[("SCIGRANT_ACCOUNT_DOORS", "cast")]))
        .unwrap();
    c.check().unwrap();
    assert!(c.doors().supplier());
    let mut c = Config {
        account_doors: "tibet".into(),
        ..Config::default()
    };
    assert_eq!(
        c.check().unwrap_err().to_string(),
        "account_doors 须为 province、most 或 cast，而不是 tibet"
    );
}
