//! Log set-up for chaincode processes: plain text for people, JSON lines for
//! log shippers.
//!
//! Every transaction runs in a `transaction` span with the fields `txid`,
//! `channel` and `function`, so each line logged while it runs names it.
//! Plain text lines (the peer's case: stderr is not a terminal) name it the
//! same way without the span, from the transaction being polled, which
//! costs nothing when no line is written; JSON lines, coloured lines and a
//! subscriber of the program's own get the span:
//!
//! ```text
//! 2026-01-01T12:00:00.000000Z  WARN transaction{txid=1a2b… channel=mychannel function=TransferAsset}: ...
//! {"timestamp":"…","level":"WARN","message":"…","target":"…","span":{"txid":"1a2b…","channel":"mychannel","function":"TransferAsset","name":"transaction"},"spans":[…]}
//! ```
//!
//! | variable | effect |
//! |---|---|
//! | `RUST_LOG` | one level: `error`, `warn`, `info` (default), `debug`, `trace`, `off` |
//! | `CORE_CHAINCODE_LOGGING_LEVEL` | Fabric's level names (CRITICAL, ERROR, WARNING, NOTICE, INFO, DEBUG), read when `RUST_LOG` is not set |
//! | `CORE_CHAINCODE_LOGGING_FORMAT` | `json`: one JSON object per line; anything else (the peer passes its own format string): plain text |
//! | `NO_COLOR` | set and not empty: no ANSI colours (<https://no-color.org>); colours are also off when stderr is not a terminal |

use std::io::IsTerminal;

use tracing::level_filters::LevelFilter;

use crate::transport::env;

/// How log lines are written, as the environment asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// The most verbose level written.
    pub level: LevelFilter,
    /// One JSON object per line instead of text.
    pub json: bool,
    /// ANSI colours in text lines.
    pub ansi: bool,
}

impl Settings {
    /// Reads the settings from an environment lookup; `terminal` tells
    /// whether the log goes to a terminal.
    ///
    /// ```
    /// use fabric_chaincode_shim::logging::Settings;
    /// use tracing::level_filters::LevelFilter;
    ///
    /// let env = |name: &str| match name {
    ///     "CORE_CHAINCODE_LOGGING_LEVEL" => Some("WARNING".to_string()),
    ///     "CORE_CHAINCODE_LOGGING_FORMAT" => Some("json".to_string()),
    ///     _ => None,
    /// };
    /// let settings = Settings::from_sources(env, true);
    /// assert_eq!(settings, Settings { level: LevelFilter::WARN, json: true, ansi: false });
    ///
    /// let plain = Settings::from_sources(|_| None, true);
    /// assert_eq!(plain, Settings { level: LevelFilter::INFO, json: false, ansi: true });
    /// let no_color = Settings::from_sources(|n| (n == "NO_COLOR").then(|| "1".to_string()), true);
    /// assert!(!no_color.ansi);
    /// assert!(!Settings::from_sources(|_| None, false).ansi);
    /// ```
    pub fn from_sources(env: impl Fn(&str) -> Option<String>, terminal: bool) -> Self {
        let set = |name: &str| env(name).filter(|v| !v.trim().is_empty());
        let level = set("RUST_LOG")
            .or_else(|| set(env::CHAINCODE_LOGGING_LEVEL))
            .map(|v| parse_level(&v))
            .unwrap_or(LevelFilter::INFO);
        let json = set(env::CHAINCODE_LOGGING_FORMAT)
            .is_some_and(|format| format.trim().eq_ignore_ascii_case("json"));
        let ansi = terminal && !json && set("NO_COLOR").is_none();
        Settings { level, json, ansi }
    }

    /// Reads the settings from the process environment, and whether stderr
    /// is a terminal.
    pub fn from_env() -> Self {
        Self::from_sources(
            |name| std::env::var(name).ok(),
            std::io::stderr().is_terminal(),
        )
    }
}

/// One level name: Fabric's (CRITICAL, ERROR, WARNING, NOTICE, INFO, DEBUG)
/// or `tracing`'s; per-module directives are not read, to keep the binary
/// small; anything unknown is INFO.
fn parse_level(text: &str) -> LevelFilter {
    match text.trim().to_ascii_uppercase().as_str() {
        "CRITICAL" | "ERROR" => LevelFilter::ERROR,
        "WARNING" | "WARN" => LevelFilter::WARN,
        "DEBUG" => LevelFilter::DEBUG,
        "TRACE" => LevelFilter::TRACE,
        "OFF" => LevelFilter::OFF,
        _ => LevelFilter::INFO,
    }
}

/// Installs a `tracing` subscriber writing to stderr as [`Settings::from_env`]
/// says, unless the program has installed one already.
///
/// ```
/// fabric_chaincode_shim::logging::init();
/// tracing::info!("logged to stderr");
/// ```
pub fn init() {
    init_with(Settings::from_env());
}

