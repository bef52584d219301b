//! Failed consumption end to end: retries through `%RETRY%{group}` with growing delays, the
//! dead-letter queue, listener-chosen levels, consume timeouts and broadcasting's drop.
//! A short delay table keeps it fast: levels 3, 4, 5 wait 1 s, 2 s, 3 s.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use broker_server::broker::{BrokerConfig, DelayLevels};
use rocketmq_client::consumer::{ConsumeFromWhere, ConsumeResult, MessageModel, PushConsumer};
use rocketmq_client::protocol::message::{MessageExt, property};
use rocketmq_client::protocol::now_millis;
use rocketmq_client::{Message, Producer};
use rocketmq_integration_tests::TestCluster;

fn short_levels(c: &mut BrokerConfig) {
    c.message_delay_level = DelayLevels(vec![1000, 1000, 1000, 2000, 3000, 1000]);
}

type Seen = Arc<Mutex<Vec<(MessageExt, i64)>>>;

async fn consumer(
    cluster: &TestCluster,
    group: &str,
    topic: &str,
    tweak: impl FnOnce(
        rocketmq_client::consumer::PushConsumerBuilder,
    ) -> rocketmq_client::consumer::PushConsumerBuilder,
    result: impl Fn(&MessageExt) -> ConsumeResult + Send + Sync + 'static,
) -> (PushConsumer, Seen) {
    let seen: Seen = Arc::default();
    let (sink, result) = (seen.clone(), Arc::new(result));
    let builder = PushConsumer::builder(group)
        .namesrv_addr(cluster.namesrv_addr())
        .subscribe(topic, "*")
        .consume_from_where(ConsumeFromWhere::FirstOffset)
        .rebalance_interval(Duration::from_millis(500));
    let c = tweak(builder)
        .start(move |msgs| {
            let (sink, result) = (sink.clone(), result.clone());
            async move {
                let mut out = ConsumeResult::Success;
                for m in msgs {
                    out = result(&m);
                    sink.lock().unwrap().push((m, now_millis()));
                }
                out
            }
        })
        .await
        .unwrap();
    (c, seen)
}

