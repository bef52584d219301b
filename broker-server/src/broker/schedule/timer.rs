//! Arbitrary delivery times: `rmq_sys_wheel_timer` queue 0 holds messages in arrival order,
//! each due whenever its `TIMER_OUT_MS` says (the entry's tag slot).
//!
//! The service reads new entries into a due-time index and every tick re-puts what is due, so
//! delivery is at most one tick (100 ms) late. Progress is a watermark (every entry below it is
//! delivered) plus the set of entries above it already delivered, kept in
//! `config/timerCheckpoint.json`; at start the index is rebuilt from the watermark, skipping
//! that set, so a restart neither loses nor repeats a timer.
//!
//! # Format
//!
//! ```text
//! {"watermark": 12, "delivered": [14, 15]}
//! ```
//!
//! Memory: one index entry (about 40 bytes) per message still waiting.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use rocketmq_client::protocol::topic::TIMER_TOPIC;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use super::{Delivered, Pacer, deliver};
use crate::persist::{read_with_backup, write_atomically};
use crate::store::{MessageStore, QueueEntry, now_millis};

/// The persisted progress.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Checkpoint {
    watermark: i64,
    delivered: BTreeSet<i64>,
}

/// The timer's working state.
struct Timer {
    progress: Checkpoint,
    /// Next queue offset to read into the index.
    scanned: i64,
    /// (due time, queue offset) → entry.
    waiting: BTreeMap<(i64, i64), QueueEntry>,
    path: PathBuf,
}

impl Timer {
    fn load(path: PathBuf) -> Self {
        let progress: Checkpoint =
            read_with_backup(&path, |b| serde_json::from_slice(b).ok()).unwrap_or_default();
        Timer {
            scanned: progress.watermark,
            progress,
            waiting: BTreeMap::new(),
            path,
        }
    }

    fn persist(&self) {
        let snapshot = || serde_json::to_vec(&self.progress).expect("checkpoint serializes");
        if let Err(e) = write_atomically(&self.path, snapshot) {
            tracing::error!(path = %self.path.display(), error = %e, "cannot write the timer checkpoint");
        }
    }

    /// Reads entries that arrived since the last scan into the index.
    fn scan(&mut self, store: &MessageStore) {
        let min = store.min_offset(TIMER_TOPIC, 0);
        if self.scanned < min {
            // Removed by retention before it was due: nothing left to deliver there.
            self.scanned = min;
            self.progress.watermark = self.progress.watermark.max(min);
            self.progress.delivered.retain(|o| *o >= min);
        }
        let max = store.max_offset(TIMER_TOPIC, 0);
        while self.scanned < max {
            let offset = self.scanned;
            self.scanned += 1;
            if self.progress.delivered.contains(&offset) {
                continue;
            }
            match store.queue_entry(TIMER_TOPIC, 0, offset) {
                Some(entry) => {
                    self.waiting.insert((entry.tag_code, offset), entry);
                }
                None => {
                    self.progress.delivered.insert(offset);
                }
            }
        }
    }

    /// Delivers what is due; whether progress moved.
    async fn fire(&mut self, store: &MessageStore, cancel: &CancellationToken) -> bool {
        let now = now_millis();
        let mut moved = false;
        while let Some((&(due, offset), &entry)) = self.waiting.first_key_value() {
            if due > now || cancel.is_cancelled() {
                break;
            }
            if deliver(store, entry).await == Delivered::Retry {
                break;
            }
            self.waiting.remove(&(due, offset));
            self.progress.delivered.insert(offset);
            moved = true;
        }
        let p = &mut self.progress;
        while p.watermark < self.scanned && p.delivered.remove(&p.watermark) {
            p.watermark += 1;
        }
        moved
    }
}

/// Delivers due timer messages until cancelled, then saves the progress.
pub(crate) async fn run(store: Arc<MessageStore>, path: PathBuf, cancel: CancellationToken) {
    let mut timer = Timer::load(path);
    let mut pacer = Pacer::new();
    while pacer.next(&cancel).await {
        timer.scan(&store);
        let moved = timer.fire(&store, &cancel).await;
        if pacer.moved(moved) {
            timer.persist();
        }
    }
    timer.persist();
}
