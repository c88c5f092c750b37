//! The committer: the one writer of synced changes. Connections hand it [`CommitJob`]s
//! ([`super::hub::Hub::submit`]); its own thread ([`run_committer`]) writes whatever has queued up
//! in one transaction (group commit: one fsync per batch, not per change) — the chunks, each job's
//! projection ([`super::projection`]), the escalation rules' alerts, and the announcement to the
//! other server processes — and only then answers each job, which is what lets a connection
//! acknowledge the changes to its tablet.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use automerge::Automerge;
use tokio::sync::{mpsc, oneshot};

use super::hub::{Owner, WeakHub};
use super::projection::{raise_alerts, set_aside_reviews, write_projection};
use super::schema::Projection;
use crate::db::documents;
use crate::db::{Db, DbConn, now_ms};
use crate::error::AppError;

/// What the committer writes.
pub enum CommitJob {
    /// New changes of a document, and the rows they project to.
    Changes {
        doc_id: String,
        chunk: Vec<u8>,
        owner: Owner,
        projection: Box<Projection>,
        delivered_by_user_id: String,
        delivered_by_device_id: Option<String>,
        /// Whether the delivering user may write review marks (a district lead).
        may_review: bool,
    },
    /// Merge the document's stored chunks into one snapshot that replaces them. From what is stored,
    /// not from memory: with several server processes, another may have stored a chunk that this
    /// one's copy has not seen yet.
    Compact { doc_id: String },
    /// A peer's sync states: (document id, encoded state) for one storage id.
    SyncStates {
        storage_id: String,
        states: Vec<(String, Vec<u8>)>,
    },
}

/// What the jobs of one batch read once and share: the batch is one transaction, so nothing read
/// here changes under it.
#[derive(Default)]
pub struct BatchMemo {
    /// District → its snowfall days of the last 60 days (the alert rules' input).
    pub(super) snow: HashMap<String, Vec<String>>,
    /// District → its leads' push subscriptions (who hears of a new alert).
    pub(super) lead_subscriptions: HashMap<String, Vec<crate::db::notices::Subscription>>,
    /// Residents whose new contacts could set off an escalation rule, each with the earliest
    /// `occurred_at` of those contacts: the rules judge every contact of the resident from then on,
    /// for all of them at once, after the batch's rows are written ([`raise_alerts`]).
    pub(super) may_alert: HashMap<String, String>,
}

/// Writes a batch of jobs in one transaction: the new changes of every document as one statement,
/// each job's rows, the residents' "last change" as one statement, and the announcement to the
/// other server processes.
fn apply_batch(
    conn: &mut DbConn,
    node: &str,
    jobs: &[CommitJob],
    now: i64,
) -> Result<(), AppError> {
    let chunks: Vec<(&str, &[u8])> = jobs
        .iter()
        .filter_map(|j| match j {
            CommitJob::Changes { doc_id, chunk, .. } => Some((doc_id.as_str(), chunk.as_slice())),
            _ => None,
        })
        .collect();
    documents::insert_increments(conn, &chunks, now)?;
    let mut memo = BatchMemo::default();
    let mut changed = Vec::new();
    for job in jobs {
        if let Some(resident_id) = job.apply(conn, now, &mut memo)? {
            changed.push(resident_id);
        }
    }
    raise_alerts(conn, now, &mut memo)?;
    documents::mark_doc_changed(conn, &changed, now)?;
    announce(conn, node, jobs)
}

impl CommitJob {
    /// A tablet's (or the server's own) changes to a document, as counted by `/metrics`.
    fn is_changes(&self) -> bool {
        matches!(self, CommitJob::Changes { .. })
    }

