//! TopicRouteData: the answer to GET_ROUTEINFO_BY_TOPIC.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::JsonBody;

/// Queues of a topic on one broker (`QueueData.java`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct QueueData {
    /// The broker holding the queues.
    pub broker_name: String,
    /// [`perm`](crate::protocol::body::perm) bits.
    pub perm: i32,
    /// Queues consumers read.
    pub read_queue_nums: i32,
    #[serde(alias = "topicSynFlag")]
    /// Topic system flags (unit mode bits).
    pub topic_sys_flag: i32,
    /// Queues producers write.
    pub write_queue_nums: i32,
}

/// One broker name and its addresses by broker id (`BrokerData.java`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct BrokerData {
    /// Broker id (0 = master) → `ip:port`.
    pub broker_addrs: BTreeMap<i64, String>,
    /// The broker name (shared by a master and its slaves).
    pub broker_name: String,
    /// The cluster it belongs to.
    pub cluster: String,
    /// Whether a slave may act as master while the master is down.
    pub enable_acting_master: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Zone, where brokers report one.
    pub zone_name: Option<String>,
}

impl BrokerData {
    /// The master's address, if it is alive.
    pub fn master_addr(&self) -> Option<&str> {
        self.broker_addrs.get(&0).map(String::as_str)
    }

    /// Where to read (Apache's `selectBrokerAddr`): the master, or while it is down a slave
    /// (the lowest id, so every reader picks the same one).
    pub fn select_broker_addr(&self) -> Option<&str> {
        self.master_addr()
            .or_else(|| self.broker_addrs.values().next().map(String::as_str))
    }
}

/// Where a topic lives (`TopicRouteData.java`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct TopicRouteData {
    /// The brokers serving the topic.
    pub broker_datas: Vec<BrokerData>,
    /// Filter servers by broker address (unused since 5.x).
    pub filter_server_table: HashMap<String, Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Global order configuration (`broker:queues;…`), if any.
    pub order_topic_conf: Option<String>,
    /// The topic's queues per broker.
    pub queue_datas: Vec<QueueData>,
}

impl TopicRouteData {
    /// The queue layout of one broker name, if the topic has queues there.
    pub fn queues_of(&self, broker_name: &str) -> Option<&QueueData> {
        self.queue_datas
            .iter()
            .find(|q| q.broker_name == broker_name)
    }
}

impl JsonBody for TopicRouteData {
    const FASTJSON_KEY_FIELDS: &'static [&'static str] = &["brokerAddrs"];
}

#[cfg(test)]
mod tests {
    use super::*;

    const FASTJSON: &[u8] = br#"{"brokerDatas":[{"brokerAddrs":{0:"192.168.1.10:10911",1:"192.168.1.11:10911"},"brokerName":"broker-a","cluster":"DefaultCluster","enableActingMaster":false}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}"#;

    #[test]
    fn both_forms_match_apache() {
        let route = TopicRouteData::decode(FASTJSON).unwrap();
        assert_eq!(
            route.broker_datas[0].master_addr(),
            Some("192.168.1.10:10911")
        );
        assert_eq!(route.encode(), FASTJSON);
        let standard = String::from_utf8(route.encode_standard()).unwrap();
        assert!(
            standard
                .contains(r#""brokerAddrs":{"0":"192.168.1.10:10911","1":"192.168.1.11:10911"}"#)
        );
        assert_eq!(TopicRouteData::decode(standard.as_bytes()).unwrap(), route);
    }
}
