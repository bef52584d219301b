//! `/metrics` on the broker and the name server (`metricsExporterType=PROM`): the text parses
//! with a third-party Prometheus parser, and after 1,000 sends and 600 consumes the in/out
//! counters, the lag gauges, the size and latency histograms say exactly that, under Apache
//! 5.x's names and labels.

use std::collections::HashMap;

use broker_server::metrics::ExporterType;
use broker_server::namesrv::{self, NamesrvConfig};
use prometheus_parse::{Sample, Scrape, Value};
use rocketmq_client::protocol::ResponseCode;
use rocketmq_integration_tests::{TestCluster, http, wire};

const TOPIC: &str = "MetricsTopic";
const GROUP: &str = "test-reader";

/// Scrapes and parses; also checks what the parser is lenient about: every sample's family
/// has a TYPE, buckets never decrease and `+Inf` equals `_count`.
fn scrape(addr: &str) -> Scrape {
    let resp = http::get(addr, "/metrics").expect("scrape");
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert!(
        resp.header("content-type")
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let mut typed = std::collections::HashSet::new();
    for line in resp.body.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            typed.insert(rest.split(' ').next().unwrap().to_string());
        } else if !line.starts_with('#') {
            let name = line.split(['{', ' ']).next().unwrap();
            let family = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| name.strip_suffix(s).filter(|f| typed.contains(*f)))
                .unwrap_or(name);
            assert!(typed.contains(family), "no TYPE for {line}");
        }
    }
    let scrape = Scrape::parse(resp.body.lines().map(|l| Ok(l.to_string()))).expect("parses");
    for s in &scrape.samples {
        if let Value::Histogram(buckets) = &s.value {
            assert!(
                buckets.windows(2).all(|w| w[0].count <= w[1].count),
                "{s:?}"
            );
        }
    }
    scrape
}

fn labelled<'a>(scrape: &'a Scrape, name: &str, labels: &[(&str, &str)]) -> Vec<&'a Sample> {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .collect()
}

/// The value of the one sample `name{labels}`.
fn value(scrape: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    let found = labelled(scrape, name, labels);
    assert_eq!(found.len(), 1, "{name}{labels:?}: {found:?}");
    match &found[0].value {
        Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
        Value::Histogram(h) => h.last().map_or(0.0, |b| b.count),
        other => panic!("{other:?}"),
    }
}

