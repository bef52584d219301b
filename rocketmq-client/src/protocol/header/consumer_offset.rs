//! QUERY_CONSUMER_OFFSET (14) and UPDATE_CONSUMER_OFFSET (15).

crate::ext_header! {
    /// `QueryConsumerOffsetRequestHeader`; the answer is an [`OffsetResponseHeader`](super::OffsetResponseHeader).
    pub struct QueryConsumerOffsetRequestHeader {
        pub consumer_group: String => "consumerGroup",
        pub topic: String => "topic",
        pub queue_id: i32 => "queueId",
        /// 5.x: answer 0 instead of QUERY_NOT_FOUND for a young queue.
        pub set_zero_if_not_found: Option<bool> => "setZeroIfNotFound",
    }
}

crate::ext_header! {
    /// `UpdateConsumerOffsetRequestHeader`.
    pub struct UpdateConsumerOffsetRequestHeader {
        pub consumer_group: String => "consumerGroup",
        pub topic: String => "topic",
        pub queue_id: i32 => "queueId",
        pub commit_offset: i64 => "commitOffset",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::header::round_trip;

    #[test]
    fn round_trips() {
        round_trip(&QueryConsumerOffsetRequestHeader {
            consumer_group: "cg".into(),
            topic: "T".into(),
            queue_id: 2,
            set_zero_if_not_found: Some(true),
        });
        let ext = round_trip(&UpdateConsumerOffsetRequestHeader {
            consumer_group: "cg".into(),
            topic: "T".into(),
            queue_id: 1,
            commit_offset: 42,
        });
        assert_eq!(ext["commitOffset"], "42");
    }
}
