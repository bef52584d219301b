//! PUSH_REPLY_MESSAGE_TO_CLIENT (326): the broker hands a reply straight to the requester's
//! connection; the body is the reply's body.

crate::ext_header! {
    /// `ReplyMessageRequestHeader`.
    pub struct ReplyMessageRequestHeader {
        pub producer_group: String => "producerGroup",
        pub topic: String => "topic",
        pub default_topic: String => "defaultTopic",
        pub default_topic_queue_nums: i32 => "defaultTopicQueueNums",
        pub queue_id: i32 => "queueId",
        pub sys_flag: i32 => "sysFlag",
        pub born_timestamp: i64 => "bornTimestamp",
        pub flag: i32 => "flag",
        /// Encoded properties, with `PUSH_REPLY_TIME` added by the broker.
        pub properties: Option<String> => "properties",
        pub reconsume_times: Option<i32> => "reconsumeTimes",
        pub unit_mode: Option<bool> => "unitMode",
        /// `ip:port`.
        pub born_host: String => "bornHost",
        /// `ip:port`.
        pub store_host: String => "storeHost",
        pub store_timestamp: i64 => "storeTimestamp",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::header::round_trip;

    #[test]
    fn round_trips() {
        let ext = round_trip(&ReplyMessageRequestHeader {
            producer_group: "pg".into(),
            topic: "DefaultCluster_REPLY_TOPIC".into(),
            default_topic: "TBW102".into(),
            default_topic_queue_nums: 4,
            queue_id: 0,
            sys_flag: 0,
            born_timestamp: 1,
            flag: 0,
            properties: Some("CORRELATION_ID\u{1}c\u{2}".into()),
            reconsume_times: Some(0),
            unit_mode: Some(false),
            born_host: "127.0.0.1:5000".into(),
            store_host: "127.0.0.1:10911".into(),
            store_timestamp: 2,
        });
        assert_eq!(
            ext.get("bornHost").map(String::as_str),
            Some("127.0.0.1:5000")
        );
    }
}
