//! What the name server knows: brokers, clusters, topic queues, and broker liveness.
//!
//! Rules follow Apache's `RouteInfoManager`: a broker id re-registering from a new address
//! replaces the old one; only the master (id 0) defines a topic's queues, and only when its
//! DataVersion changed or the topic is new for it; a broker is forgotten when its registration
//! expires or its connection closes, and a broker name with no address left takes its queues
//! with it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::RwLock;
use std::time::{Duration, Instant};

use rocketmq_client::protocol::body::{
    BrokerData, ClusterInfo, DataVersion, QueueData, TopicConfigSerializeWrapper, TopicList,
    TopicRouteData, perm,
};
use rocketmq_client::protocol::header::RegisterBrokerRequestHeader;

/// Liveness of one broker address.
#[derive(Debug, Clone)]
struct BrokerLive {
    broker_name: String,
    last_update: Instant,
    timeout: Duration,
    data_version: DataVersion,
    channel_id: u64,
    ha_server_addr: String,
}

#[derive(Debug, Default)]
struct Tables {
    /// topic → broker name → queues.
    topics: HashMap<String, BTreeMap<String, QueueData>>,
    brokers: BTreeMap<String, BrokerData>,
    clusters: BTreeMap<String, BTreeSet<String>>,
    /// broker address → liveness.
    live: HashMap<String, BrokerLive>,
}

/// The answer to a registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Registered {
    pub(crate) master_addr: Option<String>,
    pub(crate) ha_server_addr: Option<String>,
}

