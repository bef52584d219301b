//! Producer fail-over: with a topic on two brokers, sends keep succeeding when one goes away.

use std::collections::BTreeSet;
use std::time::Duration;

use rocketmq_client::admin::{Admin, Target};
use rocketmq_client::protocol::body::TopicConfig;
use rocketmq_client::{Message, Producer};
use rocketmq_integration_tests::{init_logging, start_broker, start_namesrv};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_move_to_the_remaining_broker() {
    init_logging();
    let namesrv = start_namesrv().await;
    let ns = namesrv.addr().to_string();
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = start_broker(&ns, dir_a.path(), |c| c.broker_name = "broker-a".into()).await;
    let b = start_broker(&ns, dir_b.path(), |c| c.broker_name = "broker-b".into()).await;
    let admin = Admin::connect(Some(&ns)).unwrap();
    for _ in 0..100 {
        if admin
            .cluster_masters("DefaultCluster")
            .await
            .map_or(0, |m| m.len())
            == 2
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    admin
        .create_topic(
            &Target::Cluster("DefaultCluster".into()),
            &TopicConfig::new("Both", 2),
        )
        .await
        .unwrap();
    for _ in 0..100 {
        if admin
            .topic_route("Both")
            .await
            .map(|r| r.queue_datas.len())
            .unwrap_or(0)
            == 2
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let producer = Producer::builder("failover")
        .namesrv_addr(&ns)
        .start()
        .await
        .unwrap();
    let mut brokers = BTreeSet::new();
    for i in 0..8 {
        brokers.insert(
            producer
                .send(Message::new("Both", format!("before-{i}")))
                .await
                .unwrap()
                .message_queue
                .broker_name,
        );
    }
    assert_eq!(brokers.len(), 2, "sends spread over both brokers");

    a.shutdown().await;
    // The producer's cached route still lists broker-a: every send there fails over.
    for i in 0..20 {
        let r = producer
            .send(Message::new("Both", format!("after-{i}")))
            .await
            .expect("fails over to broker-b");
        assert_eq!(r.message_queue.broker_name, "broker-b");
    }
    producer.shutdown().await;
    admin.close();
    b.shutdown().await;
    namesrv.shutdown().await;
}
