//! Subscription groups (`config/subscriptionGroup.json`), auto-created on first use when
//! `autoCreateSubscriptionGroup` is on.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use rocketmq_client::protocol::body::{
    DataVersion, JsonBody, SubscriptionGroupConfig, SubscriptionGroupWrapper,
};

use super::live::Live;
use crate::persist::{read_with_backup, write_atomically};

#[derive(Debug)]
pub(crate) struct SubscriptionGroupManager {
    inner: RwLock<SubscriptionGroupWrapper>,
    path: PathBuf,
    /// `autoCreateSubscriptionGroup`, changeable at run time.
    live: Arc<Live>,
}

impl SubscriptionGroupManager {
    pub(crate) fn load(path: PathBuf, live: Arc<Live>) -> Self {
        let mut inner = read_with_backup(&path, |b| SubscriptionGroupWrapper::decode(b).ok())
            .unwrap_or_default();
        if inner.data_version.timestamp == 0 {
            inner.data_version = DataVersion::now();
        }
        SubscriptionGroupManager {
            inner: RwLock::new(inner),
            path,
            live,
        }
    }

    /// The group's config, creating it with defaults if allowed.
    pub(crate) fn find_or_create(&self, group: &str) -> Option<SubscriptionGroupConfig> {
        if let Some(g) = self.get(group) {
            return Some(g);
        }
        if !self.live.flag(&self.live.auto_create_subscription_group) {
            return None;
        }
        let cfg = SubscriptionGroupConfig::new(group);
        self.upsert(cfg.clone());
        tracing::info!(group, "subscription group auto-created");
        Some(cfg)
    }

    pub(crate) fn get(&self, group: &str) -> Option<SubscriptionGroupConfig> {
        self.inner
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .subscription_group_table
            .get(group)
            .cloned()
    }

    pub(crate) fn upsert(&self, cfg: SubscriptionGroupConfig) {
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        inner
            .subscription_group_table
            .insert(cfg.group_name.clone(), cfg);
        inner.data_version.next_version();
        drop(inner);
        self.persist();
    }

    pub(crate) fn delete(&self, group: &str) -> bool {
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let existed = inner.subscription_group_table.remove(group).is_some();
        inner.data_version.next_version();
        drop(inner);
        self.persist();
        existed
    }

    /// Takes a master's groups as a whole when their version differs from ours; returns
    /// whether it did.
    pub(crate) fn replace_with(&self, master: SubscriptionGroupWrapper) -> bool {
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        if inner.data_version == master.data_version {
            return false;
        }
        *inner = master;
        drop(inner);
        self.persist();
        true
    }

    pub(crate) fn wrapper(&self) -> SubscriptionGroupWrapper {
        self.inner.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn persist(&self) {
        let snapshot = || {
            serde_json::to_vec_pretty(&*self.inner.read().unwrap_or_else(|e| e.into_inner()))
                .expect("groups serialize")
        };
        if let Err(e) = write_atomically(&self.path, snapshot) {
            tracing::error!(path = %self.path.display(), error = %e, "could not persist subscription groups");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_create_and_reload() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("subscriptionGroup.json");
        let live = |auto| {
            Arc::new(Live::new(&crate::broker::BrokerConfig {
                auto_create_subscription_group: auto,
                ..Default::default()
            }))
        };
        let m = SubscriptionGroupManager::load(path.clone(), live(true));
        assert_eq!(m.find_or_create("cg").unwrap().retry_max_times, 16);
        let strict = SubscriptionGroupManager::load(path, live(false));
        assert!(strict.get("cg").is_some());
        assert!(strict.find_or_create("unknown").is_none());
        assert!(strict.delete("cg"));
    }
}
