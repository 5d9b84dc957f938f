//! Graceful shutdown, shared by every session of one server (or of one
//! dialling connection): the drain flag, the transactions still running, and
//! the health status that orchestrators read.
//!
//! ```text
//!  serving ──signal──> draining ──all reported──> closed   (exit 0)
//!                         │
//!                         └──deadline──> cut off: logged, ERROR to the peer, task aborted
//! ```
//!
//! While draining, a session runs the transactions it has, answers new ones
//! with ERROR, and ends its stream once each of its transactions has been
//! reported to the peer.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use tokio::sync::watch;
use tokio::task::AbortHandle;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

use super::Link;
use crate::message::{MessageType, frame};

/// The longest function name kept for logs (a transaction's first argument
/// is arbitrary bytes).
const MAX_FUNCTION_LEN: usize = 128;

/// The shutdown state of a server or of a dialling connection.
pub(crate) struct Drain {
    started: watch::Sender<bool>,
    running: Mutex<HashMap<u64, Running>>,
    next_id: AtomicU64,
    health: Option<HealthReporter>,
    /// The gRPC service names whose health follows this drain.
    services: &'static [&'static str],
}

/// What is known of a running transaction, for the log when it is cut off.
struct Running {
    txid: String,
    channel: String,
    function: String,
    link: Weak<Link>,
    abort: Option<AbortHandle>,
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
            running: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
            health,
            services,
        })
    }

    fn running(&self) -> MutexGuard<'_, HashMap<u64, Running>> {
        // Every critical section is a single insert, update or removal.
        self.running.lock().unwrap_or_else(|e| e.into_inner())
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

    /// Registers a transaction of the session on `link`, under the returned id.
    fn track(&self, link: &Arc<Link>, txid: &str, channel: &str) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.running().insert(
            id,
            Running {
                txid: txid.to_owned(),
                channel: channel.to_owned(),
                function: String::new(),
                link: Arc::downgrade(link),
                abort: None,
            },
        );
        id
    }

    fn update(&self, id: u64, change: impl FnOnce(&mut Running)) {
        if let Some(running) = self.running().get_mut(&id) {
            change(running);
        }
    }

    fn forget(&self, id: u64) {
        self.running().remove(&id);
    }

    /// Ends every transaction still running: logs it (transaction id,
    /// channel, function), sends the peer an ERROR for it and aborts its
    /// task. Returns their descriptions, in transaction-id order.
    pub(crate) fn cut_off(&self, deadline: std::time::Duration) -> Vec<String> {
        let mut running: Vec<Running> = self.running().drain().map(|(_, r)| r).collect();
        running.sort_by(|a, b| (&a.txid, &a.channel).cmp(&(&b.txid, &b.channel)));
        let mut cut = Vec::with_capacity(running.len());
        for tx in running {
            tracing::error!(
                txid = %tx.txid,
                channel = %tx.channel,
                function = %tx.function,
                "transaction cut off: still running when the drain deadline of {deadline:?} passed"
            );
            if let Some(abort) = &tx.abort {
                abort.abort();
            }
            if let Some(link) = tx.link.upgrade() {
                let text = format!(
                    "the chaincode shut down before the transaction completed (drain deadline of {deadline:?})"
                );
                link.try_send(frame(
                    MessageType::Error,
                    text.into(),
                    &tx.txid,
                    &tx.channel,
                ));
            }
            cut.push(format!(
                "txid {} on channel {}, function {}",
                tx.txid,
                tx.channel,
                if tx.function.is_empty() {
                    "?"
                } else {
                    &tx.function
                }
            ));
        }
        cut
    }
}

/// A transaction between its arrival and its report to the peer. Dropping it
/// (when the transaction's task ends or is aborted) counts the transaction
/// as reported and forgets it.
pub(crate) struct InFlight {
    link: Arc<Link>,
    tracked: Option<(Arc<Drain>, u64)>,
}

impl InFlight {
    /// Counts a transaction on `link`, and registers it with `drain` if any.
    pub(crate) fn new(
        link: &Arc<Link>,
        drain: Option<&Arc<Drain>>,
        txid: &str,
        channel: &str,
    ) -> Self {
        link.report_pending();
        let tracked = drain.map(|d| (Arc::clone(d), d.track(link, txid, channel)));
        InFlight {
            link: Arc::clone(link),
            tracked,
        }
    }

    /// Records the function name (the first argument) for the logs.
    pub(crate) fn set_function(&self, function: &str) {
        if let Some((drain, id)) = &self.tracked {
            let function = function.to_owned();
            drain.update(*id, |r| r.function = function);
        }
    }

    /// What [`TaskSlot::set`] needs once the guard has moved into its task.
    pub(crate) fn task_slot(&self) -> TaskSlot {
        TaskSlot(self.tracked.clone())
    }
}

/// Where the task of a transaction is recorded, so that a cut-off can abort it.
pub(crate) struct TaskSlot(Option<(Arc<Drain>, u64)>);

impl TaskSlot {
    /// Records the task (nothing when the transaction has already ended).
    pub(crate) fn set(self, abort: AbortHandle) {
        if let Some((drain, id)) = self.0 {
            drain.update(id, |r| r.abort = Some(abort));
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some((drain, id)) = &self.tracked {
            drain.forget(*id);
        }
        self.link.reported();
    }
}

/// The function name of a transaction's arguments, for logs: the first
/// argument, lossily decoded, without control characters (a client chooses
/// it: it must not forge log lines) and shortened.
pub(crate) fn function_name(args: &[bytes::Bytes]) -> String {
    let Some(first) = args.first() else {
        return String::new();
    };
    let text = String::from_utf8_lossy(first);
    let mut name: String = text
        .chars()
        .take(MAX_FUNCTION_LEN)
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect();
    if text.chars().nth(MAX_FUNCTION_LEN).is_some() {
        name.push('…');
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

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
