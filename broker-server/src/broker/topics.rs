//! The broker's topic table (`config/topics.json`), system topics, and auto-creation.
//!
//! A send to an unknown topic creates it from the template named in the request (normally
//! `TBW102`) when the template carries the INHERIT permission, which it does only while
//! `autoCreateTopicEnable` is on. `%RETRY%` topics are created on consumer heartbeats.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use rocketmq_client::protocol::body::{JsonBody, TopicConfig, TopicConfigSerializeWrapper, perm};

use super::live::Live;
use crate::persist::{read_with_backup, write_atomically};

use rocketmq_client::protocol::topic::validate_topic_name;
pub(crate) use rocketmq_client::protocol::topic::{
    AUTO_CREATE_TOPIC_KEY, RETRY_GROUP_TOPIC_PREFIX, SCHEDULE_TOPIC, TIMER_TOPIC,
    TRANS_CHECK_MAX_TIME_TOPIC, TRANS_HALF_TOPIC, TRANS_OP_HALF_TOPIC,
};

pub(crate) const SELF_TEST_TOPIC: &str = "SELF_TEST_TOPIC";
pub(crate) const BENCHMARK_TOPIC: &str = "BenchmarkTest";
pub(crate) const OFFSET_MOVED_EVENT: &str = "OFFSET_MOVED_EVENT";

/// The topics a broker keeps for itself (Apache's `TopicValidator` system set, with this
/// broker's cluster and name topics and its cluster's reply topic), sorted.
pub(crate) fn system_topics(config: &crate::broker::BrokerConfig) -> Vec<String> {
    let mut topics: Vec<String> = [
        AUTO_CREATE_TOPIC_KEY,
        SCHEDULE_TOPIC,
        BENCHMARK_TOPIC,
        TRANS_HALF_TOPIC,
        TRANS_OP_HALF_TOPIC,
        TRANS_CHECK_MAX_TIME_TOPIC,
        SELF_TEST_TOPIC,
        OFFSET_MOVED_EVENT,
        TRACE_TOPIC,
    ]
    .iter()
    .map(|t| t.to_string())
    .collect();
    topics.push(rocketmq_client::protocol::topic::reply_topic(
        &config.broker_cluster_name,
    ));
    if config.cluster_topic_enable {
        topics.push(config.broker_cluster_name.clone());
    }
    if config.broker_topic_enable {
        topics.push(config.broker_name.clone());
    }
    topics.sort();
    topics.dedup();
    topics
}

/// Apache's default trace topic.
pub(crate) const TRACE_TOPIC: &str = "RMQ_SYS_TRACE_TOPIC";

/// Topics clients may not send to directly.
pub(crate) fn is_send_forbidden(topic: &str) -> bool {
    matches!(
        topic,
        SCHEDULE_TOPIC
            | TIMER_TOPIC
            | TRANS_HALF_TOPIC
            | TRANS_OP_HALF_TOPIC
            | TRANS_CHECK_MAX_TIME_TOPIC
            | SELF_TEST_TOPIC
            | OFFSET_MOVED_EVENT
    )
}

/// Apache's topic rule (see [`validate_topic_name`]), with its remark.
pub(crate) fn validate_topic(topic: &str) -> Result<(), String> {
    validate_topic_name(topic).map_err(|e| e.to_string())
}

/// The broker-wide settings topic creation depends on.
#[derive(Debug, Clone)]
pub(crate) struct TopicSettings {
    /// `autoCreateTopicEnable` and `brokerPermission`, changeable at run time.
    pub(crate) live: Arc<Live>,
    pub(crate) default_topic_queue_nums: i32,
    pub(crate) cluster_name: String,
    pub(crate) broker_name: String,
    pub(crate) cluster_topic_enable: bool,
    pub(crate) broker_topic_enable: bool,
}

#[derive(Debug)]
pub(crate) struct TopicConfigManager {
    inner: RwLock<TopicConfigSerializeWrapper>,
    path: PathBuf,
    settings: TopicSettings,
}

