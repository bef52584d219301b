//! PULL_MESSAGE (11) / LITE_PULL_MESSAGE (361).

crate::ext_header! {
    /// `PullMessageRequestHeader`.
    pub struct PullMessageRequestHeader {
        pub consumer_group: String => "consumerGroup",
        pub topic: String => "topic",
        pub queue_id: i32 => "queueId",
        /// Logical offset to read from.
        pub queue_offset: i64 => "queueOffset",
        pub max_msg_nums: i32 => "maxMsgNums",
        /// See [`pull_sys_flag`].
        pub sys_flag: i32 => "sysFlag",
        /// Consumer offset to store when `sys_flag` has the commit bit.
        pub commit_offset: i64 => "commitOffset",
        /// Long-poll hold time.
        pub suspend_timeout_millis: i64 => "suspendTimeoutMillis",
        /// Tag expression, when `sys_flag` has the subscription bit.
        pub subscription: Option<String> => "subscription",
        pub sub_version: i64 => "subVersion",
        /// `TAG` or `SQL92`.
        pub expression_type: Option<String> => "expressionType",
        pub max_msg_bytes: Option<i32> => "maxMsgBytes",
    }
}

crate::ext_header! {
    /// `PullMessageResponseHeader`; the remark carries the store status name.
    pub struct PullMessageResponseHeader {
        pub suggest_which_broker_id: i64 => "suggestWhichBrokerId",
        pub next_begin_offset: i64 => "nextBeginOffset",
        pub min_offset: i64 => "minOffset",
        pub max_offset: i64 => "maxOffset",
        pub topic_sys_flag: Option<i32> => "topicSysFlag",
        pub group_sys_flag: Option<i32> => "groupSysFlag",
    }
}

/// Bits of [`PullMessageRequestHeader::sys_flag`] (`PullSysFlag.java`).
pub mod pull_sys_flag {
    /// `commitOffset` carries an offset to store.
    pub const COMMIT_OFFSET: i32 = 1;
    /// The broker may hold the request (long polling).
    pub const SUSPEND: i32 = 2;
    /// `subscription` carries the expression.
    pub const SUBSCRIPTION: i32 = 4;
    /// Class filter (unsupported).
    pub const CLASS_FILTER: i32 = 8;
    /// Lite pull.
    pub const LITE_PULL: i32 = 16;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::header::round_trip;

    #[test]
    fn round_trips() {
        round_trip(&PullMessageRequestHeader {
            consumer_group: "cg".into(),
            topic: "T".into(),
            queue_id: 1,
            queue_offset: 10,
            max_msg_nums: 32,
            sys_flag: pull_sys_flag::SUSPEND | pull_sys_flag::COMMIT_OFFSET,
            commit_offset: 9,
            suspend_timeout_millis: 15_000,
            subscription: Some("TagA || TagB".into()),
            sub_version: 1_700_000_000_123,
            expression_type: Some("TAG".into()),
            max_msg_bytes: None,
        });
        let ext = round_trip(&PullMessageResponseHeader {
            suggest_which_broker_id: 0,
            next_begin_offset: 5,
            min_offset: 0,
            max_offset: 5,
            topic_sys_flag: Some(0),
            group_sys_flag: Some(0),
        });
        assert_eq!(ext["nextBeginOffset"], "5");
    }
}
