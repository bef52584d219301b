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

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::Duration;

use super::Shared;
use super::checkpoint::Checkpoint;
use super::config::FlushDiskType;
use super::now_millis;

/// `2 MiB - 1`: releases end on 2 MiB boundaries, the largest folio the page cache uses on x86-64.
const RELEASE_STEP: u64 = 2 * 1024 * 1024 - 1;

pub(crate) fn spawn_log_flusher(shared: Arc<Shared>) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("store-flush-commitlog".into())
        .spawn(move || {
            // What the log held before this start is left to the kernel.
            let window = shared.config.commit_log_cache_window;
            let mut released = shared.log.max_offset().saturating_sub(window) & !RELEASE_STEP;
            loop {
                let stopping = shared.stopping.load(Ordering::Acquire);
                match shared.config.flush_disk_type {
                    FlushDiskType::AsyncFlush => shared
                        .flush_signal
                        .wait(shared.config.flush_interval_commit_log),
                    FlushDiskType::SyncFlush => shared.flush_signal.wait(Duration::from_millis(10)),
                }
                match shared.log.flush() {
                    Ok(offset) => {
                        shared.flushed.send_replace(offset);
                        if window > 0 {
                            released = release_cache(&shared, offset, released);
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "commit log flush failed"),
                }
                if stopping {
                    break;
                }
            }
        })
}

/// Drops the log's pages from `released` up to the window behind what is flushed and
/// dispatched; returns the new `released`.
fn release_cache(shared: &Shared, flushed: u64, released: u64) -> u64 {
    let dispatched = shared.dispatched.load(Ordering::Acquire);
    // In whole steps: the kernel drops a large folio only when one call covers all of it.
    let to = flushed
        .min(dispatched)
        .saturating_sub(shared.config.commit_log_cache_window)
        & !RELEASE_STEP;
    if to > released {
        shared.log.release(released, to)
    } else {
        released
    }
}

pub(crate) fn spawn_queue_flusher(shared: Arc<Shared>) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("store-flush-consumequeue".into())
        .spawn(move || {
            while !shared.stopping.load(Ordering::Acquire) {
                shared
                    .queue_flush_signal
                    .wait(shared.config.flush_interval_consume_queue);
                if let Err(e) = write_checkpoint(&shared) {
                    tracing::error!(error = %e, "consume queue flush failed");
                }
            }
        })
}

/// Flushes the queues and records the recovery points.
pub(crate) fn write_checkpoint(shared: &Shared) -> std::io::Result<()> {
    let dispatched = shared.dispatched.load(Ordering::Acquire);
    shared.cqs.flush()?;
    if let Some(index) = &shared.index {
        index.flush()?;
    }
    let flushed = *shared.flushed.borrow();
    let now = now_millis();
    Checkpoint {
        physic_timestamp: now,
        logics_timestamp: now,
        flushed_offset: flushed,
        dispatched_offset: dispatched.min(flushed),
    }
    .write(&shared.checkpoint_path())
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
