//! What a client reports about itself and what admin tools ask of its consumers:
//! `ConsumerRunningInfo` (GET_CONSUMER_RUNNING_INFO, 307), `ResetOffsetBody`
//! (RESET_CONSUMER_CLIENT_OFFSET 220 / INVOKE_BROKER_TO_RESET_OFFSET 222) and the connection
//! lists (GET_CONSUMER_CONNECTION_LIST 203 / GET_PRODUCER_CONNECTION_LIST 204).
//!
//! # Format
//! ```text
//! ConsumerRunningInfo {"properties":{"PROP_CONSUME_TYPE":"CONSUME_PASSIVELY",...},
//!   "subscriptionSet":[SubscriptionData...],
//!   "mqTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"commitOffset":7,...}},
//!   "statusTable":{"T":{"pullRT":1.0,"pullTPS":2.0,...}}}
//! ResetOffsetBody     {"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:5}}
//! ConsumerConnection  {"connectionSet":[{"clientAddr":"ip:port","clientId":"..","language":"JAVA","version":453}],
//!   "consumeFromWhere":..,"consumeType":..,"messageModel":..,"subscriptionTable":{"T":SubscriptionData}}
//! ProducerConnection  {"connectionSet":[...]}
//! ConsumeMessageDirectlyResult {"autoCommit":true,"consumeResult":"CR_SUCCESS","order":false,"spentTimeMills":3}
//! ```
//! `mqTable` and `offsetTable` are keyed by MessageQueue objects, written unquoted as fastjson does.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ConsumeFromWhere, ConsumeType, JsonBody, MessageModel, MqMap, SubscriptionData};

/// Property keys Java's tools read from [`ConsumerRunningInfo::properties`].
pub mod running_info_prop {
    /// The name servers the consumer uses.
    pub const NAMESERVER_ADDR: &str = "PROP_NAMESERVER_ADDR";
    /// Consume threads.
    pub const THREADPOOL_CORE_SIZE: &str = "PROP_THREADPOOL_CORE_SIZE";
    /// `true` for an orderly consumer.
    pub const CONSUME_ORDERLY: &str = "PROP_CONSUMEORDERLY";
    /// `CONSUME_PASSIVELY` (push) or `CONSUME_ACTIVELY` (pull).
    pub const CONSUME_TYPE: &str = "PROP_CONSUME_TYPE";
    /// The client's version name.
    pub const CLIENT_VERSION: &str = "PROP_CLIENT_VERSION";
    /// When the consumer started (epoch ms).
    pub const CONSUMER_START_TIMESTAMP: &str = "PROP_CONSUMER_START_TIMESTAMP";
}

/// One queue as the consumer holds it (`ProcessQueueInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct ProcessQueueInfo {
    /// The offset the consumer has committed.
    pub commit_offset: i64,
    /// Lowest offset among messages pulled but not yet consumed.
    pub cached_msg_min_offset: i64,
    /// Highest offset among messages pulled but not yet consumed.
    pub cached_msg_max_offset: i64,
    /// Messages pulled but not yet consumed.
    pub cached_msg_count: i32,
    /// Their size in MiB.
    #[serde(rename = "cachedMsgSizeInMiB")]
    pub cached_msg_size_in_mib: i32,
    /// Orderly: lowest offset taken for consumption but not committed.
    pub transaction_msg_min_offset: i64,
    /// Orderly: highest offset taken for consumption but not committed.
    pub transaction_msg_max_offset: i64,
    /// Orderly: messages taken for consumption but not committed.
    pub transaction_msg_count: i32,
    /// Orderly: whether the broker lock is held.
    pub locked: bool,
    /// Orderly: unlock attempts while the queue was busy.
    pub try_unlock_times: i64,
    /// Orderly: when the lock was last taken or renewed (epoch ms).
    pub last_lock_timestamp: i64,
    /// Java's spelling.
    pub droped: bool,
    /// When the queue was last pulled (epoch ms).
    pub last_pull_timestamp: i64,
    /// When a message of the queue was last consumed (epoch ms).
    pub last_consume_timestamp: i64,
}

/// Per-topic rates (`ConsumeStatus`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct ConsumeStatus {
    /// Average pull round trip (ms).
    #[serde(rename = "pullRT")]
    pub pull_rt: f64,
    /// Messages pulled per second.
    #[serde(rename = "pullTPS")]
    pub pull_tps: f64,
    /// Average time in the listener (ms).
    #[serde(rename = "consumeRT")]
    pub consume_rt: f64,
    /// Messages consumed successfully per second.
    #[serde(rename = "consumeOKTPS")]
    pub consume_ok_tps: f64,
    /// Messages that failed per second.
    #[serde(rename = "consumeFailedTPS")]
    pub consume_failed_tps: f64,
    /// Failures in the last hour.
    #[serde(rename = "consumeFailedMsgs")]
    pub consume_failed_msgs: i64,
}

/// A consumer's own account of itself (`ConsumerRunningInfo`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct ConsumerRunningInfo {
    /// Settings by [`running_info_prop`] key (and others).
    pub properties: BTreeMap<String, String>,
    /// The consumer's subscriptions.
    pub subscription_set: Vec<SubscriptionData>,
    /// Every queue it holds.
    pub mq_table: MqMap<ProcessQueueInfo>,
    /// Rates per topic.
    pub status_table: BTreeMap<String, ConsumeStatus>,
    /// Thread dump (Java only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jstack: Option<String>,
}

