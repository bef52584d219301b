//! What the broker counts for `/metrics` (`metricsExporterType=PROM`) and the scrape that
//! reads the rest off its state, under Apache 5.x's names and labels.
//!
//! Counting happens only when the exporter is on (the handlers hold an
//! `Option<Arc<BrokerMetrics>>`), into the counting thread's own shard: a send adds to its
//! topic's counters, a pull that found messages to its group's, a request's answer to its
//! latency histogram. Gauges (lag, storage, topics) are computed when Prometheus scrapes.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use rocketmq_client::protocol::message::{properties, property};
use rocketmq_client::protocol::now_millis;
use rocketmq_client::protocol::topic::is_retry_topic;

use super::BrokerState;
use crate::metrics::{Histogram, Kind, RpcLatency, Shards, Snapshot, Text, write_process};

/// Apache's message size bounds (bytes).
const SIZE_BOUNDS: &[u64] = &[
    1024,
    4096,
    512 * 1024,
    1024 * 1024,
    2 * 1024 * 1024,
    4 * 1024 * 1024,
];

/// `message_type`: how Apache's broker classifies a send by its properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MessageType {
    Normal,
    Fifo,
    Delay,
    Transaction,
}

impl MessageType {
    const ALL: [MessageType; 4] = [
        MessageType::Normal,
        MessageType::Fifo,
        MessageType::Delay,
        MessageType::Transaction,
    ];

    /// Read from a send's properties text (`BrokerMetricsManager.getMessageType`).
    pub(crate) fn of(props: &str) -> Self {
        let has = |key| properties::find(props, key).is_some();
        if properties::find(props, property::TRANSACTION_PREPARED) == Some("true") {
            MessageType::Transaction
        } else if has(property::SHARDING_KEY) {
            MessageType::Fifo
        } else if has("__STARTDELIVERTIME")
            || has(property::DELAY_TIME_LEVEL)
            || has(property::TIMER_DELIVER_MS)
            || has(property::TIMER_DELAY_SEC)
            || has(property::TIMER_DELAY_MS)
        {
            MessageType::Delay
        } else {
            MessageType::Normal
        }
    }

    fn label(self) -> &'static str {
        match self {
            MessageType::Normal => "normal",
            MessageType::Fifo => "fifo",
            MessageType::Delay => "delay",
            MessageType::Transaction => "transaction",
        }
    }
}

#[derive(Debug, Clone)]
struct Incoming {
    messages: u64,
    bytes: u64,
    size: Histogram,
}

