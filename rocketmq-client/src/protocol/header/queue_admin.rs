//! CLONE_GROUP_OFFSET (314), QUERY_CONSUME_TIME_SPAN (303) and QUERY_CONSUME_QUEUE (321):
//! admin reads and writes of a group's place in a topic's queues.

crate::ext_header! {
    /// `CloneGroupOffsetRequestHeader`: copy `srcGroup`'s offsets on `topic` to `destGroup`.
    pub struct CloneGroupOffsetRequestHeader {
        pub src_group: String => "srcGroup",
        pub dest_group: String => "destGroup",
        pub topic: Option<String> => "topic",
        /// The source group is offline (no check that it subscribes to the topic).
        pub offline: bool => "offline",
    }
}

crate::ext_header! {
    /// `QueryConsumeTimeSpanRequestHeader`.
    pub struct QueryConsumeTimeSpanRequestHeader {
        pub topic: String => "topic",
        pub group: String => "group",
    }
}

crate::ext_header! {
    /// `QueryConsumeQueueRequestHeader`: `count` entries of a queue from `index`.
    pub struct QueryConsumeQueueRequestHeader {
        pub topic: String => "topic",
        pub queue_id: i32 => "queueId",
        pub index: i64 => "index",
        pub count: i32 => "count",
        pub consumer_group: Option<String> => "consumerGroup",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::header::round_trip;

    #[test]
    fn round_trips() {
        round_trip(&CloneGroupOffsetRequestHeader {
            src_group: "a".into(),
            dest_group: "b".into(),
            topic: Some("T".into()),
            offline: false,
        });
        round_trip(&QueryConsumeTimeSpanRequestHeader {
            topic: "T".into(),
            group: "g".into(),
        });
        round_trip(&QueryConsumeQueueRequestHeader {
            topic: "T".into(),
            queue_id: 1,
            index: 5,
            count: 10,
            consumer_group: None,
        });
    }
}
