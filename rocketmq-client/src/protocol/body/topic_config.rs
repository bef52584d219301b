//! Topic configuration, DataVersion, and the REGISTER_BROKER body.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::JsonBody;
use crate::protocol::now_millis;

/// PermName bits.
pub mod perm {
    /// Priority queue (unused).
    pub const PRIORITY: i32 = 8;
    /// Consumers may read.
    pub const READ: i32 = 4;
    /// Producers may write.
    pub const WRITE: i32 = 2;
    /// The topic may be inherited by auto-created topics (`TBW102`).
    pub const INHERIT: i32 = 1;

    /// Whether `perm` allows reading.
    pub fn is_readable(perm: i32) -> bool {
        perm & READ != 0
    }
    /// Whether `perm` allows writing.
    pub fn is_writeable(perm: i32) -> bool {
        perm & WRITE != 0
    }
    /// Whether `perm` lets new topics be created from this one.
    pub fn is_inherited(perm: i32) -> bool {
        perm & INHERIT != 0
    }
}

/// One topic on one broker (`TopicConfig.java`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TopicConfig {
    /// 5.x topic attributes (`+message.type=NORMAL` style keys).
    pub attributes: BTreeMap<String, String>,
    /// Whether the topic is ordered.
    pub order: bool,
    /// [`perm`] bits.
    pub perm: i32,
    /// Queues consumers read.
    pub read_queue_nums: i32,
    /// `SINGLE_TAG` or `MULTI_TAG`.
    pub topic_filter_type: String,
    /// The topic.
    pub topic_name: String,
    /// Topic system flags (unit mode bits).
    pub topic_sys_flag: i32,
    /// Queues producers write.
    pub write_queue_nums: i32,
}

impl Default for TopicConfig {
    fn default() -> Self {
        TopicConfig {
            attributes: BTreeMap::new(),
            order: false,
            perm: perm::READ | perm::WRITE,
            read_queue_nums: 16,
            topic_filter_type: "SINGLE_TAG".to_string(),
            topic_name: String::new(),
            topic_sys_flag: 0,
            write_queue_nums: 16,
        }
    }
}

impl TopicConfig {
    /// A read-write topic with `queues` read and write queues.
    pub fn new(name: impl Into<String>, queues: i32) -> Self {
        TopicConfig {
            topic_name: name.into(),
            read_queue_nums: queues,
            write_queue_nums: queues,
            ..Default::default()
        }
    }
}

/// A version stamp for a broker's topic table (`DataVersion.java`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct DataVersion {
    /// Bumped on every change.
    pub counter: i64,
    /// State version (controller mode; 0 here).
    pub state_version: i64,
    /// When it last changed (epoch ms).
    pub timestamp: i64,
}

impl DataVersion {
    /// A fresh version stamped now.
    pub fn now() -> Self {
        DataVersion {
            counter: 0,
            state_version: 0,
            timestamp: now_millis(),
        }
    }

    /// Bumps the counter and timestamp (`DataVersion.nextVersion`).
    pub fn next_version(&mut self) {
        self.counter += 1;
        self.timestamp = now_millis();
    }
}

/// `TopicConfigSerializeWrapper`: a broker's topics with their version (also `topics.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct TopicConfigSerializeWrapper {
    /// Version of the table.
    pub data_version: DataVersion,
    /// Topic name → configuration.
    pub topic_config_table: BTreeMap<String, TopicConfig>,
}

impl JsonBody for TopicConfigSerializeWrapper {}

/// `RegisterBrokerBody` (uncompressed form).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct RegisterBrokerBody {
    /// Filter servers (unused since 5.x).
    pub filter_server_list: Vec<String>,
    /// The broker's topics.
    pub topic_config_serialize_wrapper: TopicConfigSerializeWrapper,
}

impl JsonBody for RegisterBrokerBody {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_apache_register_body() {
        let json = br#"{"filterServerList":[],"topicConfigSerializeWrapper":{"dataVersion":{"counter":3,"stateVersion":0,"timestamp":1700000000000},"mappingDataVersion":{"counter":0,"stateVersion":0,"timestamp":1700000000000},"topicConfigTable":{"TopicTest":{"attributes":{},"order":false,"perm":6,"readQueueNums":4,"topicFilterType":"SINGLE_TAG","topicName":"TopicTest","topicSysFlag":0,"writeQueueNums":4}},"topicQueueMappingDetailMap":{},"topicQueueMappingInfoMap":{}}}"#;
        let body = RegisterBrokerBody::decode(json).unwrap();
        let w = &body.topic_config_serialize_wrapper;
        assert_eq!(w.data_version.counter, 3);
        assert_eq!(w.topic_config_table["TopicTest"].write_queue_nums, 4);
        assert_eq!(RegisterBrokerBody::decode(&body.encode()).unwrap(), body);
    }

    #[test]
    fn reads_4_9_data_versions_without_state_version() {
        let v: DataVersion = serde_json::from_str(r#"{"counter":1,"timestamp":2}"#).unwrap();
        assert_eq!(
            v,
            DataVersion {
                counter: 1,
                state_version: 0,
                timestamp: 2
            }
        );
    }
}
