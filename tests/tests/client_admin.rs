//! The client instance and the group admin calls: one shared connection, consumers reporting
//! themselves through the broker, offsets reset while consumers run or after they left, and
//! a broker's view of every group.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rocketmq_client::admin::Admin;
use rocketmq_client::consumer::{ConsumeFromWhere, ConsumeResult, PushConsumer};
use rocketmq_client::protocol::body::{consume_result, running_info_prop};
use rocketmq_client::protocol::now_millis;
use rocketmq_client::{ClientError, Message, Producer};
use rocketmq_integration_tests::TestCluster;

type Seen = Arc<Mutex<Vec<String>>>;

async fn consumer(cluster: &TestCluster, group: &str, topic: &str, seen: &Seen) -> PushConsumer {
    let seen = seen.clone();
    PushConsumer::builder(group)
        .namesrv_addr(cluster.namesrv_addr())
        .subscribe(topic, "*")
        .consume_from_where(ConsumeFromWhere::FirstOffset)
        .rebalance_interval(Duration::from_millis(300))
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
        .unwrap()
}

async fn wait_for(seen: &Seen, n: usize) {
    for _ in 0..300 {
        if seen.lock().unwrap().len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("only {} of {n} consumed", seen.lock().unwrap().len());
}

async fn producer(cluster: &TestCluster, group: &str) -> Producer {
    Producer::builder(group)
        .namesrv_addr(cluster.namesrv_addr())
        .start()
        .await
        .unwrap()
}

async fn send(p: &Producer, topic: &str, prefix: &str, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let r = p
            .send(Message::new(topic, format!("{prefix}-{i}")))
            .await
            .unwrap();
        ids.push(r.offset_msg_id);
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_shares_one_connection_and_reports_itself() {
    let cluster = TestCluster::start(|_| {}).await;
    let p = producer(&cluster, "shared-p").await;
    send(&p, "Shared", "warm", 1).await;
    let seen: Seen = Arc::default();
    let c = consumer(&cluster, "shared-c", "Shared", &seen).await;
    assert_eq!(p.client_id(), c.client_id(), "one client instance");
    let admin = Admin::connect(Some(&cluster.namesrv_addr())).unwrap();

    let producers = admin.producer_connection("shared-p").await.unwrap();
    let consumers = admin.consumer_connection("shared-c").await.unwrap();
    assert_eq!(producers.connection_set.len(), 1);
    assert_eq!(consumers.connection_set.len(), 1);
    assert_eq!(
        producers.connection_set[0].client_addr, consumers.connection_set[0].client_addr,
        "producer and consumer use the same TCP connection"
    );
    assert!(consumers.subscription_table.contains_key("Shared"));
    assert!(consumers.subscription_table.contains_key("%RETRY%shared-c"));

    let ids = send(&p, "Shared", "m", 40).await;
    wait_for(&seen, 41).await;
    // Rates cover finished seconds only.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let info = admin
        .consumer_running_info("shared-c", c.client_id(), false)
        .await
        .unwrap();
    assert_eq!(
        info.properties[running_info_prop::CONSUME_TYPE],
        "CONSUME_PASSIVELY"
    );
    let shared: Vec<_> = info
        .mq_table
        .0
        .iter()
        .filter(|(mq, _)| mq.topic == "Shared")
        .collect();
    assert_eq!(shared.len(), 4);
    assert_eq!(
        shared.iter().map(|(_, q)| q.commit_offset).sum::<i64>(),
        41,
        "commit offsets cover every message"
    );
    let status = &info.status_table["Shared"];
    assert!(
        status.consume_ok_tps > 0.0 && status.pull_tps > 0.0,
        "{status:?}"
    );

    // The dashboard's "resend to this consumer".
    let before = seen.lock().unwrap().len();
    let direct = admin
        .consume_message_directly("shared-c", c.client_id(), &ids[3])
        .await
        .unwrap();
    assert_eq!(direct.consume_result, consume_result::SUCCESS);
    assert_eq!(seen.lock().unwrap().len(), before + 1);
    assert_eq!(seen.lock().unwrap().last().unwrap(), "m-3");

    // A member the broker does not know is an error, not a hang.
    let err = admin
        .consumer_running_info("shared-c", "10.0.0.1@nobody", false)
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Remote { .. }), "{err}");

    c.shutdown().await;
    p.shutdown().await;
    cluster.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_named_instance_takes_each_group_once() {
    let cluster = TestCluster::start(|_| {}).await;
    let first = Producer::builder("twice")
        .namesrv_addr(cluster.namesrv_addr())
        .instance_name("named")
        .start()
        .await
        .unwrap();
    let second = Producer::builder("twice")
        .namesrv_addr(cluster.namesrv_addr())
        .instance_name("named")
        .start()
        .await;
    assert!(matches!(second, Err(ClientError::DuplicateGroup(_))));
    // Without a name, a second member of a group gets an instance of its own.
    let a = producer(&cluster, "twice-default").await;
    let b = producer(&cluster, "twice-default").await;
    assert_ne!(a.client_id(), b.client_id());
    first.shutdown().await;
    // Once the group has left, it may join again.
    let again = Producer::builder("twice")
        .namesrv_addr(cluster.namesrv_addr())
        .instance_name("named")
        .start()
        .await
        .unwrap();
    again.shutdown().await;
    cluster.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offsets_reset_by_time_for_running_and_departed_consumers() {
    let cluster = TestCluster::start(|_| {}).await;
    let p = producer(&cluster, "reset-p").await;
    send(&p, "Rewind", "old", 20).await;
    let seen: Seen = Arc::default();
    let c = consumer(&cluster, "reset-c", "Rewind", &seen).await;
    wait_for(&seen, 20).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let middle = now_millis();
    tokio::time::sleep(Duration::from_millis(50)).await;
    send(&p, "Rewind", "new", 10).await;
    wait_for(&seen, 30).await;

    // Online: the consumer is told to go back to `middle` and consumes the newer ten again.
    seen.lock().unwrap().clear();
    let admin = Admin::connect(Some(&cluster.namesrv_addr())).unwrap();
    let table = admin
        .reset_offset_by_time("reset-c", "Rewind", middle, true)
        .await
        .unwrap();
    assert_eq!(
        table.offsets.values().sum::<i64>(),
        20,
        "offsets at `middle`"
    );
    assert!(table.written.is_empty(), "told the consumer");
    wait_for(&seen, 10).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut again = seen.lock().unwrap().clone();
    again.sort();
    assert_eq!(again.len(), 10, "{again:?}");
    assert!(again.iter().all(|b| b.starts_with("new-")));

    // The broker's view of every group agrees nothing is left.
    let mut stats = None;
    for _ in 0..100 {
        let list = admin
            .broker_consume_stats(&cluster.broker_addr(), false)
            .await
            .unwrap();
        if list.total_diff == 0
            && list
                .consume_stats_list
                .iter()
                .any(|g| g.get("reset-c").is_some_and(|s| !s.is_empty()))
        {
            stats = Some(list);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(stats.is_some(), "reset-c listed with no backlog");

    // Departed: offsets are written directly, here back to the very beginning.
    c.shutdown().await;
    let table = admin
        .reset_offset_by_time("reset-c", "Rewind", 0, true)
        .await
        .unwrap();
    assert_eq!(table.offsets.values().sum::<i64>(), 0);
    assert_eq!(table.written.len(), 4, "written directly");
    assert!(
        table
            .written
            .iter()
            .all(|r| r.broker_offset > 0 && r.rollback_offset == 0)
    );
    let progress = admin
        .consume_stats("reset-c", Some("Rewind"))
        .await
        .unwrap();
    assert_eq!(progress.diff_total(), 30);
    p.shutdown().await;
    cluster.stop().await;
}
