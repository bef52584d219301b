//! Per-queue offset queries: GET_MAX_OFFSET (30), GET_MIN_OFFSET (31),
//! GET_EARLIEST_MSG_STORETIME (32), SEARCH_OFFSET_BY_TIMESTAMP (29).

crate::ext_header! {
    /// `GetMaxOffsetRequestHeader` / `GetMinOffsetRequestHeader` /
    /// `GetEarliestMsgStoretimeRequestHeader`: one queue of a topic.
    pub struct QueueHeader {
        pub topic: String => "topic",
        pub queue_id: i32 => "queueId",
    }
}

crate::ext_header! {
    /// The `offset` answer of codes 14, 29, 30 and 31.
    pub struct OffsetResponseHeader {
        pub offset: i64 => "offset",
    }
}

crate::ext_header! {
    /// `SearchOffsetRequestHeader`.
    pub struct SearchOffsetRequestHeader {
        pub topic: String => "topic",
        pub queue_id: i32 => "queueId",
        /// Milliseconds since the epoch.
        pub timestamp: i64 => "timestamp",
        /// `LOWER` (default) or `UPPER`.
        pub boundary_type: Option<String> => "boundaryType",
    }
}

crate::ext_header! {
    /// `GetEarliestMsgStoretimeResponseHeader`.
    pub struct EarliestMsgStoreTimeResponseHeader {
        pub timestamp: i64 => "timestamp",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::header::round_trip;

    #[test]
    fn round_trips() {
        round_trip(&QueueHeader {
            topic: "T".into(),
            queue_id: 3,
        });
        round_trip(&OffsetResponseHeader { offset: -1 });
        round_trip(&SearchOffsetRequestHeader {
            topic: "T".into(),
            queue_id: 0,
            timestamp: 1_700_000_000_000,
            boundary_type: Some("UPPER".into()),
        });
        round_trip(&EarliestMsgStoreTimeResponseHeader { timestamp: 5 });
    }
}
