//! Level delays: one pass per tick over every level's queue of `SCHEDULE_TOPIC_XXXX`,
//! re-putting what is due.
//!
//! A level's messages all wait equally long, so its queue is due in order: the first entry not
//! yet due ends that level's pass. Progress per level is `config/delayOffset.json`, written every
//! second while it moves and at shutdown, so a restart neither loses nor repeats a backlog
//! (after a crash, up to a second of deliveries may repeat: at least once, like Apache).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rocketmq_client::protocol::body::{DataVersion, DelayOffsetSerializeWrapper, JsonBody};
use rocketmq_client::protocol::topic::SCHEDULE_TOPIC;
use tokio_util::sync::CancellationToken;

use super::{Delivered, Pacer, deliver};
use crate::persist::{read_with_backup, write_atomically};
use crate::store::{MessageStore, now_millis};

/// Level → next offset to deliver in that level's queue.
#[derive(Debug)]
pub(crate) struct DelayOffsets {
    table: Mutex<BTreeMap<i32, i64>>,
    path: PathBuf,
}

impl DelayOffsets {
    pub(crate) fn load(path: PathBuf) -> Self {
        let table = read_with_backup(&path, |b| DelayOffsetSerializeWrapper::decode(b).ok())
            .map(|w| w.offset_table)
            .unwrap_or_default();
        DelayOffsets {
            table: Mutex::new(table),
            path,
        }
    }

    fn get(&self, level: i32) -> i64 {
        self.table
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&level)
            .copied()
            .unwrap_or(0)
    }

    fn set(&self, level: i32, offset: i64) {
        self.table
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(level, offset);
    }

    /// Takes a master's progress (a slave keeps it so that, were it to take over, delays
    /// would go on from there).
    pub(crate) fn replace_with(&self, master: DelayOffsetSerializeWrapper) {
        *self.table.lock().unwrap_or_else(|e| e.into_inner()) = master.offset_table;
        self.persist();
    }

    /// The table as `delayOffset.json` and GET_ALL_DELAY_OFFSET carry it.
    pub(crate) fn snapshot(&self) -> DelayOffsetSerializeWrapper {
        DelayOffsetSerializeWrapper {
            offset_table: self.table.lock().unwrap_or_else(|e| e.into_inner()).clone(),
            data_version: DataVersion::now(),
        }
    }

    pub(crate) fn persist(&self) {
        if let Err(e) = write_atomically(&self.path, || self.snapshot().encode()) {
            tracing::error!(path = %self.path.display(), error = %e, "cannot write delay offsets");
        }
    }
}

/// Delivers due level-delayed messages until cancelled, then saves the progress.
pub(crate) async fn run(
    store: Arc<MessageStore>,
    offsets: Arc<DelayOffsets>,
    levels: usize,
    cancel: CancellationToken,
) {
    let mut pacer = Pacer::new();
    while pacer.next(&cancel).await {
        let mut moved = false;
        for level in 1..=levels as i32 {
            moved |= pass(&store, &offsets, level, &cancel).await;
        }
        if pacer.moved(moved) {
            offsets.persist();
        }
    }
    offsets.persist();
}

/// Delivers the due head of one level's queue; whether the level's offset moved.
async fn pass(
    store: &MessageStore,
    offsets: &DelayOffsets,
    level: i32,
    cancel: &CancellationToken,
) -> bool {
    let queue_id = level - 1;
    let start = offsets.get(level);
    let mut offset = start.max(store.min_offset(SCHEDULE_TOPIC, queue_id));
    let max = store.max_offset(SCHEDULE_TOPIC, queue_id);
    while offset < max && !cancel.is_cancelled() {
        let Some(entry) = store.queue_entry(SCHEDULE_TOPIC, queue_id, offset) else {
            offset += 1; // a hole
            continue;
        };
        if entry.tag_code > now_millis() {
            break;
        }
        if deliver(store, entry).await == Delivered::Retry {
            break;
        }
        offset += 1;
    }
    if offset != start {
        offsets.set(level, offset);
        return true;
    }
    false
}
