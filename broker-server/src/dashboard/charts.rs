//! The charts' data: every few seconds the console samples each broker's put and get TPS
//! (its runtime info) and each topic's incoming TPS (how far its queues' ends moved), and
//! keeps the last hour in memory. No external service is needed.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use rocketmq_client::protocol::now_millis;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::Console;
use super::reply::{Reply, ok};

/// How long samples are kept.
const WINDOW_MS: i64 = 3600 * 1000;
/// Topics sampled at most (the first by name, system ones left out).
const MAX_TOPICS: usize = 64;

/// A time series of `(epoch ms, values…)`.
type Series<const N: usize> = VecDeque<(i64, [f64; N])>;

#[derive(Debug, Default)]
pub(crate) struct Charts {
    inner: Mutex<Samples>,
}

#[derive(Debug, Default)]
struct Samples {
    /// By broker address: put TPS, get TPS.
    brokers: BTreeMap<String, Series<2>>,
    /// By topic: incoming TPS.
    topics: BTreeMap<String, Series<1>>,
    /// Each topic's queue ends summed at the last sample, to derive its TPS.
    last_ends: BTreeMap<String, (i64, i64)>,
}

fn push<const N: usize>(series: &mut Series<N>, at: i64, values: [f64; N]) {
    series.push_back((at, values));
    while series.front().is_some_and(|(t, _)| *t < at - WINDOW_MS) {
        series.pop_front();
    }
}

/// The first of a runtime-info TPS triple (`"10s 60s 600s"`).
fn first_tps(value: Option<&String>) -> f64 {
    value
        .and_then(|v| v.split(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

/// Samples until `stop`.
pub(crate) async fn sample(console: Arc<Console>, every: Duration, stop: CancellationToken) {
    let mut tick = tokio::time::interval(every.max(Duration::from_millis(100)));
    loop {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        if let Err(e) = sample_once(&console).await {
            tracing::debug!(error = %e, "dashboard sample skipped");
        }
    }
}

async fn sample_once(c: &Console) -> Result<(), rocketmq_client::ClientError> {
    let at = now_millis();
    let info = c.admin.cluster_info().await?;
    let mut brokers = Vec::new();
    for data in info.broker_addr_table.values() {
        for addr in data.broker_addrs.values() {
            if let Ok(kv) = c.admin.broker_runtime_info(addr).await {
                let put = first_tps(kv.table.get("putTps"));
                let get = first_tps(kv.table.get("getTransferedTps"));
                brokers.push((addr.clone(), [put, get]));
            }
        }
    }
    let system: std::collections::BTreeSet<String> = c
        .admin
        .system_topic_list()
        .await
        .map(|l| l.topic_list.into_iter().collect())
        .unwrap_or_default();
    let mut topics: Vec<String> = c
        .admin
        .topic_list()
        .await?
        .topic_list
        .into_iter()
        .filter(|t| {
            !system.contains(t)
                && !rocketmq_client::protocol::topic::is_system_topic(t)
                && !t.ends_with(rocketmq_client::protocol::topic::REPLY_TOPIC_SUFFIX)
        })
        .collect();
    topics.sort();
    topics.truncate(MAX_TOPICS);
    let mut ends = Vec::new();
    for topic in topics {
        if let Ok(stats) = c.admin.topic_stats(&topic).await {
            ends.push((
                topic,
                stats
                    .offset_table
                    .0
                    .values()
                    .map(|o| o.max_offset)
                    .sum::<i64>(),
            ));
        }
    }
    let mut s = c.charts.inner.lock().unwrap_or_else(|e| e.into_inner());
    for (addr, values) in brokers {
        push(s.brokers.entry(addr).or_default(), at, values);
    }
    for (topic, end) in ends {
        if let Some((then, before)) = s.last_ends.insert(topic.clone(), (at, end)) {
            let secs = ((at - then) as f64 / 1000.0).max(0.001);
            let tps = ((end - before).max(0) as f64 / secs * 100.0).round() / 100.0;
            push(s.topics.entry(topic).or_default(), at, [tps]);
        }
    }
    Ok(())
}

/// `{brokers: {addr: [[ms, put, get]…]}, topics: {topic: [[ms, in]…]}}`.
pub(crate) async fn tps(State(c): State<Arc<Console>>) -> Reply {
    let s = c.charts.inner.lock().unwrap_or_else(|e| e.into_inner());
    let brokers: BTreeMap<&String, Vec<_>> = s
        .brokers
        .iter()
        .map(|(k, v)| (k, v.iter().map(|(t, [p, g])| json!([t, p, g])).collect()))
        .collect();
    let topics: BTreeMap<&String, Vec<_>> = s
        .topics
        .iter()
        .map(|(k, v)| (k, v.iter().map(|(t, [i])| json!([t, i])).collect()))
        .collect();
    ok(json!({ "brokers": brokers, "topics": topics }))
}
