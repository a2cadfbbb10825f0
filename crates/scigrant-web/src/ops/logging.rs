//! The log: human-readable text (the default) or JSON, one object a line
//! with the event's fields and its request span (`log_format`). The level
//! comes from `RUST_LOG` (default `info,sqlx=warn`: sqlx's slow
//! statements are warnings and still show).
//!
//! Lines are written by a thread of their own (tracing-appender's
//! non-blocking writer) through a buffer that is flushed whenever no line
//! is waiting: a request only queues its line, and a busy node writes many
//! lines per system call instead of one each (the request log alone was a
//! sixth of the portal's CPU under load). Nothing is dropped: when 128 000
//! lines wait, requests wait for the writer. The returned guard flushes
//! what is queued when it is dropped, at the end of `main`.

use std::io::{IsTerminal, Write};

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};

/// Installs the subscriber for `format` (`text` or `json`, as checked by
/// the configuration), writing to standard output.
pub fn init(format: &str) -> WorkerGuard {
    let colour = std::io::stdout().is_terminal();
    init_with(format, std::io::stdout(), colour)
}

/// The same, writing to `out` (the benchmarks write to a file);
/// `colour` turns on terminal colours in the text format.
pub fn init_with<W: Write + Send + 'static>(format: &str, out: W, colour: bool) -> WorkerGuard {
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(false)
        .thread_name("scigrant-log")
        .finish(std::io::BufWriter::with_capacity(64 * 1024, out));
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    if format == "json" {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init();
    } else {
        builder.with_ansi(colour).init();
    }
    guard
}