/// Installs a `tracing` subscriber writing to stderr with `settings`, unless
/// one is installed already.
pub fn init_with(settings: Settings) {
    let builder = tracing_subscriber::fmt()
        .with_max_level(settings.level)
        .with_writer(std::io::stderr);
    let _ = if settings.json {
        builder.json().flatten_event(true).try_init()
    } else if settings.ansi {
        builder.with_ansi(true).try_init()
    } else {
        use tracing_subscriber::layer::SubscriberExt as _;
        use tracing_subscriber::{Layer as _, filter::FilterExt as _};
        let layer = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(std::io::stderr)
            .fmt_fields(plain_fields())
            .event_format(PlainText { time: true })
            .with_filter(settings.level.and(without_transaction_span()));
        use tracing_subscriber::util::SubscriberInitExt as _;
        tracing_subscriber::registry()
            .with(layer)
            .try_init()
            .map_err(Into::into)
    };
}

/// Every callsite but the shim's `transaction` span, which [`PlainText`]
/// writes from the transaction being polled instead.
fn without_transaction_span<S>() -> impl tracing_subscriber::layer::Filter<S> {
    tracing_subscriber::filter::filter_fn(|meta| !is_transaction_span(meta))
}

fn is_transaction_span(meta: &tracing::Metadata<'_>) -> bool {
    meta.is_span()
        && meta.name() == "transaction"
        && meta.target() == crate::session::TRANSACTION_SPAN_TARGET
}

/// The text line of the default formatter (`tracing_subscriber`'s `Full`
/// format without colours), with the running transaction written the way
/// the default writes its `transaction` span:
/// `transaction{txid=… channel=… function=…}:`.
///
/// The session marks the transaction it polls (a thread-local set per poll)
/// and this reads it only when a line is written. A span costs its fields'
/// formatting when each transaction starts and an enter and exit at every
/// poll, logged or not: about 10 % of a transfer's instructions in process.
/// Other subscribers (JSON, colours, a program's own) still get the span.
/// `tracing_subscriber` has no hook to put text between a line's level and
/// its spans, hence a formatter of our own.
struct PlainText {
    /// Whether lines start with the time (off in tests).
    time: bool,
}

impl<S, N> tracing_subscriber::fmt::FormatEvent<S, N> for PlainText
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    N: for<'a> tracing_subscriber::fmt::FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &tracing_subscriber::fmt::FmtContext<'_, S, N>,
        mut writer: tracing_subscriber::fmt::format::Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        use tracing_subscriber::fmt::FormatFields as _;
        use tracing_subscriber::fmt::time::{FormatTime as _, SystemTime};
        let meta = event.metadata();
        if self.time {
            if SystemTime.format_time(&mut writer).is_err() {
                writer.write_str("<unknown time>")?;
            }
            writer.write_char(' ')?;
        }
        write!(writer, "{:>5} ", meta.level())?;
        let mut spans = false;
        if let Some(tx) = crate::session::current_transaction() {
            write!(
                writer,
                "transaction{{txid={} channel={} function={}}}:",
                tx.txid(),
                tx.channel(),
                crate::session::FunctionName(tx.function())
            )?;
            spans = true;
        }
        for span in ctx
            .event_scope()
            .into_iter()
            .flat_map(|scope| scope.from_root())
        {
            writer.write_str(span.name())?;
            let extensions = span.extensions();
            if let Some(fields) = extensions.get::<tracing_subscriber::fmt::FormattedFields<N>>()
                && !fields.is_empty()
            {
                write!(writer, "{{{fields}}}")?;
            }
            writer.write_char(':')?;
            spans = true;
        }
        if spans {
            writer.write_char(' ')?;
        }
        write!(writer, "{}: ", meta.target())?;
        ctx.format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// Field formatting without colours: the same text as the default's.
