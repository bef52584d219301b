//! Every template method and every payload type, end to end through listeners.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use rocketmq_client::producer::select_by_hash;
use rocketmq_client::protocol::java_hash_code;
use rocketmq_starter::{
    Json, LocalTransactionState, MessageExt, Received, RocketMessage, TemplateError,
    TransactionListener, rocketmq_listener, rocketmq_reply_listener,
};
use serde::{Deserialize, Serialize};

use crate::common::{Inbox, app, logs};

const YAML: &str = "
rocketmq:
  embedded:
    broker:
      messageDelayLevel: 1s 2s 3s
  producer:
    group: tpl-producer
  consumer:
    consume-from-where: first_offset
";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Order {
    id: u32,
    item: String,
}

/// (listener, body as text, tag, keys)
type Seen = (&'static str, String, Option<String>, Option<String>);
static SEEN: Inbox<Seen> = Inbox::new();

#[rocketmq_listener(topic = "tpl-text", group = "tpl-text-g")]
async fn text(msg: String) -> anyhow::Result<()> {
    SEEN.push(("text", msg, None, None));
    Ok(())
}

#[rocketmq_listener(topic = "tpl-bytes", group = "tpl-bytes-g")]
async fn raw_bytes(body: Vec<u8>) {
    SEEN.push(("bytes", format!("{body:?}"), None, None));
}

#[rocketmq_listener(topic = "tpl-shared-bytes", group = "tpl-shared-bytes-g")]
async fn shared_bytes(body: Bytes) {
    SEEN.push((
        "shared",
        String::from_utf8_lossy(&body).into_owned(),
        None,
        None,
    ));
}

#[rocketmq_listener(topic = "tpl-json", group = "tpl-json-g")]
async fn plain_json(order: Order) -> Result<(), std::io::Error> {
    SEEN.push(("order", format!("{}:{}", order.id, order.item), None, None));
    Ok(())
}

#[rocketmq_listener(
    topic = "tpl-wrapped",
    group = "tpl-wrapped-g",
    selector = "created || paid"
)]
async fn wrapped(order: Received<Json<Order>>) {
    SEEN.push((
        "received",
        format!("{}:{}", order.0.id, order.0.item),
        order.tags().map(str::to_string),
        order.keys().map(str::to_string),
    ));
}

#[rocketmq_listener(topic = "tpl-ext", group = "tpl-ext-g")]
async fn whole(msg: MessageExt) {
    SEEN.push((
        "ext",
        String::from_utf8_lossy(&msg.message.body).into_owned(),
        msg.message.property("region").map(str::to_string),
        Some(msg.queue_id.to_string()),
    ));
}

#[rocketmq_listener(
    topic = "tpl-broadcast",
    group = "tpl-broadcast-g",
    model = "broadcasting"
)]
async fn broadcast(msg: String) {
    SEEN.push(("broadcast", msg, None, None));
}

#[derive(Debug, Deserialize, Serialize)]
struct Quote {
    units: u32,
}

#[derive(Debug, Deserialize, Serialize, PartialEq)]
struct Price {
    cents: u32,
}

#[rocketmq_reply_listener(topic = "tpl-price", group = "tpl-price-g")]
async fn price(quote: Quote) -> anyhow::Result<Price> {
    anyhow::ensure!(quote.units > 0, "nothing to price");
    Ok(Price {
        cents: quote.units * 250,
    })
}

#[rocketmq_reply_listener(topic = "tpl-echo", group = "tpl-echo-g")]
async fn echo(text: String) -> String {
    text.to_uppercase()
}

fn seen_by(listener: &'static str) -> Vec<Seen> {
    SEEN.items()
        .into_iter()
        .filter(|s| s.0 == listener)
        .collect()
}

