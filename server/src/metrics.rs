//! `/metrics`: what the server does, in the Prometheus text format (version 0.0.4), written by hand
//! — a dozen counters need no metrics crate.
//!
//! Everything here is a count or a size for the whole process (or, where it is read from the
//! database, the whole installation): never a resident, a user, a device or a document, neither as
//! a value nor as a label. Who may read it is decided in `api::metrics`.
//!
//! Where each number comes from: the sync engine's [`crate::sync::hub::Stats`] and the hub's
//! sockets and documents; the push worker's [`crate::push::PushStats`]; [`HttpCounters`] (kept by
//! the request middleware in `app.rs`); the database, for what is stored rather than counted
//! ([`crate::db::ops::Counts`]: the push queue, alerts, data problems); `/proc/self/status` for the
//! process's memory.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds (seconds) of the commit latency buckets: a batch commits in a few milliseconds on
/// a healthy disk; seconds mean the disk or PostgreSQL is in trouble.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// A latency histogram with fixed buckets, updated without a lock.
#[derive(Debug, Default)]
pub struct Histogram {
    /// Observations at most `BUCKETS[i]` (not cumulative; summed when written out).
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, took: Duration) {
        let secs = took.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|b| secs <= *b) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add(took.as_micros() as u64, Ordering::Relaxed);
    }

    /// Observations so far.
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    fn write(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        let mut cumulative = 0;
        for (bound, n) in BUCKETS.iter().zip(&self.buckets) {
            cumulative += n.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        let count = self.count();
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {count}");
    }
}

/// Counted by the request middleware (`app.rs`), per server.
#[derive(Debug, Default)]
pub struct HttpCounters {
    /// Refused logins (`POST /api/session` answered 401 or 429).
    pub login_failures: AtomicU64,
}

/// The text of `/metrics`. `stored` is `None` when the database did not answer (those lines are
/// left out; `/healthz` says why).
pub fn render(state: &crate::app::AppState, stored: Option<crate::db::ops::Counts>) -> String {
    let mut out = String::with_capacity(4096);
    let stats = state.hub.stats();
    let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let _ = writeln!(
        out,
        "# HELP mimamori_build_info The running version (label), always 1.\n\
         # TYPE mimamori_build_info gauge\n\
         mimamori_build_info{{version=\"{}\",build=\"{}\"}} 1",
        crate::version::VERSION,
        crate::version::BUILD.unwrap_or("")
    );
    let mut one = |name: &str, kind: &str, help: &str, value: u64| {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
        );
    };
    one(
        "mimamori_sync_connections",
        "gauge",
        "Open /sync WebSockets.",
        state.hub.open_sockets() as u64,
    );
    one(
        "mimamori_sync_documents_loaded",
        "gauge",
        "Documents held in memory.",
        state.hub.loaded_docs() as u64,
    );
    one(
        "mimamori_sync_document_loads_total",
        "counter",
        "Documents read from storage into memory.",
        load(&stats.loads),
    );
    one(
        "mimamori_sync_document_evictions_total",
        "counter",
        "Documents dropped from memory.",
        load(&stats.evictions),
    );
    one(
        "mimamori_sync_messages_received_total",
        "counter",
        "Sync messages received from tablets.",
        load(&stats.messages_received),
    );
    one(
        "mimamori_sync_received_bytes_total",
        "counter",
        "Bytes of the sync messages received from tablets.",
        load(&stats.bytes_received),
    );
    one(
        "mimamori_sync_changes_acknowledged_total",
        "counter",
        "Documents' changes made durable by the committer (then acknowledged to their sender).",
        load(&stats.changes_acknowledged),
    );
    one(
        "mimamori_commit_batches_total",
        "counter",
        "Transactions the committer ran (one per batch of queued changes).",
        load(&stats.commit_batches),
    );
    one(
        "mimamori_push_sent_total",
        "counter",
        "Pushes a push service accepted.",
        load(&state.pusher.stats.sent),
    );
    one(
        "mimamori_push_retried_total",
        "counter",
        "Pushes that failed for now and will be tried again.",
        load(&state.pusher.stats.retried),
    );
    one(
        "mimamori_push_failed_total",
        "counter",
        "Pushes given up (refused, or failing after every attempt).",
        load(&state.pusher.stats.failed),
    );
    one(
        "mimamori_push_gone_total",
        "counter",
        "Pushes to subscriptions the push service no longer knows (removed).",
        load(&state.pusher.stats.gone),
    );
    one(
        "mimamori_login_failures_total",
        "counter",
        "Refused logins (wrong password, unknown login, throttled, no enrolled tablet).",
        load(&state.http.login_failures),
    );
    if let Some(c) = stored {
        one(
            "mimamori_push_queue_depth",
            "gauge",
            "Pushes waiting in the queue (all server processes).",
            c.pushes_pending,
        );
        one(
            "mimamori_alerts_raised_total",
            "counter",
            "Escalation alerts raised (stored; all server processes).",
            c.alerts,
        );
        one(
            "mimamori_projection_problems_total",
            "counter",
            "Synced entries the projection set aside as data problems for a lead (stored; all server processes).",
            c.data_problems,
        );
    }
    if let Some(rss) = resident_memory_bytes() {
        one(
            "mimamori_process_resident_memory_bytes",
            "gauge",
            "The server process's resident memory.",
            rss,
        );
    }
    stats.commit_seconds.write(
        &mut out,
        "mimamori_commit_duration_seconds",
        "How long each commit batch's transaction took.",
    );
    out
}

/// The process's resident set (`VmRSS` of `/proc/self/status`, in bytes): read from there rather
/// than `statm`, which counts pages of a size only libc would tell. `None` off Linux.
fn resident_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative_and_end_with_the_count() {
        let h = Histogram::default();
        for ms in [0, 3, 3, 40, 20_000] {
            h.observe(Duration::from_millis(ms));
        }
        let mut out = String::new();
        h.write(&mut out, "t", "test");
        assert!(out.contains("t_bucket{le=\"0.001\"} 1\n"), "{out}");
        assert!(out.contains("t_bucket{le=\"0.005\"} 3\n"), "{out}");
        assert!(out.contains("t_bucket{le=\"0.05\"} 4\n"), "{out}");
        assert!(out.contains("t_bucket{le=\"10\"} 4\n"), "{out}");
        assert!(out.contains("t_bucket{le=\"+Inf\"} 5\n"), "{out}");
        assert!(out.contains("t_count 5\n"), "{out}");
        assert!(out.contains("t_sum 20.046\n"), "{out}");
    }
}
