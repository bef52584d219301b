//! Request-reply end to end: a requester's `request` gets the responder's reply pushed by the
//! broker; no responder means a typed timeout; the callback form; replies are also stored.

use std::sync::Arc;
use std::time::Duration;

use rocketmq_client::consumer::{ConsumeFromWhere, ConsumeResult, PushConsumer};
use rocketmq_client::protocol::message::property;
use rocketmq_client::{ClientError, Message, Producer};
use rocketmq_integration_tests::TestCluster;

async fn producer(cluster: &TestCluster, group: &str) -> Arc<Producer> {
    Arc::new(
        Producer::builder(group)
            .namesrv_addr(cluster.namesrv_addr())
            .start()
            .await
            .unwrap(),
    )
}

async fn responder(cluster: &TestCluster) -> (PushConsumer, Arc<Producer>) {
    let replier = producer(cluster, "reply-p").await;
    let r = replier.clone();
    let consumer = PushConsumer::builder("reply-g")
        .namesrv_addr(cluster.namesrv_addr())
        .subscribe("RequestTopic", "*")
        .consume_from_where(ConsumeFromWhere::FirstOffset)
        .start(move |msgs| {
            let r = r.clone();
            async move {
                for m in msgs {
                    let body = format!("pong:{}", String::from_utf8_lossy(&m.message.body));
                    r.reply(&m, body).await.unwrap();
                }
                ConsumeResult::Success
            }
        })
        .await
        .unwrap();
    (consumer, replier)
}

#[tokio::test]
async fn a_request_gets_its_reply_and_a_silent_topic_times_out() {
    let cluster = TestCluster::start(|_| {}).await;
    let requester = producer(&cluster, "request-p").await;
    requester
        .send(Message::new("RequestTopic", "warm-up"))
        .await
        .unwrap();
    let (consumer, _replier) = responder(&cluster).await;

    for i in 0..3 {
        let reply = requester
            .request(
                Message::new("RequestTopic", format!("ping-{i}")),
                Duration::from_secs(10),
            )
            .await
            .unwrap();
        assert_eq!(&reply.message.body[..], format!("pong:ping-{i}").as_bytes());
        assert_eq!(reply.message.property(property::MSG_TYPE), Some("reply"));
        assert_eq!(
            reply.message.property(property::MESSAGE_REPLY_TO_CLIENT),
            Some(requester.client_id())
        );
        assert!(reply.message.property(property::PUSH_REPLY_TIME).is_some());
    }

    let (tx, rx) = tokio::sync::oneshot::channel();
    requester.request_with_callback(
        Message::new("RequestTopic", "callback"),
        Duration::from_secs(10),
        move |r| {
            let _ = tx.send(r.map(|m| m.message.body));
        },
    );
    assert_eq!(&rx.await.unwrap().unwrap()[..], b"pong:callback");

    let started = std::time::Instant::now();
    let silent = requester
        .request(
            Message::new("NobodyListens", "hello?"),
            Duration::from_millis(800),
        )
        .await;
    assert!(
        matches!(silent, Err(ClientError::RequestTimeout { .. })),
        "{silent:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));

    // The replies (the warm-up's included) were stored in the cluster's reply topic too.
    let reader = cluster
        .reader("reply-reader", "DefaultCluster_REPLY_TOPIC")
        .await;
    let mut stored = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    while stored.len() < 5 && std::time::Instant::now() < deadline {
        stored.extend(reader.poll(Duration::from_millis(100)).await.unwrap());
    }
    assert_eq!(stored.len(), 5);
    consumer.shutdown().await;
    cluster.stop().await;
}
