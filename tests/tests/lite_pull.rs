//! The lite pull consumer: assign with seek and commit, and subscribe with the group
//! sharing queues.

use std::collections::BTreeSet;
use std::time::Duration;

use rocketmq_client::consumer::{ConsumeFromWhere, LitePullConsumer};
use rocketmq_client::{Message, Producer};
use rocketmq_integration_tests::TestCluster;

async fn fill(cluster: &TestCluster, topic: &str, n: usize) -> Producer {
    let p = Producer::builder("lite-p")
        .namesrv_addr(cluster.namesrv_addr())
        .start()
        .await
        .unwrap();
    for i in 0..n {
        p.send(Message::new(topic, format!("{topic}-{i}")))
            .await
            .unwrap();
    }
    cluster.wait_route(topic).await;
    p
}

async fn drain(c: &LitePullConsumer, want: usize) -> Vec<String> {
    let mut got = Vec::new();
    for _ in 0..100 {
        if got.len() >= want {
            break;
        }
        for m in c.poll(Duration::from_millis(200)).await.unwrap() {
            got.push(String::from_utf8_lossy(&m.message.body).to_string());
        }
    }
    got
}

/// The bodies of one short poll.
async fn poll_once(c: &LitePullConsumer) -> Vec<String> {
    c.poll(Duration::from_millis(50))
        .await
        .unwrap()
        .into_iter()
        .map(|m| String::from_utf8_lossy(&m.message.body).to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assign_seek_and_commit() {
    let cluster = TestCluster::start(|_| {}).await;
    let p = fill(&cluster, "Assigned", 40).await;
    let c = LitePullConsumer::builder("lite-assign")
        .namesrv_addr(cluster.namesrv_addr())
        .consume_from_where(ConsumeFromWhere::FirstOffset)
        .auto_commit(false)
        .start()
        .await
        .unwrap();
    let queues = c.fetch_queues("Assigned").await.unwrap();
    assert_eq!(queues.len(), 4);
    c.assign(queues.clone()).await.unwrap();
    assert_eq!(drain(&c, 40).await.len(), 40);
    assert_eq!(
        c.committed(&queues[0]).await.unwrap(),
        None,
        "nothing committed yet"
    );
    c.commit().await.unwrap();
    assert_eq!(c.committed(&queues[0]).await.unwrap(), Some(10));

    // Seek back on one queue: its last five messages come again.
    c.seek(&queues[0], 5).unwrap();
    let again = drain(&c, 5).await;
    assert_eq!(again.len(), 5);
    c.commit().await.unwrap();
    assert_eq!(c.committed(&queues[0]).await.unwrap(), Some(10));
    c.shutdown().await;

    // A new consumer of the group starts where the old one committed: nothing left.
    let c2 = LitePullConsumer::builder("lite-assign")
        .namesrv_addr(cluster.namesrv_addr())
        .start()
        .await
        .unwrap();
    c2.assign(queues).await.unwrap();
    assert!(
        c2.poll(Duration::from_millis(300))
            .await
            .unwrap()
            .is_empty()
    );
    c2.shutdown().await;
    p.shutdown().await;
    cluster.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribers_share_the_queues_of_their_group() {
    let cluster = TestCluster::start(|_| {}).await;
    let p = fill(&cluster, "Subscribed", 1).await;
    let start = |name: &'static str| {
        LitePullConsumer::builder("lite-sub")
            .namesrv_addr(cluster.namesrv_addr())
            .subscribe("Subscribed", "*")
            .consume_from_where(ConsumeFromWhere::FirstOffset)
            .rebalance_interval(Duration::from_millis(200))
            .instance_name(name)
            .start()
    };
    let a = start("lite-a").await.unwrap();
    let b = start("lite-b").await.unwrap();
    assert!(
        a.assign(a.fetch_queues("Subscribed").await.unwrap())
            .await
            .is_err(),
        "subscribe and assign do not mix"
    );
    // Both poll until the group has settled on two queues each.
    let (mut got_a, mut got_b) = (Vec::new(), Vec::new());
    for _ in 0..50 {
        got_a.extend(poll_once(&a).await);
        got_b.extend(poll_once(&b).await);
        if a.assignment().len() == 2 && b.assignment().len() == 2 {
            break;
        }
    }
    let (qa, qb): (BTreeSet<_>, BTreeSet<_>) = (
        a.assignment().into_iter().collect(),
        b.assignment().into_iter().collect(),
    );
    assert_eq!((qa.len(), qb.len()), (2, 2));
    assert!(qa.is_disjoint(&qb));

    for i in 0..40 {
        p.send(Message::new("Subscribed", format!("s-{i}")))
            .await
            .unwrap();
    }
    for _ in 0..200 {
        got_a.extend(poll_once(&a).await);
        got_b.extend(poll_once(&b).await);
        if got_a.len() + got_b.len() >= 41 {
            break;
        }
    }
    let all: BTreeSet<_> = got_a.iter().chain(&got_b).cloned().collect();
    assert_eq!(
        all.len(),
        41,
        "every message once: {} + {}",
        got_a.len(),
        got_b.len()
    );
    assert_eq!(got_a.len() + got_b.len(), 41);
    assert!(!got_a.is_empty() && !got_b.is_empty());

    // When b leaves, a takes every queue.
    b.shutdown().await;
    for _ in 0..50 {
        a.poll(Duration::from_millis(50)).await.unwrap();
        if a.assignment().len() == 4 {
            break;
        }
    }
    assert_eq!(a.assignment().len(), 4, "{:?}", a.assignment());
    a.shutdown().await;
    p.shutdown().await;
    cluster.stop().await;
}
