//! Delayed delivery end to end: level delays through `SCHEDULE_TOPIC_XXXX`, arbitrary delays
//! through the timer, and pending delays across a broker restart (a short delay table keeps the
//! suite fast; the default table is Apache's and is checked in the broker's unit tests).

use std::collections::HashMap;
use std::time::Duration;

use broker_server::broker::DelayLevels;
use rocketmq_client::consumer::LitePullConsumer;
use rocketmq_client::protocol::message::{MessageExt, property};
use rocketmq_client::protocol::now_millis;
use rocketmq_client::{Message, Producer};
use rocketmq_integration_tests::TestCluster;

fn short_levels(c: &mut broker_server::broker::BrokerConfig) {
    c.message_delay_level = DelayLevels(vec![1000, 2000, 3000]);
}

async fn producer(cluster: &TestCluster, group: &str) -> Producer {
    Producer::builder(group)
        .namesrv_addr(cluster.namesrv_addr())
        .start()
        .await
        .unwrap()
}

/// Polls until `n` messages arrived (or 15 s passed), noting when each was first seen.
async fn collect(reader: &LitePullConsumer, n: usize) -> Vec<(MessageExt, i64)> {
    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while seen.len() < n && std::time::Instant::now() < deadline {
        for m in reader.poll(Duration::from_millis(100)).await.unwrap() {
            seen.push((m, now_millis()));
        }
    }
    seen
}

fn body(m: &MessageExt) -> String {
    String::from_utf8_lossy(&m.message.body).to_string()
}

#[tokio::test]
async fn a_level_delay_waits_its_level_and_keeps_apaches_properties() {
    let cluster = TestCluster::start(short_levels).await;
    let p = producer(&cluster, "delay-p").await;
    p.send(Message::new("DelayTopic", "now")).await.unwrap();
    let reader = cluster.reader("delay-reader", "DelayTopic").await;
    assert_eq!(body(&collect(&reader, 1).await[0].0), "now");

    let sent_at = now_millis();
    let r = p
        .send(Message::new("DelayTopic", "later").with_delay_level(2))
        .await
        .unwrap();
    let got = collect(&reader, 1).await;
    assert_eq!(got.len(), 1, "the delayed message arrives");
    let (m, seen_at) = &got[0];
    assert_eq!(body(m), "later");
    let waited = seen_at - sent_at;
    assert!(
        (1900..4000).contains(&waited),
        "level 2 is 2 s here; waited {waited} ms"
    );
    assert_eq!(m.message.property(property::REAL_TOPIC), Some("DelayTopic"));
    assert_eq!(m.message.property(property::DELAY_TIME_LEVEL), Some("2"));
    assert_eq!(m.msg_id(), r.msg_id, "the unique id survives the wait");
    assert_eq!(
        m.queue_id, r.message_queue.queue_id,
        "the real queue is kept"
    );
    cluster.stop().await;
}

#[tokio::test]
async fn timer_messages_arrive_within_a_second_of_their_time() {
    let cluster = TestCluster::start(short_levels).await;
    let p = producer(&cluster, "timer-p").await;
    p.send(Message::new("TimerTopic", "now")).await.unwrap();
    let reader = cluster.reader("timer-reader", "TimerTopic").await;
    collect(&reader, 1).await;

    let start = now_millis();
    let at = start + 2500;
    p.send(Message::new("TimerTopic", "in-1500ms").with_delay(Duration::from_millis(1500)))
        .await
        .unwrap();
    p.send(Message::new("TimerTopic", "at-2500ms").with_deliver_time(at))
        .await
        .unwrap();
    let mut got = collect(&reader, 2).await;
    got.sort_by_key(|(_, t)| *t);
    let order: Vec<String> = got.iter().map(|(m, _)| body(m)).collect();
    assert_eq!(
        order,
        ["in-1500ms", "at-2500ms"],
        "due order, not send order"
    );
    for ((_, seen), due) in got.iter().zip([start + 1500, at]) {
        assert!(
            *seen >= due - 50 && *seen <= due + 1000,
            "seen {} ms from due",
            seen - due
        );
    }

    let too_far = p
        .send(Message::new("TimerTopic", "x").with_delay(Duration::from_secs(4 * 24 * 3600)))
        .await;
    assert!(too_far.is_err(), "beyond timerMaxDelaySec is refused");
    cluster.stop().await;
}

#[tokio::test]
async fn pending_delays_survive_a_restart_and_arrive_once() {
    let cluster = TestCluster::start(short_levels).await;
    let p = producer(&cluster, "restart-delay-p").await;
    p.send(Message::new("RestartDelay", "seed")).await.unwrap();
    for i in 0..10 {
        for (kind, msg) in [
            (
                "level1",
                Message::new("RestartDelay", format!("level1-{i}")).with_delay_level(1),
            ),
            (
                "level3",
                Message::new("RestartDelay", format!("level3-{i}")).with_delay_level(3),
            ),
            (
                "timer1",
                Message::new("RestartDelay", format!("timer1-{i}"))
                    .with_delay(Duration::from_millis(1000)),
            ),
            (
                "timer3",
                Message::new("RestartDelay", format!("timer3-{i}"))
                    .with_delay(Duration::from_millis(3000)),
            ),
        ] {
            p.send(msg).await.unwrap_or_else(|e| panic!("{kind}: {e}"));
        }
    }
    p.shutdown().await;
    // The 1 s ones are delivered before the restart, the 3 s ones after it.
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let cluster = cluster.restart_broker(short_levels).await;
    let reader = cluster.reader("restart-delay-reader", "RestartDelay").await;
    let got = collect(&reader, 41).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let extra = reader.poll(Duration::from_millis(500)).await.unwrap();
    let mut counts: HashMap<String, usize> = HashMap::new();
    for m in got.iter().map(|(m, _)| m).chain(extra.iter()) {
        *counts.entry(body(m)).or_default() += 1;
    }
    assert_eq!(counts.len(), 41, "every message arrives: {counts:?}");
    assert!(
        counts.values().all(|&c| c == 1),
        "and only once: {counts:?}"
    );
    cluster.stop().await;
}
