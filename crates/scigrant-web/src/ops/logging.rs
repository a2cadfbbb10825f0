//! The log: human-readable text (the default) or JSON, one object a line
//! with the event's fields and its request span (`log_format`). The level
//! comes from `RUST_LOG` (default `info,sqlx=warn`: sqlx's slow
//! statements are warnings and still show).

/// Installs the subscriber for `format` (`text` or `json`, as checked by
/// the configuration).
pub fn init(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if format == "json" {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init();
    } else {
        builder.init();
    }
}