/// Why a registration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("register broker failed: {0}")]
pub(crate) struct RegisterRefused(pub(crate) &'static str);

#[derive(Debug, Default)]
pub(crate) struct RouteTable {
    tables: RwLock<Tables>,
}

const DEFAULT_BROKER_TIMEOUT: Duration = Duration::from_secs(120);

impl RouteTable {
    pub(crate) fn register(
        &self,
        h: &RegisterBrokerRequestHeader,
        wrapper: &TopicConfigSerializeWrapper,
        channel_id: u64,
    ) -> Result<Registered, RegisterRefused> {
        let mut t = self.tables.write().unwrap_or_else(|e| e.into_inner());
        t.clusters
            .entry(h.cluster_name.clone())
            .or_default()
            .insert(h.broker_name.clone());

        let known_before;
        {
            let bd = t
                .brokers
                .entry(h.broker_name.clone())
                .or_insert_with(|| BrokerData {
                    broker_addrs: BTreeMap::new(),
                    broker_name: h.broker_name.clone(),
                    cluster: h.cluster_name.clone(),
                    enable_acting_master: h.enable_acting_master.unwrap_or(false),
                    zone_name: None,
                });
            known_before = bd.broker_addrs.contains_key(&h.broker_id);
            if !known_before && wrapper.topic_config_table.len() == 1 && !bd.broker_addrs.is_empty()
            {
                // An increment registration must follow a full one from the same broker id.
                return Err(RegisterRefused(
                    "a single-topic registration from an unregistered broker id",
                ));
            }
            bd.cluster = h.cluster_name.clone();
            // A slave promoted (or an address reused) under another id: drop the old slot.
            bd.broker_addrs
                .retain(|id, addr| !(*addr == h.broker_addr && *id != h.broker_id));
            bd.broker_addrs.insert(h.broker_id, h.broker_addr.clone());
        }

        let previous = t.live.get(&h.broker_addr).map(|l| l.data_version.clone());
        let changed = previous.as_ref() != Some(&wrapper.data_version);
        if h.broker_id == 0 {
            for (topic, cfg) in &wrapper.topic_config_table {
                let queues = t.topics.entry(topic.clone()).or_default();
                if changed || !queues.contains_key(&h.broker_name) {
                    queues.insert(
                        h.broker_name.clone(),
                        QueueData {
                            broker_name: h.broker_name.clone(),
                            perm: cfg.perm,
                            read_queue_nums: cfg.read_queue_nums,
                            topic_sys_flag: cfg.topic_sys_flag,
                            write_queue_nums: cfg.write_queue_nums,
                        },
                    );
                }
            }
        }
        let timeout = h
            .heartbeat_timeout_millis
            .filter(|ms| *ms > 0)
            .map_or(DEFAULT_BROKER_TIMEOUT, |ms| {
                Duration::from_millis(ms as u64)
            });
        t.live.insert(
            h.broker_addr.clone(),
            BrokerLive {
                broker_name: h.broker_name.clone(),
                last_update: Instant::now(),
                timeout,
                data_version: wrapper.data_version.clone(),
                channel_id,
                ha_server_addr: h.ha_server_addr.clone(),
            },
        );

        let mut result = Registered {
            master_addr: None,
            ha_server_addr: None,
        };
        if h.broker_id != 0
            && let Some(master) = t
                .brokers
                .get(&h.broker_name)
                .and_then(|b| b.master_addr())
                .map(str::to_string)
        {
            result.ha_server_addr = t.live.get(&master).map(|l| l.ha_server_addr.clone());
            result.master_addr = Some(master);
        }
        Ok(result)
    }

    /// Forgets one broker address.
    pub(crate) fn unregister(&self, broker_name: &str, broker_addr: &str) {
        let mut t = self.tables.write().unwrap_or_else(|e| e.into_inner());
        remove_broker(&mut t, broker_name, broker_addr);
    }

    /// Forgets every broker registered through a closed connection.
    pub(crate) fn on_channel_closed(&self, channel_id: u64) -> Vec<String> {
        self.remove_live_where(|l| l.channel_id == channel_id)
    }

    /// Forgets brokers whose registration expired.
    pub(crate) fn scan_expired(&self) -> Vec<String> {
        let now = Instant::now();
        self.remove_live_where(|l| now.duration_since(l.last_update) > l.timeout)
    }

    fn remove_live_where(&self, pred: impl Fn(&BrokerLive) -> bool) -> Vec<String> {
        let mut t = self.tables.write().unwrap_or_else(|e| e.into_inner());
        let gone: Vec<(String, BrokerLive)> = t
            .live
            .iter()
            .filter(|(_, l)| pred(l))
            .map(|(a, l)| (a.clone(), l.clone()))
            .collect();
        for (addr, l) in &gone {
            remove_broker(&mut t, &l.broker_name, addr);
        }
        gone.into_iter().map(|(a, _)| a).collect()
    }

    /// Refreshes liveness; returns whether the broker's DataVersion differs from `version`.
    pub(crate) fn query_data_version(
        &self,
        broker_addr: &str,
        version: &DataVersion,
    ) -> (bool, Option<DataVersion>) {
        let mut t = self.tables.write().unwrap_or_else(|e| e.into_inner());
        match t.live.get_mut(broker_addr) {
            Some(l) => {
                l.last_update = Instant::now();
                (l.data_version != *version, Some(l.data_version.clone()))
            }
            None => (true, None),
        }
    }

    pub(crate) fn route(&self, topic: &str) -> Option<TopicRouteData> {
        let t = self.tables.read().unwrap_or_else(|e| e.into_inner());
        let queues = t.topics.get(topic)?;
        let queue_datas: Vec<QueueData> = queues.values().cloned().collect();
        let broker_datas: Vec<BrokerData> = queues
            .keys()
            .filter_map(|name| t.brokers.get(name).cloned())
            .collect();
        if queue_datas.is_empty() || broker_datas.is_empty() {
            return None;
        }
        Some(TopicRouteData {
            broker_datas,
            filter_server_table: HashMap::new(),
            order_topic_conf: None,
            queue_datas,
        })
    }

    pub(crate) fn cluster_info(&self) -> ClusterInfo {
        let t = self.tables.read().unwrap_or_else(|e| e.into_inner());
        ClusterInfo {
            broker_addr_table: t.brokers.clone(),
            cluster_addr_table: t.clusters.clone(),
        }
    }

    pub(crate) fn all_topics(&self) -> TopicList {
        let t = self.tables.read().unwrap_or_else(|e| e.into_inner());
        let mut topic_list: Vec<String> = t.topics.keys().cloned().collect();
        topic_list.sort();
        TopicList {
            broker_addr: None,
            topic_list,
        }
    }

    pub(crate) fn topics_by_cluster(&self, cluster: &str) -> TopicList {
        let t = self.tables.read().unwrap_or_else(|e| e.into_inner());
        let names = t.clusters.get(cluster).cloned().unwrap_or_default();
        let mut topic_list: Vec<String> = t
            .topics
            .iter()
            .filter(|(_, q)| q.keys().any(|b| names.contains(b)))
            .map(|(k, _)| k.clone())
            .collect();
        topic_list.sort();
        TopicList {
            broker_addr: None,
            topic_list,
        }
    }

    /// Cluster and broker names, which Apache also treats as (system) topics.
    pub(crate) fn system_topics(&self) -> TopicList {
        let t = self.tables.read().unwrap_or_else(|e| e.into_inner());
        let mut topic_list: BTreeSet<String> = BTreeSet::new();
        for (cluster, names) in &t.clusters {
            topic_list.insert(cluster.clone());
            topic_list.extend(names.iter().cloned());
        }
        let broker_addr = t
            .brokers
            .values()
            .find_map(|b| b.master_addr().map(str::to_string));
        TopicList {
            broker_addr,
            topic_list: topic_list.into_iter().collect(),
        }
    }

    /// Deletes a topic, or only its queues on one cluster's brokers.
    pub(crate) fn delete_topic(&self, topic: &str, cluster: Option<&str>) {
        let mut t = self.tables.write().unwrap_or_else(|e| e.into_inner());
        match cluster {
            None => {
                t.topics.remove(topic);
            }
            Some(c) => {
                let names = t.clusters.get(c).cloned().unwrap_or_default();
                if let Some(q) = t.topics.get_mut(topic) {
                    q.retain(|b, _| !names.contains(b));
                    if q.is_empty() {
                        t.topics.remove(topic);
                    }
                }
            }
        }
    }

    /// Takes write permission from (`wipe`) or gives read-write permission back to a broker
    /// name's queues of every topic, as Apache's WIPE_ / ADD_WRITE_PERM_OF_BROKER do (until the
    /// broker's topics next change); returns how many topics it touched.
    pub(crate) fn set_write_perm(&self, broker_name: &str, wipe: bool) -> i32 {
        let mut t = self.tables.write().unwrap_or_else(|e| e.into_inner());
        let mut touched = 0;
        for queues in t.topics.values_mut() {
            if let Some(q) = queues.get_mut(broker_name) {
                q.perm = if wipe {
                    q.perm & !perm::WRITE
                } else {
                    perm::READ | perm::WRITE
                };
                touched += 1;
            }
        }
        touched
    }

    /// Writes queues of a topic directly (REGISTER_TOPIC_IN_NAMESRV).
    pub(crate) fn register_topic(&self, topic: &str, queue_datas: Vec<QueueData>) {
        let mut t = self.tables.write().unwrap_or_else(|e| e.into_inner());
        let known: Vec<QueueData> = queue_datas
            .into_iter()
            .filter(|q| t.brokers.contains_key(&q.broker_name))
            .collect();
        let entry = t.topics.entry(topic.to_string()).or_default();
        for q in known {
            entry.insert(q.broker_name.clone(), q);
        }
    }

    /// How many broker addresses are live.
    pub(crate) fn live_count(&self) -> usize {
        self.tables
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .live
            .len()
    }
}

fn remove_broker(t: &mut Tables, broker_name: &str, broker_addr: &str) {
    t.live.remove(broker_addr);
    let mut name_gone = false;
    if let Some(bd) = t.brokers.get_mut(broker_name) {
        bd.broker_addrs.retain(|_, addr| addr != broker_addr);
        if bd.broker_addrs.is_empty() {
            name_gone = true;
        }
    }
    if name_gone {
        if let Some(bd) = t.brokers.remove(broker_name)
            && let Some(names) = t.clusters.get_mut(&bd.cluster)
        {
            names.remove(broker_name);
            if names.is_empty() {
                t.clusters.remove(&bd.cluster);
            }
        }
        t.topics.retain(|_, queues| {
            queues.remove(broker_name);
            !queues.is_empty()
        });
    }
    tracing::info!(broker_name, broker_addr, "broker unregistered");
}

#[cfg(test)]
mod tests {
    use super::*;
    use rocketmq_client::protocol::body::TopicConfig;

    fn header(name: &str, addr: &str, id: i64) -> RegisterBrokerRequestHeader {
        RegisterBrokerRequestHeader {
            broker_name: name.into(),
            broker_addr: addr.into(),
            cluster_name: "DefaultCluster".into(),
            ha_server_addr: format!("{addr}-ha"),
            broker_id: id,
            ..Default::default()
        }
    }

    fn topics(names: &[&str], counter: i64) -> TopicConfigSerializeWrapper {
        let mut w = TopicConfigSerializeWrapper::default();
        w.data_version.counter = counter;
        for n in names {
            w.topic_config_table
                .insert(n.to_string(), TopicConfig::new(*n, 4));
        }
        w
    }

    #[test]
    fn registration_routes_and_expiry_by_channel() {
        let rt = RouteTable::default();
        rt.register(
            &header("broker-a", "a:1", 0),
            &topics(&["T", "TBW102"], 1),
            7,
        )
        .unwrap();
        let slave = rt
            .register(
                &header("broker-a", "a:2", 1),
                &topics(&["T", "TBW102"], 1),
                8,
            )
            .unwrap();
        assert_eq!(slave.master_addr.as_deref(), Some("a:1"));
        assert_eq!(slave.ha_server_addr.as_deref(), Some("a:1-ha"));
        let route = rt.route("T").unwrap();
        assert_eq!(route.broker_datas[0].broker_addrs.len(), 2);
        assert_eq!(route.queue_datas[0].write_queue_nums, 4);
        assert!(rt.route("nope").is_none());
        assert_eq!(rt.all_topics().topic_list, vec!["T", "TBW102"]);
        assert_eq!(rt.topics_by_cluster("DefaultCluster").topic_list.len(), 2);

        rt.on_channel_closed(7);
        assert_eq!(
            rt.route("T").unwrap().broker_datas[0].master_addr(),
            None,
            "slave keeps the queues"
        );
        rt.on_channel_closed(8);
        assert!(rt.route("T").is_none());
        assert!(rt.cluster_info().cluster_addr_table.is_empty());
    }

    #[test]
    fn single_topic_registration_needs_a_full_one_first() {
        let rt = RouteTable::default();
        rt.register(&header("b", "x:1", 0), &topics(&["A", "B"], 1), 1)
            .unwrap();
        assert!(
            rt.register(&header("b", "x:2", 1), &topics(&["A"], 1), 2)
                .is_err()
        );
        rt.register(&header("b", "x:1", 0), &topics(&["C"], 2), 1)
            .unwrap();
        assert!(
            rt.route("C").is_some(),
            "an increment from a registered broker is fine"
        );
    }

    #[test]
    fn delete_topic_and_data_version() {
        let rt = RouteTable::default();
        let newer = topics(&["T"], 2);
        rt.register(&header("b", "x:1", 0), &topics(&["T", "U"], 1), 1)
            .unwrap();
        rt.delete_topic("T", Some("OtherCluster"));
        assert!(rt.route("T").is_some());
        rt.delete_topic("T", None);
        assert!(rt.route("T").is_none());
        assert!(rt.query_data_version("x:1", &newer.data_version).0);
        assert!(
            !rt.query_data_version("x:1", &topics(&["T", "U"], 1).data_version)
                .0
        );
        assert_eq!(rt.live_count(), 1);
        assert!(rt.scan_expired().is_empty());
    }
}
