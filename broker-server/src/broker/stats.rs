//! The broker's runtime statistics: what GET_BROKER_RUNTIME_INFO reports, counted as Apache's
//! `StoreStatsService` and `BrokerStats` count it, and sampled once a second by [`run`].
//!
//! Counting is a few relaxed atomic adds per request; everything derived (TPS over the last
//! 10, 60 and 600 seconds, the put-latency distribution of the last minute and its p99, the
//! totals at this and yesterday's midnight) is worked out by the sampler or when asked.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rocketmq_client::protocol::now_millis;
use tokio_util::sync::CancellationToken;

use super::stats_items::{
    BROKER_GET_NUMS, BROKER_PUT_NUMS, GROUP_GET_NUMS, GROUP_GET_SIZE, StatsItems, TOPIC_PUT_NUMS,
    TOPIC_PUT_SIZE, Window,
};
use crate::net::RequestQueue;

/// Samples kept: one a second for ten minutes, and one more to take differences from.
const SAMPLES: usize = 601;

/// Apache's put-latency buckets (ms): 1..20 by 1, to 50 by 2, to 100 by 5, to 200 by 10, to
/// 500 by 50, to 1000 by 100, to 10 s by 1000, then everything longer.
fn latency_bounds() -> &'static [u64] {
    static BOUNDS: std::sync::OnceLock<Vec<u64>> = std::sync::OnceLock::new();
    BOUNDS.get_or_init(|| {
        let mut bounds = Vec::new();
        let mut at = 0;
        for (step, times) in [
            (1, 20),
            (2, 15),
            (5, 10),
            (10, 10),
            (50, 6),
            (100, 5),
            (1000, 9),
        ] {
            for _ in 0..times {
                at += step;
                bounds.push(at);
            }
        }
        bounds.push(u64::MAX);
        bounds
    })
}

/// Apache's `putMessageDistributeTime` classes, with their labels.
const DISTRIBUTION: [(u64, &str); 13] = [
    (1, "[<=0ms]"),
    (10, "[0~10ms]"),
    (50, "[10~50ms]"),
    (100, "[50~100ms]"),
    (200, "[100~200ms]"),
    (500, "[200~500ms]"),
    (1000, "[500ms~1s]"),
    (2000, "[1~2s]"),
    (3000, "[2~3s]"),
    (4000, "[3~4s]"),
    (5000, "[4~5s]"),
    (10000, "[5~10s]"),
    (u64::MAX, "[10s~]"),
];

/// Counters for runtime info.
#[derive(Debug)]
pub(crate) struct Stats {
    pub(crate) boot_timestamp: i64,
    /// Messages stored.
    pub(crate) put_total: AtomicU64,
    /// Messages pulled.
    pub(crate) get_total: AtomicU64,
    put_size_total: AtomicU64,
    put_failed: AtomicU64,
    /// Pulls that found messages, and those that found none.
    get_found: AtomicU64,
    get_miss: AtomicU64,
    put_time_max: AtomicU64,
    get_time_max: AtomicU64,
    /// Put latencies of the current minute, per bucket of [`latency_bounds`] and per class of
    /// [`DISTRIBUTION`].
    put_buckets: Vec<AtomicU64>,
    put_classes: Vec<AtomicU64>,
    /// Requests waiting for a handler, per Apache pool.
    pub(crate) queues: Queues,
    sampled: Mutex<Sampled>,
    /// Per topic and per group, with their last minute, hour and day.
    pub(crate) items: StatsItems,
}

/// Requests of Apache's pools (send, pull, query, end-transaction) waiting to be handled.
#[derive(Debug, Default)]
pub(crate) struct Queues {
    pub(crate) send: RequestQueue,
    pub(crate) pull: RequestQueue,
    pub(crate) query: RequestQueue,
    pub(crate) end_transaction: RequestQueue,
}

/// What the sampler keeps.
#[derive(Debug, Default)]
struct Sampled {
    /// (time ms, puts, pulls found, pulls missed, messages pulled), oldest first.
    samples: VecDeque<[u64; 5]>,
    /// The last minute's put latencies (empty before a minute has passed).
    last_buckets: Vec<u64>,
    last_classes: Vec<u64>,
    /// The local day, and the put / get totals at its midnight and the one before.
    day: i64,
    put_today_morning: u64,
    put_yesterday_morning: u64,
    get_today_morning: u64,
    get_yesterday_morning: u64,
}