// Multi-threaded: the scrapes are blocking HTTP calls while the servers run on this runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_and_lag_say_what_happened() {
    let cluster = TestCluster::start(|c| {
        c.metrics_exporter_type = ExporterType::Prom;
        c.metrics_prom_exporter_host = "127.0.0.1".into();
        c.metrics_prom_exporter_port = 0;
    })
    .await;
    let metrics = cluster
        .broker
        .metrics_addr()
        .expect("metrics served")
        .to_string();
    let (c, b) = (&cluster.client, cluster.broker_addr());

    // 600 sent and consumed (pulled, the offset committed), then 400 more sent.
    for i in 0..600 {
        wire::send(c, &b, &wire::message(TOPIC, format!("m{i}"), "A"), 0).await;
    }
    wire::wait_dispatched(c, &b, TOPIC, 0, 600).await;
    let pulled = wire::pull_all(c, &b, TOPIC, 0).await;
    assert_eq!(pulled.len(), 600);
    wire::commit_offset(c, &b, GROUP, TOPIC, 0, 600).await;
    for i in 600..1000 {
        wire::send(c, &b, &wire::message(TOPIC, format!("m{i}"), "A"), 0).await;
    }
    wire::wait_dispatched(c, &b, TOPIC, 0, 1000).await;
    // A pull the broker holds (nothing new on queue 1) and one message to the dead letters.
    let held = wire::Pull::new(TOPIC, 1, 0).suspend(300).send(c, &b).await;
    assert_eq!(held.code, ResponseCode::PullNotFound);
    wire::send_to_dlq(c, &b, GROUP, TOPIC, pulled[0].commit_log_offset).await;
    // Dispatch is sequential: once the dead letter is in its queue, nothing is behind.
    wire::wait_dispatched(c, &b, &format!("%DLQ%{GROUP}"), 0, 1).await;

    let s = scrape(&metrics);
    let node = [
        ("cluster", "DefaultCluster"),
        ("node_type", "broker"),
        ("node_id", "broker-a"),
    ];
    let topic = [node.as_slice(), &[("topic", TOPIC)]].concat();
    let normal = [
        topic.as_slice(),
        &[("message_type", "normal"), ("is_system", "false")],
    ]
    .concat();
    assert_eq!(value(&s, "rocketmq_messages_in_total", &normal), 1000.0);
    let bytes_in = value(&s, "rocketmq_throughput_in_total", &normal);
    assert!(bytes_in > 1000.0 * 4.0, "{bytes_in}");
    assert_eq!(value(&s, "rocketmq_message_size", &normal), 1000.0);
    let group = [
        topic.as_slice(),
        &[("consumer_group", GROUP), ("is_retry", "false")],
    ]
    .concat();
    assert_eq!(value(&s, "rocketmq_messages_out_total", &group), 600.0);
    assert!(value(&s, "rocketmq_throughput_out_total", &group) > 600.0 * 4.0);
    assert_eq!(value(&s, "rocketmq_consumer_lag_messages", &group), 400.0);
    assert_eq!(
        value(&s, "rocketmq_consumer_inflight_messages", &group),
        0.0
    );
    assert_eq!(value(&s, "rocketmq_consumer_ready_messages", &group), 400.0);
    assert!(value(&s, "rocketmq_consumer_lag_latency", &group) >= 0.0);
    assert_eq!(
        value(
            &s,
            "rocketmq_send_to_dlq_messages_total",
            &[("topic", TOPIC), ("consumer_group", GROUP)]
        ),
        1.0
    );
    // Latency by Apache's code names; the held pull is labelled long polling.
    let sends = [
        ("request_code", "send_message_v2"),
        ("response_code", "success"),
        ("is_long_polling", "false"),
    ];
    assert_eq!(value(&s, "rocketmq_rpc_latency", &sends), 1000.0);
    let held = [
        ("request_code", "pull_message"),
        ("response_code", "pull_not_found"),
        ("is_long_polling", "true"),
    ];
    assert_eq!(value(&s, "rocketmq_rpc_latency", &held), 1.0);
    assert!(value(&s, "rocketmq_topic_number", &node) >= 1.0);
    assert!(value(&s, "rocketmq_consumer_group_number", &node) >= 0.0);
    assert_eq!(value(&s, "rocketmq_broker_permission", &node), 6.0);
    assert!(value(&s, "rocketmq_storage_size", &node) > 0.0);
    assert_eq!(
        value(&s, "rocketmq_storage_dispatch_behind_bytes", &node),
        0.0
    );
    assert!(value(&s, "rocketmq_storage_flush_behind_bytes", &node) >= 0.0);
    assert!(value(&s, "rocketmq_storage_message_reserve_time", &node) >= 0.0);
    assert!(value(&s, "process_resident_memory_bytes", &node) > 1e6);
    assert!(value(&s, "process_cpu_seconds_total", &node) > 0.0);

    // Other paths are refused plainly; the broker without the exporter serves nothing.
    assert_eq!(http::get(&metrics, "/").unwrap().status, 404);
    let plain = TestCluster::start(|_| {}).await;
    assert!(plain.broker.metrics_addr().is_none());
    plain.stop().await;
    cluster.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_name_server_exports_its_own_counters() {
    let config = NamesrvConfig {
        metrics_exporter_type: ExporterType::Prom,
        metrics_prom_exporter_host: "127.0.0.1".into(),
        metrics_prom_exporter_port: 0,
        ..Default::default()
    };
    let ns = namesrv::start("127.0.0.1:0".parse().unwrap(), config)
        .await
        .unwrap();
    let metrics = ns.metrics_addr().expect("metrics served").to_string();
    let dir = tempfile::tempdir().unwrap();
    let broker =
        rocketmq_integration_tests::start_broker(&ns.addr().to_string(), dir.path(), |_| {}).await;
    let client = rocketmq_client::remoting::RemotingClient::new();
    wire::wait_broker_ids(&client, &ns.addr().to_string(), "broker-a", &[0]).await;
    let s = scrape(&metrics);
    let node = [("node_type", "nameserver")];
    assert_eq!(value(&s, "rocketmq_broker_number", &node), 1.0);
    let registered: f64 = labelled(
        &s,
        "rocketmq_rpc_latency",
        &[("request_code", "register_broker")],
    )
    .iter()
    .map(|x| match &x.value {
        Value::Histogram(h) => h.last().unwrap().count,
        _ => 0.0,
    })
    .sum();
    assert!(registered >= 1.0);
    let names: HashMap<&str, ()> = s.samples.iter().map(|x| (x.metric.as_str(), ())).collect();
    assert!(names.contains_key("process_open_fds"), "{names:?}");
    broker.shutdown().await;
    ns.shutdown().await;
}
