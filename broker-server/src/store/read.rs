//! Reading: queue ranges for pulls, and lookups by time.

use rocketmq_client::protocol::message::RecordView;
use rocketmq_client::protocol::message::record::store_timestamp_offset;

use super::MessageStore;
use super::consume_queue::ConsumeQueue;

/// How a read went (`GetMessageStatus`); the name is what Apache puts in the pull remark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetStatus {
    Found,
    NoMatchedMessage,
    MessageWasRemoving,
    NoMessageInQueue,
    NoMatchedLogicQueue,
    OffsetTooSmall,
    OffsetOverflowOne,
    OffsetOverflowBadly,
    OffsetFoundNull,
}

impl GetStatus {
    /// Apache's enum name.
    pub fn name(self) -> &'static str {
        match self {
            GetStatus::Found => "FOUND",
            GetStatus::NoMatchedMessage => "NO_MATCHED_MESSAGE",
            GetStatus::MessageWasRemoving => "MESSAGE_WAS_REMOVING",
            GetStatus::NoMessageInQueue => "NO_MESSAGE_IN_QUEUE",
            GetStatus::NoMatchedLogicQueue => "NO_MATCHED_LOGIC_QUEUE",
            GetStatus::OffsetTooSmall => "OFFSET_TOO_SMALL",
            GetStatus::OffsetOverflowOne => "OFFSET_OVERFLOW_ONE",
            GetStatus::OffsetOverflowBadly => "OFFSET_OVERFLOW_BADLY",
            GetStatus::OffsetFoundNull => "OFFSET_FOUND_NULL",
        }
    }
}

/// A range read from one queue.
#[derive(Debug, Clone)]
pub struct GetMessageResult {
    pub status: GetStatus,
    /// Where the next read should start (after any filtered-out entries too).
    pub next_begin_offset: i64,
    pub min_offset: i64,
    pub max_offset: i64,
    /// The stored records, back to back: exactly a pull response body.
    pub body: Vec<u8>,
    pub count: usize,
    /// The read is further behind the log's end than `accessMessageInMemoryMaxRatio` of the
    /// machine's memory: likely from disk, so a slave should serve this reader (Apache's
    /// `suggestPullingFromSlave`).
    pub suggest_pulling_from_slave: bool,
}

/// A consume-queue entry, for services that walk a queue themselves (the schedule and timer
/// services read due times from the tag slot).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueEntry {
    pub commit_log_offset: i64,
    pub size: i32,
    /// The tag hash, or in the schedule and timer topics the time the message is due.
    pub tag_code: i64,
}

/// Entries a filtered read may scan (Apache's `maxFilterMessageSize` 16000 bytes / 20).
const MAX_FILTER_SCAN: i64 = 800;

impl MessageStore {
    /// Reads up to `max_nums` messages of a queue from `offset`, keeping those whose tag code
    /// `filter` accepts.
    pub fn get_message(
        &self,
        topic: &str,
        queue_id: i32,
        offset: i64,
        max_nums: usize,
        filter: &dyn Fn(i64) -> bool,
    ) -> GetMessageResult {
        self.get_message_selected(topic, queue_id, offset, max_nums, filter, None)
    }

