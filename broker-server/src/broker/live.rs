//! The broker settings UPDATE_BROKER_CONFIG (`mqadmin updateBrokerConfig`) changes while the
//! broker runs: the ones Apache reads on every use, so that a change there takes effect at once.
//! Each is an atomic read where it is used; the rest of [`BrokerConfig`] is fixed at start,
//! and a request to change it is refused by name.

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use rocketmq_client::protocol::body::DataVersion;

use super::config::BrokerConfig;
use crate::config::ConfigValue;

/// The keys [`Live`] holds.
pub(crate) const LIVE_KEYS: &[&str] = &[
    "brokerPermission",
    "autoCreateTopicEnable",
    "autoCreateSubscriptionGroup",
    "slaveReadEnable",
    "longPollingEnable",
    "shortPollingTimeMills",
];

/// Settings changeable at run time.
#[derive(Debug)]
pub(crate) struct Live {
    pub(crate) broker_permission: AtomicI32,
    pub(crate) auto_create_topic_enable: AtomicBool,
    pub(crate) auto_create_subscription_group: AtomicBool,
    pub(crate) slave_read_enable: AtomicBool,
    pub(crate) long_polling_enable: AtomicBool,
    pub(crate) short_polling_time_mills: AtomicU64,
    /// The configuration's version, bumped by every update.
    version: Mutex<DataVersion>,
}

impl Live {
    pub(crate) fn new(c: &BrokerConfig) -> Self {
        Live {
            broker_permission: AtomicI32::new(c.broker_permission),
            auto_create_topic_enable: AtomicBool::new(c.auto_create_topic_enable),
            auto_create_subscription_group: AtomicBool::new(c.auto_create_subscription_group),
            slave_read_enable: AtomicBool::new(c.slave_read_enable),
            long_polling_enable: AtomicBool::new(c.long_polling_enable),
            short_polling_time_mills: AtomicU64::new(c.short_polling_time_mills),
            version: Mutex::new(DataVersion::now()),
        }
    }

    pub(crate) fn version(&self) -> MutexGuard<'_, DataVersion> {
        self.version.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn broker_permission(&self) -> i32 {
        self.broker_permission.load(Ordering::Relaxed)
    }

    pub(crate) fn flag(&self, f: &AtomicBool) -> bool {
        f.load(Ordering::Relaxed)
    }

    /// Checks `value` for live key `key` without applying it.
    pub(crate) fn check(key: &str, value: &str) -> Result<(), String> {
        match key {
            "brokerPermission" => {
                let p = i32::parse_value(value)?;
                if !(0..=7).contains(&p) {
                    return Err(format!("brokerPermission must be 0-7, got {p}"));
                }
                Ok(())
            }
            "shortPollingTimeMills" => u64::parse_value(value).map(drop),
            _ => bool::parse_value(value).map(drop),
        }
    }

    /// Applies a checked value of a live key.
    pub(crate) fn set(&self, key: &str, value: &str) {
        let flag = |f: &AtomicBool| {
            if let Ok(v) = bool::parse_value(value) {
                f.store(v, Ordering::Relaxed);
            }
        };
        match key {
            "brokerPermission" => {
                if let Ok(p) = i32::parse_value(value) {
                    self.broker_permission.store(p, Ordering::Relaxed);
                }
            }
            "autoCreateTopicEnable" => flag(&self.auto_create_topic_enable),
            "autoCreateSubscriptionGroup" => flag(&self.auto_create_subscription_group),
            "slaveReadEnable" => flag(&self.slave_read_enable),
            "longPollingEnable" => flag(&self.long_polling_enable),
            "shortPollingTimeMills" => {
                if let Ok(v) = u64::parse_value(value) {
                    self.short_polling_time_mills.store(v, Ordering::Relaxed);
                }
            }
            _ => {}
        }
    }

    /// `config` with the live values written over its start-up ones.
    pub(crate) fn current(&self, config: &BrokerConfig) -> BrokerConfig {
        let mut c = config.clone();
        c.broker_permission = self.broker_permission();
        c.auto_create_topic_enable = self.flag(&self.auto_create_topic_enable);
        c.auto_create_subscription_group = self.flag(&self.auto_create_subscription_group);
        c.slave_read_enable = self.flag(&self.slave_read_enable);
        c.long_polling_enable = self.flag(&self.long_polling_enable);
        c.short_polling_time_mills = self.short_polling_time_mills.load(Ordering::Relaxed);
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_keys_check_set_and_show() {
        let live = Live::new(&BrokerConfig::default());
        assert!(Live::check("brokerPermission", "9").is_err());
        assert!(Live::check("slaveReadEnable", "yes").is_err());
        Live::check("brokerPermission", "4").unwrap();
        live.set("brokerPermission", "4");
        live.set("slaveReadEnable", "true");
        let c = live.current(&BrokerConfig::default());
        assert_eq!((c.broker_permission, c.slave_read_enable), (4, true));
        for key in LIVE_KEYS {
            let cfg = BrokerConfig::default();
            let entries = crate::config::Configurable::entries(&cfg);
            assert!(entries.iter().any(|(k, _)| k == key), "{key} is a key");
        }
    }
}
