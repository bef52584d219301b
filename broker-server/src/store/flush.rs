//! Flush threads.
//!
//! The commit-log flusher either ticks every `flushIntervalCommitLog` (ASYNC_FLUSH) or wakes
//! when a sender asks (SYNC_FLUSH). Either way one `msync` covers everything appended so far,
//! and the new flushed offset is published on a watch channel, so every sender waiting at that
//! moment is released by the same flush (group commit) instead of one flush per message.
//! After a flush it drops the log's pages older than `commitLogCacheWindow` behind what is both
//! flushed and dispatched (see [`StoreConfig::commit_log_cache_window`](super::StoreConfig)).
//!
//! The consume-queue flusher writes the checkpoint after flushing the queues, recording how far
//! dispatch had got before the flush began — a point whose entries are all on disk.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::Duration;

use super::Progress;
use super::checkpoint::Checkpoint;
use super::commit_log::CommitLog;
use super::config::{FlushDiskType, StoreConfig};
use super::consume_queue::ConsumeQueueTable;
use super::index::IndexService;
use super::now_millis;

/// `2 MiB - 1`: releases end on 2 MiB boundaries, the largest folio the page cache uses on x86-64.
const RELEASE_STEP: u64 = 2 * 1024 * 1024 - 1;

/// What the commit-log flusher needs: the log, the progress it publishes, and its settings.
pub(crate) struct LogFlusher {
    pub(crate) log: Arc<CommitLog>,
    pub(crate) progress: Arc<Progress>,
    pub(crate) flush_disk_type: FlushDiskType,
    /// `flushIntervalCommitLog`.
    pub(crate) interval: Duration,
    /// `commitLogCacheWindow`.
    pub(crate) cache_window: u64,
}

impl LogFlusher {
    pub(crate) fn new(config: &StoreConfig, log: Arc<CommitLog>, progress: Arc<Progress>) -> Self {
        LogFlusher {
            log,
            progress,
            flush_disk_type: config.flush_disk_type,
            interval: config.flush_interval_commit_log,
            cache_window: config.commit_log_cache_window,
        }
    }

    pub(crate) fn spawn(self) -> std::io::Result<JoinHandle<()>> {
        std::thread::Builder::new()
            .name("store-flush-commitlog".into())
            .spawn(move || self.run())
    }

    fn run(self) {
        let progress = &self.progress;
        // What the log held before this start is left to the kernel.
        let mut released = self.log.max_offset().saturating_sub(self.cache_window) & !RELEASE_STEP;
        loop {
            let stopping = progress.stopping.load(Ordering::Acquire);
            match self.flush_disk_type {
                FlushDiskType::AsyncFlush => progress.flush_signal.wait(self.interval),
                FlushDiskType::SyncFlush => progress.flush_signal.wait(Duration::from_millis(10)),
            }
            match self.log.flush() {
                Ok(offset) => {
                    progress.flushed.send_replace(offset);
                    if self.cache_window > 0 {
                        released = self.release_cache(offset, released);
                    }
                }
                Err(e) => tracing::error!(error = %e, "commit log flush failed"),
            }
            if stopping {
                break;
            }
        }
    }

    /// Drops the log's pages from `released` up to the window behind what is flushed and
    /// dispatched; returns the new `released`.
    fn release_cache(&self, flushed: u64, released: u64) -> u64 {
        let dispatched = self.progress.dispatched.load(Ordering::Acquire);
        // In whole steps: the kernel drops a large folio only when one call covers all of it.
        let to = flushed.min(dispatched).saturating_sub(self.cache_window) & !RELEASE_STEP;
        if to > released {
            self.log.release(released, to)
        } else {
            released
        }
    }
}

/// Flushes the queues and the index and records the recovery points: the consume-queue
/// flusher's work, and the store's own at open and at shutdown.
#[derive(Clone)]
pub(crate) struct Checkpointer {
    pub(crate) cqs: Arc<ConsumeQueueTable>,
    pub(crate) index: Option<Arc<IndexService>>,
    pub(crate) progress: Arc<Progress>,
    pub(crate) path: PathBuf,
}

impl Checkpointer {
    /// Runs every `interval` (`flushIntervalConsumeQueue`) until the store stops.
    pub(crate) fn spawn(self, interval: Duration) -> std::io::Result<JoinHandle<()>> {
        std::thread::Builder::new()
            .name("store-flush-consumequeue".into())
            .spawn(move || {
                while !self.progress.stopping.load(Ordering::Acquire) {
                    self.progress.queue_flush_signal.wait(interval);
                    if let Err(e) = self.write() {
                        tracing::error!(error = %e, "consume queue flush failed");
                    }
                }
            })
    }

    /// Flushes the queues and records the recovery points.
    pub(crate) fn write(&self) -> std::io::Result<()> {
        let dispatched = self.progress.dispatched.load(Ordering::Acquire);
        self.cqs.flush()?;
        if let Some(index) = &self.index {
            index.flush()?;
        }
        let flushed = *self.progress.flushed.borrow();
        let now = now_millis();
        Checkpoint {
            physic_timestamp: now,
            logics_timestamp: now,
            flushed_offset: flushed,
            dispatched_offset: dispatched.min(flushed),
        }
        .write(&self.path)
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use crate::store::commit_log;
    use crate::store::mapped_file::{cached_pages, file_name};
    use crate::store::{MessageStore, PutMessage, StoreConfig};

    fn msg(i: usize) -> PutMessage {
        commit_log::tests::msg("Cached", 0, format!("{i:04}-{}", "x".repeat(1000)))
    }

    #[tokio::test]
    async fn pages_behind_the_cache_window_are_dropped_and_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let config = StoreConfig {
            mapped_file_size_commit_log: 1024 * 1024,
            flush_interval_commit_log: Duration::from_millis(10),
            commit_log_cache_window: 1024 * 1024,
            ..StoreConfig::for_dir(dir.path())
        };
        let store = MessageStore::open(config, None).unwrap();
        for i in 0..4000 {
            store.put_message(msg(i), false).await.unwrap();
        }
        assert!(store.wait_dispatched(Duration::from_secs(5)));
        let first = dir.path().join("commitlog").join(file_name(0));
        let deadline = Instant::now() + Duration::from_secs(5);
        while let Some(cached) = cached_pages(&first, 1024 * 1024) {
            if cached == 0 {
                break;
            }
            assert!(Instant::now() < deadline, "{cached} pages still cached");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let last = dir
            .path()
            .join("commitlog")
            .join(file_name(3 * 1024 * 1024));
        assert_ne!(
            cached_pages(&last, 1024 * 1024),
            Some(0),
            "the window stays"
        );
        for i in 0..4000 {
            let m = store.queue_message("Cached", 0, i as i64).unwrap();
            assert_eq!(m.message.body, msg(i).body, "message {i}");
        }
    }
}
