//! SEND_MESSAGE (10), SEND_MESSAGE_V2 (310), SEND_BATCH_MESSAGE (320) and their response.
//!
//! V2 is the same header with one-letter keys (`a`–`n`); it is what Java, Go and C++ clients send.
//! The broker reads either into [`SendMessageRequestHeader`].

use super::{CommandHeader, HeaderError};
use crate::protocol::command::ExtFields;
use crate::protocol::message::{Message, properties};
use crate::protocol::now_millis;

crate::ext_header! {
    /// `SendMessageRequestHeader`.
    pub struct SendMessageRequestHeader {
        pub producer_group: String => "producerGroup",
        pub topic: String => "topic",
        /// Template topic for auto-creation, normally `TBW102`.
        pub default_topic: String => "defaultTopic",
        pub default_topic_queue_nums: i32 => "defaultTopicQueueNums",
        /// Negative: the broker picks a queue.
        pub queue_id: i32 => "queueId",
        pub sys_flag: i32 => "sysFlag",
        pub born_timestamp: i64 => "bornTimestamp",
        pub flag: i32 => "flag",
        /// Encoded properties (`name\u0001value\u0002`…).
        pub properties: Option<String> => "properties",
        pub reconsume_times: Option<i32> => "reconsumeTimes",
        pub unit_mode: Option<bool> => "unitMode",
        /// The body is a batch.
        pub batch: Option<bool> => "batch",
        pub max_reconsume_times: Option<i32> => "maxReconsumeTimes",
    }
}

crate::ext_header! {
    /// `SendMessageRequestHeaderV2`: [`SendMessageRequestHeader`] with one-letter keys.
    pub struct SendMessageRequestHeaderV2 {
        pub a: String => "a",
        pub b: String => "b",
        pub c: String => "c",
        pub d: i32 => "d",
        pub e: i32 => "e",
        pub f: i32 => "f",
        pub g: i64 => "g",
        pub h: i32 => "h",
        pub i: Option<String> => "i",
        pub j: Option<i32> => "j",
        pub k: Option<bool> => "k",
        pub l: Option<i32> => "l",
        pub m: Option<bool> => "m",
        /// Broker name (5.x only).
        pub n: Option<String> => "n",
    }
}

impl SendMessageRequestHeaderV2 {
    /// The header a producer of `producer_group` sends `msg` to `queue_id` with, born now,
    /// auto-creating the topic from `TBW102` with `default_topic_queue_nums` queues.
    pub fn for_message(
        producer_group: &str,
        msg: &Message,
        queue_id: i32,
        default_topic_queue_nums: i32,
    ) -> Self {
        SendMessageRequestHeaderV2 {
            a: producer_group.to_string(),
            b: msg.topic.clone(),
            c: "TBW102".to_string(),
            d: default_topic_queue_nums,
            e: queue_id,
            f: 0,
            g: now_millis(),
            h: msg.flag,
            i: Some(properties::encode(&msg.properties)),
            j: Some(0),
            k: Some(false),
            l: None,
            m: Some(false),
            n: None,
        }
    }
}

impl From<SendMessageRequestHeaderV2> for SendMessageRequestHeader {
    fn from(v2: SendMessageRequestHeaderV2) -> Self {
        SendMessageRequestHeader {
            producer_group: v2.a,
            topic: v2.b,
            default_topic: v2.c,
            default_topic_queue_nums: v2.d,
            queue_id: v2.e,
            sys_flag: v2.f,
            born_timestamp: v2.g,
            flag: v2.h,
            properties: v2.i,
            reconsume_times: v2.j,
            unit_mode: v2.k,
            max_reconsume_times: v2.l,
            batch: v2.m,
        }
    }
}

impl From<SendMessageRequestHeader> for SendMessageRequestHeaderV2 {
    fn from(v1: SendMessageRequestHeader) -> Self {
        SendMessageRequestHeaderV2 {
            a: v1.producer_group,
            b: v1.topic,
            c: v1.default_topic,
            d: v1.default_topic_queue_nums,
            e: v1.queue_id,
            f: v1.sys_flag,
            g: v1.born_timestamp,
            h: v1.flag,
            i: v1.properties,
            j: v1.reconsume_times,
            k: v1.unit_mode,
            l: v1.max_reconsume_times,
            m: v1.batch,
            n: None,
        }
    }
}

impl SendMessageRequestHeader {
    /// Reads a V1 or V2 header, telling them apart by their keys.
    pub fn read_any(ext: &ExtFields) -> Result<Self, HeaderError> {
        if ext.contains_key("b") && !ext.contains_key("topic") {
            SendMessageRequestHeaderV2::read_from(ext).map(Into::into)
        } else {
            SendMessageRequestHeader::read_from(ext)
        }
    }
}

crate::ext_header! {
    /// `SendMessageResponseHeader`.
    pub struct SendMessageResponseHeader {
        /// offsetMsgId (comma-joined for batches).
        pub msg_id: String => "msgId",
        pub queue_id: i32 => "queueId",
        /// Consume-queue offset (the first one for batches).
        pub queue_offset: i64 => "queueOffset",
        /// The message's UNIQ_KEY.
        pub transaction_id: Option<String> => "transactionId",
        pub batch_uniq_id: Option<String> => "batchUniqId",
        /// Added by real brokers; Java defaults them if absent.
        pub msg_region: Option<String> => "MSG_REGION",
        pub trace_on: Option<String> => "TRACE_ON",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::header::round_trip;

    fn sample() -> SendMessageRequestHeader {
        SendMessageRequestHeader {
            producer_group: "pg".into(),
            topic: "TopicTest".into(),
            default_topic: "TBW102".into(),
            default_topic_queue_nums: 4,
            queue_id: 1,
            sys_flag: 0,
            born_timestamp: 1_700_000_000_000,
            flag: 0,
            properties: Some("TAGS\u{1}TagA\u{2}".into()),
            reconsume_times: Some(0),
            unit_mode: Some(false),
            batch: Some(false),
            max_reconsume_times: None,
        }
    }

    #[test]
    fn v1_and_v2_round_trip_and_convert() {
        round_trip(&sample());
        let v2: SendMessageRequestHeaderV2 = sample().into();
        let ext = round_trip(&v2);
        assert_eq!(ext["b"], "TopicTest");
        assert_eq!(SendMessageRequestHeader::read_any(&ext).unwrap(), sample());
        let mut v1 = ExtFields::new();
        sample().write_to(&mut v1);
        assert_eq!(SendMessageRequestHeader::read_any(&v1).unwrap(), sample());
    }

    #[test]
    fn response_round_trips() {
        round_trip(&SendMessageResponseHeader {
            msg_id: "7F00000100002A9F0000000000000000".into(),
            queue_id: 0,
            queue_offset: 0,
            transaction_id: Some("ABC".into()),
            batch_uniq_id: None,
            msg_region: Some("DefaultRegion".into()),
            trace_on: Some("true".into()),
        });
    }
}
