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

use rocketmq_client::protocol::message::RecordView;
use rocketmq_client::protocol::message::{properties, property};
use rocketmq_client::protocol::tag_code;
use rocketmq_client::protocol::topic::{SCHEDULE_TOPIC, TIMER_TOPIC};

use super::Progress;
use super::commit_log::CommitLog;
use super::config::delay_of;
use super::consume_queue::{ConsumeQueue, ConsumeQueueTable, CqEntry};
use super::error::StoreError;
use super::index::IndexService;

/// Called with (topic, queue id, new max offset) after messages were dispatched.
pub type ArrivalListener = Arc<dyn Fn(&str, i32, i64) + Send + Sync>;

/// Queues that grew in a dispatch round: topic → (queue id, new max offset).
pub(crate) type Grown = HashMap<String, Vec<(i32, i64)>>;

/// A queue this round wrote to, and the max offset it reached.
struct Recent {
    topic: Box<str>,
    queue_id: i32,
    cq: Arc<ConsumeQueue>,
    next: i64,
}

/// Dispatches the records in `[from, to)`; returns where it stopped and the queues that grew.
pub(crate) fn dispatch_range(
    log: &CommitLog,
    cqs: &ConsumeQueueTable,
    index: Option<&IndexService>,
    delay_levels: &[i64],
    from: u64,
    to: u64,
) -> Result<(u64, Grown), StoreError> {
    let mut grown: Grown = HashMap::new();
    let mut note = |r: Recent| {
        let queues = grown.entry(r.topic.into()).or_default();
        match queues.iter_mut().find(|(q, _)| *q == r.queue_id) {
            Some((_, max)) => *max = (*max).max(r.next),
            None => queues.push((r.queue_id, r.next)),
        }
    };
    // The queues this round wrote to: records come in runs for a few queues (a batch is one
    // run), so a short list beats the table's lock and two hash lookups per record. A queue's
    // max offset goes into `grown` when it leaves the list, not per record.
    let mut recent: Vec<Recent> = Vec::new();
    // The entry is written inside the walk, so a record costs no allocation unless its queue
    // is new to this round.
    let reached = log.walk(from, to, |v| -> Result<(), StoreError> {
        let takes_offset = v.sys_flag & 0xC == 0 || v.sys_flag & 0xC == 0x8;
        if !takes_offset {
            return Ok(());
        }
        let props = Wanted::of(v.properties);
        let at = match recent
            .iter()
            .position(|r| r.queue_id == v.queue_id && &*r.topic == v.topic)
        {
            Some(at) => at,
            None => {
                if recent.len() == 16 {
                    note(recent.remove(0));
                }
                recent.push(Recent {
                    topic: v.topic.into(),
                    queue_id: v.queue_id,
                    cq: cqs.get_or_create(v.topic, v.queue_id)?,
                    next: 0,
                });
                recent.len() - 1
            }
        };
        let queue = &mut recent[at];
        queue.cq.put(
            v.queue_offset,
            CqEntry {
                phys: v.physical_offset,
                size: v.total_size as i32,
                tag_code: queue_tag_code(v, props.tags, delay_levels),
            },
        )?;
        queue.next = queue.next.max(v.queue_offset + 1);
        if let Some(index) = index {
            index.add(
                v.topic,
                props.uniq,
                props.keys,
                v.physical_offset,
                v.store_timestamp,
            )?;
        }
        Ok(())
    })?;
    recent.into_iter().for_each(&mut note);
    if reached < to && !log.ends_mid_record(reached) {
        tracing::error!(
            offset = reached,
            until = to,
            "dispatch found no valid record before the log end"
        );
    }
    Ok((reached, grown))
}

/// The properties dispatch reads, found in one pass.
#[derive(Default)]
struct Wanted<'a> {
    tags: Option<&'a str>,
    keys: Option<&'a str>,
    uniq: Option<&'a str>,
}