impl TopicConfigManager {
    pub(crate) fn load(path: PathBuf, settings: TopicSettings) -> Self {
        let mut wrapper = read_with_backup(&path, |b| TopicConfigSerializeWrapper::decode(b).ok())
            .unwrap_or_default();
        let table = &mut wrapper.topic_config_table;
        let mut system = |name: &str, queues: i32, perm_bits: i32| {
            table
                .entry(name.to_string())
                .or_insert_with(|| TopicConfig {
                    perm: perm_bits,
                    ..TopicConfig::new(name, queues)
                });
        };
        let rw = perm::READ | perm::WRITE;
        system(SELF_TEST_TOPIC, 1, rw);
        system(BENCHMARK_TOPIC, 1024, rw);
        system(OFFSET_MOVED_EVENT, 1, rw);
        system(SCHEDULE_TOPIC, 18, rw);
        system(TIMER_TOPIC, 1, rw);
        system(TRANS_HALF_TOPIC, 1, rw);
        system(TRANS_OP_HALF_TOPIC, 1, rw);
        system(TRANS_CHECK_MAX_TIME_TOPIC, 1, rw);
        system(&format!("{}_REPLY_TOPIC", settings.cluster_name), 1, rw);
        let inherit_rw = |enabled: bool| perm::INHERIT | if enabled { rw } else { 0 };
        system(
            &settings.cluster_name,
            16,
            inherit_rw(settings.cluster_topic_enable),
        );
        system(
            &settings.broker_name,
            1,
            inherit_rw(settings.broker_topic_enable),
        );
        if settings.live.flag(&settings.live.auto_create_topic_enable) {
            system(
                AUTO_CREATE_TOPIC_KEY,
                settings.default_topic_queue_nums,
                perm::INHERIT | rw,
            );
        } else {
            table.remove(AUTO_CREATE_TOPIC_KEY);
        }
        if wrapper.data_version.timestamp == 0 {
            wrapper.data_version = rocketmq_client::protocol::body::DataVersion::now();
        }
        let mgr = TopicConfigManager {
            inner: RwLock::new(wrapper),
            path,
            settings,
        };
        mgr.persist();
        mgr
    }

    pub(crate) fn contains(&self, topic: &str) -> bool {
        self.inner
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .topic_config_table
            .contains_key(topic)
    }

    pub(crate) fn get(&self, topic: &str) -> Option<TopicConfig> {
        self.inner
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .topic_config_table
            .get(topic)
            .cloned()
    }

    /// Creates `topic` from the send's template topic; returns it and whether it is new.
    pub(crate) fn create_in_send(
        &self,
        topic: &str,
        default_topic: &str,
        client_queue_nums: i32,
        topic_sys_flag: i32,
    ) -> Option<(TopicConfig, bool)> {
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        if let Some(existing) = inner.topic_config_table.get(topic) {
            return Some((existing.clone(), false));
        }
        let template = inner.topic_config_table.get(default_topic)?.clone();
        let mut template_perm = template.perm;
        let live = &self.settings.live;
        if default_topic == AUTO_CREATE_TOPIC_KEY && !live.flag(&live.auto_create_topic_enable) {
            template_perm = perm::READ | perm::WRITE;
        }
        if !perm::is_inherited(template_perm) {
            return None;
        }
        let queues = client_queue_nums.min(template.write_queue_nums).max(1);
        let cfg = TopicConfig {
            perm: template_perm & !perm::INHERIT,
            topic_filter_type: template.topic_filter_type,
            topic_sys_flag,
            ..TopicConfig::new(topic, queues)
        };
        inner
            .topic_config_table
            .insert(topic.to_string(), cfg.clone());
        inner.data_version.next_version();
        drop(inner);
        tracing::info!(
            topic,
            queues,
            template = default_topic,
            "topic auto-created"
        );
        self.persist();
        Some((cfg, true))
    }

    /// Creates a retry or DLQ topic if absent; returns it and whether it is new.
    pub(crate) fn create_if_absent(
        &self,
        topic: &str,
        queues: i32,
        perm_bits: i32,
    ) -> (TopicConfig, bool) {
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        if let Some(existing) = inner.topic_config_table.get(topic) {
            return (existing.clone(), false);
        }
        let cfg = TopicConfig {
            perm: perm_bits,
            ..TopicConfig::new(topic, queues.max(1))
        };
        inner
            .topic_config_table
            .insert(topic.to_string(), cfg.clone());
        inner.data_version.next_version();
        drop(inner);
        self.persist();
        (cfg, true)
    }

    /// Bumps the table's version, so that the next registration carries it again (the
    /// broker's permission, which masks every topic's, changed).
    pub(crate) fn touch(&self) {
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        inner.data_version.next_version();
        drop(inner);
        self.persist();
    }

