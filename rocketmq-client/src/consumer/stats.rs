//! A consumer's recent rates per topic, as GET_CONSUMER_RUNNING_INFO reports them: pull and
//! consume TPS with their mean round-trip times over the last minute, and failures over the
//! last hour.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::protocol::body::ConsumeStatus;

/// Counts and value sums in `N` buckets of `width` seconds each.
#[derive(Debug, Clone)]
struct Window<const N: usize> {
    width: u64,
    /// (bucket start in seconds, count, sum of values)
    buckets: [(u64, u64, u64); N],
    /// Start of the first bucket ever used.
    since: Option<u64>,
}

impl<const N: usize> Window<N> {
    fn new(width: u64) -> Self {
        Window {
            width,
            buckets: [(0, 0, 0); N],
            since: None,
        }
    }

    fn add(&mut self, now: u64, count: u64, sum: u64) {
        let start = now - now % self.width;
        self.since.get_or_insert(start);
        let slot = &mut self.buckets[((start / self.width) as usize) % N];
        if slot.0 != start {
            *slot = (start, 0, 0);
        }
        slot.1 += count;
        slot.2 += sum;
    }

    /// (count, sum, seconds covered) of the buckets inside the window, the current one
    /// excluded so a rate is not diluted by a bucket just begun. A window younger than its
    /// span covers only its age.
    fn totals(&self, now: u64) -> (u64, u64, u64) {
        let current = now - now % self.width;
        let oldest = current.saturating_sub(self.width * N as u64);
        let (mut count, mut sum) = (0, 0);
        for &(start, c, s) in &self.buckets {
            if start >= oldest && start < current {
                count += c;
                sum += s;
            }
        }
        let since = self.since.unwrap_or(current).max(oldest);
        (count, sum, current.saturating_sub(since).max(1))
    }
}

#[derive(Debug, Clone)]
struct TopicWindows {
    pull: Window<60>,
    consume_ok: Window<60>,
    consume_failed: Window<60>,
    failed_hour: Window<60>,
}

impl Default for TopicWindows {
    fn default() -> Self {
        TopicWindows {
            pull: Window::new(1),
            consume_ok: Window::new(1),
            consume_failed: Window::new(1),
            failed_hour: Window::new(60),
        }
    }
}

/// Rates per topic.
#[derive(Debug, Default)]
pub(crate) struct ConsumerStats {
    topics: Mutex<HashMap<String, TopicWindows>>,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl ConsumerStats {
    fn with(&self, topic: &str, f: impl FnOnce(&mut TopicWindows, u64)) {
        let mut topics = self.topics.lock().unwrap_or_else(|e| e.into_inner());
        let windows = match topics.get_mut(topic) {
            Some(w) => w,
            None => topics.entry(topic.to_string()).or_default(),
        };
        f(windows, now_secs());
    }

    /// A pull that brought `msgs` messages in `rt_ms`.
    pub(crate) fn pulled(&self, topic: &str, msgs: usize, rt_ms: u64) {
        self.with(topic, |w, now| w.pull.add(now, msgs as u64, rt_ms));
    }

    /// A listener call over `msgs` messages that took `rt_ms`.
    pub(crate) fn consumed(&self, topic: &str, msgs: usize, rt_ms: u64, ok: bool) {
        self.with(topic, |w, now| {
            if ok {
                w.consume_ok.add(now, msgs as u64, rt_ms);
            } else {
                w.consume_failed.add(now, msgs as u64, rt_ms);
                w.failed_hour.add(now, msgs as u64, 0);
            }
        });
    }

    /// Java's `ConsumeStatus` per topic.
    pub(crate) fn status(&self) -> Vec<(String, ConsumeStatus)> {
        let now = now_secs();
        let topics = self.topics.lock().unwrap_or_else(|e| e.into_inner());
        topics
            .iter()
            .map(|(topic, w)| {
                let (pulled, pull_rt_sum, pull_secs) = w.pull.totals(now);
                let (ok, ok_rt_sum, ok_secs) = w.consume_ok.totals(now);
                let (failed, failed_rt_sum, failed_secs) = w.consume_failed.totals(now);
                let (failed_hour, _, _) = w.failed_hour.totals(now + 60);
                let calls = (ok + failed).max(1) as f64;
                let status = ConsumeStatus {
                    pull_rt: pull_rt_sum as f64 / pulled.max(1) as f64,
                    pull_tps: pulled as f64 / pull_secs as f64,
                    consume_rt: (ok_rt_sum + failed_rt_sum) as f64 / calls,
                    consume_ok_tps: ok as f64 / ok_secs as f64,
                    consume_failed_tps: failed as f64 / failed_secs as f64,
                    consume_failed_msgs: failed_hour as i64,
                };
                (topic.clone(), status)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_cover_the_finished_seconds_of_the_window() {
        let mut w: Window<60> = Window::new(1);
        for s in 1000..1010 {
            w.add(s, 100, 500);
        }
        // at 1010: ten finished seconds of 100 messages each
        let (count, sum, secs) = w.totals(1010);
        assert_eq!((count, sum, secs), (1000, 5000, 10));
        // a minute later only what is still inside the window counts
        let (count, _, _) = w.totals(1069);
        assert_eq!(count, 100);
        let (count, _, _) = w.totals(1200);
        assert_eq!(count, 0);
    }
}
