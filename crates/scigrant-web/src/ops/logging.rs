//! The log: human-readable text (the default) or JSON, one object a line
//! with the event's fields and its request span (`log_format`). The level
//! comes from `RUST_LOG` (default `info,sqlx=warn`: sqlx's slow
//! statements are warnings and still show).
//!
//! A request only appends its line to a buffer in memory; a thread of its
//! own writes what has gathered every `FLUSH_EVERY`, or at once when
//! `FLUSH_AT` bytes wait. A busy node thus writes many lines per system
//! call and never wakes that thread per line: a wake-up per request line
//! (tracing-appender's channel, used before) cost a third of the portal's
//! throughput (docs/benchmarks.md). Nothing is dropped: when `MAX_WAITING`
//! bytes wait because the output is slow, requests wait for the writer.
//! The returned guard writes what is left when it is dropped, at the end
//! of `main`; a process killed outright loses at most the last
//! `FLUSH_EVERY` of lines.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing::Dispatch;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::ops::logline::{Fields, JsonLine, Text};

/// How long a line may wait in memory.
const FLUSH_EVERY: Duration = Duration::from_millis(50);
/// Past this many bytes the writer is woken at once.
const FLUSH_AT: usize = 64 * 1024;
/// Past this many bytes waiting, a request waits for the writer.
const MAX_WAITING: usize = 8 * 1024 * 1024;

/// Installs the subscriber for `format` (`text` or `json`, as checked by
/// the configuration), writing to standard output.
pub fn init(format: &str) -> LogGuard {
    let colour = std::io::stdout().is_terminal();
    init_with(format, std::io::stdout(), colour)
}

/// The same, writing to `out` (the benchmarks write to a file);
/// `colour` turns on terminal colours in the text format.
pub fn init_with<W: Write + Send + 'static>(format: &str, out: W, colour: bool) -> LogGuard {
    let (writer, guard) = batched(out);
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into());
    if tracing::dispatcher::set_global_default(subscriber(format, filter, writer, colour)).is_err()
    {
        eprintln!("the log was set up already; this setup is ignored");
    }
    guard
}

/// The subscriber: lines shaped by `logline` in `format`, at the levels
/// `filter` lets through, written through `writer` (a test's capture).
pub fn subscriber<W>(format: &str, filter: EnvFilter, writer: W, colour: bool) -> Dispatch
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    if format == "json" {
        let lines = tracing_subscriber::fmt::format()
            .json()
            .with_current_span(true)
            .with_span_list(false);
        Dispatch::new(builder.json().event_format(JsonLine(lines)).finish())
    } else {
        Dispatch::new(
            builder
                .with_ansi(colour)
                .fmt_fields(Fields)
                .event_format(Text)
                .finish(),
        )
    }
}

/// The lines waiting to be written.
#[derive(Default)]
struct Waiting {
    bytes: Vec<u8>,
    closing: bool,
}