    /// Creates or replaces a topic (UPDATE_AND_CREATE_TOPIC).
    pub(crate) fn upsert(&self, cfg: TopicConfig) {
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        inner.topic_config_table.insert(cfg.topic_name.clone(), cfg);
        inner.data_version.next_version();
        drop(inner);
        self.persist();
    }

    /// Deletes a topic; false if it did not exist.
    pub(crate) fn delete(&self, topic: &str) -> bool {
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let existed = inner.topic_config_table.remove(topic).is_some();
        if existed {
            inner.data_version.next_version();
        }
        drop(inner);
        if existed {
            self.persist();
        }
        existed
    }

    /// Takes a master's table as a whole, as Apache's slave does, when its version differs
    /// from ours; returns whether it did.
    pub(crate) fn replace_with(&self, master: TopicConfigSerializeWrapper) -> bool {
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        if inner.data_version == master.data_version {
            return false;
        }
        *inner = master;
        drop(inner);
        self.persist();
        true
    }

    /// Every topic with the table's version.
    pub(crate) fn wrapper(&self) -> TopicConfigSerializeWrapper {
        self.inner.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// What the broker registers: every topic, permissions masked by `brokerPermission`.
    pub(crate) fn registration_wrapper(&self) -> TopicConfigSerializeWrapper {
        let mut w = self.wrapper();
        let broker_perm = self.settings.live.broker_permission();
        if !perm::is_writeable(broker_perm) || !perm::is_readable(broker_perm) {
            for cfg in w.topic_config_table.values_mut() {
                cfg.perm &= broker_perm | perm::INHERIT;
            }
        }
        w
    }

    pub(crate) fn persist(&self) {
        let snapshot = || {
            let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
            serde_json::to_vec_pretty(&*inner).expect("topics serialize")
        };
        if let Err(e) = write_atomically(&self.path, snapshot) {
            tracing::error!(path = %self.path.display(), error = %e, "could not persist topics");
        }
    }
}

/// Builds a topic config from an admin request's parts.
pub(crate) fn topic_config(
    name: &str,
    read: i32,
    write: i32,
    perm_bits: i32,
    filter_type: &str,
    sys_flag: i32,
    order: bool,
) -> TopicConfig {
    TopicConfig {
        attributes: BTreeMap::new(),
        order,
        perm: perm_bits,
        read_queue_nums: read,
        topic_filter_type: filter_type.to_string(),
        topic_name: name.to_string(),
        topic_sys_flag: sys_flag,
        write_queue_nums: write,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(auto: bool) -> TopicSettings {
        let config = crate::broker::BrokerConfig {
            auto_create_topic_enable: auto,
            ..Default::default()
        };
        TopicSettings {
            live: Arc::new(Live::new(&config)),
            default_topic_queue_nums: 8,
            cluster_name: "DefaultCluster".into(),
            broker_name: "broker-a".into(),
            cluster_topic_enable: true,
            broker_topic_enable: true,
        }
    }

    #[test]
    fn auto_creation_inherits_from_tbw102_and_persists() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config/topics.json");
        let mgr = TopicConfigManager::load(path.clone(), settings(true));
        assert_eq!(mgr.get(AUTO_CREATE_TOPIC_KEY).unwrap().perm, 7);
        let (cfg, created) = mgr
            .create_in_send("TopicTest", AUTO_CREATE_TOPIC_KEY, 4, 0)
            .unwrap();
        assert!(created);
        assert_eq!((cfg.read_queue_nums, cfg.perm), (4, 6));
        assert!(
            !mgr.create_in_send("TopicTest", AUTO_CREATE_TOPIC_KEY, 4, 0)
                .unwrap()
                .1
        );
        let again = TopicConfigManager::load(path, settings(false));
        assert!(again.get("TopicTest").is_some());
        assert!(again.get(AUTO_CREATE_TOPIC_KEY).is_none());
        assert!(
            again
                .create_in_send("Other", AUTO_CREATE_TOPIC_KEY, 4, 0)
                .is_none()
        );
    }

    #[test]
    fn topic_names_are_validated_like_apache() {
        assert!(validate_topic("TopicTest").is_ok());
        assert!(validate_topic("%RETRY%group-1").is_ok());
        assert!(validate_topic("bad topic").is_err());
        assert!(validate_topic(&"t".repeat(128)).is_err());
        assert!(validate_topic("").is_err());
        assert!(is_send_forbidden(SCHEDULE_TOPIC));
    }
}
