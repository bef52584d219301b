//! Topic administration: UPDATE_AND_CREATE_TOPIC (17), DELETE_TOPIC_IN_BROKER (215),
//! DELETE_TOPIC_IN_NAMESRV (216), GET_ROUTEINFO_BY_TOPIC (105), GET_TOPICS_BY_CLUSTER (224).

crate::ext_header! {
    /// `CreateTopicRequestHeader`.
    pub struct CreateTopicRequestHeader {
        pub topic: String => "topic",
        pub default_topic: String => "defaultTopic",
        pub read_queue_nums: i32 => "readQueueNums",
        pub write_queue_nums: i32 => "writeQueueNums",
        /// PermName bits: READ 4, WRITE 2, INHERIT 1.
        pub perm: i32 => "perm",
        /// `SINGLE_TAG` or `MULTI_TAG`.
        pub topic_filter_type: String => "topicFilterType",
        pub topic_sys_flag: Option<i32> => "topicSysFlag",
        pub order: bool => "order",
        pub attributes: Option<String> => "attributes",
    }
}

crate::ext_header! {
    /// One topic: `GetRouteInfoRequestHeader` (with the standard-JSON switch),
    /// `DeleteTopicRequestHeader`, `GetTopicStatsInfoRequestHeader`.
    pub struct TopicHeader {
        pub topic: String => "topic",
        /// Ask the name server for standard JSON (quoted integer keys) whatever our version.
        pub accept_standard_json_only: Option<bool> => "acceptStandardJsonOnly",
    }
}

crate::ext_header! {
    /// `DeleteTopicFromNamesrvRequestHeader`.
    pub struct DeleteTopicInNamesrvHeader {
        pub topic: String => "topic",
        /// Only remove the topic from this cluster's brokers.
        pub cluster_name: Option<String> => "clusterName",
    }
}

crate::ext_header! {
    /// `GetTopicsByClusterRequestHeader`.
    pub struct ClusterHeader {
        pub cluster: String => "cluster",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::header::round_trip;

    #[test]
    fn round_trips() {
        round_trip(&CreateTopicRequestHeader {
            topic: "T".into(),
            default_topic: "TBW102".into(),
            read_queue_nums: 8,
            write_queue_nums: 8,
            perm: 6,
            topic_filter_type: "SINGLE_TAG".into(),
            topic_sys_flag: Some(0),
            order: false,
            attributes: None,
        });
        round_trip(&TopicHeader {
            topic: "T".into(),
            accept_standard_json_only: Some(true),
        });
        round_trip(&DeleteTopicInNamesrvHeader {
            topic: "T".into(),
            cluster_name: None,
        });
        round_trip(&ClusterHeader {
            cluster: "DefaultCluster".into(),
        });
    }
}