async fn wait_for(listener: &'static str, n: usize) -> Vec<Seen> {
    SEEN.wait_until(30, listener, |items| {
        items.iter().filter(|s| s.0 == listener).count() >= n
    })
    .await;
    seen_by(listener)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_send_form_and_payload_arrives() {
    logs();
    let app = app("template", YAML).start().await.expect("app starts");
    let t = app.template();

    // Bodies: &str, String, bytes (Vec and Bytes), JSON, a plain Deserialize type.
    t.sync_send("tpl-text", "我是一个简单的消息").await.unwrap();
    t.sync_send("tpl-text", String::from("owned"))
        .await
        .unwrap();
    t.sync_send("tpl-bytes", vec![0u8, 1, 255]).await.unwrap();
    t.sync_send("tpl-shared-bytes", Bytes::from_static(b"shared"))
        .await
        .unwrap();
    let order = Order {
        id: 1,
        item: "book".into(),
    };
    t.sync_send("tpl-json", Json(&order)).await.unwrap();

    // Headers as fields, tag from the destination, tag filter on the listener.
    t.sync_send(
        "tpl-wrapped:created",
        RocketMessage::new(Json(&order)).keys(["order-1"]),
    )
    .await
    .unwrap();
    t.sync_send(
        "tpl-wrapped",
        RocketMessage::new(Json(Order {
            id: 2,
            item: "pen".into(),
        }))
        .tag("shipped"),
    )
    .await
    .unwrap();
    t.sync_send(
        "tpl-ext",
        RocketMessage::new("with props").property("region", "eu"),
    )
    .await
    .unwrap();

    // Async, one-way, delayed (level, duration, deliver-at), timeouts.
    let pending = t.async_send("tpl-text", "async");
    t.send_one_way("tpl-text", "one-way").await.unwrap();
    let r = pending.await.unwrap();
    assert_eq!(r.message_queue.topic, "tpl-text");
    t.async_send(
        "tpl-text",
        RocketMessage::new("delayed-level").delay_level(1),
    )
    .await
    .unwrap();
    t.with_timeout(Duration::from_secs(5))
        .sync_send(
            "tpl-text",
            RocketMessage::new("delayed-duration").delay(Duration::from_secs(1)),
        )
        .await
        .unwrap();
    t.sync_send(
        "tpl-text",
        RocketMessage::new("delayed-at").deliver_at(SystemTime::now() + Duration::from_secs(1)),
    )
    .await
    .unwrap();

    // Orderly: the queue Java's SelectMessageQueueByHash picks, for every form.
    let key = "order-42";
    let expected = select_by_hash(java_hash_code(key), 4) as i32;
    let a = t.sync_send_orderly("tpl-ext", "o1", key).await.unwrap();
    let b = t.async_send_orderly("tpl-ext", "o2", key).await.unwrap();
    t.send_one_way_orderly("tpl-ext", "o3", key).await.unwrap();
    let c = t
        .sync_send_batch_orderly("tpl-ext", ["o4", "o5"], key)
        .await
        .unwrap();
    for r in [&a, &b, &c] {
        assert_eq!(
            r.message_queue.queue_id, expected,
            "hash key picks Java's queue"
        );
    }

    // Batches.
    let batch = t
        .sync_send_batch("tpl-text", (0..3).map(|i| format!("batch-{i}")))
        .await
        .unwrap();
    assert!(batch.msg_id.split(',').count() == 3, "{}", batch.msg_id);
    let empty: Vec<&str> = Vec::new();
    assert!(matches!(
        t.sync_send_batch("tpl-text", empty).await,
        Err(TemplateError::Payload(_))
    ));

    // Broadcasting listener.
    t.sync_send("tpl-broadcast", "to everyone").await.unwrap();

    let texts: Vec<String> = wait_for("text", 10)
        .await
        .into_iter()
        .map(|s| s.1)
        .collect();
    for body in [
        "我是一个简单的消息",
        "owned",
        "async",
        "one-way",
        "delayed-level",
        "delayed-duration",
        "delayed-at",
        "batch-0",
        "batch-2",
    ] {
        assert!(
            texts.contains(&body.to_string()),
            "{body} missing from {texts:?}"
        );
    }
    assert_eq!(wait_for("bytes", 1).await[0].1, "[0, 1, 255]");
    assert_eq!(wait_for("shared", 1).await[0].1, "shared");
    assert_eq!(wait_for("order", 1).await[0].1, "1:book");
    let received = wait_for("received", 1).await;
    assert_eq!(
        received[0],
        (
            "received",
            "1:book".to_string(),
            Some("created".to_string()),
            Some("order-1".to_string())
        )
    );
    let ext = wait_for("ext", 6).await;
    assert!(
        ext.iter()
            .any(|s| s.1 == "with props" && s.2.as_deref() == Some("eu"))
    );
    let ordered: Vec<&Seen> = ext.iter().filter(|s| s.1.starts_with('o')).collect();
    assert_eq!(ordered.len(), 5);
    assert!(
        ordered
            .iter()
            .all(|s| s.3.as_deref() == Some(&*expected.to_string()))
    );
    assert_eq!(wait_for("broadcast", 1).await[0].1, "to everyone");

    // The tag filter kept the shipped order out.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(seen_by("received").len(), 1);
    app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_and_receive_gets_typed_replies() {
    logs();
    let app = app("template", YAML)
        .listeners_where(|d| d.reply)
        .start()
        .await
        .expect("app starts");
    let t = app.template().with_timeout(Duration::from_secs(10));
    let Json(p): Json<Price> = t
        .send_and_receive("tpl-price", Json(Quote { units: 4 }))
        .await
        .unwrap();
    assert_eq!(p, Price { cents: 1000 });
    let shout: String = t.send_and_receive("tpl-echo", "hello").await.unwrap();
    assert_eq!(shout, "HELLO");
    let ordered: String = t
        .send_and_receive_orderly("tpl-echo", "in order", "k")
        .await
        .unwrap();
    assert_eq!(ordered, "IN ORDER");
    // An Err is not replied to: the requester times out.
    let err = app
        .template()
        .with_timeout(Duration::from_secs(1))
        .send_and_receive::<String>("tpl-price", Json(Quote { units: 0 }))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no reply"), "{err}");
    app.shutdown().await;
}

struct Orders;

#[rocketmq_starter::async_trait]
impl TransactionListener for Orders {
    async fn execute(
        &self,
        msg: &rocketmq_client::Message,
        _transaction_id: &str,
    ) -> LocalTransactionState {
        match &msg.body[..] {
            b"commit" => LocalTransactionState::Commit,
            _ => LocalTransactionState::Rollback,
        }
    }

    async fn check(&self, _msg: &MessageExt) -> LocalTransactionState {
        LocalTransactionState::Rollback
    }
}

static TX: Inbox<String> = Inbox::new();

#[rocketmq_listener(topic = "tpl-tx", group = "tpl-tx-g")]
async fn transactional(msg: String) {
    TX.push(msg);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transactions_commit_and_roll_back_through_the_listener() {
    logs();
    let app = app("template", YAML)
        .listeners_where(|d| d.function == "transactional")
        .transaction_listener(Orders)
        .start()
        .await
        .expect("app starts");
    let t = app.template();
    let rolled = t.send_in_transaction("tpl-tx", "rollback").await.unwrap();
    assert_eq!(rolled.local_state, LocalTransactionState::Rollback);
    let committed = t.send_in_transaction("tpl-tx", "commit").await.unwrap();
    assert_eq!(committed.local_state, LocalTransactionState::Commit);
    TX.wait_until(30, "the committed message", |m| !m.is_empty())
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(TX.items(), vec!["commit".to_string()]);
    app.shutdown().await;

    // A template without a listener says so.
    let app = crate::common::app("template", YAML)
        .listeners_where(|_| false)
        .start()
        .await
        .unwrap();
    let err = app
        .template()
        .send_in_transaction("tpl-tx", "x")
        .await
        .unwrap_err();
    assert!(
        matches!(err, TemplateError::NoTransactionListener(_)),
        "{err}"
    );
    app.shutdown().await;
}
