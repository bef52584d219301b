//! Messages: what a producer sends ([`Message`]), what a consumer receives ([`MessageExt`]), and
//! their wire forms (properties, stored records, batches, ids).

mod batch;
pub mod compress;
mod id;
pub mod properties;
pub mod record;

use std::net::SocketAddr;

use bytes::Bytes;

pub use batch::{
    BATCH_ENTRY_OVERHEAD, BatchBody, BatchEntry, BatchError, decode_batch, encode_batch,
};
pub use id::{UniqueIdGenerator, decode_offset_msg_id, offset_msg_id, push_offset_msg_id};
pub use properties::Properties;
pub use record::{RecordError, RecordView};

/// Well-known property names (`MessageConst.java`).
pub mod property {
    /// Space-separated business keys, indexed for lookups.
    pub const KEYS: &str = "KEYS";
    /// The tag consumers filter on.
    pub const TAGS: &str = "TAGS";
    /// `true`: the broker answers a send only once the message is stored (flushed under `SYNC_FLUSH`).
    pub const WAIT_STORE_MSG_OK: &str = "WAIT";
    /// Delay level (1-based) of the broker's `messageDelayLevel` table.
    pub const DELAY_TIME_LEVEL: &str = "DELAY";
    /// Where a retried message came from: its original topic.
    pub const RETRY_TOPIC: &str = "RETRY_TOPIC";
    /// The topic a delayed, half or timer message goes to once released.
    pub const REAL_TOPIC: &str = "REAL_TOPIC";
    /// The queue a delayed, half or timer message goes to once released.
    pub const REAL_QUEUE_ID: &str = "REAL_QID";
    /// `true` on a transaction's half (prepared) message.
    pub const TRANSACTION_PREPARED: &str = "TRAN_MSG";
    /// The producer group of a transactional message (for check-backs).
    pub const PRODUCER_GROUP: &str = "PGROUP";
    /// The queue's min offset, set on messages returned by a pull.
    pub const MIN_OFFSET: &str = "MIN_OFFSET";
    /// The queue's max offset, set on messages returned by a pull.
    pub const MAX_OFFSET: &str = "MAX_OFFSET";
    /// Message id of the original message, on a retried copy.
    pub const ORIGIN_MESSAGE_ID: &str = "ORIGIN_MESSAGE_ID";
    /// How often the message was redelivered.
    pub const RECONSUME_TIME: &str = "RECONSUME_TIME";
    /// The consumer's max redeliveries, sent along with a send-back.
    pub const MAX_RECONSUME_TIMES: &str = "MAX_RECONSUME_TIMES";
    /// Region of the sending client.
    pub const MSG_REGION: &str = "MSG_REGION";
    /// Whether message tracing is on for this message.
    pub const TRACE_SWITCH: &str = "TRACE_ON";
    /// The client-generated unique id (Java's `getMsgId()`).
    pub const UNIQ_CLIENT_MESSAGE_ID_KEYIDX: &str = "UNIQ_KEY";
    /// When a consumer started on the message (consume-timeout tracking).
    pub const CONSUME_START_TIMESTAMP: &str = "CONSUME_START_TIME";
    /// The local transaction id a transactional producer assigned.
    pub const TRANSACTION_ID: &str = "__transactionId__";
    /// Matches a reply to its request (request-reply).
    pub const CORRELATION_ID: &str = "CORRELATION_ID";
    /// Client id of the requester a reply goes back to.
    pub const MESSAGE_REPLY_TO_CLIENT: &str = "REPLY_TO_CLIENT";
    /// Request time-to-live in milliseconds (request-reply).
    pub const MESSAGE_TTL: &str = "TTL";
    /// `reply` on reply messages.
    pub const MSG_TYPE: &str = "MSG_TYPE";
    /// Cluster of the requester's broker (request-reply).
    pub const CLUSTER: &str = "CLUSTER";
    /// 5.x timer: deliver after this many seconds.
    pub const TIMER_DELAY_SEC: &str = "TIMER_DELAY_SEC";
    /// 5.x timer: deliver after this many milliseconds.
    pub const TIMER_DELAY_MS: &str = "TIMER_DELAY_MS";
    /// 5.x timer: deliver at this epoch millisecond.
    pub const TIMER_DELIVER_MS: &str = "TIMER_DELIVER_MS";
    /// When a timer message is due (set by the broker).
    pub const TIMER_OUT_MS: &str = "TIMER_OUT_MS";
    /// When a timer message entered the timer (set by the broker).
    pub const TIMER_ENQUEUE_MS: &str = "TIMER_ENQUEUE_MS";
    /// How many check-backs a half message has had.
    pub const TRANSACTION_CHECK_TIMES: &str = "TRANSACTION_CHECK_TIMES";
    /// Seconds a half message is left alone before the first check-back.
    pub const CHECK_IMMUNITY_TIME_IN_SECONDS: &str = "CHECK_IMMUNITY_TIME_IN_SECONDS";
    /// When the broker pushed a reply to the requester.
    pub const PUSH_REPLY_TIME: &str = "PUSH_REPLY_TIME";
    /// Sharding key of an orderly message.
    pub const SHARDING_KEY: &str = "__SHARDINGKEY";
    /// Pop-consumption checkpoint marker (never taken from a client).
    pub const POP_CK: &str = "POP_CK";
}

