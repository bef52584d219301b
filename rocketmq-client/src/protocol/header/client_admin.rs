//! Headers of the requests that reach a client's consumers, directly from a broker or
//! forwarded by one for an admin tool: GET_CONSUMER_RUNNING_INFO (307), RESET_CONSUMER_CLIENT_OFFSET
//! (220) and INVOKE_BROKER_TO_RESET_OFFSET (222); GET_PRODUCER_CONNECTION_LIST (204) and
//! GET_BROKER_CONSUME_STATS (317).

crate::ext_header! {
    /// `GetConsumerRunningInfoRequestHeader`.
    pub struct GetConsumerRunningInfoRequestHeader {
        pub consumer_group: String => "consumerGroup",
        pub client_id: String => "clientId",
        pub jstack_enable: Option<bool> => "jstackEnable",
    }
}

crate::ext_header! {
    /// `ResetOffsetRequestHeader` (222, admin → broker) and
    /// `ResetOffsetRequestHeader` (220, broker → client). A `timestamp` of −1 means "the end
    /// of each queue"; `isForce` false only moves offsets backwards.
    pub struct ResetOffsetRequestHeader {
        pub topic: String => "topic",
        pub group: String => "group",
        pub timestamp: i64 => "timestamp",
        pub is_force: bool => "isForce",
        /// One queue only (5.x); −1 or absent for all.
        pub queue_id: Option<i32> => "queueId",
        /// An exact offset for `queue_id` instead of a time (5.x).
        pub offset: Option<i64> => "offset",
    }
}

crate::ext_header! {
    /// `GetProducerConnectionListRequestHeader`.
    pub struct ProducerGroupHeader {
        pub producer_group: String => "producerGroup",
    }
}

crate::ext_header! {
    /// `GetConsumeStatsInBrokerHeader` (GET_BROKER_CONSUME_STATS, 317).
    pub struct GetConsumeStatsInBrokerHeader {
        /// Only ordered topics.
        pub is_order: bool => "isOrder",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::header::round_trip;

    #[test]
    fn round_trips() {
        let ext = round_trip(&GetConsumerRunningInfoRequestHeader {
            consumer_group: "cg".into(),
            client_id: "1.2.3.4@1".into(),
            jstack_enable: Some(false),
        });
        assert_eq!(ext.get("clientId").map(String::as_str), Some("1.2.3.4@1"));
        let ext = round_trip(&ResetOffsetRequestHeader {
            topic: "T".into(),
            group: "cg".into(),
            timestamp: -1,
            is_force: true,
            queue_id: None,
            offset: None,
        });
        assert_eq!(ext.get("isForce").map(String::as_str), Some("true"));
        round_trip(&GetConsumeStatsInBrokerHeader { is_order: true });
        round_trip(&ProducerGroupHeader {
            producer_group: "pg".into(),
        });
    }
}