    /// Writes what this job projects to (its chunk is written by [`apply_batch`]); returns the
    /// resident whose document changed, if any.
    fn apply<'a>(
        &'a self,
        conn: &mut DbConn,
        now: i64,
        memo: &mut BatchMemo,
    ) -> Result<Option<&'a str>, AppError> {
        match self {
            CommitJob::Changes {
                doc_id,
                owner,
                projection,
                delivered_by_user_id,
                delivered_by_device_id,
                may_review,
                ..
            } => {
                let resident_id = match owner {
                    Owner::Resident(r) => r,
                    Owner::ActivityLog(user_id) => {
                        // Only the activities count; anything else written there is ignored.
                        let rows: Vec<(String, String, String)> = projection
                            .activities
                            .iter()
                            .map(|a| (a.id.clone(), a.day.clone(), a.kind.clone()))
                            .collect();
                        // The entry's key is the tablet's to choose: only the document is named.
                        for p in &projection.problems {
                            tracing::warn!(doc = %doc_id, problem = %p.problem, "activity log entry skipped");
                        }
                        crate::db::activities::apply(conn, user_id, &rows, now)?;
                        crate::db::activities::remove(
                            conn,
                            user_id,
                            &projection.removed_activities,
                        )?;
                        // 災害モード: the commissioner's own status (本人の安全).
                        super::projection::write_self_safety(
                            conn,
                            user_id,
                            &projection.self_safety,
                            now,
                            memo,
                        )?;
                        return Ok(None);
                    }
                };
                let mut projection = projection.as_ref().clone();
                if !may_review {
                    set_aside_reviews(&mut projection);
                }
                write_projection(
                    conn,
                    resident_id,
                    &projection,
                    delivered_by_user_id,
                    delivered_by_device_id.as_deref(),
                    now,
                    memo,
                )?;
                Ok(Some(resident_id))
            }
            CommitJob::Compact { doc_id } => {
                let chunks = documents::load_chunks(conn, doc_id)?;
                if chunks.len() < 2 {
                    return Ok(None);
                }
                let snapshot = Automerge::load(&documents::joined(&chunks))
                    .map_err(|e| AppError::internal_in("stored document does not load", e))?
                    .save();
                let ids: Vec<i64> = chunks.iter().map(|c| c.id).collect();
                documents::replace_with_snapshot(conn, doc_id, &ids, &snapshot, now)?;
                Ok(None)
            }
            CommitJob::SyncStates { storage_id, states } => {
                documents::save_sync_states(conn, storage_id, states, now)?;
                Ok(None)
            }
        }
    }
}

pub(super) type Pending = (CommitJob, oneshot::Sender<Result<(), CommitError>>);

/// A job queued for the committer ([`Hub::submit`]): its outcome, once committed or failed.
pub type Committing = oneshot::Receiver<Result<(), CommitError>>;

/// Why a job was not committed. Nothing of it was stored either way: the caller must not
/// acknowledge what it carried.
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    /// The committer's thread has ended (a panic, shutdown) and takes no jobs.
    #[error("the committer has stopped")]
    Stopped,
    /// The committer ended with the job queued.
    #[error("the committer dropped the job")]
    Dropped,
    /// The transaction failed (the database refused it, the disk is full…): the cause, whole.
    #[error("commit failed: {0}")]
    Failed(#[from] AppError),
}

/// Writes queued jobs in batches: everything that queued while the previous batch committed goes
/// into the next transaction. A failing batch is retried job by job so one bad job fails alone.
pub(super) fn run_committer(
    db: Db,
    node: String,
    mut rx: mpsc::UnboundedReceiver<Pending>,
    hub: WeakHub,
) {
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < 512 {
            match rx.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        let (jobs, replies): (Vec<CommitJob>, Vec<_>) = batch.into_iter().unzip();
        let started = std::time::Instant::now();
        let result = db.write_blocking(|conn| apply_batch(conn, &node, &jobs, now_ms()));
        let acknowledged = |n: usize| {
            if let Some(h) = hub.upgrade() {
                h.stats()
                    .changes_acknowledged
                    .fetch_add(n as u64, Ordering::Relaxed);
            }
        };
        if let Some(h) = hub.upgrade() {
            h.stats().commit_batches.fetch_add(1, Ordering::Relaxed);
            h.stats()
                .commits
                .fetch_add(replies.len() as u64, Ordering::Relaxed);
            h.stats().commit_seconds.observe(started.elapsed());
        }
        match result {
            Ok(()) => {
                acknowledged(jobs.iter().filter(|j| j.is_changes()).count());
                for r in replies {
                    let _ = r.send(Ok(()));
                }
            }
            Err(e) if replies.len() == 1 => {
                tracing::error!(error = %e, "sync commit failed");
                if let Some(r) = replies.into_iter().next() {
                    let _ = r.send(Err(CommitError::Failed(e)));
                }
            }
            Err(_) => {
                // Retry one by one, so one bad job fails alone.
                for (job, r) in jobs.iter().zip(replies) {
                    let one = db
                        .write_blocking(|conn| {
                            apply_batch(conn, &node, std::slice::from_ref(job), now_ms())
                        })
                        .map_err(CommitError::Failed);
                    match &one {
                        Err(e) => tracing::error!(error = %e, "sync commit failed"),
                        Ok(()) if job.is_changes() => acknowledged(1),
                        Ok(()) => {}
                    }
                    let _ = r.send(one);
                }
            }
        }
    }
}

/// The documents a batch changed, announced to the other server processes on commit.
fn announce(conn: &mut DbConn, node: &str, jobs: &[CommitJob]) -> Result<(), AppError> {
    let changed: Vec<&str> = jobs
        .iter()
        .filter_map(|j| match j {
            CommitJob::Changes { doc_id, .. } => Some(doc_id.as_str()),
            _ => None,
        })
        .collect();
    Ok(documents::announce_changes(conn, node, &changed)?)
}
