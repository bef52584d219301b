//! A queue's messages between pull and consumption: flow control and the commit offset.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use crate::protocol::body::ProcessQueueInfo;
use crate::protocol::message::MessageExt;
use crate::protocol::now_millis;

#[derive(Debug, Default)]
struct Inner {
    /// In-flight messages by queue offset → body size.
    in_flight: BTreeMap<i64, usize>,
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
            cached_msg_min_offset: inner.in_flight.keys().next().copied().unwrap_or(0),
            cached_msg_max_offset: inner.in_flight.keys().next_back().copied().unwrap_or(0),
            cached_msg_count: i32::try_from(inner.in_flight.len()).unwrap_or(i32::MAX),
            cached_msg_size_in_mib: i32::try_from(inner.bytes / (1024 * 1024)).unwrap_or(i32::MAX),
            droped: self.is_dropped(),
            last_pull_timestamp: self.last_pull_ms.load(Ordering::Relaxed),
            last_consume_timestamp: self.last_consume_ms.load(Ordering::Relaxed),
            ..Default::default()
        }
    }

    /// Records pulled messages.
    pub(crate) fn put(&self, msgs: &[MessageExt]) {
        let mut inner = self.lock();
        for m in msgs {
            if inner
                .in_flight
                .insert(m.queue_offset, m.message.body.len())
                .is_none()
            {
                inner.bytes += m.message.body.len();
            }
            inner.max_seen = Some(
                inner
                    .max_seen
                    .map_or(m.queue_offset, |s| s.max(m.queue_offset)),
            );
        }
    }

    /// Removes consumed messages; returns the offset that is now safe to commit: the lowest
    /// still in flight, or one past the highest seen.
    pub(crate) fn remove(&self, offsets: &[i64]) -> Option<i64> {
        self.last_consume_ms.store(now_millis(), Ordering::Relaxed);
        let mut inner = self.lock();
        for o in offsets {
            if let Some(size) = inner.in_flight.remove(o) {
                inner.bytes -= size;
            }
        }
        match inner.in_flight.keys().next() {
            Some(first) => Some(*first),
            None => inner.max_seen.map(|m| m + 1),
        }
    }

    /// (message count, body bytes) in flight.
    pub(crate) fn load(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.in_flight.len(), inner.bytes)
    }

    pub(crate) fn drop_queue(&self) {
        self.dropped.store(true, Ordering::Release);
    }

    pub(crate) fn is_dropped(&self) -> bool {
        self.dropped.load(Ordering::Acquire)
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
        pq.put(&[ext(5), ext(6), ext(7)]);
        assert_eq!(pq.load(), (3, 9));
        assert_eq!(
            pq.remove(&[6, 7]),
            Some(5),
            "offset 5 is still being consumed"
        );
        assert_eq!(pq.remove(&[5]), Some(8));
        assert_eq!(pq.load(), (0, 0));
    }
}
