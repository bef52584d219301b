//! Producer modes against an in-process name server and broker.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use rocketmq_client::producer::{select_by_hash, split_batch};
use rocketmq_client::protocol::java_hash_code;
use rocketmq_client::{ClientError, Message, MessageExt, Producer, SendStatus};
use rocketmq_integration_tests::TestCluster;

async fn producer(cluster: &TestCluster) -> Producer {
    Producer::builder("producer-test")
        .namesrv_addr(cluster.namesrv_addr())
        .start()
        .await
        .unwrap()
}

async fn read_all(cluster: &TestCluster, topic: &str, n: usize) -> Vec<MessageExt> {
    let consumer = cluster.reader("producer-test-reader", topic).await;
    let mut out = Vec::new();
    while out.len() < n {
        let batch = consumer.poll(Duration::from_secs(5)).await.unwrap();
        assert!(
            !batch.is_empty(),
            "only {} of {n} messages readable",
            out.len()
        );
        out.extend(batch);
    }
    consumer.shutdown().await;
    out
}

#[tokio::test]
async fn sync_sends_auto_create_and_spread_over_queues() {
    let cluster = TestCluster::start(|_| {}).await;
    let p = producer(&cluster).await;
    let mut queues = BTreeSet::new();
    for i in 0..8 {
        let r = p
            .send(Message::new("Spread", format!("m{i}")).with_tags("T"))
            .await
            .unwrap();
        assert_eq!(r.status, SendStatus::SendOk);
        assert_eq!(r.msg_id.len(), 32);
        queues.insert(r.message_queue.queue_id);
    }
    assert_eq!(
        queues.len(),
        4,
        "round-robin over the 4 auto-created queues"
    );
    let err = p.send(Message::new("bad topic!", "x")).await.unwrap_err();
    assert!(matches!(err, ClientError::InvalidMessage(_)));
    assert!(
        p.send(Message::new("Spread", "")).await.is_err(),
        "empty bodies are refused"
    );
    p.shutdown().await;
    cluster.stop().await;
}

#[tokio::test]
async fn oneway_callback_and_to_queue() {
    let cluster = TestCluster::start(|_| {}).await;
    let p = Arc::new(producer(&cluster).await);
    p.send(Message::new("Modes", "create")).await.unwrap();
    p.send_oneway(Message::new("Modes", "oneway"))
        .await
        .unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    p.send_with_callback(Message::new("Modes", "callback"), move |r| {
        let _ = tx.send(r.map(|r| r.status));
    });
    assert_eq!(rx.await.unwrap().unwrap(), SendStatus::SendOk);
    let queues = p.fetch_publish_queues("Modes").await.unwrap();
    let r = p
        .send_to_queue(Message::new("Modes", "to-queue"), &queues[2])
        .await
        .unwrap();
    assert_eq!(r.message_queue.queue_id, 2);
    let bodies: BTreeSet<String> = read_all(&cluster, "Modes", 4)
        .await
        .iter()
        .map(|m| String::from_utf8_lossy(&m.message.body).to_string())
        .collect();
    assert_eq!(
        bodies,
        ["callback", "create", "oneway", "to-queue"]
            .map(String::from)
            .into()
    );
    p.shutdown().await;
    cluster.stop().await;
}

#[tokio::test]
async fn batches_are_stored_in_order_with_their_own_keys() {
    let cluster = TestCluster::start(|_| {}).await;
    let p = producer(&cluster).await;
    let msgs: Vec<Message> = (0..20)
        .map(|i| Message::new("Batched", format!("b{i}")).with_keys(format!("k{i}")))
        .collect();
    let batches = split_batch(msgs, 1000);
    assert!(batches.len() > 1);
    let mut first = Vec::new();
    for batch in batches {
        let n = batch.len();
        let r = p.send_batch(batch).await.unwrap();
        assert_eq!(r.msg_id.split(',').count(), n);
        first.push(r);
    }
    let read = read_all(&cluster, "Batched", 20).await;
    let mut by_queue: Vec<(i32, i64, String, String)> = read
        .iter()
        .map(|m| {
            (
                m.queue_id,
                m.queue_offset,
                String::from_utf8_lossy(&m.message.body).to_string(),
                m.message.keys().unwrap().to_string(),
            )
        })
        .collect();
    by_queue.sort();
    for (_, _, body, key) in &by_queue {
        assert_eq!(body[1..], key[1..], "each message keeps its own keys");
    }
    let mixed = vec![Message::new("Batched", "a"), Message::new("Other", "b")];
    assert!(matches!(
        p.send_batch(mixed).await,
        Err(ClientError::InvalidMessage(_))
    ));
    p.shutdown().await;
    cluster.stop().await;
}

#[tokio::test]
async fn orderly_sends_keep_a_key_on_one_queue_like_java() {
    let cluster = TestCluster::start(|_| {}).await;
    let p = producer(&cluster).await;
    p.send(Message::new("Ordered", "create")).await.unwrap();
    for order in 0..5 {
        let key = format!("order-{order}");
        let expected = select_by_hash(java_hash_code(&key), 4) as i32;
        for step in 0..3 {
            let r = p
                .send_orderly(Message::new("Ordered", format!("{key}:{step}")), &key)
                .await
                .unwrap();
            assert_eq!(r.message_queue.queue_id, expected);
        }
    }
    let read = read_all(&cluster, "Ordered", 16).await;
    for order in 0..5 {
        let steps: Vec<String> = read
            .iter()
            .map(|m| String::from_utf8_lossy(&m.message.body).to_string())
            .filter(|b| b.starts_with(&format!("order-{order}:")))
            .collect();
        assert_eq!(
            steps,
            (0..3)
                .map(|s| format!("order-{order}:{s}"))
                .collect::<Vec<_>>(),
            "in send order"
        );
    }
    p.shutdown().await;
    cluster.stop().await;
}

#[tokio::test]
async fn large_bodies_are_compressed_and_read_back_whole() {
    let cluster = TestCluster::start(|_| {}).await;
    let p = producer(&cluster).await;
    let body = "compress me ".repeat(2000);
    p.send(Message::new("Zipped", body.clone())).await.unwrap();
    let read = read_all(&cluster, "Zipped", 1).await;
    assert!(
        read[0].message.body == body.as_bytes(),
        "the body is inflated for the application"
    );
    assert!(
        read[0].store_size < 2000,
        "stored compressed ({} bytes)",
        read[0].store_size
    );
    assert_eq!(
        read[0].sys_flag & 1,
        0,
        "the compressed flag is cleared for the application"
    );
    p.shutdown().await;
    cluster.stop().await;
}
