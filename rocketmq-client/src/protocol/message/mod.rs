//! Messages: what a producer sends ([`Message`]), what a consumer receives ([`MessageExt`]), and
//! their wire forms (properties, stored records, batches, ids).

mod batch;
pub mod compress;
mod id;
pub mod properties;
pub mod record;

use std::net::SocketAddr;

use bytes::Bytes;

pub use batch::{BatchEntry, decode_batch, encode_batch};
pub use id::{UniqueIdGenerator, decode_offset_msg_id, offset_msg_id, push_offset_msg_id};
pub use properties::Properties;
pub use record::{RecordError, RecordView};

/// Well-known property names (`MessageConst.java`).
pub mod property {
    pub const KEYS: &str = "KEYS";
    pub const TAGS: &str = "TAGS";
    pub const WAIT_STORE_MSG_OK: &str = "WAIT";
    pub const DELAY_TIME_LEVEL: &str = "DELAY";
    pub const RETRY_TOPIC: &str = "RETRY_TOPIC";
    pub const REAL_TOPIC: &str = "REAL_TOPIC";
    pub const REAL_QUEUE_ID: &str = "REAL_QID";
    pub const TRANSACTION_PREPARED: &str = "TRAN_MSG";
    pub const PRODUCER_GROUP: &str = "PGROUP";
    pub const MIN_OFFSET: &str = "MIN_OFFSET";
    pub const MAX_OFFSET: &str = "MAX_OFFSET";
    pub const ORIGIN_MESSAGE_ID: &str = "ORIGIN_MESSAGE_ID";
    pub const RECONSUME_TIME: &str = "RECONSUME_TIME";
    pub const MAX_RECONSUME_TIMES: &str = "MAX_RECONSUME_TIMES";
    pub const MSG_REGION: &str = "MSG_REGION";
    pub const TRACE_SWITCH: &str = "TRACE_ON";
    pub const UNIQ_CLIENT_MESSAGE_ID_KEYIDX: &str = "UNIQ_KEY";
    pub const CONSUME_START_TIMESTAMP: &str = "CONSUME_START_TIME";
    pub const TRANSACTION_ID: &str = "__transactionId__";
    pub const CORRELATION_ID: &str = "CORRELATION_ID";
    pub const MESSAGE_REPLY_TO_CLIENT: &str = "REPLY_TO_CLIENT";
    pub const MESSAGE_TTL: &str = "TTL";
    pub const MSG_TYPE: &str = "MSG_TYPE";
    pub const CLUSTER: &str = "CLUSTER";
    pub const TIMER_DELAY_SEC: &str = "TIMER_DELAY_SEC";
    pub const TIMER_DELAY_MS: &str = "TIMER_DELAY_MS";
    pub const TIMER_DELIVER_MS: &str = "TIMER_DELIVER_MS";
    pub const TIMER_OUT_MS: &str = "TIMER_OUT_MS";
    pub const TIMER_ENQUEUE_MS: &str = "TIMER_ENQUEUE_MS";
    pub const TRANSACTION_CHECK_TIMES: &str = "TRANSACTION_CHECK_TIMES";
    pub const CHECK_IMMUNITY_TIME_IN_SECONDS: &str = "CHECK_IMMUNITY_TIME_IN_SECONDS";
    pub const PUSH_REPLY_TIME: &str = "PUSH_REPLY_TIME";
    pub const SHARDING_KEY: &str = "__SHARDINGKEY";
    pub const POP_CK: &str = "POP_CK";
}

/// Message sysFlag bits (`MessageSysFlag.java`).
pub mod sys_flag {
    pub const COMPRESSED: i32 = 0x1;
    pub const MULTI_TAGS: i32 = 0x2;
    pub const TRANSACTION_NOT_TYPE: i32 = 0;
    pub const TRANSACTION_PREPARED_TYPE: i32 = 0x4;
    pub const TRANSACTION_COMMIT_TYPE: i32 = 0x8;
    pub const TRANSACTION_ROLLBACK_TYPE: i32 = 0xC;
    pub const BORNHOST_V6: i32 = 0x10;
    pub const STOREHOST_V6: i32 = 0x20;

    /// The transaction type bits.
    pub fn transaction_type(flag: i32) -> i32 {
        flag & TRANSACTION_ROLLBACK_TYPE
    }
}

/// A message to send: topic, body, user flag and properties (tags, keys and the rest).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Message {
    pub topic: String,
    pub flag: i32,
    pub properties: Properties,
    pub body: Bytes,
}

impl Message {
    /// A message with a body; like Java's constructor it asks the broker to wait for the store
    /// (`WAIT=true`).
    pub fn new(topic: impl Into<String>, body: impl Into<Bytes>) -> Self {
        let mut m = Message {
            topic: topic.into(),
            flag: 0,
            properties: Properties::new(),
            body: body.into(),
        };
        m.properties
            .insert(property::WAIT_STORE_MSG_OK.into(), "true".into());
        m
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
    pub message: Message,
    pub queue_id: i32,
    pub store_size: i32,
    pub queue_offset: i64,
    pub sys_flag: i32,
    pub born_timestamp: i64,
    pub born_host: SocketAddr,
    pub store_timestamp: i64,
    pub store_host: SocketAddr,
    /// Commit-log offset of the record.
    pub commit_log_offset: i64,
    pub body_crc: u32,
    pub reconsume_times: i32,
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
        assert_eq!(m.property(property::WAIT_STORE_MSG_OK), Some("true"));
        assert_eq!(m.tags(), Some("A"));
        assert_eq!(m.delay_level(), 0);
    }
}
