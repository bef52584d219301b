//! Flush threads.
//!
//! The commit-log flusher either ticks every `flushIntervalCommitLog` (ASYNC_FLUSH) or wakes
//! when a sender asks (SYNC_FLUSH). Either way one `msync` covers everything appended so far,
//! and the new flushed offset is published on a watch channel, so every sender waiting at that
//! moment is released by the same flush (group commit) instead of one flush per message.
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

pub(crate) fn spawn_log_flusher(shared: Arc<Shared>) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("store-flush-commitlog".into())
        .spawn(move || {
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
                    }
                    Err(e) => tracing::error!(error = %e, "commit log flush failed"),
                }
                if stopping {
                    break;
                }
            }
        })
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
