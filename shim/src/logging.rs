//! Log set-up for chaincode processes: plain text for people, JSON lines for
//! log shippers.
//!
//! Every transaction runs in a `transaction` span with the fields `txid`,
//! `channel` and `function`, so each line logged while it runs names it:
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
        builder
            .with_ansi(false)
            .fmt_fields(plain_fields())
            .try_init()
    };
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

    /// Logs one transaction's lines through `subscriber` and returns the text.
    fn lines(plain: bool) -> String {
        let out = Captured::default();
        let writer = out.clone();
        let builder = tracing_subscriber::fmt()
            .with_ansi(false)
            .without_time()
            .with_writer(move || writer.clone());
        let log = || {
            let span = tracing::info_span!(
                "transaction",
                txid = %"a1b2",
                channel = %"mychannel",
                function = %"CreateAsset"
            );
            let _entered = span.enter();
            tracing::info!(key = "asset1", size = 3, "stored {}", "asset1");
            tracing::warn!("no fields");
        };
        if plain {
            tracing::subscriber::with_default(builder.fmt_fields(plain_fields()).finish(), log);
        } else {
            tracing::subscriber::with_default(builder.finish(), log);
        }
        String::from_utf8(out.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn plain_fields_write_what_the_default_formatter_writes() {
        let plain = lines(true);
        assert!(
            plain.contains(
                "transaction{txid=a1b2 channel=mychannel function=CreateAsset}: \
                 fabric_chaincode_shim::logging::tests: stored asset1 key=\"asset1\" size=3"
            ),
            "{plain}"
        );
        assert_eq!(plain, lines(false));
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