///
/// The fmt layer formats a span's fields when the span is created, i.e.
/// once per transaction; its default formatter styles each name through
/// `nu_ansi_term` even with colours off, which cost about 1 % of a
/// chaincode's CPU under load. This writes `name=value` pairs directly.
fn plain_fields() -> impl for<'writer> tracing_subscriber::fmt::FormatFields<'writer> + 'static {
    use tracing_subscriber::field::MakeExt as _;
    tracing_subscriber::fmt::format::debug_fn(|writer, field, value| {
        if field.name() == "message" {
            write!(writer, "{value:?}")
        } else {
            write!(writer, "{field}={value:?}")
        }
    })
    .delimited(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// What the default formatter, plain fields and [`PlainText`] write.
    #[derive(Clone, Copy, Debug)]
    enum Format {
        Default,
        PlainFields,
        PlainText,
    }

    /// Logs one transaction's lines, and one outside it, in `format`, and
    /// returns the text.
    fn lines(format: Format) -> String {
        use tracing_subscriber::layer::SubscriberExt as _;
        use tracing_subscriber::{Layer as _, filter::FilterExt as _};
        let out = Captured::default();
        let writer = out.clone();
        let builder = tracing_subscriber::fmt()
            .with_max_level(LevelFilter::TRACE)
            .with_ansi(false)
            .without_time()
            .with_writer(move || writer.clone());
        let log = move || {
            let span = tracing::info_span!(
                target: crate::session::TRANSACTION_SPAN_TARGET,
                "transaction",
                txid = %"a1b2",
                channel = %"mychannel",
                function = %"CreateAsset"
            );
            // The span is what makes a line name its transaction, except
            // for `PlainText`, which reads the transaction being polled and
            // is spared the span.
            assert_eq!(span.is_disabled(), matches!(format, Format::PlainText));
            let _entered = span.enter();
            tracing::info!(key = "asset1", size = 3, "stored {}", "asset1");
            tracing::warn!("no fields");
            let inner = tracing::debug_span!("pricing", currency = "EUR");
            let _inner = inner.enter();
            tracing::debug!("priced");
        };
        let in_transaction = move || {
            let link = Arc::new(crate::session::Link::new(tokio::sync::mpsc::channel(1).0));
            let in_flight = link
                .begin(
                    &bytes::Bytes::from_static(b"mychannel"),
                    &bytes::Bytes::from_static(b"a1b2"),
                    crate::stub::TxState::new(
                        crate::proto::protos::ChaincodeInput {
                            args: vec![bytes::Bytes::from_static(b"CreateAsset")],
                            ..Default::default()
                        },
                        None,
                    ),
                )
                .ok()
                .unwrap();
            let transaction =
                crate::session::CutOff::new(in_flight, tracing::Span::none(), async move { log() });
            futures_util::FutureExt::now_or_never(transaction).unwrap();
            tracing::error!("after the transaction");
        };
        match format {
            Format::Default => tracing::subscriber::with_default(builder.finish(), in_transaction),
            Format::PlainFields => tracing::subscriber::with_default(
                builder.fmt_fields(plain_fields()).finish(),
                in_transaction,
            ),
            Format::PlainText => {
                let writer = out.clone();
                let layer = tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_writer(move || writer.clone())
                    .fmt_fields(plain_fields())
                    .event_format(PlainText { time: false })
                    .with_filter(LevelFilter::TRACE.and(without_transaction_span()));
                let subscriber = tracing_subscriber::registry().with(layer);
                tracing::subscriber::with_default(subscriber, in_transaction)
            }
        }
        String::from_utf8(out.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn plain_text_writes_what_the_default_formatter_writes() {
        let plain = lines(Format::PlainText);
        assert_eq!(
            plain,
            " INFO transaction{txid=a1b2 channel=mychannel function=CreateAsset}: \
             fabric_chaincode_shim::logging::tests: stored asset1 key=\"asset1\" size=3\n \
             WARN transaction{txid=a1b2 channel=mychannel function=CreateAsset}: \
             fabric_chaincode_shim::logging::tests: no fields\n\
             DEBUG transaction{txid=a1b2 channel=mychannel function=CreateAsset}:\
             pricing{currency=\"EUR\"}: fabric_chaincode_shim::logging::tests: priced\n\
             ERROR fabric_chaincode_shim::logging::tests: after the transaction\n"
        );
        assert_eq!(plain, lines(Format::Default));
        assert_eq!(plain, lines(Format::PlainFields));
    }

    #[test]
    fn level_names_of_fabric_and_tracing() {
        for (text, level) in [
            ("CRITICAL", LevelFilter::ERROR),
            ("warning", LevelFilter::WARN),
            ("NOTICE", LevelFilter::INFO),
            (" debug ", LevelFilter::DEBUG),
            ("trace", LevelFilter::TRACE),
            ("off", LevelFilter::OFF),
            ("nonsense", LevelFilter::INFO),
        ] {
            assert_eq!(parse_level(text), level, "{text}");
        }
    }

    #[test]
    fn rust_log_wins_and_empty_values_are_unset() {
        let env = |name: &str| match name {
            "RUST_LOG" => Some("debug".to_string()),
            "CORE_CHAINCODE_LOGGING_LEVEL" => Some("ERROR".to_string()),
            "NO_COLOR" => Some(String::new()),
            "CORE_CHAINCODE_LOGGING_FORMAT" => {
                Some("%{color}%{time:2006-01-02} %{message}".to_string())
            }
            _ => None,
        };
        let settings = Settings::from_sources(env, true);
        assert_eq!(
            settings,
            Settings {
                level: LevelFilter::DEBUG,
                json: false,
                ansi: true
            }
        );
    }
}
