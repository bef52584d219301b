//! The push consumer against an in-process name server and broker.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rocketmq_client::consumer::{
    ConsumeFromWhere, ConsumeResult, MessageModel, PushConsumer, PushConsumerBuilder,
};
use rocketmq_client::{Message, Producer};
use rocketmq_integration_tests::TestCluster;

type Seen = Arc<Mutex<Vec<(String, String)>>>;

async fn start(builder: PushConsumerBuilder, seen: &Seen, who: &str) -> PushConsumer {
    let (seen, who) = (seen.clone(), who.to_string());
    builder
        .rebalance_interval(Duration::from_millis(500))
        .start(move |msgs| {
            let (seen, who) = (seen.clone(), who.clone());
            async move {
                for m in msgs {
                    seen.lock().unwrap().push((
                        who.clone(),
                        String::from_utf8_lossy(&m.message.body).to_string(),
                    ));
                }
                ConsumeResult::Success
            }
        })
        .await
        .unwrap()
}

async fn send(producer: &Producer, topic: &str, prefix: &str, n: usize) {
    for i in 0..n {
        producer
            .send(Message::new(topic, format!("{prefix}-{i}")).with_tags("TagA"))
            .await
            .unwrap();
    }
}

async fn wait_for(seen: &Seen, n: usize) {
    for _ in 0..300 {
        if seen.lock().unwrap().len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "only {} of {n} messages consumed",
        seen.lock().unwrap().len()
    );
}

fn bodies(seen: &Seen, prefix: &str) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for (_, body) in seen
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, b)| b.starts_with(prefix))
    {
        *counts.entry(body.clone()).or_default() += 1;
    }
    counts
}

async fn producer(cluster: &TestCluster, topic: &str) -> Producer {
    let p = Producer::builder("push-test-producer")
        .namesrv_addr(cluster.namesrv_addr())
        .start()
        .await
        .unwrap();
    // create the topic before consumers look for it
    p.send(Message::new(topic, "warm-up")).await.unwrap();
    p
}

