//! A queue's messages between pull and consumption: flow control, the commit offset, consume
//! timeouts and, for orderly consumers, the broker lock and one-at-a-time consumption.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use tokio::sync::Notify;

use crate::protocol::body::ProcessQueueInfo;
use crate::protocol::message::MessageExt;
use crate::protocol::now_millis;

/// How long a broker lock is trusted without a refresh (the broker's own expiry is 60 s).
pub(crate) const LOCK_TRUSTED_MS: i64 = 30_000;

/// A pulled message not yet done.
#[derive(Debug)]
struct Held {
    msg: MessageExt,
    /// When a listener got it (`None`: still waiting, orderly only).
    started_ms: Option<i64>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Messages by queue offset.
    held: BTreeMap<i64, Held>,
    bytes: usize,
    /// Highest offset ever taken in.
    max_seen: Option<i64>,
}

/// Messages pulled from one queue and not yet consumed.
#[derive(Debug, Default)]
pub(crate) struct ProcessQueue {
    inner: Mutex<Inner>,
    dropped: AtomicBool,
    last_pull_ms: AtomicI64,
    last_consume_ms: AtomicI64,
    /// Orderly: the broker granted us this queue, at `last_lock_ms`.
    locked: AtomicBool,
    last_lock_ms: AtomicI64,
    /// Orderly: held for each listener call, so a queue is released only between calls.
    pub(crate) consuming: tokio::sync::Mutex<()>,
    /// Orderly: messages arrived or the lock changed.
    pub(crate) wake: Notify,
}

impl ProcessQueue {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Notes that a pull answered (with or without messages).
    pub(crate) fn pulled(&self) {
        self.last_pull_ms.store(now_millis(), Ordering::Relaxed);
    }

    /// What GET_CONSUMER_RUNNING_INFO reports of this queue (the commit offset is the
    /// offset store's to fill in).
    pub(crate) fn info(&self) -> ProcessQueueInfo {
        let inner = self.lock();
        ProcessQueueInfo {
            cached_msg_min_offset: inner.held.keys().next().copied().unwrap_or(0),
            cached_msg_max_offset: inner.held.keys().next_back().copied().unwrap_or(0),
            cached_msg_count: i32::try_from(inner.held.len()).unwrap_or(i32::MAX),
            cached_msg_size_in_mib: i32::try_from(inner.bytes / (1024 * 1024)).unwrap_or(i32::MAX),
            locked: self.locked.load(Ordering::Acquire),
            last_lock_timestamp: self.last_lock_ms.load(Ordering::Relaxed),
            droped: self.is_dropped(),
            last_pull_timestamp: self.last_pull_ms.load(Ordering::Relaxed),
            last_consume_timestamp: self.last_consume_ms.load(Ordering::Relaxed),
            ..Default::default()
        }
    }

    /// Records pulled messages; `started` marks them as handed to a listener right away.
    pub(crate) fn put(&self, msgs: Vec<MessageExt>, started: bool) {
        let now = now_millis();
        let mut inner = self.lock();
        for m in msgs {
            let (offset, size) = (m.queue_offset, m.message.body.len());
            let held = Held {
                msg: m,
                started_ms: started.then_some(now),
            };
            if inner.held.insert(offset, held).is_none() {
                inner.bytes += size;
            }
            inner.max_seen = Some(inner.max_seen.map_or(offset, |s| s.max(offset)));
        }
        drop(inner);
        self.wake.notify_one();
    }

    /// Orderly: the lowest `n` messages not yet handed out, now marked as handed out.
    pub(crate) fn take(&self, n: usize) -> Vec<MessageExt> {
        let now = now_millis();
        let mut inner = self.lock();
        inner
            .held
            .values_mut()
            .filter(|h| h.started_ms.is_none())
            .take(n)
            .map(|h| {
                h.started_ms = Some(now);
                h.msg.clone()
            })
            .collect()
    }