/// Message sysFlag bits (`MessageSysFlag.java`).
pub mod sys_flag {
    /// The body is zlib-compressed.
    pub const COMPRESSED: i32 = 0x1;
    /// Tags are a multi-tag expression (unused by current clients).
    pub const MULTI_TAGS: i32 = 0x2;
    /// Not part of a transaction.
    pub const TRANSACTION_NOT_TYPE: i32 = 0;
    /// A transaction's half message, invisible until committed.
    pub const TRANSACTION_PREPARED_TYPE: i32 = 0x4;
    /// A commit record of a transaction.
    pub const TRANSACTION_COMMIT_TYPE: i32 = 0x8;
    /// A rollback record of a transaction.
    pub const TRANSACTION_ROLLBACK_TYPE: i32 = 0xC;
    /// The born host is IPv6 (16-byte address in the record).
    pub const BORNHOST_V6: i32 = 0x10;
    /// The store host is IPv6 (16-byte address in the record).
    pub const STOREHOST_V6: i32 = 0x20;

    /// The transaction type bits.
    pub fn transaction_type(flag: i32) -> i32 {
        flag & TRANSACTION_ROLLBACK_TYPE
    }
}

/// A message to send: topic, body, user flag and properties (tags, keys and the rest).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Message {
    /// The topic it goes to.
    pub topic: String,
    /// Application flag, stored and delivered untouched.
    pub flag: i32,
    /// Properties: system ones (see [`property`]) and the application's own.
    pub properties: Properties,
    /// The payload.
    pub body: Bytes,
}

impl Message {
    /// A message with a body. Like Java's constructor it asks the broker to wait for the
    /// store, but by leaving `WAIT` out, which every broker reads as `true` (Java's
    /// `isWaitStoreMsgOK`): that spares each message a map and two strings. Set `WAIT` to
    /// `false` with [`put_property`](Self::put_property) to not wait.
    pub fn new(topic: impl Into<String>, body: impl Into<Bytes>) -> Self {
        Message {
            topic: topic.into(),
            flag: 0,
            properties: Properties::new(),
            body: body.into(),
        }
    }

    /// Whether the broker answers only once the message is stored (and flushed or replicated,
    /// where the broker is configured so): `WAIT` absent or `true`, as Java reads it.
    pub fn wait_store_msg_ok(&self) -> bool {
        self.property(property::WAIT_STORE_MSG_OK)
            .is_none_or(|w| w.eq_ignore_ascii_case("true"))
    }

    /// A property.
    pub fn property(&self, name: &str) -> Option<&str> {
        self.properties.get(name).map(String::as_str)
    }

    /// Sets a property.
    pub fn put_property(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.properties.insert(name.into(), value.into());
    }

    /// The tag.
    pub fn tags(&self) -> Option<&str> {
        self.property(property::TAGS)
    }

    /// Sets the tag (builder style).
    pub fn with_tags(mut self, tags: impl Into<String>) -> Self {
        self.put_property(property::TAGS, tags);
        self
    }

    /// The business keys, space separated.
    pub fn keys(&self) -> Option<&str> {
        self.property(property::KEYS)
    }

    /// Sets the keys (builder style).
    pub fn with_keys(mut self, keys: impl Into<String>) -> Self {
        self.put_property(property::KEYS, keys);
        self
    }

    /// The delay level, 0 if none.
    pub fn delay_level(&self) -> i32 {
        self.property(property::DELAY_TIME_LEVEL)
            .and_then(|d| d.parse().ok())
            .unwrap_or(0)
    }

    /// Delays delivery by a level of the broker's `messageDelayLevel` table (by default level
    /// 1 is 1 s, 3 is 10 s, 18 is 2 h); 0 delivers at once.
    pub fn with_delay_level(mut self, level: i32) -> Self {
        self.put_property(property::DELAY_TIME_LEVEL, level.to_string());
        self
    }

    /// Delays delivery by any duration up to the broker's `timerMaxDelaySec` (3 days), to the
    /// second or better (the 5.x timer; Apache 4.x brokers ignore it).
    pub fn with_delay(mut self, delay: std::time::Duration) -> Self {
        self.put_property(property::TIMER_DELAY_MS, delay.as_millis().to_string());
        self
    }

    /// Delivers at a time, in milliseconds since the epoch (the 5.x timer).
    pub fn with_deliver_time(mut self, epoch_millis: i64) -> Self {
        self.put_property(property::TIMER_DELIVER_MS, epoch_millis.to_string());
        self
    }

    /// The client-generated unique id.
    pub fn unique_key(&self) -> Option<&str> {
        self.property(property::UNIQ_CLIENT_MESSAGE_ID_KEYIDX)
    }
}

