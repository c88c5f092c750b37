//! The loader: reads of single documents' stored chunks gathered into one query.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use crate::db::{Db, documents};
use crate::error::AppError;

/// A read of one document's stored chunks, for [`run_loader`].
pub(super) type ChunkRead = (
    String,
    oneshot::Sender<Result<Vec<documents::Chunk>, AppError>>,
);

/// Reads gathered into one query at most.
const LOADER_BATCH: usize = 500;

/// Reads the chunks of documents loaded one at a time (a connection's first message for a document
/// that was not preloaded, one the memory limit dropped): the reads waiting at the same moment go
/// out as one query, at most two queries at once — a crowd of single loads costs about what one
/// preload does, instead of a blocking-pool hop, a pooled connection and a query each.
pub(super) async fn run_loader(db: Db, mut rx: mpsc::UnboundedReceiver<ChunkRead>) {
    let queries = Arc::new(tokio::sync::Semaphore::new(2));
    while let Some(first) = rx.recv().await {
        // Waiting for a free query first lets more reads gather meanwhile.
        let Ok(permit) = queries.clone().acquire_owned().await else {
            return;
        };
        let mut batch = vec![first];
        while batch.len() < LOADER_BATCH {
            match rx.try_recv() {
                Ok(r) => batch.push(r),
                Err(_) => break,
            }
        }
        let db = db.clone();
        tokio::spawn(async move {
            let ids: Vec<String> = batch.iter().map(|(id, _)| id.clone()).collect();
            let read = db
                .read(move |conn| Ok(documents::load_chunks_of(conn, &ids)?))
                .await;
            drop(permit);
            match read {
                Ok(chunks) => {
                    let mut by_doc: HashMap<String, Vec<documents::Chunk>> = HashMap::new();
                    for c in chunks {
                        by_doc.entry(c.doc_id.clone()).or_default().push(c);
                    }
                    // The same document may be asked for twice: its last reader takes the chunks.
                    let mut readers: HashMap<&str, usize> = HashMap::new();
                    for (id, _) in &batch {
                        *readers.entry(id.as_str()).or_default() += 1;
                    }
                    let mut answers = Vec::with_capacity(batch.len());
                    for (id, _) in &batch {
                        let left = readers.entry(id.as_str()).or_default();
                        *left -= 1;
                        answers.push(if *left == 0 {
                            by_doc.remove(id).unwrap_or_default()
                        } else {
                            by_doc.get(id).cloned().unwrap_or_default()
                        });
                    }
                    for ((_, reply), chunks) in batch.into_iter().zip(answers) {
                        let _ = reply.send(Ok(chunks));
                    }
                }
                Err(e) if batch.len() == 1 => {
                    if let Some((_, reply)) = batch.into_iter().next() {
                        let _ = reply.send(Err(e));
                    }
                }
                Err(_) => {
                    // A failed query fails no more loads than reading one at a time would have.
                    for (id, reply) in batch {
                        let read = db
                            .read(move |conn| Ok(documents::load_chunks(conn, &id)?))
                            .await;
                        let _ = reply.send(read);
                    }
                }
            }
        });
    }
}
