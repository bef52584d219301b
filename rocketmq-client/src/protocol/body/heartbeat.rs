//! HeartbeatData (HEART_BEAT, 34) and its parts.
//!
//! Real clients disagree on the shape: Java and Go send enum names, the C++ client sends
//! ordinals, `subVersion` as a string, and omits empty sets and several flags. All of them decode.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::{JsonBody, java_enum, lenient};

java_enum! {
    /// Pull or push.
    ConsumeType {
        Actively = "CONSUME_ACTIVELY",
        Passively = "CONSUME_PASSIVELY",
        Pop = "CONSUME_POP",
    }
}

java_enum! {
    /// Clustering shares queues among a group; broadcasting gives every consumer every message.
    MessageModel {
        Broadcasting = "BROADCASTING",
        Clustering = "CLUSTERING",
    }
}

java_enum! {
    /// Where a consumer group starts when it has no stored offset.
    ConsumeFromWhere {
        LastOffset = "CONSUME_FROM_LAST_OFFSET",
        LastOffsetAndFromMinWhenBootFirst = "CONSUME_FROM_LAST_OFFSET_AND_FROM_MIN_WHEN_BOOT_FIRST",
        MinOffset = "CONSUME_FROM_MIN_OFFSET",
        MaxOffset = "CONSUME_FROM_MAX_OFFSET",
        FirstOffset = "CONSUME_FROM_FIRST_OFFSET",
        Timestamp = "CONSUME_FROM_TIMESTAMP",
    }
}

/// `CheckClientRequestBody` (CHECK_CLIENT_CONFIG, 46): a consumer asks whether the broker can
/// serve a subscription (SQL92 needs `enablePropertyFilter`) before it starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct CheckClientRequestBody {
    /// The asking client.
    pub client_id: String,
    /// The consumer group.
    pub group: String,
    /// The subscription to check.
    pub subscription_data: SubscriptionData,
    /// Namespace, where the client uses one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

impl JsonBody for CheckClientRequestBody {}

/// One subscription (`SubscriptionData.java`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SubscriptionData {
    /// Filter-class mode (removed in 5.x; always false).
    pub class_filter_mode: bool,
    /// Tag hash codes of `tags_set`.
    pub code_set: BTreeSet<i32>,
    /// `TAG` or `SQL92`.
    pub expression_type: String,
    /// The expression: `*`, `TagA || TagB`, or SQL92.
    pub sub_string: String,
    /// Version of the subscription (its creation time in ms).
    #[serde(deserialize_with = "lenient::i64_any")]
    pub sub_version: i64,
    /// The tags of a tag expression.
    pub tags_set: BTreeSet<String>,
    /// The topic.
    pub topic: String,
}

impl Default for SubscriptionData {
    fn default() -> Self {
        SubscriptionData {
            class_filter_mode: false,
            code_set: BTreeSet::new(),
            expression_type: "TAG".to_string(),
            sub_string: "*".to_string(),
            sub_version: 0,
            tags_set: BTreeSet::new(),
            topic: String::new(),
        }
    }
}

/// One consumer group of a client (`ConsumerData.java`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConsumerData {
    /// Where a queue new to the group starts.
    pub consume_from_where: ConsumeFromWhere,
    /// Push or pull.
    pub consume_type: ConsumeType,
    /// The consumer group.
    pub group_name: String,
    /// Clustering or broadcasting.
    pub message_model: MessageModel,
    /// Its subscriptions.
    pub subscription_data_set: Vec<SubscriptionData>,
    /// Unit mode (unused).
    pub unit_mode: bool,
}

impl Default for ConsumerData {
    fn default() -> Self {
        ConsumerData {
            consume_from_where: ConsumeFromWhere::LastOffset,
            consume_type: ConsumeType::Passively,
            group_name: String::new(),
            message_model: MessageModel::Clustering,
            subscription_data_set: Vec::new(),
            unit_mode: false,
        }
    }
}

/// One producer group of a client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct ProducerData {
    /// The producer group.
    pub group_name: String,
}

/// `HeartbeatData`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct HeartbeatData {
    /// The client instance id.
    #[serde(rename = "clientID")]
    pub client_id: String,
    /// Its consumer groups.
    pub consumer_data_set: Vec<ConsumerData>,
    /// Hash of the data, so a broker can skip unchanged heartbeats (5.x).
    pub heartbeat_fingerprint: i32,
    /// Its producer groups.
    pub producer_data_set: Vec<ProducerData>,
    /// Whether subscriptions were left out (5.x fingerprinting).
    pub without_sub: bool,
}

impl JsonBody for HeartbeatData {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_java_heartbeat() {
        let json = br#"{"clientID":"192.168.1.20@12345#1234567890","consumerDataSet":[{"consumeFromWhere":"CONSUME_FROM_FIRST_OFFSET","consumeType":"CONSUME_PASSIVELY","groupName":"cg","messageModel":"CLUSTERING","subscriptionDataSet":[{"classFilterMode":false,"codeSet":[],"expressionType":"TAG","subString":"*","subVersion":1700000000123,"tagsSet":[],"topic":"%RETRY%cg"},{"classFilterMode":false,"codeSet":[2598919,2598920],"expressionType":"TAG","subString":"TagA || TagB","subVersion":1700000000123,"tagsSet":["TagA","TagB"],"topic":"TopicTest"}],"unitMode":false}],"heartbeatFingerprint":0,"producerDataSet":[{"groupName":"CLIENT_INNER_PRODUCER"},{"groupName":"please_rename_unique_group_name"}],"withoutSub":false}"#;
        let hb = HeartbeatData::decode(json).unwrap();
        let c = &hb.consumer_data_set[0];
        assert_eq!(c.consume_from_where, ConsumeFromWhere::FirstOffset);
        assert_eq!(c.subscription_data_set[1].code_set.len(), 2);
        assert_eq!(hb.producer_data_set.len(), 2);
        assert_eq!(HeartbeatData::decode(&hb.encode()).unwrap(), hb);
    }

    #[test]
    fn reads_the_cpp_heartbeat() {
        let json = br#"{"clientID":"127.0.0.1@1","consumerDataSet":[{"consumeFromWhere":4,"consumeType":1,"groupName":"g","messageModel":1,"subscriptionDataSet":[{"subString":"*","subVersion":"1700000000123","topic":"T"}]}],"producerDataSet":[]}"#;
        let hb = HeartbeatData::decode(json).unwrap();
        let c = &hb.consumer_data_set[0];
        assert_eq!(c.message_model, MessageModel::Clustering);
        assert_eq!(c.consume_type, ConsumeType::Passively);
        assert_eq!(c.subscription_data_set[0].sub_version, 1_700_000_000_123);
        assert_eq!(c.subscription_data_set[0].expression_type, "TAG");
    }

    #[test]
    fn go_style_names_are_case_insensitive() {
        let m: MessageModel = serde_json::from_str("\"Clustering\"").unwrap();
        assert_eq!(m, MessageModel::Clustering);
        assert!(serde_json::from_str::<MessageModel>("\"sideways\"").is_err());
    }
}
