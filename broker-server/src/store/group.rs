//! Group append: senders that find the commit log busy hand their batch to whoever holds it.
//!
//! With a plain lock, a sender that finds the log taken parks its thread until the holder's
//! `pwrite` returns, and on two cores that often leaves a core idle. Here it queues its
//! batch and waits asynchronously, so its thread goes on decoding other requests, and the
//! holder, before letting go, writes every batch that queued meanwhile in one round (one
//! `pwrite`). Under load, rounds grow by themselves; with one sender, it is a plain append.
//!
//! No batch is stranded: a sender queues and then tries the lock; every holder (a writer here,
//! or the log's own bookkeeping) lets go and then looks at the queue again. Whichever comes
//! second sees the other's work.

use std::sync::Mutex;

use tokio::sync::oneshot;

use super::error::StoreError;
use super::put::{AppendError, AppendResult};

/// What a group append writes to: a lock that can be tried, and a round of batches written
/// under it. The commit log is one; the queue knows nothing else of it.
pub(crate) trait RoundWriter {
    /// A batch as queued (for the commit log: its messages and their measured sizes).
    type Batch: Send;
    /// The held lock.
    type Guard<'a>
    where
        Self: 'a;

    /// The lock, if it is free.
    fn try_lock(&self) -> Option<Self::Guard<'_>>;

    /// Writes the batches in order; one result per batch.
    fn write_round(
        &self,
        guard: &mut Self::Guard<'_>,
        round: &[&Self::Batch],
    ) -> Result<Vec<AppendResult>, StoreError>;
}

type Done = oneshot::Sender<Result<AppendResult, AppendError>>;

/// Batches waiting for the holder of the append lock.
#[derive(Debug)]
pub(crate) struct AppendQueue<B> {
    waiting: Mutex<Vec<(B, Done)>>,
}

impl<B> Default for AppendQueue<B> {
    fn default() -> Self {
        AppendQueue {
            waiting: Mutex::new(Vec::new()),
        }
    }
}

impl<B: Send> AppendQueue<B> {
    /// Appends `batch`: writes it (and whatever else is waiting) if the log is free, or leaves
    /// it to the current holder.
    pub(crate) async fn append<W: RoundWriter<Batch = B>>(
        &self,
        log: &W,
        batch: B,
    ) -> Result<AppendResult, AppendError> {
        let (tx, rx) = oneshot::channel();
        self.lock().push((batch, tx));
        self.drain(log);
        // Our batch was written by this thread in `drain` or is a holder's to write; the
        // sender is dropped unanswered only if that holder panicked.
        rx.await.unwrap_or_else(|_| {
            Err(AppendError::Store(StoreError::io(
                "commitlog",
                std::io::Error::other("the append that held this batch panicked"),
            )))
        })
    }

    /// While the log is free and batches wait: takes the lock and writes them all. Whoever
    /// lets go of the append lock calls this.
    pub(crate) fn drain<W: RoundWriter<Batch = B>>(&self, log: &W) {
        let mut round = Vec::new();
        loop {
            if self.lock().is_empty() {
                return;
            }
            let Some(mut writer) = log.try_lock() else {
                // The holder looks at the queue after letting go.
                return;
            };
            loop {
                std::mem::swap(&mut round, &mut *self.lock());
                if round.is_empty() {
                    break;
                }
                let batches: Vec<&B> = round.iter().map(|(b, _)| b).collect();
                let written = log.write_round(&mut writer, &batches);
                drop(batches);
                match written {
                    Ok(results) => {
                        for ((_, done), result) in round.drain(..).zip(results) {
                            let _ = done.send(Ok(result));
                        }
                    }
                    Err(e) => {
                        for (_, done) in round.drain(..) {
                            let _ = done.send(Err(AppendError::Store(e.duplicate())));
                        }
                    }
                }
            }
            drop(writer);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(B, Done)>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use crate::store::commit_log::tests::msg;
    use crate::store::{MessageStore, StoreConfig};

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_batches_land_whole_in_order_across_file_ends() {
        let dir = tempfile::tempdir().unwrap();
        let config = StoreConfig {
            // Small files, so rounds of several batches cross file ends.
            mapped_file_size_commit_log: 64 * 1024,
            ..StoreConfig::for_dir(dir.path())
        };
        let store = Arc::new(MessageStore::open(config, None).unwrap());
        let mut senders = tokio::task::JoinSet::new();
        for sender in 0..16 {
            let store = store.clone();
            senders.spawn(async move {
                let mut landed = Vec::new();
                for round in 0..40 {
                    let queue = (sender + round) % 3;
                    let batch: Vec<_> = (0..1 + round % 7)
                        .map(|i| {
                            msg(
                                "Group",
                                queue,
                                format!("{sender}-{round}-{i}-{}", "x".repeat(300)),
                            )
                        })
                        .collect();
                    let bodies: Vec<_> = batch.iter().map(|m| m.body.clone()).collect();
                    let result = store.put_messages(batch, false).await;
                    let append = result.unwrap().append;
                    landed.push((queue, append.queue_offset, bodies));
                }
                landed
            });
        }
        let mut landed = Vec::new();
        while let Some(r) = senders.join_next().await {
            landed.extend(r.unwrap());
        }
        assert!(store.wait_dispatched(Duration::from_secs(10)));
        let mut per_queue = [0usize; 3];
        for (queue, first, bodies) in &landed {
            per_queue[*queue as usize] += bodies.len();
            for (i, body) in bodies.iter().enumerate() {
                let m = store
                    .queue_message("Group", *queue, first + i as i64)
                    .unwrap_or_else(|| panic!("queue {queue} offset {}", first + i as i64));
                assert_eq!(
                    &m.message.body,
                    body,
                    "queue {queue} offset {}",
                    first + i as i64
                );
            }
        }
        // Every offset of every queue was handed out once: the batches tile each queue.
        for (queue, count) in per_queue.iter().enumerate() {
            let mut ranges: Vec<_> = landed
                .iter()
                .filter(|(q, _, _)| *q as usize == queue)
                .map(|(_, first, bodies)| (*first, bodies.len() as i64))
                .collect();
            ranges.sort();
            let mut next = 0;
            for (first, len) in ranges {
                assert_eq!(first, next, "queue {queue}");
                next += len;
            }
            assert_eq!(next, *count as i64);
        }
        let files = std::fs::read_dir(dir.path().join("commitlog"))
            .unwrap()
            .count();
        assert!(files > 1, "the log rolled over");
    }
}
