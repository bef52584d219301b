//! Queue inspection bodies: QUERY_CONSUME_TIME_SPAN's `QueryConsumeTimeSpanBody` (how far a
//! group is behind in time, per queue) and QUERY_CONSUME_QUEUE's
//! `QueryConsumeQueueResponseBody` (the raw entries of a consume queue, `mqadmin queryCq`).

use serde::{Deserialize, Serialize};

use super::{JsonBody, MessageQueue, SubscriptionData};

/// `QueueTimeSpan`: a queue's oldest and newest store times, where the group is, and how
/// long its next message has waited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct QueueTimeSpan {
    /// The queue.
    pub message_queue: MessageQueue,
    /// Store time of its oldest message (ms).
    pub min_time_stamp: i64,
    /// Store time of its newest message (ms).
    pub max_time_stamp: i64,
    /// Store time of the last message the group consumed (ms).
    pub consume_time_stamp: i64,
    /// ms the group's next message has waited (0 when it is caught up).
    pub delay_time: i64,
}

/// `QueryConsumeTimeSpanBody`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct QueryConsumeTimeSpanBody {
    /// One entry per queue.
    pub consume_time_span_set: Vec<QueueTimeSpan>,
}

impl JsonBody for QueryConsumeTimeSpanBody {}

/// `ConsumeQueueData`: one consume-queue entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct ConsumeQueueData {
    /// Commit-log offset of the message.
    pub physic_offset: i64,
    /// Its stored size.
    pub physic_size: i32,
    /// Its tag hash (in the schedule topic: when it is due).
    pub tags_code: i64,
    /// The consume-queue extension's data, where kept.
    pub extend_data_json: Option<String>,
    /// The extension's bloom bits, where kept.
    pub bit_map: Option<String>,
    /// Whether the group's filter accepts the entry.
    pub eval: bool,
    /// The message, where asked for.
    pub msg: Option<String>,
}

/// `QueryConsumeQueueResponseBody`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct QueryConsumeQueueResponseBody {
    /// The group's subscription to the topic, when a group was named and is online.
    pub subscription_data: Option<SubscriptionData>,
    /// The group's filter, or why there is none.
    pub filter_data: Option<String>,
    /// The entries asked for.
    pub queue_data: Vec<ConsumeQueueData>,
    /// The queue's end.
    pub max_queue_index: i64,
    /// Its first offset still served.
    pub min_queue_index: i64,
}

impl JsonBody for QueryConsumeQueueResponseBody {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_are_javas() {
        let span = QueryConsumeTimeSpanBody {
            consume_time_span_set: vec![QueueTimeSpan {
                message_queue: MessageQueue::new("T", "broker-a", 0),
                min_time_stamp: 1,
                max_time_stamp: 2,
                consume_time_stamp: 1,
                delay_time: 5,
            }],
        };
        let json = String::from_utf8(span.encode()).unwrap();
        for key in [
            "consumeTimeSpanSet",
            "messageQueue",
            "minTimeStamp",
            "maxTimeStamp",
            "consumeTimeStamp",
            "delayTime",
        ] {
            assert!(json.contains(&format!("\"{key}\"")), "{json}");
        }
        assert_eq!(
            QueryConsumeTimeSpanBody::decode(json.as_bytes()).unwrap(),
            span
        );
        let cq = QueryConsumeQueueResponseBody {
            queue_data: vec![ConsumeQueueData {
                physic_offset: 10,
                physic_size: 20,
                tags_code: 30,
                eval: true,
                ..Default::default()
            }],
            max_queue_index: 1,
            ..Default::default()
        };
        let json = String::from_utf8(cq.encode()).unwrap();
        for key in [
            "queueData",
            "physicOffset",
            "physicSize",
            "tagsCode",
            "eval",
            "maxQueueIndex",
            "minQueueIndex",
        ] {
            assert!(json.contains(&format!("\"{key}\"")), "{json}");
        }
        assert_eq!(
            QueryConsumeQueueResponseBody::decode(json.as_bytes()).unwrap(),
            cq
        );
    }
}
