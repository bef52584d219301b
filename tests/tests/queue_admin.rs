//! A group's place in a topic's queues, for operators: CLONE_GROUP_OFFSET,
//! QUERY_CONSUME_TIME_SPAN, QUERY_CONSUME_QUEUE and the consume-queue clean-ups, through the
//! admin client and `mqadmin queryCq`.

use std::time::Duration;

use rocketmq_client::admin::{Admin, Target};
use rocketmq_client::protocol::ResponseCode;
use rocketmq_client::protocol::body::TopicConfig;
use rocketmq_client::{ClientError, Message, Producer};
use rocketmq_integration_tests::TestCluster;
use rocketmq_integration_tests::process::mqadmin;

// Multi-threaded: `mqadmin` runs as a child process the test waits for, while the broker it
// asks runs on this runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offsets_clone_time_spans_and_raw_queue_entries() {
    let cluster = TestCluster::start(|_| {}).await;
    let ns = cluster.namesrv_addr();
    let broker = cluster.broker_addr();
    let admin = Admin::connect(Some(&ns)).unwrap();
    admin
        .create_topic(
            &Target::Cluster("DefaultCluster".into()),
            &TopicConfig::new("QueueTopic", 1),
        )
        .await
        .unwrap();
    cluster.wait_route("QueueTopic").await;
    let producer = Producer::builder("queue-producer")
        .namesrv_addr(ns.clone())
        .start()
        .await
        .unwrap();
    for i in 0..10 {
        producer
            .send(Message::new("QueueTopic", format!("m{i}")).with_tags("TagA"))
            .await
            .unwrap();
    }
    let reader = cluster.reader("queue-g1", "QueueTopic").await;
    let mut got = 0;
    while got < 10 {
        got += reader.poll(Duration::from_secs(5)).await.unwrap().len();
    }
    reader.commit().await.unwrap();
    let committed = |g: &'static str| {
        let admin = &admin;
        async move {
            admin.consume_stats(g, Some("QueueTopic")).await.map(|s| {
                s.offset_table
                    .0
                    .values()
                    .map(|o| o.consumer_offset)
                    .sum::<i64>()
            })
        }
    };
    let mut seen = 0;
    for _ in 0..100 {
        seen = committed("queue-g1").await.unwrap_or(0);
        if seen == 10 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(seen, 10);

    admin
        .clone_group_offset(&broker, "queue-g1", "queue-g2", "QueueTopic", true)
        .await
        .unwrap();
    assert_eq!(committed("queue-g2").await.unwrap(), 10, "cloned");

    let spans = admin
        .consume_time_span(&broker, "QueueTopic", "queue-g1")
        .await
        .unwrap();
    assert_eq!(spans.len(), 1);
    let s = &spans[0];
    assert!(
        s.min_time_stamp > 0 && s.min_time_stamp <= s.max_time_stamp,
        "{s:?}"
    );
    assert_eq!(s.consume_time_stamp, s.max_time_stamp, "caught up: {s:?}");
    assert_eq!(s.delay_time, 0);
    let behind = admin
        .consume_time_span(&broker, "QueueTopic", "nobody")
        .await
        .unwrap();
    assert!(behind[0].delay_time > 0, "{behind:?}");

    let cq = admin
        .query_consume_queue(&broker, "QueueTopic", 0, 2, 5, Some("queue-g1"))
        .await
        .unwrap();
    assert_eq!((cq.max_queue_index, cq.min_queue_index), (10, 0));
    assert_eq!(cq.queue_data.len(), 5);
    assert!(
        cq.queue_data
            .windows(2)
            .all(|w| w[0].physic_offset + i64::from(w[0].physic_size) <= w[1].physic_offset)
    );
    assert!(cq.filter_data.is_some());
    let past = admin
        .query_consume_queue(&broker, "QueueTopic", 0, 50, 5, None)
        .await
        .unwrap();
    assert!(past.queue_data.is_empty());
    match admin
        .query_consume_queue(&broker, "QueueTopic", 99, 0, 5, None)
        .await
    {
        Err(ClientError::Remote { code, remark, .. }) => {
            assert_eq!(code, ResponseCode::SystemError);
            assert_eq!(remark, "99@QueueTopic is not exist!");
        }
        other => panic!("{other:?}"),
    }

    // Nothing here is expired or unused: the clean-ups keep the topic's queue.
    admin.clean_expired_consume_queue(&broker).await.unwrap();
    admin.clean_unused_topic(&broker).await.unwrap();
    let cq = admin
        .query_consume_queue(&broker, "QueueTopic", 0, 0, 1, None)
        .await
        .unwrap();
    assert_eq!(cq.max_queue_index, 10);

    let text = mqadmin(&[
        "queryCq",
        "-n",
        &ns,
        "-t",
        "QueueTopic",
        "-q",
        "0",
        "-i",
        "8",
        "-c",
        "5",
    ]);
    assert!(
        text.starts_with("Queue data: \nmax: 10, min: 0\n"),
        "{text}"
    );
    assert_eq!(
        text.matches("ConsumeQueueData{physicOffset=").count(),
        2,
        "{text}"
    );
    assert!(text.contains("idx: 9\n"), "{text}");
    reader.shutdown().await;
    producer.shutdown().await;
}