impl<'a> Wanted<'a> {
    fn of(props: &'a str) -> Self {
        let mut w = Wanted::default();
        for (name, value) in properties::entries(props) {
            let slot = match name {
                property::TAGS => &mut w.tags,
                property::KEYS => &mut w.keys,
                property::UNIQ_CLIENT_MESSAGE_ID_KEYIDX => &mut w.uniq,
                _ => continue,
            };
            if slot.is_none() && !value.is_empty() {
                *slot = Some(value);
            }
        }
        w
    }
}

/// What a record's consume-queue entry holds in its tag slot: the tag hash, except in the
/// two waiting rooms, where it is the time the message is due (so the schedule and timer
/// services find due messages from the queue alone, as Apache's do).
fn queue_tag_code(v: &RecordView<'_>, tags: Option<&str>, delay_levels: &[i64]) -> i64 {
    match v.topic {
        SCHEDULE_TOPIC => {
            let level = properties::find(v.properties, property::DELAY_TIME_LEVEL)
                .and_then(|l| l.parse::<i32>().ok())
                .unwrap_or(1);
            v.store_timestamp + delay_of(delay_levels, level)
        }
        TIMER_TOPIC => properties::find(v.properties, property::TIMER_OUT_MS)
            .and_then(|t| t.parse::<i64>().ok())
            .unwrap_or(v.store_timestamp),
        _ => tag_code(tags),
    }
}

/// What the dispatch thread needs: the log it reads, the queues and index it writes, who
/// hears of new messages, and where it has got to.
pub(crate) struct Dispatcher {
    pub(crate) log: Arc<CommitLog>,
    pub(crate) cqs: Arc<ConsumeQueueTable>,
    pub(crate) index: Option<Arc<IndexService>>,
    /// `messageDelayLevel` (ms): the schedule topic's entries hold when they are due.
    pub(crate) delay_levels: Vec<i64>,
    pub(crate) arrival: Option<ArrivalListener>,
    pub(crate) progress: Arc<Progress>,
}

impl Dispatcher {
    /// Runs dispatch until the store stops.
    pub(crate) fn spawn(self) -> std::io::Result<JoinHandle<()>> {
        std::thread::Builder::new()
            .name("store-dispatch".into())
            .spawn(move || self.run())
    }

    fn run(self) {
        let progress = &self.progress;
        loop {
            let to = self.log.max_offset();
            // A slave's log starts where its master's stream did, not at 0.
            let from = progress
                .dispatched
                .load(Ordering::Acquire)
                .max(self.log.min_offset());
            if from < to {
                match dispatch_range(
                    &self.log,
                    &self.cqs,
                    self.index.as_deref(),
                    &self.delay_levels,
                    from,
                    to,
                ) {
                    Ok((reached, grown)) => {
                        progress.dispatched.store(reached, Ordering::Release);
                        if let Some(listener) = &self.arrival {
                            for (topic, queues) in grown {
                                for (queue_id, max) in queues {
                                    listener(&topic, queue_id, max);
                                }
                            }
                        }
                        // A round that found work is followed by the next one 1 ms later, as
                        // Apache's reput rounds are: under load that is one wake-up per
                        // millisecond instead of one per message, and a message waits at most
                        // that long to become pullable.
                        if reached == to {
                            std::thread::sleep(Duration::from_millis(1));
                        } else if self.log.ends_mid_record(reached) {
                            // Replicated bytes end inside a record: the next chunk's append
                            // wakes this thread.
                            progress.dispatch_signal.wait(Duration::from_millis(100));
                        } else {
                            std::thread::sleep(Duration::from_millis(100));
                        }
                    }
                    Err(e) => {
                        // Stopping gives up on a failure (the next start dispatches again
                        // from the checkpoint) rather than retrying forever.
                        if progress.stopping.load(Ordering::Acquire) {
                            tracing::error!(error = %e, "dispatch failed while stopping");
                            break;
                        }
                        tracing::error!(error = %e, "dispatch failed; retrying");
                        std::thread::sleep(Duration::from_millis(100));
                    }
                }
                continue;
            }
            if progress.stopping.load(Ordering::Acquire) {
                break;
            }
            progress.dispatch_signal.wait(Duration::from_millis(100));
        }
    }
}
