//! Message lookup end to end: by business key and time range, by unique key, by offset
//! message id, and all of it again after a broker restart (the index is on disk).

use rocketmq_client::admin::Admin;
use rocketmq_client::{Message, Producer};
use rocketmq_integration_tests::TestCluster;

#[tokio::test]
async fn messages_are_found_by_key_unique_key_and_offset_id_across_a_restart() {
    let cluster = TestCluster::start(|_| {}).await;
    let p = Producer::builder("lookup-p")
        .namesrv_addr(cluster.namesrv_addr())
        .start()
        .await
        .unwrap();
    let mut sent = Vec::new();
    for i in 0..20 {
        let keys = format!("order-{i} customer-{}", i % 3);
        let r = p
            .send(Message::new("LookupTopic", format!("body-{i}")).with_keys(keys))
            .await
            .unwrap();
        sent.push(r);
    }
    p.shutdown().await;
    let before = rocketmq_client::protocol::now_millis() + 1000;

    let check = |cluster: &TestCluster| {
        let admin = Admin::connect(Some(&cluster.namesrv_addr())).unwrap();
        let sent = sent.clone();
        async move {
            // The index is built when messages are dispatched, just after they are stored.
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
            while admin
                .query_message("LookupTopic", "order-19", 32, 0, before)
                .await
                .unwrap()
                .is_empty()
                && std::time::Instant::now() < deadline
            {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            let by_key = admin
                .query_message("LookupTopic", "order-7", 32, 0, before)
                .await
                .unwrap();
            assert_eq!(by_key.len(), 1);
            assert_eq!(&by_key[0].message.body[..], b"body-7");
            let customers = admin
                .query_message("LookupTopic", "customer-1", 32, 0, before)
                .await
                .unwrap();
            assert_eq!(customers.len(), 7, "1, 4, 7, 10, 13, 16, 19");
            let limited = admin
                .query_message("LookupTopic", "customer-1", 2, 0, before)
                .await
                .unwrap();
            assert_eq!(limited.len(), 2);
            let none = admin
                .query_message(
                    "LookupTopic",
                    "order-7",
                    32,
                    before + 10_000,
                    before + 20_000,
                )
                .await
                .unwrap();
            assert!(none.is_empty(), "outside the time range");
            let missing = admin
                .query_message("LookupTopic", "no-such-key", 32, 0, before)
                .await
                .unwrap();
            assert!(missing.is_empty());

            let by_uniq = admin
                .query_message_by_unique_key("LookupTopic", &sent[3].msg_id)
                .await
                .unwrap()
                .expect("found by unique key");
            assert_eq!(&by_uniq.message.body[..], b"body-3");
            let by_id = admin.view_message(&sent[5].offset_msg_id).await.unwrap();
            assert_eq!(&by_id.message.body[..], b"body-5");
            assert_eq!(by_id.msg_id(), sent[5].msg_id);
        }
    };
    check(&cluster).await;
    let cluster = cluster.restart_broker(|_| {}).await;
    // Offset message ids name the old port; look up by key and unique key after the restart.
    let admin = Admin::connect(Some(&cluster.namesrv_addr())).unwrap();
    let again = admin
        .query_message("LookupTopic", "order-12", 32, 0, before)
        .await
        .unwrap();
    assert_eq!(again.len(), 1, "the index survives a restart");
    let uniq = admin
        .query_message_by_unique_key("LookupTopic", &sent[19].msg_id)
        .await
        .unwrap();
    assert!(uniq.is_some());
    cluster.stop().await;
}