/// A put the store answered: how long it took and what it stored.
pub(crate) struct Put {
    pub(crate) messages: u64,
    pub(crate) bytes: u64,
    pub(crate) took: Duration,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            boot_timestamp: now_millis(),
            put_total: AtomicU64::new(0),
            get_total: AtomicU64::new(0),
            put_size_total: AtomicU64::new(0),
            put_failed: AtomicU64::new(0),
            get_found: AtomicU64::new(0),
            get_miss: AtomicU64::new(0),
            put_time_max: AtomicU64::new(0),
            get_time_max: AtomicU64::new(0),
            put_buckets: latency_bounds().iter().map(|_| AtomicU64::new(0)).collect(),
            put_classes: DISTRIBUTION.iter().map(|_| AtomicU64::new(0)).collect(),
            queues: Queues::default(),
            sampled: Mutex::new(Sampled {
                day: local_day(now_millis() / 1000),
                ..Sampled::default()
            }),
            items: StatsItems::default(),
        }
    }
}

impl Stats {
    /// Messages a send stored in `topic` (a put of `cluster`'s broker).
    pub(crate) fn topic_put(&self, topic: &str, cluster: &str, messages: u64, bytes: u64) {
        let now = now_millis();
        self.items.add(TOPIC_PUT_NUMS, topic, messages, 1, now);
        self.items.add(TOPIC_PUT_SIZE, topic, bytes, 1, now);
        self.items.add(BROKER_PUT_NUMS, cluster, messages, 1, now);
    }

    /// Messages a pull of `group` took from `topic`.
    pub(crate) fn group_get(
        &self,
        topic: &str,
        group: &str,
        cluster: &str,
        messages: u64,
        bytes: u64,
    ) {
        let now = now_millis();
        let key = format!("{topic}@{group}");
        self.items.add(GROUP_GET_NUMS, &key, messages, 1, now);
        self.items.add(GROUP_GET_SIZE, &key, bytes, 1, now);
        self.items.add(BROKER_GET_NUMS, cluster, messages, 1, now);
    }

    /// Messages a second put in `topic` over the last minute.
    pub(crate) fn topic_put_tps(&self, topic: &str) -> f64 {
        self.items.minute_tps(TOPIC_PUT_NUMS, topic)
    }

    /// Messages a second `group` pulled from `topic` over the last minute.
    pub(crate) fn group_get_tps(&self, topic: &str, group: &str) -> f64 {
        self.items
            .minute_tps(GROUP_GET_NUMS, &format!("{topic}@{group}"))
    }

    /// A put the store took.
    pub(crate) fn put_stored(&self, put: Put) {
        self.put_total.fetch_add(put.messages, Ordering::Relaxed);
        self.put_size_total.fetch_add(put.bytes, Ordering::Relaxed);
        let ms = put.took.as_millis() as u64;
        self.put_time_max.fetch_max(ms, Ordering::Relaxed);
        let bucket = latency_bounds().partition_point(|b| *b < ms);
        self.put_buckets[bucket].fetch_add(1, Ordering::Relaxed);
        let class = DISTRIBUTION.partition_point(|(b, _)| *b <= ms);
        self.put_classes[class].fetch_add(1, Ordering::Relaxed);
    }

    /// A put the store refused.
    pub(crate) fn put_failed(&self) {
        self.put_failed.fetch_add(1, Ordering::Relaxed);
    }

    /// A pull answered from the store: `messages` found (0: none), in `took`.
    pub(crate) fn pulled(&self, messages: u64, took: Duration) {
        if messages > 0 {
            self.get_found.fetch_add(1, Ordering::Relaxed);
            self.get_total.fetch_add(messages, Ordering::Relaxed);
        } else {
            self.get_miss.fetch_add(1, Ordering::Relaxed);
        }
        self.get_time_max
            .fetch_max(took.as_millis() as u64, Ordering::Relaxed);
    }

    /// Takes this second's sample; every minute, the latency distribution starts again; at
    /// local midnight, the day's totals roll.
    fn sample(&self, now_ms: i64, minute_passed: bool) {
        let row = [
            now_ms as u64,
            self.put_total.load(Ordering::Relaxed),
            self.get_found.load(Ordering::Relaxed),
            self.get_miss.load(Ordering::Relaxed),
            self.get_total.load(Ordering::Relaxed),
        ];
        let mut s = self.sampled.lock().unwrap_or_else(|e| e.into_inner());
        s.samples.push_back(row);
        while s.samples.len() > SAMPLES {
            s.samples.pop_front();
        }
        if minute_passed {
            s.last_buckets = self
                .put_buckets
                .iter()
                .map(|b| b.swap(0, Ordering::Relaxed))
                .collect();
            s.last_classes = self
                .put_classes
                .iter()
                .map(|b| b.swap(0, Ordering::Relaxed))
                .collect();
        }
        let day = local_day(now_ms / 1000);
        if day != s.day {
            s.day = day;
            s.put_yesterday_morning = s.put_today_morning;
            s.get_yesterday_morning = s.get_today_morning;
            s.put_today_morning = row[1];
            s.get_today_morning = row[4];
        }
        for q in [
            &self.queues.send,
            &self.queues.pull,
            &self.queues.query,
            &self.queues.end_transaction,
        ] {
            q.roll_second();
        }
    }

