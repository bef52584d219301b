//! Per-topic and per-group counters with their last minute, hour and day, as Apache's
//! `BrokerStatsManager` keeps them (VIEW_BROKER_STATS_DATA, `mqadmin statsAll`, the consume
//! TPS of consumer stats).
//!
//! Each item keeps running totals (messages or bytes, and how many calls brought them) and
//! snapshots of them: every 10 s for the minute (7 kept), every 10 minutes for the hour (7),
//! every hour for the day (25). A window's figures come from its first and last snapshot.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use rocketmq_client::protocol::body::{BrokerStatsData, BrokerStatsItem};

/// Apache's stats names this broker keeps.
pub(crate) const TOPIC_PUT_NUMS: &str = "TOPIC_PUT_NUMS";
pub(crate) const TOPIC_PUT_SIZE: &str = "TOPIC_PUT_SIZE";
pub(crate) const GROUP_GET_NUMS: &str = "GROUP_GET_NUMS";
pub(crate) const GROUP_GET_SIZE: &str = "GROUP_GET_SIZE";
pub(crate) const BROKER_PUT_NUMS: &str = "BROKER_PUT_NUMS";
pub(crate) const BROKER_GET_NUMS: &str = "BROKER_GET_NUMS";
const NAMES: [&str; 6] = [
    TOPIC_PUT_NUMS,
    TOPIC_PUT_SIZE,
    GROUP_GET_NUMS,
    GROUP_GET_SIZE,
    BROKER_PUT_NUMS,
    BROKER_GET_NUMS,
];

/// A window of snapshots.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Window {
    Minute,
    Hour,
    Day,
}

impl Window {
    fn keep(self) -> usize {
        match self {
            Window::Minute | Window::Hour => 7,
            Window::Day => 25,
        }
    }
}

/// (time ms, value, times).
type Snap = (i64, u64, u64);

#[derive(Debug)]
struct Item {
    value: u64,
    times: u64,
    windows: [VecDeque<Snap>; 3],
}

impl Item {
    fn new(now: i64) -> Self {
        let first = VecDeque::from([(now, 0, 0)]);
        Item {
            value: 0,
            times: 0,
            windows: [first.clone(), first.clone(), first],
        }
    }

    fn window(&self, w: Window) -> BrokerStatsItem {
        let snaps = &self.windows[w as usize];
        let (Some(first), Some(last)) = (snaps.front(), snaps.back()) else {
            return BrokerStatsItem::default();
        };
        let sum = last.1 - first.1;
        let times = last.2 - first.2;
        let ms = last.0 - first.0;
        BrokerStatsItem {
            sum: sum as i64,
            tps: if ms > 0 {
                sum as f64 * 1000.0 / ms as f64
            } else {
                0.0
            },
            avgpt: if times > 0 {
                sum as f64 / times as f64
            } else {
                0.0
            },
        }
    }
}

/// Every stats item, by name then key.
#[derive(Debug, Default)]
pub(crate) struct StatsItems {
    tables: [Mutex<HashMap<String, Item>>; 6],
}

impl StatsItems {
    fn table(&self, name: &str) -> Option<&Mutex<HashMap<String, Item>>> {
        NAMES
            .iter()
            .position(|n| *n == name)
            .map(|i| &self.tables[i])
    }

    /// Adds `value` brought by `times` calls to item `key` of `name`.
    pub(crate) fn add(&self, name: &str, key: &str, value: u64, times: u64, now: i64) {
        let Some(table) = self.table(name) else {
            return;
        };
        let mut table = table.lock().unwrap_or_else(|e| e.into_inner());
        let item = match table.get_mut(key) {
            Some(item) => item,
            None => table
                .entry(key.to_string())
                .or_insert_with(|| Item::new(now)),
        };
        item.value += value;
        item.times += times;
    }

    /// Takes a snapshot of every item for window `w`.
    pub(crate) fn sample(&self, w: Window, now: i64) {
        for table in &self.tables {
            let mut table = table.lock().unwrap_or_else(|e| e.into_inner());
            for item in table.values_mut() {
                let snap = (now, item.value, item.times);
                let list = &mut item.windows[w as usize];
                list.push_back(snap);
                while list.len() > w.keep() {
                    list.pop_front();
                }
            }
        }
    }

    /// One item's last minute, hour and day; `None` if it does not exist.
    pub(crate) fn data(&self, name: &str, key: &str) -> Option<BrokerStatsData> {
        let table = self.table(name)?.lock().unwrap_or_else(|e| e.into_inner());
        let item = table.get(key)?;
        Some(BrokerStatsData {
            stats_minute: item.window(Window::Minute),
            stats_hour: item.window(Window::Hour),
            stats_day: item.window(Window::Day),
        })
    }

    /// Messages a second of an item over its last minute (0 if it does not exist).
    pub(crate) fn minute_tps(&self, name: &str, key: &str) -> f64 {
        self.data(name, key).map_or(0.0, |d| d.stats_minute.tps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_sum_between_their_first_and_last_snapshots() {
        let items = StatsItems::default();
        items.add(TOPIC_PUT_NUMS, "T", 10, 2, 0);
        items.sample(Window::Minute, 10_000);
        items.add(TOPIC_PUT_NUMS, "T", 30, 1, 12_000);
        items.sample(Window::Minute, 20_000);
        let d = items.data(TOPIC_PUT_NUMS, "T").unwrap();
        assert_eq!(d.stats_minute.sum, 40);
        assert_eq!(d.stats_minute.tps, 2.0);
        assert!((d.stats_minute.avgpt - 40.0 / 3.0).abs() < 1e-9);
        assert_eq!(d.stats_hour.sum, 0, "no hour snapshot yet");
        assert!(items.data(TOPIC_PUT_NUMS, "U").is_none());
        assert!(items.data("NO_SUCH_STATS", "T").is_none());
        for i in 0..10 {
            items.sample(Window::Minute, 30_000 + i * 10_000);
        }
        assert_eq!(
            items.data(TOPIC_PUT_NUMS, "T").unwrap().stats_minute.sum,
            0,
            "a quiet minute"
        );
    }
}
