//! Small list bodies: TopicList, GroupList, the consumer id list, KVTable.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::JsonBody;

/// `TopicList`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct TopicList {
    #[serde(skip_serializing_if = "Option::is_none")]
    /// The broker asked, where the answer names one.
    pub broker_addr: Option<String>,
    /// Topic names.
    pub topic_list: Vec<String>,
}

impl JsonBody for TopicList {}

/// `GroupList`: the groups consuming a topic (QUERY_TOPIC_CONSUME_BY_WHO).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct GroupList {
    /// Consumer group names.
    pub group_list: Vec<String>,
}

impl JsonBody for GroupList {}

/// `GetConsumerListByGroupResponseBody`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct ConsumerListBody {
    /// Client ids of the group's consumers.
    pub consumer_id_list: Vec<String>,
}

impl JsonBody for ConsumerListBody {}

/// `KVTable`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct KvTable {
    /// Key → value.
    pub table: BTreeMap<String, String>,
}

impl JsonBody for KvTable {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_match_java() {
        let t = TopicList {
            broker_addr: None,
            topic_list: vec!["A".into()],
        };
        assert_eq!(t.encode(), br#"{"topicList":["A"]}"#);
        let c = ConsumerListBody {
            consumer_id_list: vec!["cid".into()],
        };
        assert_eq!(c.encode(), br#"{"consumerIdList":["cid"]}"#);
        let g = GroupList {
            group_list: vec!["g".into()],
        };
        assert_eq!(g.encode(), br#"{"groupList":["g"]}"#);
        assert_eq!(
            KvTable::decode(br#"{"table":{"k":"v"}}"#).unwrap().table["k"],
            "v"
        );
    }
}