    /// Apache's runtime keys that come from these counters, as Apache formats them.
    pub(crate) fn runtime_info(&self, put: &mut impl FnMut(&str, String)) {
        let s = self.sampled.lock().unwrap_or_else(|e| e.into_inner());
        let puts = self.put_total.load(Ordering::Relaxed);
        let size = self.put_size_total.load(Ordering::Relaxed);
        // Apache divides by at least one put.
        let times = puts.max(1);
        put("bootTimestamp", self.boot_timestamp.to_string());
        put(
            "runtime",
            format_runtime(now_millis() - self.boot_timestamp),
        );
        put(
            "putMessageEntireTimeMax",
            self.put_time_max.load(Ordering::Relaxed).to_string(),
        );
        put("putMessageTimesTotal", times.to_string());
        put(
            "putMessageFailedTimes",
            self.put_failed.load(Ordering::Relaxed).to_string(),
        );
        put("putMessageSizeTotal", size.to_string());
        put("putMessageDistributeTime", distribution(&s.last_classes));
        put(
            "putMessageAverageSize",
            java_double(size as f64 / times as f64),
        );
        // Apache reports a field it never sets.
        put("dispatchMaxBuffer", "0".into());
        put(
            "getMessageEntireTimeMax",
            self.get_time_max.load(Ordering::Relaxed).to_string(),
        );
        let column = |c: usize| tps_triple(&s.samples, c);
        put("putTps", column(1));
        put("getFoundTps", column(2));
        put("getMissTps", column(3));
        put("getTransferedTps", column(4));
        put(
            "getTotalTps",
            [10, 60, 600]
                .map(|t| {
                    java_double(
                        tps(&s.samples, 2, t).unwrap_or(0.0) + tps(&s.samples, 3, t).unwrap_or(0.0),
                    )
                })
                .join(" "),
        );
        put(
            "putLatency99",
            format!("{:.2}", percentile(&s.last_buckets, 0.99)),
        );
        put(
            "putLatency999",
            format!("{:.2}", percentile(&s.last_buckets, 0.999)),
        );
        put(
            "msgPutTotalYesterdayMorning",
            s.put_yesterday_morning.to_string(),
        );
        put("msgPutTotalTodayMorning", s.put_today_morning.to_string());
        put("msgPutTotalTodayNow", puts.to_string());
        put(
            "msgGetTotalYesterdayMorning",
            s.get_yesterday_morning.to_string(),
        );
        put("msgGetTotalTodayMorning", s.get_today_morning.to_string());
        put(
            "msgGetTotalTodayNow",
            self.get_total.load(Ordering::Relaxed).to_string(),
        );
    }
}

/// Samples once a second until cancelled.
pub(crate) async fn run(stats: std::sync::Arc<Stats>, cancel: CancellationToken) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut minute = Instant::now();
    let mut seconds: u64 = 0;
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tick.tick() => {
                let minute_passed = minute.elapsed() >= Duration::from_secs(60);
                if minute_passed {
                    minute = Instant::now();
                }
                let now = now_millis();
                stats.sample(now, minute_passed);
                seconds += 1;
                // The stats items' windows, as Apache samples them.
                for (every, window) in [(10, Window::Minute), (600, Window::Hour), (3600, Window::Day)] {
                    if seconds.is_multiple_of(every) {
                        stats.items.sample(window, now);
                    }
                }
            }
        }
    }
}

/// Messages a second in column `c` over the last `secs` samples, if there are that many.
fn tps(samples: &VecDeque<[u64; 5]>, c: usize, secs: usize) -> Option<f64> {
    if samples.len() <= secs {
        return None;
    }
    let last = samples[samples.len() - 1];
    let before = samples[samples.len() - 1 - secs];
    let ms = last[0].saturating_sub(before[0]).max(1);
    Some(last[c].saturating_sub(before[c]) as f64 * 1000.0 / ms as f64)
}

/// Apache's "10s 60s 600s" triple; a window without enough samples yet is empty.
fn tps_triple(samples: &VecDeque<[u64; 5]>, c: usize) -> String {
    [10, 60, 600]
        .map(|t| tps(samples, c, t).map(java_double).unwrap_or_default())
        .join(" ")
}

