//! A listener's `Err` brings the message back, up to `max_reconsume_times`, then to the
//! group's dead-letter queue; an undecodable message goes to the dead-letter queue at once.

use std::time::Duration;

use rocketmq_client::consumer::LitePullConsumer;
use rocketmq_client::protocol::body::ConsumeFromWhere;
use rocketmq_starter::{Received, RocketApplication, rocketmq_listener};
use serde::Deserialize;

use crate::common::{Inbox, app, logs};

const YAML: &str = "
rocketmq:
  embedded:
    broker:
      messageDelayLevel: 1s 1s 1s
  producer:
    group: retry-producer
  consumer:
    consume-from-where: first_offset
";

static ATTEMPTS: Inbox<(String, i32)> = Inbox::new();

#[rocketmq_listener(
    topic = "retry-orders",
    group = "retry-fails",
    max_reconsume_times = 2,
    delay_level_when_next_consume = "${test.retry-level:1}"
)]
async fn always_fails(msg: Received<String>) -> anyhow::Result<()> {
    ATTEMPTS.push((msg.payload.clone(), msg.reconsume_times()));
    if msg.payload == "ok" {
        return Ok(());
    }
    anyhow::bail!("the database is down")
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Strict {
    id: u64,
}

static DECODED: Inbox<u64> = Inbox::new();

#[rocketmq_listener(topic = "retry-strict", group = "retry-strict-g")]
async fn strict(order: Strict) {
    DECODED.push(order.id);
}

/// Everything in `topic` from the start, read with a pull consumer.
async fn read_all(
    app: &RocketApplication,
    topic: &str,
    want: usize,
) -> Vec<rocketmq_client::MessageExt> {
    let consumer = LitePullConsumer::builder(format!("reader-{}", topic.replace('%', "")))
        .namesrv_addr(app.name_server().unwrap())
        .consume_from_where(ConsumeFromWhere::FirstOffset)
        .start()
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut got = Vec::new();
    let mut assigned = false;
    while got.len() < want && tokio::time::Instant::now() < deadline {
        if !assigned {
            match consumer.fetch_queues(topic).await {
                Ok(queues) if !queues.is_empty() => {
                    consumer.assign(queues).await.unwrap();
                    assigned = true;
                }
                _ => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
            }
        }
        got.extend(
            consumer
                .poll(Duration::from_millis(500))
                .await
                .unwrap_or_default(),
        );
    }
    consumer.shutdown().await;
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_retried_then_dead_lettered() {
    logs();
    let app = app("retry", YAML).start().await.expect("app starts");
    let t = app.template();
    t.sync_send("retry-orders", "ok").await.unwrap();
    t.sync_send("retry-orders", "doomed").await.unwrap();

    let attempts = ATTEMPTS
        .wait_until(60, "three attempts", |a| {
            a.iter().filter(|(b, _)| b == "doomed").count() >= 3
        })
        .await;
    let doomed: Vec<i32> = attempts
        .iter()
        .filter(|(b, _)| b == "doomed")
        .map(|(_, n)| *n)
        .collect();
    assert_eq!(doomed, vec![0, 1, 2], "first delivery, then two retries");
    let dead = read_all(&app, "%DLQ%retry-fails", 1).await;
    assert_eq!(dead.len(), 1);
    assert_eq!(&dead[0].message.body[..], b"doomed");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        ATTEMPTS
            .items()
            .iter()
            .filter(|(b, _)| b == "doomed")
            .count(),
        3,
        "no attempt after the DLQ"
    );
    assert_eq!(
        ATTEMPTS.items().iter().filter(|(b, _)| b == "ok").count(),
        1,
        "a success is not retried"
    );

    // Bad JSON cannot be fixed by retrying: straight to the DLQ, the good one is consumed.
    t.sync_send("retry-strict", "{not json").await.unwrap();
    t.sync_send("retry-strict", r#"{"id": 9}"#).await.unwrap();
    DECODED.wait_until(30, "the good order", |d| d == [9]).await;
    let dead = read_all(&app, "%DLQ%retry-strict-g", 1).await;
    assert_eq!(&dead[0].message.body[..], b"{not json");
    assert_eq!(
        dead[0].reconsume_times, 1,
        "one attempt, no retry, before the DLQ"
    );
    app.shutdown().await;
}
