//! VIEW_BROKER_STATS_DATA's answer: one stats item's last minute, hour and day
//! (`BrokerStatsData`, `BrokerStatsItem`).

use serde::{Deserialize, Serialize};

use super::JsonBody;

/// `BrokerStatsItem`: what a window saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct BrokerStatsItem {
    /// Messages (or bytes) in the window.
    pub sum: i64,
    /// Per second over the window.
    pub tps: f64,
    /// Per call (e.g. messages per send).
    pub avgpt: f64,
}

/// `BrokerStatsData`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct BrokerStatsData {
    /// The last minute.
    pub stats_minute: BrokerStatsItem,
    /// The last hour.
    pub stats_hour: BrokerStatsItem,
    /// The last day.
    pub stats_day: BrokerStatsItem,
}

impl JsonBody for BrokerStatsData {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_are_javas() {
        let d = BrokerStatsData {
            stats_minute: BrokerStatsItem {
                sum: 60,
                tps: 1.0,
                avgpt: 2.0,
            },
            ..Default::default()
        };
        let json = String::from_utf8(d.encode()).unwrap();
        assert!(
            json.contains(r#""statsMinute":{"sum":60,"tps":1.0,"avgpt":2.0}"#),
            "{json}"
        );
        assert!(json.contains("statsHour") && json.contains("statsDay"));
        assert_eq!(BrokerStatsData::decode(json.as_bytes()).unwrap(), d);
    }
}
