//! Filters end to end: SQL92 selectors over properties (with `enablePropertyFilter`), refused
//! at start by a broker without it or when the expression is bad; tag filters.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rocketmq_client::consumer::{
    ConsumeFromWhere, ConsumeResult, MessageSelector, PushConsumer, PushConsumerBuilder,
};
use rocketmq_client::{ClientError, Message, Producer};
use rocketmq_integration_tests::TestCluster;

type Seen = Arc<Mutex<Vec<String>>>;

fn consumer(cluster: &TestCluster, group: &str) -> PushConsumerBuilder {
    PushConsumer::builder(group)
        .namesrv_addr(cluster.namesrv_addr())
        .consume_from_where(ConsumeFromWhere::FirstOffset)
}

async fn start(builder: PushConsumerBuilder, seen: &Seen) -> Result<PushConsumer, ClientError> {
    let seen = seen.clone();
    builder
        .start(move |msgs| {
            let seen = seen.clone();
            async move {
                for m in msgs {
                    seen.lock()
                        .unwrap()
                        .push(String::from_utf8_lossy(&m.message.body).to_string());
                }
                ConsumeResult::Success
            }
        })
        .await
}

async fn send_numbered(cluster: &TestCluster, topic: &str) {
    let p = Producer::builder("filter-p")
        .namesrv_addr(cluster.namesrv_addr())
        .start()
        .await
        .unwrap();
    for i in 0..10 {
        let mut m =
            Message::new(topic, format!("m{i}")).with_tags(if i % 2 == 0 { "even" } else { "odd" });
        m.put_property("a", i.to_string());
        p.send(m).await.unwrap();
    }
    p.shutdown().await;
}

async fn settle(seen: &Seen, n: usize) -> Vec<String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while seen.lock().unwrap().len() < n && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut got = seen.lock().unwrap().clone();
    got.sort();
    got
}

#[tokio::test]
async fn sql92_selects_by_property_and_tags_by_tag() {
    let cluster = TestCluster::start(|c| c.enable_property_filter = true).await;
    send_numbered(&cluster, "SqlTopic").await;
    let (sql_seen, tag_seen, mixed_seen): (Seen, Seen, Seen) = Default::default();
    let sql = start(
        consumer(&cluster, "sql-g")
            .subscribe_with("SqlTopic", MessageSelector::by_sql("a BETWEEN 0 AND 3")),
        &sql_seen,
    )
    .await
    .unwrap();
    let tags = start(
        consumer(&cluster, "tag-g").subscribe("SqlTopic", "odd"),
        &tag_seen,
    )
    .await
    .unwrap();
    let mixed = start(
        consumer(&cluster, "mixed-g").subscribe_with(
            "SqlTopic",
            MessageSelector::by_sql("TAGS IN ('even') AND (a > 5 OR a IS NULL)"),
        ),
        &mixed_seen,
    )
    .await
    .unwrap();
    assert_eq!(settle(&sql_seen, 4).await, ["m0", "m1", "m2", "m3"]);
    assert_eq!(settle(&tag_seen, 5).await, ["m1", "m3", "m5", "m7", "m9"]);
    assert_eq!(settle(&mixed_seen, 2).await, ["m6", "m8"]);
    for c in [sql, tags, mixed] {
        c.shutdown().await;
    }
    cluster.stop().await;
}

#[tokio::test]
async fn sql92_is_refused_at_start_when_the_broker_or_the_expression_cannot_serve_it() {
    let cluster = TestCluster::start(|_| {}).await;
    send_numbered(&cluster, "NoSql").await;
    let seen = Seen::default();
    let off = start(
        consumer(&cluster, "nosql-g").subscribe_with("NoSql", MessageSelector::by_sql("a > 1")),
        &seen,
    )
    .await;
    assert!(
        matches!(&off, Err(ClientError::InvalidSubscription(r)) if r.contains("SQL92")),
        "{off:?}"
    );
    let bad = start(
        consumer(&cluster, "badsql-g").subscribe_with("NoSql", MessageSelector::by_sql("a >")),
        &seen,
    )
    .await;
    assert!(
        matches!(bad, Err(ClientError::InvalidSubscription(_))),
        "{bad:?}"
    );
    cluster.stop().await;
}
