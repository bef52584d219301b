//! Headers naming a consumer group: GET_CONSUMER_LIST_BY_GROUP (38),
//! NOTIFY_CONSUMER_IDS_CHANGED (40), and UNREGISTER_CLIENT (35).

crate::ext_header! {
    /// `GetConsumerListByGroupRequestHeader` / `NotifyConsumerIdsChangedRequestHeader`.
    pub struct ConsumerGroupHeader {
        pub consumer_group: String => "consumerGroup",
    }
}

crate::ext_header! {
    /// `UnregisterClientRequestHeader`: a client leaving a producer and/or consumer group.
    pub struct UnregisterClientRequestHeader {
        pub client_id: String => "clientID",
        pub producer_group: Option<String> => "producerGroup",
        pub consumer_group: Option<String> => "consumerGroup",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::header::round_trip;

    #[test]
    fn round_trips() {
        round_trip(&ConsumerGroupHeader {
            consumer_group: "cg".into(),
        });
        let ext = round_trip(&UnregisterClientRequestHeader {
            client_id: "1.2.3.4@1".into(),
            producer_group: None,
            consumer_group: Some("cg".into()),
        });
        assert_eq!(ext.get("clientID").map(String::as_str), Some("1.2.3.4@1"));
        assert!(!ext.contains_key("producerGroup"));
    }
}