impl Default for Incoming {
    fn default() -> Self {
        Incoming {
            messages: 0,
            bytes: 0,
            size: Histogram::new(SIZE_BOUNDS),
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Outgoing {
    messages: u64,
    bytes: u64,
}

/// Incoming totals of one topic and message type: messages, bytes and sizes.
struct InTotal {
    topic: String,
    slot: usize,
    messages: u64,
    bytes: u64,
    size: Snapshot,
}

/// A gauge family of the lag table: name, help, and the value of one row.
type LagFamily<'a> = (&'a str, &'a str, &'a dyn Fn(&Lag) -> i64);

/// One thread's counts.
#[derive(Debug, Default)]
struct Counts {
    /// By topic, then message type (in [`MessageType::ALL`] order).
    incoming: HashMap<String, [Incoming; 4]>,
    /// By group, then topic.
    outgoing: HashMap<String, HashMap<String, Outgoing>>,
}

/// The broker's counters.
#[derive(Debug, Default)]
pub(crate) struct BrokerMetrics {
    /// `rocketmq_rpc_latency`.
    pub(crate) rpc: RpcLatency,
    counts: Shards<Counts>,
    /// Next offset to pull by (group, topic) and queue: what a group has pulled but may not
    /// have committed. One map for every thread, as a reset may move it back.
    pulled: Mutex<HashMap<(String, String), BTreeMap<i32, i64>>>,
    /// Messages sent to a dead-letter queue, by (original topic, group).
    dlq: Mutex<BTreeMap<(String, String), u64>>,
}

impl BrokerMetrics {
    /// A send stored `count` messages of `bytes` (as written) in `topic`.
    pub(crate) fn message_in(&self, topic: &str, kind: MessageType, count: u64, bytes: u64) {
        let slot = MessageType::ALL
            .iter()
            .position(|t| *t == kind)
            .unwrap_or(0);
        let mut counts = self.counts.local();
        let series = match counts.incoming.get_mut(topic) {
            Some(series) => series,
            None => counts.incoming.entry(topic.to_string()).or_default(),
        };
        let s = &mut series[slot];
        s.messages += count;
        s.bytes += bytes;
        s.size.observe(bytes / count.max(1));
    }

    /// A pull of `group` found `count` messages of `bytes` in a queue; the group's next pull
    /// there starts at `next`.
    pub(crate) fn message_out(
        &self,
        group: &str,
        topic: &str,
        queue_id: i32,
        count: u64,
        bytes: u64,
        next: i64,
    ) {
        {
            let mut counts = self.counts.local();
            let topics = match counts.outgoing.get_mut(group) {
                Some(t) => t,
                None => counts.outgoing.entry(group.to_string()).or_default(),
            };
            let o = match topics.get_mut(topic) {
                Some(o) => o,
                None => topics.entry(topic.to_string()).or_default(),
            };
            o.messages += count;
            o.bytes += bytes;
        }
        self.pulled
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((group.to_string(), topic.to_string()))
            .or_default()
            .insert(queue_id, next);
    }

    /// A message of `topic` consumed by `group` went to the group's dead-letter queue.
    pub(crate) fn sent_to_dlq(&self, topic: &str, group: &str) {
        *self
            .dlq
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((topic.to_string(), group.to_string()))
            .or_default() += 1;
    }

    /// Every thread's counts added up: incoming by (topic, type slot), outgoing by (topic,
    /// group).
    fn totals(&self) -> (Vec<InTotal>, BTreeMap<(String, String), Outgoing>) {
        let mut incoming: BTreeMap<(String, usize), (u64, u64, Option<Snapshot>)> = BTreeMap::new();
        let mut outgoing: BTreeMap<(String, String), Outgoing> = BTreeMap::new();
        self.counts.each(|c| {
            for (topic, series) in &c.incoming {
                for (slot, s) in series.iter().enumerate().filter(|(_, s)| s.messages > 0) {
                    let acc = incoming.entry((topic.clone(), slot)).or_default();
                    acc.0 += s.messages;
                    acc.1 += s.bytes;
                    s.size.add_to(&mut acc.2);
                }
            }
            for (group, topics) in &c.outgoing {
                for (topic, o) in topics {
                    let acc = outgoing.entry((topic.clone(), group.clone())).or_default();
                    acc.messages += o.messages;
                    acc.bytes += o.bytes;
                }
            }
        });
        let incoming = incoming
            .into_iter()
            .filter_map(|((topic, slot), (messages, bytes, size))| {
                size.map(|size| InTotal {
                    topic,
                    slot,
                    messages,
                    bytes,
                    size,
                })
            })
            .collect();
        (incoming, outgoing)
    }
}

/// `TopicValidator.isSystemTopic` or a `CID_RMQ_SYS_` group.
fn is_system(state: &BrokerState, topic: &str, group: &str) -> bool {
    topic.starts_with("rmq_sys_")
        || super::topics::system_topics(&state.config)
            .iter()
            .any(|t| t == topic)
        || group.to_ascii_lowercase().starts_with("cid_rmq_sys_")
}

fn flag(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

/// The scrape: every family, the node's labels first on each series.
pub(crate) fn render(state: &BrokerState, m: &BrokerMetrics) -> String {
    let c = &state.config;
    let mut t = Text::new(&[
        ("cluster", &c.broker_cluster_name),
        ("node_type", "broker"),
        ("node_id", &c.broker_name),
    ]);
    write_traffic(state, m, &mut t);
    write_lag(state, m, &mut t);
    write_broker(state, &mut t);
    m.rpc.write(&mut t);
    write_process(&mut t);
    t.finish()
}

fn write_traffic(state: &BrokerState, m: &BrokerMetrics, t: &mut Text) {
    let (incoming, outgoing) = m.totals();
    let in_labels = |topic: &str, slot: usize| {
        [
            ("topic", topic.to_string()),
            ("message_type", MessageType::ALL[slot].label().to_string()),
            ("is_system", flag(is_system(state, topic, "")).to_string()),
        ]
    };
    for (name, help, bytes) in [
        (
            "rocketmq_messages_in_total",
            "Total number of incoming messages",
            false,
        ),
        (
            "rocketmq_throughput_in_total",
            "Total traffic of incoming messages",
            true,
        ),
    ] {
        t.family(name, Kind::Counter, help);
        for i in &incoming {
            let labels = in_labels(&i.topic, i.slot);
            let labels: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
            t.sample(name, &labels, if bytes { i.bytes } else { i.messages });
        }
    }
    t.family(
        "rocketmq_message_size",
        Kind::Histogram,
        "Incoming messages size",
    );
    for i in &incoming {
        let labels = in_labels(&i.topic, i.slot);
        let labels: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (*k, v.as_str())).collect();
        t.histogram("rocketmq_message_size", &labels, &i.size);
    }
    for (name, help, bytes) in [
        (
            "rocketmq_messages_out_total",
            "Total number of outgoing messages",
            false,
        ),
        (
            "rocketmq_throughput_out_total",
            "Total traffic of outgoing messages",
            true,
        ),
    ] {
        t.family(name, Kind::Counter, help);
        for ((topic, group), o) in &outgoing {
            let labels = [
                ("topic", topic.as_str()),
                ("consumer_group", group.as_str()),
                ("is_retry", flag(is_retry_topic(topic))),
                ("is_system", flag(is_system(state, topic, group))),
            ];
            t.sample(name, &labels, if bytes { o.bytes } else { o.messages });
        }
    }

    t.family(
        "rocketmq_send_to_dlq_messages_total",
        Kind::Counter,
        "Consumer send to DLQ messages",
    );
    for ((topic, group), n) in m.dlq.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        let labels = [
            ("topic", topic.as_str()),
            ("consumer_group", group.as_str()),
            ("is_system", flag(is_system(state, topic, group))),
        ];
        t.sample("rocketmq_send_to_dlq_messages_total", &labels, n);
    }
}

/// One group's position on one topic, summed over its queues (`ConsumerLagCalculator`).
#[derive(Default)]
struct Lag {
    /// Stored but not committed.
    lag: i64,
    /// Pulled but not committed.
    inflight: i64,
    /// Stored but not pulled.
    ready: i64,
    /// Store time of the oldest message not committed / not pulled (0: none).
    oldest_unconsumed: i64,
    oldest_unpulled: i64,
}

fn write_lag(state: &BrokerState, m: &BrokerMetrics, t: &mut Text) {
    let snapshot = state.offsets.snapshot();
    let pulled_all = m.pulled.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let store_time = |topic: &str, queue: i32, offset: i64| {
        state
            .store
            .queue_message(topic, queue, offset)
            .map_or(0, |msg| msg.store_timestamp)
    };
    let oldest = |current: i64, candidate: i64| match (current, candidate) {
        (0, c) | (c, 0) => c,
        (a, b) => a.min(b),
    };
    let mut rows: Vec<(String, String, Lag)> = Vec::new();
    for (key, queues) in &snapshot.offset_table {
        let Some((topic, group)) = key.split_once('@') else {
            continue;
        };
        let pulled = pulled_all
            .get(&(group.to_string(), topic.to_string()))
            .cloned()
            .unwrap_or_default();
        let mut lag = Lag::default();
        for (queue, committed) in queues {
            let max = state.store.max_offset(topic, *queue);
            let committed = (*committed).min(max);
            let pulled_to = pulled
                .get(queue)
                .copied()
                .unwrap_or(committed)
                .clamp(committed, max);
            lag.lag += max - committed;
            lag.inflight += pulled_to - committed;
            lag.ready += max - pulled_to;
            if committed < max {
                lag.oldest_unconsumed =
                    oldest(lag.oldest_unconsumed, store_time(topic, *queue, committed));
            }
            if pulled_to < max {
                lag.oldest_unpulled =
                    oldest(lag.oldest_unpulled, store_time(topic, *queue, pulled_to));
            }
        }
        rows.push((topic.to_string(), group.to_string(), lag));
    }
    rows.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let now = now_millis();
    let since = |at: i64| if at > 0 { (now - at).max(0) } else { 0 };
    let families: [LagFamily; 5] = [
        (
            "rocketmq_consumer_lag_messages",
            "Consumer lag messages",
            &|l| l.lag,
        ),
        (
            "rocketmq_consumer_lag_latency",
            "Consumer lag time (milliseconds)",
            &|l| since(l.oldest_unconsumed),
        ),
        (
            "rocketmq_consumer_inflight_messages",
            "Consumer inflight messages",
            &|l| l.inflight,
        ),
        (
            "rocketmq_consumer_queueing_latency",
            "Consumer queueing time (milliseconds)",
            &|l| since(l.oldest_unpulled),
        ),
        (
            "rocketmq_consumer_ready_messages",
            "Consumer ready messages",
            &|l| l.ready,
        ),
    ];
    for (name, help, value) in families {
        t.family(name, Kind::Gauge, help);
        for (topic, group, lag) in &rows {
            let labels = [
                ("topic", topic.as_str()),
                ("consumer_group", group.as_str()),
                ("is_retry", flag(is_retry_topic(topic))),
                ("is_system", flag(is_system(state, topic, group))),
            ];
            t.sample(name, &labels, value(lag));
        }
    }
}

fn write_broker(state: &BrokerState, t: &mut Text) {
    let store = &state.store;
    t.single(
        "rocketmq_broker_permission",
        Kind::Gauge,
        "Broker permission",
        state.live.broker_permission(),
    );
    t.single(
        "rocketmq_topic_number",
        Kind::Gauge,
        "Active topic number",
        state.topics.wrapper().topic_config_table.len(),
    );
    t.single(
        "rocketmq_consumer_group_number",
        Kind::Gauge,
        "Active subscription group number",
        state.groups.wrapper().subscription_group_table.len(),
    );
    if let Some((total, free)) = store.disk_space() {
        t.single(
            "rocketmq_storage_size",
            Kind::Gauge,
            "Broker storage size",
            total.saturating_sub(free),
        );
    }
    t.single(
        "rocketmq_storage_flush_behind_bytes",
        Kind::Gauge,
        "Broker flush behind bytes",
        store.flush_behind_bytes(),
    );
    t.single(
        "rocketmq_storage_dispatch_behind_bytes",
        Kind::Gauge,
        "Broker dispatch behind bytes",
        store.dispatch_behind_bytes(),
    );
    let earliest = store.earliest_message_time();
    t.single(
        "rocketmq_storage_message_reserve_time",
        Kind::Gauge,
        "Broker message reserve time (milliseconds)",
        if earliest > 0 {
            (now_millis() - earliest).max(0)
        } else {
            0
        },
    );
    let queues = &state.stats.queues;
    t.family(
        "rocketmq_processor_watermark",
        Kind::Gauge,
        "Request processor watermark",
    );
    for (name, q) in [
        ("send", &queues.send),
        ("pull", &queues.pull),
        ("query_message", &queues.query),
        ("end_transaction", &queues.end_transaction),
    ] {
        t.sample(
            "rocketmq_processor_watermark",
            &[("processor", name)],
            q.len(),
        );
    }
}