    /// Removes consumed messages; returns the offset that is now safe to commit: the lowest
    /// still held, or one past the highest seen.
    pub(crate) fn remove(&self, offsets: &[i64]) -> Option<i64> {
        self.last_consume_ms.store(now_millis(), Ordering::Relaxed);
        let mut inner = self.lock();
        for o in offsets {
            if let Some(h) = inner.held.remove(o) {
                inner.bytes -= h.msg.message.body.len();
            }
        }
        match inner.held.keys().next() {
            Some(first) => Some(*first),
            None => inner.max_seen.map(|m| m + 1),
        }
    }

    /// Copies of the held messages at these offsets (those still held).
    pub(crate) fn messages(&self, offsets: &[i64]) -> Vec<MessageExt> {
        let inner = self.lock();
        offsets
            .iter()
            .filter_map(|o| inner.held.get(o).map(|h| h.msg.clone()))
            .collect()
    }

    /// Messages a listener has held since before `started_before` (ms), oldest first.
    pub(crate) fn stuck(&self, started_before: i64, max: usize) -> Vec<MessageExt> {
        self.lock()
            .held
            .values()
            .filter(|h| h.started_ms.is_some_and(|s| s < started_before))
            .take(max)
            .map(|h| h.msg.clone())
            .collect()
    }

    /// (message count, body bytes) held.
    pub(crate) fn load(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.held.len(), inner.bytes)
    }

    pub(crate) fn drop_queue(&self) {
        self.dropped.store(true, Ordering::Release);
        self.wake.notify_one();
    }

    pub(crate) fn is_dropped(&self) -> bool {
        self.dropped.load(Ordering::Acquire)
    }

    /// Orderly: records the broker's answer to a lock request.
    pub(crate) fn set_locked(&self, locked: bool) {
        if locked {
            self.last_lock_ms.store(now_millis(), Ordering::Release);
        }
        self.locked.store(locked, Ordering::Release);
        self.wake.notify_one();
    }

    /// Orderly: whether we hold the broker lock and it is fresh enough to trust.
    pub(crate) fn lock_valid(&self) -> bool {
        self.locked.load(Ordering::Acquire)
            && now_millis() - self.last_lock_ms.load(Ordering::Acquire) < LOCK_TRUSTED_MS
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::message::Message;

    fn ext(offset: i64) -> MessageExt {
        MessageExt {
            message: Message::new("T", "abc"),
            queue_id: 0,
            store_size: 0,
            queue_offset: offset,
            sys_flag: 0,
            born_timestamp: 0,
            born_host: "127.0.0.1:1".parse().unwrap(),
            store_timestamp: 0,
            store_host: "127.0.0.1:2".parse().unwrap(),
            commit_log_offset: 0,
            body_crc: 0,
            reconsume_times: 0,
            prepared_transaction_offset: 0,
        }
    }

    #[test]
    fn the_commit_offset_lags_behind_the_slowest_message() {
        let pq = ProcessQueue::default();
        pq.put(vec![ext(5), ext(6), ext(7)], true);
        assert_eq!(pq.load(), (3, 9));
        assert_eq!(pq.messages(&[6, 9]).len(), 1, "only what is held");
        assert_eq!(
            pq.remove(&[6, 7]),
            Some(5),
            "offset 5 is still being consumed"
        );
        assert_eq!(pq.remove(&[5]), Some(8));
        assert_eq!(pq.load(), (0, 0));
    }

    #[test]
    fn orderly_takes_in_offset_order_once() {
        let pq = ProcessQueue::default();
        pq.put(vec![ext(7), ext(5), ext(6)], false);
        let first: Vec<i64> = pq.take(2).iter().map(|m| m.queue_offset).collect();
        assert_eq!(first, [5, 6]);
        let next: Vec<i64> = pq.take(2).iter().map(|m| m.queue_offset).collect();
        assert_eq!(next, [7], "handed-out messages are not taken again");
        assert_eq!(pq.stuck(now_millis() + 1, 10).len(), 3);
        assert!(!pq.lock_valid());
        pq.set_locked(true);
        assert!(pq.lock_valid());
    }
}
