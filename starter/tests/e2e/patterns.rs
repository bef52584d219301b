//! Orderly and SQL92 listeners, named templates, and `receive` through the pull consumer.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rocketmq_starter::{ConsumeResult, Received, RocketMessage, rocketmq_listener};

use crate::common::{Inbox, app, logs};

const YAML: &str = "
rocketmq:
  embedded:
    broker:
      enablePropertyFilter: true
  producer:
    group: pat-producer
  templates:
    audit:
      group: pat-audit-producer
      send-message-timeout: 1500
  pull-consumer:
    group: pat-pull
    topic: pat-pulled
  consumer:
    consume-from-where: first_offset
";

static ORDERED: Inbox<(i32, String)> = Inbox::new();
static FAILED_ONCE: AtomicBool = AtomicBool::new(false);

#[rocketmq_listener(
    topic = "pat-ordered",
    group = "pat-ordered-g",
    consume_mode = "orderly",
    suspend_current_queue_time_millis = 100
)]
async fn ordered(msg: Received<String>) -> ConsumeResult {
    ORDERED.push((msg.queue().0, msg.payload.clone()));
    if msg.payload == "step-3" && !FAILED_ONCE.swap(true, Ordering::SeqCst) {
        return ConsumeResult::ReconsumeLater;
    }
    ConsumeResult::Success
}

static FILTERED: Inbox<String> = Inbox::new();

#[rocketmq_listener(
    topic = "pat-sql",
    group = "pat-sql-g",
    selector_type = "sql92",
    selector = "a BETWEEN 2 AND 3"
)]
async fn by_sql(msg: String) {
    FILTERED.push(msg);
}

static AUDITED: Inbox<String> = Inbox::new();

#[rocketmq_listener(topic = "pat-audit", group = "pat-audit-g")]
async fn audited(msg: String) {
    AUDITED.push(msg);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orderly_sql92_named_templates_and_receive() {
    logs();
    let app = app("patterns", YAML).start().await.expect("app starts");
    let t = app.template();

    // Orderly: one key, one queue, in order; a failure retries in place.
    for i in 0..8 {
        t.sync_send_orderly("pat-ordered", format!("step-{i}"), "order-9")
            .await
            .unwrap();
    }
    let seen = ORDERED
        .wait_until(30, "eight steps", |s| s.len() >= 9)
        .await;
    let bodies: Vec<&str> = seen.iter().map(|(_, b)| b.as_str()).collect();
    assert_eq!(
        bodies,
        [
            "step-0", "step-1", "step-2", "step-3", "step-3", "step-4", "step-5", "step-6",
            "step-7"
        ],
        "queue order, with the failed step retried in place"
    );
    assert!(seen.iter().all(|(q, _)| *q == seen[0].0), "one queue");

    // SQL92 over user properties.
    for a in 1..=4 {
        t.sync_send(
            "pat-sql",
            RocketMessage::new(format!("a={a}")).property("a", a),
        )
        .await
        .unwrap();
    }
    FILTERED
        .wait_until(30, "a=2 and a=3", |f| f.len() >= 2)
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut got = FILTERED.items();
    got.sort();
    assert_eq!(got, ["a=2", "a=3"]);

    // A second template with its own group and timeout.
    let audit = app.template_named("audit").expect("the audit template");
    assert_eq!(
        audit.properties().group.as_deref(),
        Some("pat-audit-producer")
    );
    assert_eq!(audit.timeout(), Duration::from_millis(1500));
    assert!(app.template_named("nope").is_none());
    audit.sync_send("pat-audit", "audited").await.unwrap();
    AUDITED
        .wait_until(30, "the audit message", |a| a == ["audited"])
        .await;

    // receive(): the pull consumer of rocketmq.pull-consumer.*.
    for i in 0..3 {
        t.sync_send("pat-pulled", format!("pulled-{i}"))
            .await
            .unwrap();
    }
    let mut pulled: Vec<String> = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while pulled.len() < 3 && tokio::time::Instant::now() < deadline {
        pulled.extend(
            t.receive_within::<String>(Duration::from_millis(500))
                .await
                .unwrap(),
        );
    }
    pulled.sort();
    assert_eq!(pulled, ["pulled-0", "pulled-1", "pulled-2"]);
    assert!(
        audit.receive::<String>().await.is_err(),
        "only the default template has the pull consumer"
    );
    app.shutdown().await;
}
