//! The admin client: topics, routes and statistics across name server and broker.

use std::time::Duration;

use rocketmq_client::admin::{Admin, Target};
use rocketmq_client::protocol::body::TopicConfig;
use rocketmq_client::{Message, Producer};
use rocketmq_integration_tests::TestCluster;

#[tokio::test]
async fn create_inspect_and_delete_a_topic() {
    let cluster = TestCluster::start(|_| {}).await;
    let admin = Admin::connect(Some(&cluster.namesrv_addr())).unwrap();
    let info = admin.cluster_info().await.unwrap();
    assert!(info.cluster_addr_table["DefaultCluster"].contains("broker-a"));

    let config = TopicConfig::new("AdminTopic", 3);
    let brokers = admin
        .create_topic(&Target::Cluster("DefaultCluster".into()), &config)
        .await
        .unwrap();
    assert_eq!(brokers, vec![cluster.broker_addr()]);
    let mut listed = false;
    for _ in 0..100 {
        if admin
            .topic_list()
            .await
            .unwrap()
            .topic_list
            .contains(&"AdminTopic".to_string())
        {
            listed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(listed, "the broker re-registered the new topic at once");
    assert_eq!(
        admin.topic_route("AdminTopic").await.unwrap().queue_datas[0].write_queue_nums,
        3
    );

    let producer = Producer::builder("admin-p")
        .namesrv_addr(cluster.namesrv_addr())
        .start()
        .await
        .unwrap();
    for i in 0..9 {
        producer
            .send(Message::new("AdminTopic", format!("m{i}")))
            .await
            .unwrap();
    }
    // Consume queues are built from the log just after the send is acknowledged (as in
    // Apache), so a busy machine may need a moment.
    let mut stats = admin.topic_stats("AdminTopic").await.unwrap();
    let stored = |s: &rocketmq_client::protocol::body::TopicStatsTable| {
        s.offset_table.0.values().map(|o| o.max_offset).sum::<i64>()
    };
    for _ in 0..100 {
        if stored(&stats) == 9 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        stats = admin.topic_stats("AdminTopic").await.unwrap();
    }
    assert_eq!(stats.offset_table.0.len(), 3);
    assert_eq!(stored(&stats), 9);

    // consume 3 queues' worth partially: commit after the first poll only
    let consumer = cluster.reader("admin-group", "AdminTopic").await;
    let first = consumer.poll(Duration::from_secs(5)).await.unwrap();
    assert!(!first.is_empty());
    consumer.commit().await.unwrap();
    let progress = admin
        .consume_stats("admin-group", Some("AdminTopic"))
        .await
        .unwrap();
    assert_eq!(
        progress.diff_total(),
        9 - first.len() as i64,
        "Diff Total is what is left"
    );
    consumer.shutdown().await;

    admin
        .delete_topic("AdminTopic", "DefaultCluster")
        .await
        .unwrap();
    assert!(
        admin.topic_route("AdminTopic").await.is_err(),
        "gone from the name server"
    );
    let runtime = admin
        .broker_runtime_info(&cluster.broker_addr())
        .await
        .unwrap();
    assert_eq!(runtime.table["msgPutTotalTodayNow"], "9");
    producer.shutdown().await;
    admin.close();
    cluster.stop().await;
}
