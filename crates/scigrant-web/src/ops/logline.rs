//! The shape of a log line. Every line written while a request is
//! answered names the request: its id, method and path (never the query),
//! as `request{id=… method=… path=…}: ` in the text format and as
//! `"span":{"id":…,"method":…,"path":…,"name":"request"}` in JSON, the
//! shape tracing-subscriber gives a span.
//!
//! The request is carried in a task-local rather than a tracing span: a
//! span is registered, its fields formatted, entered and left at every
//! poll and closed, for every request, and that was a fifth of the
//! server's own work on a page (docs/benchmarks.md). The task-local costs
//! a swap per poll, and the request is only written out when a line is.
//! Spans made by libraries (at `debug` and below) are still written after
//! it.

use std::fmt;

use axum::http::{HeaderValue, Method, Uri};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::field::{MakeVisitor, VisitFmt, VisitOutput};
use tracing_subscriber::fmt::format::{DefaultVisitor, Format, Json, Writer};
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

tokio::task_local! {
    static REQUEST: Answering;
}

/// The request being answered.
struct Answering {
    id: HeaderValue,
    method: Method,
    uri: Uri,
}

/// Runs `answer` with the request it answers named on its log lines.
pub async fn answering<F: Future>(
    id: HeaderValue,
    method: Method,
    uri: Uri,
    answer: F,
) -> F::Output {
    REQUEST.scope(Answering { id, method, uri }, answer).await
}

/// Calls `f` with the request being answered, if there is one.
fn with_request<R>(f: impl FnOnce(&str, &Method, &str) -> R) -> Option<R> {
    REQUEST
        .try_with(|r| f(r.id.to_str().unwrap_or("-"), &r.method, r.uri.path()))
        .ok()
}

/// The text format: tracing-subscriber's default (`Full`) shape, the
/// request written as if it were the outermost span.
pub struct Text;

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";

impl<S, N> FormatEvent<S, N> for Text
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut w: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let ansi = w.has_ansi_escapes();
        let style = |s: &'static str| if ansi { s } else { "" };
        let (bold, dim, reset) = (style(BOLD), style(DIM), style(RESET));
        let meta = event.metadata();

        w.write_str(dim)?;
        if SystemTime.format_time(&mut w).is_err() {
            w.write_str("<unknown time>")?;
        }
        let (colour, level) = match *meta.level() {
            Level::ERROR => ("\x1b[31m", "ERROR"),
            Level::WARN => ("\x1b[33m", " WARN"),
            Level::INFO => ("\x1b[32m", " INFO"),
            Level::DEBUG => ("\x1b[34m", "DEBUG"),
            Level::TRACE => ("\x1b[35m", "TRACE"),
        };
        write!(w, "{reset} {}{level}{reset} ", style(colour))?;

        let mut spans = with_request(|id, method, path| {
            write!(
                w,
                "{bold}request{{{reset}id={id} method={method} path={path}{bold}}}{reset}{dim}:{reset}"
            )
        })
        .transpose()?
        .is_some();
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                write!(w, "{bold}{}{reset}", span.metadata().name())?;
                let ext = span.extensions();
                if let Some(fields) = ext.get::<FormattedFields<N>>()
                    && !fields.is_empty()
                {
                    write!(w, "{bold}{{{reset}{fields}{bold}}}{reset}")?;
                }
                write!(w, "{dim}:{reset}")?;
                spans = true;
            }
        }
        if spans {
            w.write_char(' ')?;
        }
        write!(w, "{dim}{}:{reset} ", meta.target())?;
        ctx.format_fields(w.by_ref(), event)?;
        writeln!(w)
    }
}

/// The JSON format: tracing-subscriber's, with the request added as the
/// current span when no library span is current.
pub struct JsonLine(pub Format<Json>);

impl<S, N> FormatEvent<S, N> for JsonLine
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut w: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let span = if ctx.lookup_current().is_some() {
            None
        } else {
            with_request(|id, method, path| {
                let s = |v: &str| serde_json::to_string(v).unwrap_or_default();
                format!(
                    r#""span":{{"id":{},"method":{},"path":{},"name":"request"}}"#,
                    s(id),
                    s(method.as_str()),
                    s(path)
                )
            })
        };
        let Some(span) = span else {
            return self.0.format_event(ctx, w, event);
        };
        // The object as tracing-subscriber writes it, reopened at its end.
        let mut line = String::with_capacity(256);
        self.0.format_event(ctx, Writer::new(&mut line), event)?;
        let object = line.trim_end().strip_suffix('}').ok_or(fmt::Error)?;
        writeln!(w, "{object},{span}}}")
    }
}

/// The fields of a text line as tracing-subscriber's `DefaultFields`
/// writes them: `name=value` apart by a space, the message first without
/// its name. Plain fields are written here straight: `DefaultFields` runs
/// each name and `=` through its terminal styling even when there is no
/// terminal, and the request line has nine fields. The message (whose
/// control characters it escapes), errors (with their sources), raw
/// identifiers and coloured output are left to its `DefaultVisitor`.
pub struct Fields;

impl<'a> MakeVisitor<Writer<'a>> for Fields {
    type Visitor = FieldWriter<'a>;

    fn make_visitor(&self, writer: Writer<'a>) -> FieldWriter<'a> {
        FieldWriter {
            writer,
            empty: true,
            result: Ok(()),
        }
    }
}

/// Writes one line's (or one span's) fields; see [`Fields`].
pub struct FieldWriter<'a> {
    writer: Writer<'a>,
    /// No field written yet (none gets a space before it).
    empty: bool,
    result: fmt::Result,
}

impl FieldWriter<'_> {
    /// `name=` for a plain field, or `None` when `DefaultVisitor` writes
    /// the field.
    fn plain(&mut self, field: &Field) -> Option<&mut Self> {
        let name = field.name();
        if self.result.is_err()
            || self.writer.has_ansi_escapes()
            || name == "message"
            || name.starts_with("r#")
        {
            return None;
        }
        let sep = if std::mem::take(&mut self.empty) {
            ""
        } else {
            " "
        };
        self.result = self
            .writer
            .write_str(sep)
            .and_then(|()| self.writer.write_str(name))
            .and_then(|()| self.writer.write_char('='));
        Some(self)
    }

    /// The field written by tracing-subscriber's own visitor.
    fn by_default(&mut self, record: impl FnOnce(&mut DefaultVisitor<'_>)) {
        if self.result.is_err() {
            return;
        }
        let mut visitor = DefaultVisitor::new(self.writer.by_ref(), self.empty);
        record(&mut visitor);
        self.result = visitor.finish();
        self.empty = false;
    }
}

/// Numbers and booleans come through `record_debug`, as in
/// `DefaultVisitor`: their `Debug` is their `Display`.
impl Visit for FieldWriter<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        match self.plain(field) {
            Some(w) => w.result = write!(w.writer, "{value:?}"),
            None => self.by_default(|v| v.record_str(field, value)),
        }
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.by_default(|v| v.record_error(field, value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        match self.plain(field) {
            Some(w) => w.result = write!(w.writer, "{value:?}"),
            None => self.by_default(|v| v.record_debug(field, value)),
        }
    }
}

impl VisitOutput<fmt::Result> for FieldWriter<'_> {
    fn finish(self) -> fmt::Result {
        self.result
    }
}

impl VisitFmt for FieldWriter<'_> {
    fn writer(&mut self) -> &mut dyn fmt::Write {
        &mut self.writer
    }
}
