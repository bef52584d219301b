//! CONSUMER_SEND_MSG_BACK (36): a consumer hands a message it failed to consume back to the
//! broker, which schedules a retry (or moves it to the dead-letter queue).

crate::ext_header! {
    /// `ConsumerSendMsgBackRequestHeader`.
    pub struct ConsumerSendMsgBackRequestHeader {
        /// Commit-log offset of the failed message.
        pub offset: i64 => "offset",
        pub group: String => "group",
        /// 0: the broker picks (3 + reconsume times); > 0: this level; < 0: straight to the DLQ.
        pub delay_level: i32 => "delayLevel",
        pub origin_msg_id: Option<String> => "originMsgId",
        pub origin_topic: Option<String> => "originTopic",
        pub unit_mode: Option<bool> => "unitMode",
        /// Attempts before the DLQ; absent: the group's `retryMaxTimes` (16).
        pub max_reconsume_times: Option<i32> => "maxReconsumeTimes",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::header::round_trip;

    #[test]
    fn round_trips() {
        let ext = round_trip(&ConsumerSendMsgBackRequestHeader {
            offset: 1234,
            group: "cg".into(),
            delay_level: 0,
            origin_msg_id: Some("ABC".into()),
            origin_topic: Some("T".into()),
            unit_mode: Some(false),
            max_reconsume_times: Some(16),
        });
        assert_eq!(ext.get("delayLevel").map(String::as_str), Some("0"));
        assert_eq!(ext.get("maxReconsumeTimes").map(String::as_str), Some("16"));
    }
}