fn consumer(cluster: &TestCluster, group: &str, topic: &str) -> PushConsumerBuilder {
    PushConsumer::builder(group)
        .namesrv_addr(cluster.namesrv_addr())
        .subscribe(topic, "TagA")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clustering_shares_queues_and_rebalances_when_a_member_leaves() {
    let cluster = TestCluster::start(|_| {}).await;
    let producer = producer(&cluster, "Shared").await;
    let seen: Seen = Arc::default();
    let a = start(consumer(&cluster, "shared-group", "Shared"), &seen, "a").await;
    let b = start(consumer(&cluster, "shared-group", "Shared"), &seen, "b").await;
    let shared = |c: &PushConsumer| {
        c.assigned_queues()
            .into_iter()
            .filter(|q| q.topic == "Shared")
            .collect::<Vec<_>>()
    };
    for _ in 0..100 {
        if shared(&a).len() == 2 && shared(&b).len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!((shared(&a).len(), shared(&b).len()), (2, 2));
    assert!(
        shared(&a).iter().all(|q| !shared(&b).contains(q)),
        "no queue is shared"
    );

    send(&producer, "Shared", "first", 200).await;
    wait_for(&seen, 200).await;
    let counts = bodies(&seen, "first");
    assert_eq!(counts.len(), 200);
    assert!(
        counts.values().all(|c| *c == 1),
        "each message consumed once"
    );
    let by_a = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|(w, _)| w == "a")
        .count();
    assert!(
        by_a > 0 && by_a < 200,
        "both members consumed ({by_a} by a)"
    );

    b.shutdown().await;
    for _ in 0..100 {
        if shared(&a).len() == 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        shared(&a).len(),
        4,
        "the remaining member takes every queue"
    );
    seen.lock().unwrap().clear();
    send(&producer, "Shared", "second", 100).await;
    wait_for(&seen, 100).await;
    assert_eq!(bodies(&seen, "second").len(), 100);
    assert!(seen.lock().unwrap().iter().all(|(w, _)| w == "a"));
    a.shutdown().await;
    producer.shutdown().await;
    cluster.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcasting_gives_every_consumer_every_message() {
    let cluster = TestCluster::start(|_| {}).await;
    let producer = producer(&cluster, "Everyone").await;
    let dir = tempfile::tempdir().unwrap();
    let seen: Seen = Arc::default();
    let mk = |name: &str| {
        consumer(&cluster, "broadcast-group", "Everyone")
            .message_model(MessageModel::Broadcasting)
            .consume_from_where(ConsumeFromWhere::LastOffset)
            .instance_name(format!(
                "{}-{name}",
                dir.path().display().to_string().replace('/', "_")
            ))
    };
    let a = start(mk("a"), &seen, "a").await;
    let b = start(mk("b"), &seen, "b").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    send(&producer, "Everyone", "all", 50).await;
    wait_for(&seen, 100).await;
    for who in ["a", "b"] {
        let got: Vec<_> = seen
            .lock()
            .unwrap()
            .iter()
            .filter(|(w, b)| w == who && b.starts_with("all"))
            .cloned()
            .collect();
        assert_eq!(got.len(), 50, "{who} got every message");
    }
    a.shutdown().await;
    b.shutdown().await;
    producer.shutdown().await;
    cluster.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offsets_survive_a_consumer_restart() {
    let cluster = TestCluster::start(|_| {}).await;
    let producer = producer(&cluster, "Resume").await;
    let seen: Seen = Arc::default();
    let c = start(
        consumer(&cluster, "resume-group", "Resume")
            .consume_from_where(ConsumeFromWhere::FirstOffset),
        &seen,
        "c",
    )
    .await;
    send(&producer, "Resume", "before", 40).await;
    wait_for(&seen, 40).await;
    c.shutdown().await;
    send(&producer, "Resume", "after", 30).await;
    seen.lock().unwrap().clear();
    let c = start(consumer(&cluster, "resume-group", "Resume"), &seen, "c").await;
    wait_for(&seen, 30).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(bodies(&seen, "after").len(), 30);
    assert!(
        bodies(&seen, "before").is_empty(),
        "nothing consumed twice after the restart"
    );
    c.shutdown().await;
    producer.shutdown().await;
    cluster.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consume_from_timestamp_skips_older_messages_and_tags_filter() {
    let cluster = TestCluster::start(|_| {}).await;
    let producer = producer(&cluster, "FromTime").await;
    send(&producer, "FromTime", "old", 20).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let since = rocketmq_client::protocol::now_millis();
    let seen: Seen = Arc::default();
    let c = start(
        consumer(&cluster, "time-group", "FromTime")
            .consume_from_where(ConsumeFromWhere::Timestamp)
            .consume_timestamp(since),
        &seen,
        "c",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    send(&producer, "FromTime", "new", 20).await;
    producer
        .send(Message::new("FromTime", "other-tag").with_tags("TagB"))
        .await
        .unwrap();
    wait_for(&seen, 20).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(bodies(&seen, "new").len(), 20);
    assert!(bodies(&seen, "old").is_empty());
    assert!(bodies(&seen, "other").is_empty(), "TagB is filtered out");
    c.shutdown().await;
    producer.shutdown().await;
    cluster.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_group_from_the_last_offset_reads_a_young_queue_from_its_start() {
    // Java's consumers do this (the broker answers 0 for a queue still holding its first
    // message), so a consumer started just after the first sends does not skip them.
    let cluster = TestCluster::start(|_| {}).await;
    let producer = producer(&cluster, "Young").await;
    send(&producer, "Young", "early", 8).await;
    let seen: Seen = Arc::default();
    let c = start(
        consumer(&cluster, "young-group", "Young").consume_from_where(ConsumeFromWhere::LastOffset),
        &seen,
        "c",
    )
    .await;
    wait_for(&seen, 8).await;
    assert_eq!(bodies(&seen, "early").len(), 8);
    c.shutdown().await;
    producer.shutdown().await;
    cluster.stop().await;
}
