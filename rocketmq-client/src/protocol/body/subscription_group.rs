//! Subscription group configuration (`SubscriptionGroupConfig`), its admin bodies and the
//! broker's `subscriptionGroup.json`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{DataVersion, JsonBody};

/// How a consumer group may consume on a broker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SubscriptionGroupConfig {
    pub broker_id: i64,
    pub consume_broadcast_enable: bool,
    pub consume_enable: bool,
    pub consume_from_min_enable: bool,
    pub consume_message_orderly: bool,
    pub consume_timeout_minute: i32,
    pub group_name: String,
    pub group_sys_flag: i32,
    pub notify_consumer_ids_changed_enable: bool,
    pub retry_max_times: i32,
    pub retry_queue_nums: i32,
    pub which_broker_when_consume_slowly: i64,
}

impl Default for SubscriptionGroupConfig {
    fn default() -> Self {
        SubscriptionGroupConfig {
            broker_id: 0,
            consume_broadcast_enable: true,
            consume_enable: true,
            consume_from_min_enable: true,
            consume_message_orderly: false,
            consume_timeout_minute: 15,
            group_name: String::new(),
            group_sys_flag: 0,
            notify_consumer_ids_changed_enable: true,
            retry_max_times: 16,
            retry_queue_nums: 1,
            which_broker_when_consume_slowly: 1,
        }
    }
}

impl SubscriptionGroupConfig {
    /// Defaults for `group`.
    pub fn new(group: impl Into<String>) -> Self {
        SubscriptionGroupConfig {
            group_name: group.into(),
            ..Default::default()
        }
    }
}

impl JsonBody for SubscriptionGroupConfig {}

/// `SubscriptionGroupWrapper`: every group of a broker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct SubscriptionGroupWrapper {
    pub data_version: DataVersion,
    pub subscription_group_table: BTreeMap<String, SubscriptionGroupConfig>,
}

impl JsonBody for SubscriptionGroupWrapper {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apache_defaults_and_lenient_reading() {
        let g = SubscriptionGroupConfig::decode(
            br#"{"groupName":"g","retryMaxTimes":3,"groupRetryPolicy":{"type":"CUSTOMIZED"}}"#,
        )
        .unwrap();
        assert_eq!(g.retry_max_times, 3);
        assert_eq!(g.retry_queue_nums, 1);
        assert!(g.consume_enable);
        let w = SubscriptionGroupWrapper {
            subscription_group_table: [("g".to_string(), g)].into(),
            ..Default::default()
        };
        assert_eq!(SubscriptionGroupWrapper::decode(&w.encode()).unwrap(), w);
    }
}