impl JsonBody for ConsumerRunningInfo {
    const FASTJSON_KEY_FIELDS: &'static [&'static str] = &["mqTable"];
}

/// New offsets per queue (`ResetOffsetBody`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct ResetOffsetBody {
    /// Queue → offset to consume from.
    pub offset_table: MqMap<i64>,
}

impl JsonBody for ResetOffsetBody {
    const FASTJSON_KEY_FIELDS: &'static [&'static str] = &["offsetTable"];
}

/// One client connection of a group (`Connection`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct Connection {
    /// The client's `ip:port` as the broker sees it.
    pub client_addr: String,
    /// The client instance id.
    pub client_id: String,
    /// `LanguageCode` name: JAVA, CPP, GO, RUST …
    pub language: String,
    /// The client's version ordinal.
    pub version: i32,
}

/// A consumer group's connections and subscriptions (`ConsumerConnection`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConsumerConnection {
    /// Connected clients.
    pub connection_set: Vec<Connection>,
    /// Topic → subscription.
    pub subscription_table: BTreeMap<String, SubscriptionData>,
    /// Push or pull.
    pub consume_type: ConsumeType,
    /// Clustering or broadcasting.
    pub message_model: MessageModel,
    /// Where a queue new to the group starts.
    pub consume_from_where: ConsumeFromWhere,
}

impl Default for ConsumerConnection {
    fn default() -> Self {
        ConsumerConnection {
            connection_set: Vec::new(),
            subscription_table: BTreeMap::new(),
            consume_type: ConsumeType::Passively,
            message_model: MessageModel::Clustering,
            consume_from_where: ConsumeFromWhere::LastOffset,
        }
    }
}

impl JsonBody for ConsumerConnection {}

/// A producer group's connections (`ProducerConnection`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct ProducerConnection {
    /// Connected clients.
    pub connection_set: Vec<Connection>,
}

impl JsonBody for ProducerConnection {}

/// How a listener took a message it was handed directly (`CMResult`).
pub mod consume_result {
    /// Consumed.
    pub const SUCCESS: &str = "CR_SUCCESS";
    /// The listener asked to retry later.
    pub const LATER: &str = "CR_LATER";
    /// The listener failed.
    pub const THROW_EXCEPTION: &str = "CR_THROW_EXCEPTION";
}

/// The answer to CONSUME_MESSAGE_DIRECTLY (`ConsumeMessageDirectlyResult`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct ConsumeMessageDirectlyResult {
    /// Whether the message was consumed as orderly.
    pub order: bool,
    /// Orderly: whether the offset was committed automatically.
    pub auto_commit: bool,
    /// A [`consume_result`] name.
    pub consume_result: String,
    /// Details, e.g. the listener's error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
    /// Java's spelling.
    pub spent_time_mills: i64,
}

impl JsonBody for ConsumeMessageDirectlyResult {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::body::MessageQueue;

    #[test]
    fn reset_offset_body_uses_object_keys() {
        let json =
            br#"{"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"TopicTest"}:5}}"#;
        let body = ResetOffsetBody::decode(json).unwrap();
        assert_eq!(
            body.offset_table
                .0
                .get(&MessageQueue::new("TopicTest", "broker-a", 0)),
            Some(&5)
        );
        assert_eq!(body.encode(), json);
    }

    #[test]
    fn running_info_round_trips_with_java_names() {
        let mut info = ConsumerRunningInfo::default();
        info.properties.insert(
            running_info_prop::CONSUME_TYPE.into(),
            "CONSUME_PASSIVELY".into(),
        );
        info.mq_table.0.insert(
            MessageQueue::new("T", "b", 1),
            ProcessQueueInfo {
                commit_offset: 7,
                cached_msg_size_in_mib: 1,
                ..Default::default()
            },
        );
        info.status_table.insert(
            "T".into(),
            ConsumeStatus {
                consume_ok_tps: 2.5,
                ..Default::default()
            },
        );
        let bytes = info.encode();
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains(r#""mqTable":{{"brokerName":"b","queueId":1,"topic":"T"}:{"#));
        assert!(text.contains(r#""cachedMsgSizeInMiB":1"#));
        assert!(text.contains(r#""consumeOKTPS":2.5"#));
        assert_eq!(ConsumerRunningInfo::decode(&bytes).unwrap(), info);
    }

    #[test]
    fn consumer_connection_reads_javas_form() {
        let json = br#"{"connectionSet":[{"clientAddr":"10.0.0.1:5000","clientId":"10.0.0.1@1","language":"JAVA","version":453}],"consumeFromWhere":"CONSUME_FROM_FIRST_OFFSET","consumeType":"CONSUME_PASSIVELY","messageModel":"CLUSTERING","subscriptionTable":{"T":{"classFilterMode":false,"codeSet":[],"expressionType":"TAG","subString":"*","subVersion":1,"tagsSet":[],"topic":"T"}}}"#;
        let c = ConsumerConnection::decode(json).unwrap();
        assert_eq!(c.connection_set[0].version, 453);
        assert_eq!(c.consume_from_where, ConsumeFromWhere::FirstOffset);
        assert_eq!(c.subscription_table["T"].sub_string, "*");
    }
}
