//! Admin statistics: TopicStatsTable (GET_TOPIC_STATS_INFO, 202), ConsumeStats
//! (GET_CONSUME_STATS, 208) and ConsumeStatsList (GET_BROKER_CONSUME_STATS, 317). Java keys both maps by MessageQueue objects, which fastjson writes
//! as JSON objects in key position; [`MqMap`] reads and writes that form.

use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{JsonBody, MessageQueue};

/// A map keyed by message queue, serialized with the queue's JSON as the key.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MqMap<V>(pub BTreeMap<MessageQueue, V>);

impl<V: Serialize> Serialize for MqMap<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (mq, v) in &self.0 {
            let key = serde_json::to_string(mq).map_err(serde::ser::Error::custom)?;
            map.serialize_entry(&key, v)?;
        }
        map.end()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for MqMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // fastjson's object keys arrive as their JSON text (see `fastjson::parse`); a
        // string-encoded key is the same text.
        let raw = BTreeMap::<String, V>::deserialize(d)?;
        let mut out = BTreeMap::new();
        for (k, v) in raw {
            let mq: MessageQueue = serde_json::from_str(&k).map_err(D::Error::custom)?;
            out.insert(mq, v);
        }
        Ok(MqMap(out))
    }
}

/// Offsets of one queue of a topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct TopicOffset {
    /// Store time of the newest message, 0 if none.
    pub last_update_timestamp: i64,
    /// Offset after the newest message.
    pub max_offset: i64,
    /// Offset of the oldest message still stored.
    pub min_offset: i64,
}

/// `TopicStatsTable`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct TopicStatsTable {
    /// Per queue.
    pub offset_table: MqMap<TopicOffset>,
    /// Messages stored per second.
    pub topic_put_tps: f64,
}

impl JsonBody for TopicStatsTable {
    const FASTJSON_KEY_FIELDS: &'static [&'static str] = &["offsetTable"];
}

/// A group's progress on one queue (`OffsetWrapper`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct OffsetWrapper {
    /// The queue's max offset.
    pub broker_offset: i64,
    /// The group's committed offset.
    pub consumer_offset: i64,
    /// Store time of the last consumed message.
    pub last_timestamp: i64,
    /// Where the group's next pull starts.
    pub pull_offset: i64,
}

/// `ConsumeStats`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct ConsumeStats {
    /// Messages consumed per second.
    pub consume_tps: f64,
    /// Per queue.
    pub offset_table: MqMap<OffsetWrapper>,
}

impl ConsumeStats {
    /// Messages not yet consumed, summed over queues (the dashboard's "Diff Total").
    pub fn diff_total(&self) -> i64 {
        self.offset_table
            .0
            .values()
            .map(|o| (o.broker_offset - o.consumer_offset).max(0))
            .sum()
    }
}

impl JsonBody for ConsumeStats {
    const FASTJSON_KEY_FIELDS: &'static [&'static str] = &["offsetTable"];
}

/// Every subscription group's progress on one broker (`ConsumeStatsList`):
/// `{"brokerAddr":..,"consumeStatsList":[{"group":[ConsumeStats,...]},...],"totalDiff":N}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct ConsumeStatsList {
    /// The broker these stats are from.
    pub broker_addr: String,
    /// One single-entry map per group: group → one ConsumeStats per topic.
    pub consume_stats_list: Vec<BTreeMap<String, Vec<ConsumeStats>>>,
    /// Messages not yet consumed, over every group and queue.
    pub total_diff: i64,
}

impl JsonBody for ConsumeStatsList {
    const FASTJSON_KEY_FIELDS: &'static [&'static str] = &["offsetTable"];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_keys_like_fastjson() {
        let json = br#"{"consumeTps":1.5,"offsetTable":{{"brokerName":"broker-a","queueId":0,"topic":"TopicTest"}:{"brokerOffset":10,"consumerOffset":7,"lastTimestamp":1700000000000,"pullOffset":9}}}"#;
        let stats = ConsumeStats::decode(json).unwrap();
        let (mq, o) = stats.offset_table.0.iter().next().unwrap();
        assert_eq!(
            (mq.queue_id, o.broker_offset, o.consumer_offset),
            (0, 10, 7)
        );
        assert_eq!(stats.diff_total(), 3);
        assert_eq!(stats.encode(), json);
        let list = ConsumeStatsList {
            broker_addr: "127.0.0.1:10911".into(),
            consume_stats_list: vec![BTreeMap::from([("g".to_string(), vec![stats.clone()])])],
            total_diff: 3,
        };
        let bytes = list.encode();
        assert!(String::from_utf8_lossy(&bytes).contains(
            r#""consumeStatsList":[{"g":[{"consumeTps":1.5,"offsetTable":{{"brokerName""#
        ));
        assert_eq!(ConsumeStatsList::decode(&bytes).unwrap(), list);
        let string_keys = br#"{"offsetTable":{"{\"brokerName\":\"b\",\"queueId\":1,\"topic\":\"T\"}":{"maxOffset":10,"minOffset":0,"lastUpdateTimestamp":0}},"topicPutTps":0.0}"#;
        let table = TopicStatsTable::decode(string_keys).unwrap();
        assert_eq!(table.offset_table.0.values().next().unwrap().max_offset, 10);
    }
}
