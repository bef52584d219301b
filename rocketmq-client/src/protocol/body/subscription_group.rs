//! Subscription group configuration (`SubscriptionGroupConfig`), its admin bodies and the
//! broker's `subscriptionGroup.json`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{DataVersion, JsonBody};

/// How a consumer group may consume on a broker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SubscriptionGroupConfig {
    /// Which broker id (0 = master) consumers pull from.
    pub broker_id: i64,
    /// Whether broadcasting consumers are allowed.
    pub consume_broadcast_enable: bool,
    /// Whether the group may consume at all.
    pub consume_enable: bool,
    /// Whether a new group may start at the queue's min offset.
    pub consume_from_min_enable: bool,
    /// Whether the group consumes orderly.
    pub consume_message_orderly: bool,
    /// Minutes a message may take in the listener.
    pub consume_timeout_minute: i32,
    /// The group.
    pub group_name: String,
    /// Group system flags.
    pub group_sys_flag: i32,
    /// Whether members hear of joins and leaves at once (NOTIFY_CONSUMER_IDS_CHANGED).
    pub notify_consumer_ids_changed_enable: bool,
    /// Deliveries before a message goes to the dead-letter queue.
    pub retry_max_times: i32,
    /// Queues of the group's `%RETRY%` topic (0: no retries).
    pub retry_queue_nums: i32,
    /// Broker id to suggest to a consumer that falls behind.
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
    /// Version of the table.
    pub data_version: DataVersion,
    /// Group name → configuration.
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