#[derive(Default)]
struct Shared {
    waiting: Mutex<Waiting>,
    /// The writer waits on this for `FLUSH_AT` bytes or the close.
    full: Condvar,
    /// Requests wait on this while `MAX_WAITING` bytes wait.
    drained: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Waiting> {
        // A panic while holding the lock leaves only bytes behind.
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// What the subscriber writes each line through.
#[derive(Clone)]
pub struct Batched(Arc<Shared>);

impl Write for &Batched {
    fn write(&mut self, line: &[u8]) -> std::io::Result<usize> {
        let mut w = self.0.lock();
        while w.bytes.len() >= MAX_WAITING && !w.closing {
            w = self.0.drained.wait(w).unwrap_or_else(|e| e.into_inner());
        }
        // Once closed (the end of `main`) no writer is left to take it.
        if w.closing {
            return Ok(line.len());
        }
        w.bytes.extend_from_slice(line);
        if w.bytes.len() >= FLUSH_AT {
            self.0.full.notify_one();
        }
        Ok(line.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Batched {
    type Writer = &'a Batched;

    fn make_writer(&'a self) -> Self::Writer {
        self
    }
}

/// Writes what is left and stops the writer when dropped.
pub struct LogGuard {
    shared: Arc<Shared>,
    writer: Option<JoinHandle<()>>,
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        self.shared.lock().closing = true;
        self.shared.full.notify_one();
        if let Some(w) = self.writer.take() {
            let _ = w.join();
        }
    }
}

/// The writer's side: every `FLUSH_EVERY` (or sooner when woken), takes
/// what waits and writes it to `out` in one go.
fn batched<W: Write + Send + 'static>(mut out: W) -> (Batched, LogGuard) {
    let shared = Arc::new(Shared::default());
    let theirs = shared.clone();
    let writer = std::thread::Builder::new()
        .name("scigrant-log".into())
        .spawn(move || {
            let mut spare = Vec::new();
            loop {
                let closing = {
                    let w = theirs.lock();
                    let (mut w, _) = theirs
                        .full
                        .wait_timeout_while(w, FLUSH_EVERY, |w| {
                            w.bytes.len() < FLUSH_AT && !w.closing
                        })
                        .unwrap_or_else(|e| e.into_inner());
                    std::mem::swap(&mut w.bytes, &mut spare);
                    w.closing
                };
                theirs.drained.notify_all();
                if !spare.is_empty() {
                    // A log that cannot be written has nowhere to say so.
                    let _ = out.write_all(&spare).and_then(|()| out.flush());
                    spare.clear();
                }
                if closing {
                    return;
                }
            }
        })
        .map_err(|e| {
            // Without its thread the log cannot be written; the server
            // still runs, and says so once.
            eprintln!("the log writer could not start: {e}");
            shared.lock().closing = true;
        })
        .ok();
    (Batched(shared.clone()), LogGuard { shared, writer })
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderValue, Method, Uri};
    use serde_json::json;

    use super::*;
    use crate::ops::logline::answering;

    /// An output the test can read back.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_arrive_in_order_within_the_interval_and_all_at_the_close() {
        let sink = Sink::default();
        let (writer, guard) = batched(sink.clone());
        (&writer).write_all(b"first\n").unwrap();
        (&writer).write_all(b"second\n").unwrap();
        std::thread::sleep(FLUSH_EVERY * 4);
        assert_eq!(sink.0.lock().unwrap().as_slice(), b"first\nsecond\n");

        // Many lines from several threads, more than MAX_WAITING in all:
        // every line arrives whole, each thread's in its order.
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let writer = writer.clone();
                std::thread::spawn(move || {
                    for i in 0..40_000 {
                        let line = format!("{t} {i:06} {}\n", "x".repeat(48));
                        (&writer).write_all(line.as_bytes()).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        (&writer).write_all(b"last\n").unwrap();
        drop(guard);
        let all = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = all.lines().collect();
        assert_eq!(lines.len(), 2 + 4 * 40_000 + 1);
        assert_eq!(lines.last(), Some(&"last"));
        for t in 0..4 {
            let mine: Vec<usize> = lines
                .iter()
                .filter_map(|l| l.strip_prefix(&format!("{t} ")))
                .map(|l| l[..6].parse().unwrap())
                .collect();
            assert_eq!(mine, (0..40_000).collect::<Vec<_>>());
        }
    }

    /// The lines the subscriber for `format` writes for what `run` logs,
    /// at debug and above.
    async fn lines_of(format: &str, run: impl Future<Output = ()>) -> String {
        let sink = Sink::default();
        let (writer, guard) = batched(sink.clone());
        let dispatch = subscriber(format, EnvFilter::new("debug"), writer, false);
        {
            let _default = tracing::dispatcher::set_default(&dispatch);
            run.await;
        }
        drop(guard);
        String::from_utf8(sink.0.lock().unwrap().clone()).unwrap()
    }

    /// A line outside any request, one inside, and one inside a library's
    /// span inside the request.
    async fn three_lines() {
        tracing::info!(n = 1, "before");
        let id = HeaderValue::from_static("0123456789abcdef");
        let uri: Uri = "/notices/tzgg?q=%E4%B8%AD".parse().unwrap();
        answering(id, Method::GET, uri, async {
            tokio::task::yield_now().await;
            tracing::warn!(status = 500, who = "a \"quoted\" name", "inside");
            let _lib = tracing::debug_span!("query", db = "pg").entered();
            tracing::debug!("in a span");
        })
        .await;
    }

    const TARGET: &str = "scigrant_web::ops::logging::tests";

    #[tokio::test]
    async fn text_lines_name_the_request_as_the_outermost_span() {
        let text = lines_of("text", three_lines()).await;
        let l: Vec<&str> = text.lines().collect();
        assert_eq!(l.len(), 3, "{text}");
        // 2026-12-03T17:00:00.123456Z, as tracing-subscriber writes it.
        for line in &l {
            assert_eq!((&line[4..5], &line[26..28]), ("-", "Z "), "{line}");
        }
        assert_eq!(&l[0][28..], format!(" INFO {TARGET}: before n=1"));
        let request = "request{id=0123456789abcdef method=GET path=/notices/tzgg}:";
        assert_eq!(
            &l[1][28..],
            format!(" WARN {request} {TARGET}: inside status=500 who=\"a \\\"quoted\\\" name\"")
        );
        assert_eq!(
            &l[2][28..],
            format!("DEBUG {request}query{{db=\"pg\"}}: {TARGET}: in a span")
        );
    }

    /// An error with a source, as `record_error` gets it.
    #[derive(Debug)]
    struct Outer(std::io::Error);

    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("could not write")
        }
    }

    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    /// Fields of every kind, in a span and on events.
    fn every_kind_of_field() {
        let span = tracing::info_span!("job", name = "backup", n = 3_u64, ok = true);
        let _in = span.enter();
        span.record("n", 4_u64);
        let err = Outer(std::io::Error::other("disk full"));
        tracing::info!(
            request_id = %"0123456789abcdef", route = "/notices/{section}", status = 200_u16,
            latency_ms = 3_u64, delta = -7_i64, ratio = 0.5_f64, flag = false,
            who = "a \"quoted\" 名字\n", list = ?vec!["a", "b"], r#type = "raw",
            actor_id = Some(42_i64), none = None::<i64>,
            "request \x1b[31mred\x1b[0m"
        );
        tracing::warn!(error = &err as &(dyn std::error::Error + 'static), "failed");
        tracing::info!("only a message");
        tracing::info!(n = 1);
    }

    #[test]
    fn the_text_fields_are_written_as_tracing_subscriber_writes_them() {
        let ours = Sink::default();
        let theirs = Sink::default();
        let (writer, guard) = batched(ours.clone());
        let dispatch = subscriber("text", EnvFilter::new("info"), writer, false);
        tracing::dispatcher::with_default(&dispatch, every_kind_of_field);
        drop(guard);
        let (writer, guard) = batched(theirs.clone());
        let reference = tracing_subscriber::fmt()
            .with_env_filter(EnvFilter::new("info"))
            .with_writer(writer)
            .with_ansi(false)
            .event_format(Text)
            .finish();
        tracing::subscriber::with_default(reference, every_kind_of_field);
        drop(guard);
        let text = |s: &Sink| {
            let all = String::from_utf8(s.0.lock().unwrap().clone()).unwrap();
            // The lines without their timestamps.
            all.lines().map(|l| l[27..].to_string()).collect::<Vec<_>>()
        };
        let (ours, theirs) = (text(&ours), text(&theirs));
        assert_eq!(ours.len(), 4, "{ours:#?}");
        assert_eq!(ours, theirs);
        assert!(
            ours[0].contains("request_id=0123456789abcdef route=\"/notices/{section}\" status=200"),
            "{}",
            ours[0]
        );
    }

    #[tokio::test]
    async fn json_lines_carry_the_request_as_their_span() {
        let text = lines_of("json", three_lines()).await;
        let l: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(l.len(), 3, "{text}");
        assert_eq!(l[0]["fields"], json!({"message": "before", "n": 1}));
        assert_eq!(l[0]["target"], TARGET);
        let at = l[0]["timestamp"].as_str().unwrap();
        assert_eq!((at.len(), &at[10..11], &at[26..]), (27, "T", "Z"), "{at}");
        assert_eq!(l[0].get("span"), None);
        assert_eq!(l[1]["level"], "WARN");
        assert_eq!(
            l[1]["fields"],
            json!({"message": "inside", "status": 500, "who": "a \"quoted\" name"})
        );
        assert_eq!(
            l[1]["span"],
            json!({"id": "0123456789abcdef", "method": "GET", "path": "/notices/tzgg", "name": "request"})
        );
        // Where a library's span is current, it is the span, as before.
        assert_eq!(l[2]["span"], json!({"db": "pg", "name": "query"}));
    }
}
