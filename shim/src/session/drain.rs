//! Graceful shutdown, shared by every session of one server (or of one
//! dialling connection): the drain flag, the transactions still running, and
//! the health status that orchestrators read.
//!
//! ```text
//!  serving ──signal──> draining ──all reported──> closed   (exit 0)
//!                         │
//!                         └──deadline──> cut off: logged, ERROR to the peer, transaction dropped
//! ```
//!
//! While draining, a session runs the transactions it has, answers new ones
//! with ERROR, and ends its stream once each of its transactions has been
//! reported to the peer.

use std::sync::{Arc, Mutex, MutexGuard, Weak};

use tokio::sync::watch;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

use super::Link;
use crate::message::MessageType;

/// The longest function name kept for logs (a transaction's first argument
/// is arbitrary bytes).
const MAX_FUNCTION_LEN: usize = 128;

/// The shutdown state of a server or of a dialling connection.
pub(crate) struct Drain {
    started: watch::Sender<bool>,
    /// The links of the sessions taking part: their running transactions are
    /// what a cut-off ends.
    links: Mutex<Vec<Weak<Link>>>,
    health: Option<HealthReporter>,
    /// The gRPC service names whose health follows this drain.
    services: &'static [&'static str],
}

impl Drain {
    /// A drain that has not started; `health`, when given, reports on
    /// `services` (`""` is the whole process).
    pub(crate) fn new(
        health: Option<HealthReporter>,
        services: &'static [&'static str],
    ) -> Arc<Self> {
        Arc::new(Drain {
            started: watch::Sender::new(false),
            links: Mutex::new(Vec::new()),
            health,
            services,
        })
    }

    fn links(&self) -> MutexGuard<'_, Vec<Weak<Link>>> {
        // Every critical section is a single push or a copy.
        self.links.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes the transactions of a session's link part of this drain. A link
    /// lives as long as its session or one of its transactions.
    pub(crate) fn join(&self, link: &Arc<Link>) {
        let mut links = self.links();
        links.retain(|l| l.strong_count() > 0);
        links.push(Arc::downgrade(link));
    }

    /// Every transaction still running on a link of this drain.
    fn running(&self) -> Vec<(Arc<Link>, Arc<super::link::Running>)> {
        let links: Vec<Arc<Link>> = self.links().iter().filter_map(Weak::upgrade).collect();
        links
            .into_iter()
            .flat_map(|link| {
                let running = link.running();
                running.into_iter().map(move |tx| (Arc::clone(&link), tx))
            })
            .collect()
    }

    /// Starts draining and reports NOT_SERVING; later calls do nothing.
    pub(crate) async fn start(&self) {
        if self.started.send_replace(true) {
            return;
        }
        let running = self.running().len();
        tracing::info!(running, "draining: no new transactions are accepted");
        self.set_health(false).await;
    }

    /// Whether draining has started.
    pub(crate) fn is_started(&self) -> bool {
        *self.started.borrow()
    }

    /// Completes when draining starts.
    pub(crate) fn started(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut rx = self.started.subscribe();
        async move {
            // The sender lives as long as the drain, which outlives its sessions.
            let _ = rx.wait_for(|started| *started).await;
        }
    }

    /// Reports SERVING or NOT_SERVING on every service of this drain; once
    /// draining, only NOT_SERVING.
    pub(crate) async fn set_health(&self, serving: bool) {
        let Some(reporter) = &self.health else {
            return;
        };
        let status = if serving && !self.is_started() {
            ServingStatus::Serving
        } else {
            ServingStatus::NotServing
        };
        for service in self.services {
            reporter.set_service_status(*service, status).await;
        }
    }

    /// Ends every transaction still running: logs it (transaction id,
    /// channel, function), sends the peer an ERROR for it and ends it (its
    /// future is dropped). Returns their descriptions, in transaction-id order.
    pub(crate) fn cut_off(&self, deadline: std::time::Duration) -> Vec<String> {
        let mut running = self.running();
        running.sort_by(|(_, a), (_, b)| (a.txid(), a.channel()).cmp(&(b.txid(), b.channel())));
        let mut cut = Vec::with_capacity(running.len());
        for (link, tx) in running {
            let function = FunctionName(tx.function()).to_string();
            tracing::error!(
                txid = %tx.txid(),
                channel = %tx.channel(),
                function = %function,
                "transaction cut off: still running when the drain deadline of {deadline:?} passed"
            );
            tx.abort();
            let text = format!(
                "the chaincode shut down before the transaction completed (drain deadline of {deadline:?})"
            );
            link.try_send(tx.frame(MessageType::Error, text.into()));
            cut.push(format!(
                "txid {} on channel {}, function {}",
                tx.txid(),
                tx.channel(),
                if function.is_empty() { "?" } else { &function }
            ));
        }
        cut
    }
}

/// The function name of a transaction, for logs: its first argument (`None`:
/// no arguments), lossily decoded, without control characters (a client
/// chooses it: it must not forge log lines) and shortened. Written straight
/// into the log line: nothing is allocated when the argument is already clean.
#[derive(Clone, Copy)]
pub(crate) struct FunctionName<'a>(pub Option<&'a bytes::Bytes>);

impl std::fmt::Display for FunctionName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::fmt::Write as _;
        let Some(first) = self.0 else {
            return Ok(());
        };
        let text = String::from_utf8_lossy(first);
        let clean = |c: char| !c.is_control();
        if text.len() <= MAX_FUNCTION_LEN && text.chars().all(clean) {
            return f.write_str(&text);
        }
        let mut chars = text.chars();
        for c in chars.by_ref().take(MAX_FUNCTION_LEN) {
            f.write_char(if clean(c) { c } else { '\u{fffd}' })?;
        }
        if chars.next().is_some() {
            f.write_char('…')?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function_name(args: &[bytes::Bytes]) -> String {
        FunctionName(args.first()).to_string()
    }

    #[test]
    fn function_names_are_bounded_and_lossy() {
        assert_eq!(function_name(&[]), "");
        assert_eq!(
            function_name(&[bytes::Bytes::from_static(b"Basic:Transfer")]),
            "Basic:Transfer"
        );
        let long = bytes::Bytes::from(vec![b'x'; 1000]);
        assert_eq!(function_name(&[long]).chars().count(), MAX_FUNCTION_LEN + 1);
        assert_eq!(
            function_name(&[bytes::Bytes::from_static(b"a\xffb")]),
            "a\u{fffd}b"
        );
        assert_eq!(
            function_name(&[bytes::Bytes::from_static(b"Get\nERROR forged\x1b[31m")]),
            "Get\u{fffd}ERROR forged\u{fffd}[31m"
        );
    }
}