/// A stored message as a consumer sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageExt {
    /// Topic, flag, properties and body.
    pub message: Message,
    /// The queue it is stored in.
    pub queue_id: i32,
    /// Size of the stored record in bytes.
    pub store_size: i32,
    /// Its offset in the queue.
    pub queue_offset: i64,
    /// [`sys_flag`] bits.
    pub sys_flag: i32,
    /// When the producer created it (epoch ms).
    pub born_timestamp: i64,
    /// The producer's address.
    pub born_host: SocketAddr,
    /// When the broker stored it (epoch ms).
    pub store_timestamp: i64,
    /// The storing broker's address.
    pub store_host: SocketAddr,
    /// Commit-log offset of the record.
    pub commit_log_offset: i64,
    /// CRC32 of the stored body.
    pub body_crc: u32,
    /// How many times it was redelivered.
    pub reconsume_times: i32,
    /// Commit-log offset of the half message a transaction record refers to.
    pub prepared_transaction_offset: i64,
}

impl MessageExt {
    /// Java's `getMsgId()`: the UNIQ_KEY if present, else the offset message id.
    pub fn msg_id(&self) -> String {
        match self.message.unique_key() {
            Some(k) => k.to_string(),
            None => self.offset_msg_id(),
        }
    }

    /// The broker-derived id: store host + commit-log offset.
    pub fn offset_msg_id(&self) -> String {
        offset_msg_id(&self.store_host, self.commit_log_offset)
    }

    /// Builds a message from a parsed record; `body` is the record's body as shared bytes.
    pub fn from_view(view: &RecordView<'_>, body: Bytes) -> Self {
        MessageExt {
            message: Message {
                topic: view.topic.to_string(),
                flag: view.flag,
                properties: properties::decode(view.properties),
                body,
            },
            queue_id: view.queue_id,
            store_size: view.total_size as i32,
            queue_offset: view.queue_offset,
            sys_flag: view.sys_flag,
            born_timestamp: view.born_timestamp,
            born_host: view.born_host,
            store_timestamp: view.store_timestamp,
            store_host: view.store_host,
            commit_log_offset: view.physical_offset,
            body_crc: view.body_crc,
            reconsume_times: view.reconsume_times,
            prepared_transaction_offset: view.prepared_transaction_offset,
        }
    }

    /// Inflates a compressed body in place and clears the flag, as consumers present it.
    pub fn decompress_body(&mut self) -> Result<(), compress::CompressionError> {
        if self.sys_flag & sys_flag::COMPRESSED != 0 {
            self.message.body = compress::decompress(&self.message.body, self.sys_flag)?;
            self.sys_flag &= !(sys_flag::COMPRESSED | compress::COMPRESSION_TYPE_MASK);
        }
        Ok(())
    }

    /// Decodes the concatenated records of a pull (or query) body without copying bodies.
    pub fn decode_all(buf: &Bytes) -> Result<Vec<MessageExt>, RecordError> {
        let mut out = Vec::new();
        let mut at = 0;
        while at < buf.len() {
            let view = RecordView::parse(&buf[at..])?;
            let body_start = at + view.body_start;
            out.push(MessageExt::from_view(
                &view,
                buf.slice(body_start..body_start + view.body.len()),
            ));
            at += view.total_size;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_all_reads_consecutive_records() {
        let mut buf = Vec::new();
        for (i, body) in [&b"one"[..], &b"two"[..]].into_iter().enumerate() {
            record::RecordFields {
                topic: "T",
                queue_id: 0,
                flag: 0,
                queue_offset: i as i64,
                physical_offset: (i * 100) as i64,
                sys_flag: 0,
                born_timestamp: 1,
                born_host: "127.0.0.1:1".parse().unwrap(),
                store_timestamp: 2,
                store_host: "127.0.0.1:10911".parse().unwrap(),
                reconsume_times: 0,
                prepared_transaction_offset: 0,
                body_crc: record::crc32_masked(body),
                body,
                properties: "TAGS\u{1}A\u{2}UNIQ_KEY\u{1}ABC\u{2}",
            }
            .encode(&mut buf);
        }
        let msgs = MessageExt::decode_all(&Bytes::from(buf)).unwrap();
        assert_eq!(msgs.len(), 2);
        assert_eq!(&msgs[1].message.body[..], b"two");
        assert_eq!(msgs[1].message.tags(), Some("A"));
        assert_eq!(msgs[0].msg_id(), "ABC");
        assert_eq!(msgs[1].offset_msg_id(), "7F00000100002A9F0000000000000064");
    }

    #[test]
    fn new_message_waits_for_store_like_java() {
        let m = Message::new("T", "hi").with_tags("A").with_keys("k");
        assert!(m.wait_store_msg_ok());
        assert_eq!(
            m.property(property::WAIT_STORE_MSG_OK),
            None,
            "absent reads as true"
        );
        let mut m = m;
        m.put_property(property::WAIT_STORE_MSG_OK, "false");
        assert!(!m.wait_store_msg_ok());
        assert_eq!(m.tags(), Some("A"));
        assert_eq!(m.delay_level(), 0);
    }
}