/// The latency below which share `px` of the last minute's puts fell, interpolated within
/// its bucket as Apache does.
fn percentile(buckets: &[u64], px: f64) -> f64 {
    let total: u64 = buckets.iter().sum();
    let index = (total as f64 * px) as u64;
    let bounds = latency_bounds();
    let mut passed = 0;
    for (i, &count) in buckets.iter().enumerate() {
        if index <= passed + count {
            let relative = (index - passed) as f64;
            let share = if count == 0 {
                0.0
            } else {
                relative / count as f64
            };
            let lower = if i == 0 { 0.0 } else { bounds[i - 1] as f64 };
            return lower + (bounds[i] as f64 - lower) * share;
        }
        passed += count;
    }
    0.0
}

/// `[<=0ms]:n [0~10ms]:n …` (each followed by a space, as Apache prints it).
fn distribution(classes: &[u64]) -> String {
    let mut out = String::new();
    for (i, (_, label)) in DISTRIBUTION.iter().enumerate() {
        out.push_str(&format!(
            "{label}:{} ",
            classes.get(i).copied().unwrap_or(0)
        ));
    }
    out
}

/// `[ 0 days, 1 hours, 2 minutes, 3 seconds ]`.
fn format_runtime(ms: i64) -> String {
    let secs = ms.max(0) / 1000;
    format!(
        "[ {} days, {} hours, {} minutes, {} seconds ]",
        secs / 86400,
        secs % 86400 / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Java's `Double.toString`: a decimal point always, scientific from 10⁷ and below 10⁻³.
pub(crate) fn java_double(v: f64) -> String {
    let a = v.abs();
    if v == 0.0 || (1e-3..1e7).contains(&a) {
        return format!("{v:?}");
    }
    // Rust writes 1.5e7 / 1e7; Java 1.5E7 / 1.0E7.
    let s = format!("{v:e}");
    let (mantissa, exp) = s.split_once('e').expect("{:e} has an exponent");
    if mantissa.contains('.') {
        format!("{mantissa}E{exp}")
    } else {
        format!("{mantissa}.0E{exp}")
    }
}

/// A number for the local calendar day of `unix_secs`.
fn local_day(unix_secs: i64) -> i64 {
    let (year, yday) = crate::store::local_date(unix_secs);
    i64::from(year) * 1000 + i64::from(yday)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn doubles_print_as_java_prints_them() {
        assert_eq!(java_double(0.0), "0.0");
        assert_eq!(java_double(1234.5), "1234.5");
        assert_eq!(java_double(100.0), "100.0");
        assert_eq!(java_double(1.5e7), "1.5E7");
        assert_eq!(java_double(1e7), "1.0E7");
        assert_eq!(java_double(0.0001), "1.0E-4");
    }

    #[test]
    fn tps_comes_from_samples_a_second_apart() {
        let stats = Stats::default();
        for s in 0..=60u64 {
            stats.put_total.store(s * 100, Ordering::Relaxed);
            stats.sample(1_000_000 + s as i64 * 1000, false);
        }
        let mut kv = HashMap::new();
        stats.runtime_info(&mut |k, v| {
            kv.insert(k.to_string(), v);
        });
        // 10 s and 60 s windows are full, the 600 s one is not yet.
        assert_eq!(kv["putTps"], "100.0 100.0 ");
        assert_eq!(kv["getTotalTps"], "0.0 0.0 0.0");
        assert_eq!(kv["putMessageTimesTotal"], "6000");
        assert!(kv["runtime"].starts_with("[ 0 days, 0 hours"));
    }

    #[test]
    fn put_latencies_fill_apaches_classes_and_percentiles() {
        let stats = Stats::default();
        for ms in [0, 0, 5, 5, 5, 5, 5, 5, 30, 700] {
            stats.put_stored(Put {
                messages: 1,
                bytes: 100,
                took: Duration::from_millis(ms),
            });
        }
        stats.sample(0, true);
        let mut kv = HashMap::new();
        stats.runtime_info(&mut |k, v| {
            kv.insert(k.to_string(), v);
        });
        assert!(
            kv["putMessageDistributeTime"]
                .starts_with("[<=0ms]:2 [0~10ms]:6 [10~50ms]:1 [50~100ms]:0 [100~200ms]:0 [200~500ms]:0 [500ms~1s]:1 "),
            "{}",
            kv["putMessageDistributeTime"]
        );
        assert_eq!(kv["putMessageEntireTimeMax"], "700");
        assert_eq!(kv["putMessageAverageSize"], "100.0");
        // The 10th of 10 puts took 700 ms, the 9th 30 ms: p99 falls at the 9th (as Apache's).
        assert_eq!(kv["putLatency99"], "30.00");
        // The next minute starts empty.
        stats.sample(60_000, true);
        let mut kv = HashMap::new();
        stats.runtime_info(&mut |k, v| {
            kv.insert(k.to_string(), v);
        });
        assert!(kv["putMessageDistributeTime"].starts_with("[<=0ms]:0 [0~10ms]:0"));
    }
}