async fn wait_until(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn producer(cluster: &TestCluster) -> Producer {
    Producer::builder("retry-p")
        .namesrv_addr(cluster.namesrv_addr())
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_always_failing_message_is_retried_with_growing_delays_then_dead_lettered() {
    let cluster = TestCluster::start(short_levels).await;
    let p = producer(&cluster).await;
    let sent = p
        .send(Message::new("RetryTopic", "poison").with_keys("k1"))
        .await
        .unwrap();
    let (c, seen) = consumer(
        &cluster,
        "retry-g",
        "RetryTopic",
        |b| b.max_reconsume_times(3),
        |_| ConsumeResult::ReconsumeLater,
    )
    .await;
    wait_until("four deliveries", 30, || seen.lock().unwrap().len() >= 4).await;
    let dlq = cluster.reader("retry-dlq-reader", "%DLQ%retry-g").await;
    let mut dead = Vec::new();
    wait_until_async(&mut dead, &dlq).await;
    c.shutdown().await;

    let deliveries = seen.lock().unwrap().clone();
    assert_eq!(deliveries.len(), 4, "the original and three retries");
    for (i, (m, _)) in deliveries.iter().enumerate() {
        assert_eq!(m.reconsume_times, i as i32, "attempt {i}");
        assert_eq!(
            m.message.topic, "RetryTopic",
            "retries show the original topic"
        );
        assert_eq!(m.msg_id(), sent.msg_id, "one message id throughout");
        assert_eq!(m.message.keys(), Some("k1"));
    }
    let gaps: Vec<i64> = deliveries.windows(2).map(|w| w[1].1 - w[0].1).collect();
    assert!(
        gaps[0] >= 900 && gaps[1] >= 1900 && gaps[2] >= 2900,
        "levels 3, 4, 5 wait 1 s, 2 s, 3 s: {gaps:?}"
    );
    assert_eq!(dead.len(), 1, "the message ends in the DLQ");
    let d = &dead[0];
    assert_eq!(d.reconsume_times, 4, "the DLQ record counts every attempt");
    assert_eq!(
        d.message.property(property::RETRY_TOPIC),
        Some("RetryTopic")
    );
    assert_eq!(d.msg_id(), sent.msg_id);
    assert!(d.message.property(property::ORIGIN_MESSAGE_ID).is_some());
    cluster.stop().await;
}

async fn wait_until_async(
    out: &mut Vec<MessageExt>,
    reader: &rocketmq_client::consumer::LitePullConsumer,
) {
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while out.is_empty() && std::time::Instant::now() < deadline {
        out.extend(reader.poll(Duration::from_millis(200)).await.unwrap());
    }
}

#[tokio::test]
async fn the_listener_picks_the_level_or_sends_straight_to_the_dlq() {
    let cluster = TestCluster::start(short_levels).await;
    let p = producer(&cluster).await;
    p.send(Message::new("LevelTopic", "to-dlq")).await.unwrap();
    p.send(Message::new("LevelTopic", "level-1")).await.unwrap();
    let (c, seen) = consumer(
        &cluster,
        "level-g",
        "LevelTopic",
        |b| b,
        |m| match (&m.message.body[..], m.reconsume_times) {
            (b"to-dlq", _) => ConsumeResult::ReconsumeLaterAtLevel(-1),
            (_, 0) => ConsumeResult::ReconsumeLaterAtLevel(1),
            _ => ConsumeResult::Success,
        },
    )
    .await;
    wait_until("the level-1 retry", 15, || seen.lock().unwrap().len() >= 3).await;
    let dlq = cluster.reader("level-dlq-reader", "%DLQ%level-g").await;
    let mut dead = Vec::new();
    wait_until_async(&mut dead, &dlq).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    c.shutdown().await;
    let seen = seen.lock().unwrap().clone();
    let bodies: Vec<(String, i32)> = seen
        .iter()
        .map(|(m, _)| {
            (
                String::from_utf8_lossy(&m.message.body).to_string(),
                m.reconsume_times,
            )
        })
        .collect();
    assert_eq!(
        bodies.iter().filter(|(b, _)| b == "to-dlq").count(),
        1,
        "{bodies:?}"
    );
    assert!(bodies.contains(&("level-1".into(), 1)), "{bodies:?}");
    assert_eq!(dead.len(), 1);
    assert_eq!(&dead[0].message.body[..], b"to-dlq");
    cluster.stop().await;
}

#[tokio::test]
async fn a_message_stuck_past_the_consume_timeout_is_redelivered() {
    let cluster = TestCluster::start(short_levels).await;
    let p = producer(&cluster).await;
    p.send(Message::new("StuckTopic", "slow")).await.unwrap();
    let seen: Arc<Mutex<Vec<i32>>> = Arc::default();
    let sink = seen.clone();
    let c = PushConsumer::builder("stuck-g")
        .namesrv_addr(cluster.namesrv_addr())
        .subscribe("StuckTopic", "*")
        .consume_from_where(ConsumeFromWhere::FirstOffset)
        .consume_timeout(Duration::from_millis(800))
        .start(move |msgs| {
            let sink = sink.clone();
            async move {
                let first = msgs[0].reconsume_times == 0;
                sink.lock().unwrap().push(msgs[0].reconsume_times);
                if first {
                    tokio::time::sleep(Duration::from_secs(20)).await;
                }
                ConsumeResult::Success
            }
        })
        .await
        .unwrap();
    wait_until("the redelivery", 15, || seen.lock().unwrap().len() >= 2).await;
    assert_eq!(seen.lock().unwrap()[1], 1, "redelivered as a retry");
    c.shutdown_with(Duration::from_millis(100)).await;
    cluster.stop().await;
}

#[tokio::test]
async fn broadcasting_drops_failures() {
    let cluster = TestCluster::start(short_levels).await;
    let p = producer(&cluster).await;
    p.send(Message::new("BcastFail", "once")).await.unwrap();
    let (c, seen) = consumer(
        &cluster,
        "bcast-fail-g",
        "BcastFail",
        // A fresh instance name: broadcasting offsets live in a local file across runs.
        |b| {
            b.message_model(MessageModel::Broadcasting)
                .instance_name(format!("bcast-fail-{}", now_millis()))
        },
        |_| ConsumeResult::ReconsumeLater,
    )
    .await;
    wait_until("the delivery", 15, || !seen.lock().unwrap().is_empty()).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(seen.lock().unwrap().len(), 1, "no retry in broadcasting");
    c.shutdown().await;
    cluster.stop().await;
}
