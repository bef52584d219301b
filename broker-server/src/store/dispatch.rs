//! Dispatch ("reput"): tails the commit log and builds consume-queue entries.
//!
//! The log is the truth and the queues are derived from it, so dispatch runs after the append
//! (a message is pullable once dispatched) and recovery can rebuild any queue by dispatching
//! the log again; writing an entry that already exists is a no-op. After each round the
//! arrival listener hears which queues grew, which is what wakes held long-poll pulls.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::Duration;

use rocketmq_client::protocol::message::{properties, property};
use rocketmq_client::protocol::tag_code;

use super::Shared;
use super::commit_log::{CommitLog, Step};
use super::consume_queue::{ConsumeQueueTable, CqEntry};
use super::error::StoreError;

/// Called with (topic, queue id, new max offset) after messages were dispatched.
pub type ArrivalListener = Arc<dyn Fn(&str, i32, i64) + Send + Sync>;

/// Queues that grew in a dispatch round, with their new max offsets.
pub(crate) type Grown = HashMap<(String, i32), i64>;

/// Dispatches the records in `[from, to)`; returns where it stopped and the queues that grew.
pub(crate) fn dispatch_range(
    log: &CommitLog,
    cqs: &ConsumeQueueTable,
    mut from: u64,
    to: u64,
) -> Result<(u64, Grown), StoreError> {
    let mut grown = HashMap::new();
    while from < to {
        let step = log.visit(from, |v| {
            let takes_offset = v.sys_flag & 0xC == 0 || v.sys_flag & 0xC == 0x8;
            takes_offset.then(|| {
                let tag = tag_code(properties::find(v.properties, property::TAGS));
                (
                    v.topic.to_string(),
                    v.queue_id,
                    v.queue_offset,
                    CqEntry {
                        phys: v.physical_offset,
                        size: v.total_size as i32,
                        tag_code: tag,
                    },
                )
            })
        });
        match step {
            Step::Record(Some((topic, queue_id, queue_offset, entry)), size) => {
                cqs.get_or_create(&topic, queue_id)?
                    .put(queue_offset, entry)?;
                grown.insert((topic, queue_id), queue_offset + 1);
                from += size as u64;
            }
            Step::Record(None, size) => from += size as u64,
            Step::Blank(next) => from = next,
            Step::End => {
                tracing::error!(
                    offset = from,
                    until = to,
                    "dispatch found no valid record before the log end"
                );
                break;
            }
        }
    }
    Ok((from, grown))
}

/// Runs dispatch until the store stops.
pub(crate) fn spawn(shared: Arc<Shared>) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("store-dispatch".into())
        .spawn(move || {
            loop {
                let to = shared.log.max_offset();
                let from = shared.dispatched.load(Ordering::Acquire);
                if from < to {
                    match dispatch_range(&shared.log, &shared.cqs, from, to) {
                        Ok((reached, grown)) => {
                            shared.dispatched.store(reached, Ordering::Release);
                            if let Some(listener) = &shared.arrival {
                                for ((topic, queue_id), max) in grown {
                                    listener(&topic, queue_id, max);
                                }
                            }
                            if reached < to {
                                std::thread::sleep(Duration::from_millis(100));
                            }
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "dispatch failed; retrying");
                            std::thread::sleep(Duration::from_millis(100));
                        }
                    }
                    continue;
                }
                if shared.stopping.load(Ordering::Acquire) {
                    break;
                }
                shared.dispatch_signal.wait(Duration::from_millis(100));
            }
        })
}