    /// [`get_message`](Self::get_message), also keeping only messages whose encoded
    /// properties `select` accepts (SQL92 selectors): those are read, checked and dropped.
    pub fn get_message_selected(
        &self,
        topic: &str,
        queue_id: i32,
        offset: i64,
        max_nums: usize,
        filter: &dyn Fn(i64) -> bool,
        select: Option<&dyn Fn(&str) -> bool>,
    ) -> GetMessageResult {
        let cfg = &self.config;
        let max_nums = max_nums.clamp(1, cfg.max_transfer_count_on_message_in_memory.max(1));
        let mut result = GetMessageResult {
            status: GetStatus::NoMatchedLogicQueue,
            next_begin_offset: 0,
            min_offset: 0,
            max_offset: 0,
            body: Vec::new(),
            count: 0,
            suggest_pulling_from_slave: false,
        };
        let Some(cq) = self.cqs.get(topic, queue_id) else {
            return result;
        };
        let (min, max) = (cq.min_offset(), cq.max_offset());
        result.min_offset = min;
        result.max_offset = max;
        if max == 0 {
            result.status = GetStatus::NoMessageInQueue;
            return result;
        }
        if offset < min {
            result.status = GetStatus::OffsetTooSmall;
            result.next_begin_offset = min;
            return result;
        }
        if offset == max {
            result.status = GetStatus::OffsetOverflowOne;
            result.next_begin_offset = offset;
            return result;
        }
        if offset > max {
            result.status = GetStatus::OffsetOverflowBadly;
            result.next_begin_offset = if min == 0 { min } else { max };
            return result;
        }
        let log_min = self.log.min_offset() as i64;
        let mut next = offset;
        let mut removed = false;
        let scan_limit = offset + MAX_FILTER_SCAN.max(max_nums as i64);
        let mut furthest_read = None;
        while next < max && next < scan_limit && result.count < max_nums {
            let Some(entry) = cq.get(next) else {
                next += 1;
                continue;
            };
            furthest_read = Some(entry.phys);
            if entry.phys < log_min {
                removed = true;
                next += 1;
                continue;
            }
            if !result.body.is_empty()
                && result.body.len() + entry.size as usize
                    > cfg.max_transfer_bytes_on_message_in_memory
            {
                break;
            }
            if filter(entry.tag_code) {
                let start = result.body.len();
                if !self
                    .log
                    .read_into(entry.phys as u64, entry.size as usize, &mut result.body)
                {
                    removed = true;
                    next += 1;
                    continue;
                }
                let selected = select.is_none_or(|select| {
                    RecordView::parse(&result.body[start..]).is_ok_and(|v| select(v.properties))
                });
                if selected {
                    result.count += 1;
                } else {
                    result.body.truncate(start);
                }
            }
            next += 1;
        }
        result.next_begin_offset = next;
        if let Some(phys) = furthest_read {
            let behind = (self.log.max_offset() as i64 - phys).max(0) as u64;
            let in_memory = super::os::total_physical_memory() as f64
                * f64::from(cfg.access_message_in_memory_max_ratio)
                / 100.0;
            result.suggest_pulling_from_slave = behind as f64 > in_memory;
        }
        result.status = if result.count > 0 {
            GetStatus::Found
        } else if removed {
            GetStatus::MessageWasRemoving
        } else {
            GetStatus::NoMatchedMessage
        };
        result
    }

    /// The entry at a queue offset, `None` past the end or in a hole.
    pub fn queue_entry(&self, topic: &str, queue_id: i32, offset: i64) -> Option<QueueEntry> {
        let e = self.cqs.get(topic, queue_id)?.get(offset)?;
        Some(QueueEntry {
            commit_log_offset: e.phys,
            size: e.size,
            tag_code: e.tag_code,
        })
    }

    /// Store time of the message at a queue offset.
    pub fn store_time_at(&self, topic: &str, queue_id: i32, offset: i64) -> Option<i64> {
        let cq = self.cqs.get(topic, queue_id)?;
        self.entry_store_time(&cq, offset)
    }

    fn entry_store_time(&self, cq: &ConsumeQueue, offset: i64) -> Option<i64> {
        let entry = cq.get(offset)?;
        let flag = self.log.read_i64(entry.phys as u64, 32).map(|v| v as i32)?;
        self.log
            .read_i64(entry.phys as u64, store_timestamp_offset(flag))
    }

    /// Store time of the oldest message in a queue, -1 if none.
    pub fn earliest_store_time(&self, topic: &str, queue_id: i32) -> i64 {
        let min = self.min_offset(topic, queue_id);
        self.store_time_at(topic, queue_id, min).unwrap_or(-1)
    }

    /// SEARCH_OFFSET_BY_TIMESTAMP: with `upper` false, the first offset stored at or after
    /// `timestamp` (the max offset if none); with `upper` true, the last offset stored at or
    /// before it (0 if none).
    pub fn search_offset_by_time(
        &self,
        topic: &str,
        queue_id: i32,
        timestamp: i64,
        upper: bool,
    ) -> i64 {
        let Some(cq) = self.cqs.get(topic, queue_id) else {
            return 0;
        };
        let (mut lo, mut hi) = (cq.min_offset(), cq.max_offset());
        if lo >= hi {
            return if upper { 0 } else { hi };
        }
        let max = hi;
        // First offset whose store time is > timestamp (upper) or >= timestamp (lower).
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let t = self.entry_store_time(&cq, mid).unwrap_or(i64::MIN);
            let after = if upper { t > timestamp } else { t >= timestamp };
            if after {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        if upper {
            if lo == cq.min_offset() { 0 } else { lo - 1 }
        } else {
            lo.min(max)
        }
    }
}
