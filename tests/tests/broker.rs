//! Broker behaviour: send, pull, tags, long polling, offsets, clients and admin.

use std::time::{Duration, Instant};

use rocketmq_client::protocol::body::{
    ConsumerData, ConsumerListBody, HeartbeatData, JsonBody, MessageModel, SubscriptionData,
    TopicConfigSerializeWrapper,
};
use rocketmq_client::protocol::header::{
    ConsumerGroupHeader, CreateTopicRequestHeader, OffsetResponseHeader, SearchOffsetRequestHeader,
    TopicHeader, UnregisterClientRequestHeader,
};
use rocketmq_client::protocol::message::{
    BatchEntry, Message, MessageExt, decode_batch, encode_batch, property,
};
use rocketmq_client::protocol::{RemotingCommand, RequestCode, ResponseCode, java_hash_code};
use rocketmq_client::remoting::{RemotingClient, Reply, RequestHandler};
use rocketmq_integration_tests::{TestCluster, wire};

#[tokio::test]
async fn sent_messages_are_pulled_intact_with_broker_properties() {
    let cluster = TestCluster::start(|_| {}).await;
    let (c, b) = (&cluster.client, cluster.broker_addr());
    let msg = Message::new("Intact", "hello 世界")
        .with_tags("TagA")
        .with_keys("k1 k2");
    let r = wire::send(c, &b, &msg, 1).await;
    assert_eq!((r.queue_id, r.queue_offset), (1, 0));
    assert_eq!(r.msg_id.len(), 32);
    assert!(
        r.transaction_id.is_some(),
        "UNIQ_KEY echoed as transactionId"
    );

    wire::wait_dispatched(c, &b, "Intact", 1, 1).await;
    let pulled = wire::Pull::new("Intact", 1, 0).send(c, &b).await;
    assert_eq!(pulled.code, ResponseCode::Success);
    let m: &MessageExt = &pulled.messages[0];
    assert_eq!(&m.message.body[..], "hello 世界".as_bytes());
    assert_eq!(m.message.keys(), Some("k1 k2"));
    assert_eq!(
        m.message.property(property::CLUSTER),
        Some("DefaultCluster")
    );
    assert_eq!(
        m.message.property(property::MSG_REGION),
        Some("DefaultRegion")
    );
    assert_eq!(m.offset_msg_id(), r.msg_id);
    assert_eq!(m.msg_id(), r.transaction_id.unwrap());
    assert_eq!(pulled.header.next_begin_offset, 1);
    assert!(m.store_timestamp >= m.born_timestamp);
    cluster.stop().await;
}

#[tokio::test]
async fn batches_store_consecutive_offsets() {
    let cluster = TestCluster::start(|_| {}).await;
    let (c, b) = (&cluster.client, cluster.broker_addr());
    wire::send(c, &b, &wire::message("Batch", "first", "A"), 0).await;
    let entries: Vec<BatchEntry> = (0..5)
        .map(|i| BatchEntry {
            flag: 0,
            body: format!("b{i}").into(),
            properties: format!("TAGS\u{1}T{i}\u{2}"),
        })
        .collect();
    let body = encode_batch(&entries);
    assert_eq!(decode_batch(&body).unwrap().len(), 5);
    let mut h = wire::send_header(&Message::new("Batch", ""), 0);
    h.m = Some(true);
    let resp = wire::call(
        c,
        &b,
        RemotingCommand::request_with(RequestCode::SendBatchMessage, &h).with_body(body),
    )
    .await;
    assert_eq!(resp.response_code(), ResponseCode::Success);
    assert_eq!(resp.ext("queueOffset"), Some("1"));
    assert_eq!(resp.ext("msgId").unwrap().split(',').count(), 5);
    wire::wait_dispatched(c, &b, "Batch", 0, 6).await;
    let all = wire::pull_all(c, &b, "Batch", 0).await;
    let bodies: Vec<_> = all
        .iter()
        .map(|m| String::from_utf8_lossy(&m.message.body).to_string())
        .collect();
    assert_eq!(bodies, ["first", "b0", "b1", "b2", "b3", "b4"]);
    assert_eq!(all[3].message.tags(), Some("T2"));
    cluster.stop().await;
}

#[tokio::test]
async fn tag_filtering_skips_other_tags_and_advances_the_offset() {
    let cluster = TestCluster::start(|_| {}).await;
    let (c, b) = (&cluster.client, cluster.broker_addr());
    for (i, tag) in ["TagA", "TagB", "TagC", "TagA"].iter().enumerate() {
        wire::send(c, &b, &wire::message("Tags", format!("m{i}"), tag), 0).await;
    }
    wire::wait_dispatched(c, &b, "Tags", 0, 4).await;
    let p = wire::Pull::new("Tags", 0, 0)
        .expression("TagA || TagC")
        .send(c, &b)
        .await;
    let tags: Vec<_> = p
        .messages
        .iter()
        .map(|m| m.message.tags().unwrap().to_string())
        .collect();
    assert_eq!(tags, ["TagA", "TagC", "TagA"]);
    assert_eq!(p.header.next_begin_offset, 4);
    let none = wire::Pull::new("Tags", 0, 0)
        .expression("TagZ")
        .send(c, &b)
        .await;
    assert_eq!(none.code, ResponseCode::PullRetryImmediately);
    assert_eq!(none.header.next_begin_offset, 4);
    cluster.stop().await;
}

#[tokio::test]
async fn a_held_pull_wakes_when_a_message_arrives() {
    let cluster = TestCluster::start(|_| {}).await;
    let (c, b) = (cluster.client.clone(), cluster.broker_addr());
    wire::send(&c, &b, &wire::message("LongPoll", "0", "A"), 0).await;
    // Until the queue has the first message, a pull past it is answered at once (offset
    // overflow), not held.
    wire::wait_dispatched(&c, &b, "LongPoll", 0, 1).await;
    let (c2, b2) = (c.clone(), b.clone());
    let started = Instant::now();
    let held = tokio::spawn(async move {
        wire::Pull::new("LongPoll", 0, 1)
            .suspend(15_000)
            .send(&c2, &b2)
            .await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!held.is_finished(), "nothing new: the pull is held");
    wire::send(&c, &b, &wire::message("LongPoll", "1", "A"), 0).await;
    let p = held.await.unwrap();
    assert_eq!(p.code, ResponseCode::Success);
    assert_eq!(&p.messages[0].message.body[..], b"1");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "woken by the arrival, not the timeout"
    );
    cluster.stop().await;
}

#[tokio::test]
async fn a_held_pull_times_out_with_pull_not_found() {
    let cluster = TestCluster::start(|_| {}).await;
    let (c, b) = (&cluster.client, cluster.broker_addr());
    wire::send(c, &b, &wire::message("Idle", "0", "A"), 0).await;
    let started = Instant::now();
    let p = wire::Pull::new("Idle", 0, 1).suspend(700).send(c, &b).await;
    assert_eq!(p.code, ResponseCode::PullNotFound);
    assert_eq!(p.header.next_begin_offset, 1);
    assert!(started.elapsed() >= Duration::from_millis(600));
    cluster.stop().await;
}

#[tokio::test]
async fn pull_offsets_follow_apaches_status_table() {
    let cluster = TestCluster::start(|_| {}).await;
    let (c, b) = (&cluster.client, cluster.broker_addr());
    wire::send(c, &b, &wire::message("Offsets", "0", "A"), 0).await;
    wire::wait_dispatched(c, &b, "Offsets", 0, 1).await;
    let empty = wire::Pull::new("Offsets", 1, 0).send(c, &b).await;
    assert_eq!(empty.code, ResponseCode::PullNotFound);
    let moved = wire::Pull::new("Offsets", 1, 5).send(c, &b).await;
    assert_eq!(moved.code, ResponseCode::PullOffsetMoved);
    let badly = wire::Pull::new("Offsets", 0, 9).send(c, &b).await;
    assert_eq!(
        (badly.code, badly.header.next_begin_offset),
        (ResponseCode::PullOffsetMoved, 0)
    );
    let unknown = wire::Pull::new("NoSuchTopic", 0, 0).send(c, &b).await;
    assert_eq!(unknown.code, ResponseCode::TopicNotExist);
    let bad_queue = wire::Pull::new("Offsets", 99, 0).send(c, &b).await;
    assert_eq!(bad_queue.code, ResponseCode::InvalidParameter);
    cluster.stop().await;
}

#[tokio::test]
async fn consumer_offsets_min_max_and_search_by_time() {
    let cluster = TestCluster::start(|_| {}).await;
    let (c, b) = (&cluster.client, cluster.broker_addr());
    assert_eq!(wire::query_offset(c, &b, "cg", "Times", 0).await, None);
    for i in 0..5 {
        wire::send(c, &b, &wire::message("Times", format!("{i}"), "A"), 0).await;
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    let mut stored = Vec::new();
    while stored.len() < 5 {
        stored = wire::pull_all(c, &b, "Times", 0).await;
    }
    let stamps: Vec<i64> = stored.iter().map(|m| m.store_timestamp).collect();
    assert_eq!(wire::max_offset(c, &b, "Times", 0).await, 5);
    wire::commit_offset(c, &b, "cg", "Times", 0, 3).await;
    assert_eq!(wire::query_offset(c, &b, "cg", "Times", 0).await, Some(3));
    // Apache's quirk: without setZeroIfNotFound=false a young queue answers 0
    let req = RemotingCommand::request_with(
        RequestCode::QueryConsumerOffset,
        &rocketmq_client::protocol::header::QueryConsumerOffsetRequestHeader {
            consumer_group: "new".into(),
            topic: "Times".into(),
            queue_id: 0,
            set_zero_if_not_found: None,
        },
    );
    assert_eq!(wire::call(c, &b, req).await.ext("offset"), Some("0"));

    let search = |ts: i64, upper: bool| {
        RemotingCommand::request_with(
            RequestCode::SearchOffsetByTimestamp,
            &SearchOffsetRequestHeader {
                topic: "Times".into(),
                queue_id: 0,
                timestamp: ts,
                boundary_type: upper.then(|| "UPPER".into()),
            },
        )
    };
    let at = |resp: RemotingCommand| resp.decode_header::<OffsetResponseHeader>().unwrap().offset;
    assert_eq!(at(wire::call(c, &b, search(stamps[2], false)).await), 2);
    assert_eq!(at(wire::call(c, &b, search(stamps[2], true)).await), 2);
    assert_eq!(
        at(wire::call(c, &b, search(stamps[4] + 10_000, false)).await),
        5
    );
    assert_eq!(at(wire::call(c, &b, search(0, false)).await), 0);
    cluster.stop().await;
}

struct Notified(tokio::sync::mpsc::UnboundedSender<String>);

impl RequestHandler for Notified {
    fn handle(&self, _addr: &str, request: RemotingCommand) -> Reply {
        if request.request_code() == RequestCode::NotifyConsumerIdsChanged {
            let _ = self
                .0
                .send(request.ext("consumerGroup").unwrap_or_default().to_string());
        }
        Reply::None
    }
}

fn consumer_heartbeat(client_id: &str, group: &str) -> HeartbeatData {
    HeartbeatData {
        client_id: client_id.into(),
        consumer_data_set: vec![ConsumerData {
            group_name: group.into(),
            message_model: MessageModel::Clustering,
            subscription_data_set: vec![SubscriptionData {
                topic: "HbTopic".into(),
                sub_string: "TagA".into(),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    }
}

#[tokio::test]
async fn heartbeats_form_groups_and_changes_are_notified() {
    let cluster = TestCluster::start(|_| {}).await;
    let b = cluster.broker_addr();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let first = RemotingClient::with_handler(std::sync::Arc::new(Notified(tx)));
    let second = RemotingClient::new();
    assert_eq!(
        wire::heartbeat(&first, &b, &consumer_heartbeat("c1", "hb-group"))
            .await
            .response_code(),
        ResponseCode::Success
    );
    let _ = rx.recv().await; // its own join
    wire::heartbeat(&second, &b, &consumer_heartbeat("c2", "hb-group")).await;
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .unwrap()
            .as_deref(),
        Some("hb-group")
    );

    let list = |client: RemotingClient| {
        let b = b.clone();
        async move {
            let req = RemotingCommand::request_with(
                RequestCode::GetConsumerListByGroup,
                &ConsumerGroupHeader {
                    consumer_group: "hb-group".into(),
                },
            );
            let resp = wire::call(&client, &b, req).await;
            (
                resp.response_code(),
                ConsumerListBody::decode(&resp.body)
                    .map(|l| l.consumer_id_list)
                    .unwrap_or_default(),
            )
        }
    };
    assert_eq!(list(first.clone()).await.1, vec!["c1", "c2"]);
    // the retry topic exists now, and the heartbeat's subscription drives the pull filter
    let cfg = wire::call(
        &first,
        &b,
        RemotingCommand::request_with(
            RequestCode::GetTopicConfig,
            &TopicHeader {
                topic: "%RETRY%hb-group".into(),
                accept_standard_json_only: None,
            },
        ),
    )
    .await;
    assert_eq!(cfg.response_code(), ResponseCode::Success);

    let unregister = RemotingCommand::request_with(
        RequestCode::UnregisterClient,
        &UnregisterClientRequestHeader {
            client_id: "c2".into(),
            producer_group: None,
            consumer_group: Some("hb-group".into()),
        },
    );
    wire::call(&second, &b, unregister).await;
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .unwrap()
            .as_deref(),
        Some("hb-group")
    );
    assert_eq!(list(first.clone()).await.1, vec!["c1"]);
    first.close_all();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        list(second.clone()).await.0,
        ResponseCode::SystemError,
        "a closed connection leaves the group"
    );
    assert_eq!(java_hash_code("TagA"), 2598919);
    cluster.stop().await;
}

#[tokio::test]
async fn topics_are_created_listed_and_deleted() {
    let cluster = TestCluster::start(|_| {}).await;
    let (c, b) = (&cluster.client, cluster.broker_addr());
    let create = |topic: &str, queues: i32| {
        RemotingCommand::request_with(
            RequestCode::UpdateAndCreateTopic,
            &CreateTopicRequestHeader {
                topic: topic.into(),
                default_topic: "TBW102".into(),
                read_queue_nums: queues,
                write_queue_nums: queues,
                perm: 6,
                topic_filter_type: "SINGLE_TAG".into(),
                topic_sys_flag: Some(0),
                order: false,
                attributes: None,
            },
        )
    };
    assert_eq!(
        wire::call(c, &b, create("Admin", 3)).await.response_code(),
        ResponseCode::Success
    );
    assert_eq!(
        wire::call(c, &b, create("bad name", 3))
            .await
            .response_code(),
        ResponseCode::InvalidParameter
    );
    let all = wire::call(
        c,
        &b,
        RemotingCommand::request(RequestCode::GetAllTopicConfig),
    )
    .await;
    let wrapper = TopicConfigSerializeWrapper::decode(&all.body).unwrap();
    assert_eq!(wrapper.topic_config_table["Admin"].read_queue_nums, 3);

    wire::send(c, &b, &wire::message("Admin", "x", "A"), 2).await;
    let bad_queue = wire::send_raw(c, &b, &wire::message("Admin", "x", "A"), 7).await;
    assert_eq!(bad_queue.response_code(), ResponseCode::InvalidParameter);
    wire::commit_offset(c, &b, "g", "Admin", 2, 1).await;

    let delete = RemotingCommand::request_with(
        RequestCode::DeleteTopicInBroker,
        &TopicHeader {
            topic: "Admin".into(),
            accept_standard_json_only: None,
        },
    );
    assert_eq!(
        wire::call(c, &b, delete).await.response_code(),
        ResponseCode::Success
    );
    assert_eq!(wire::max_offset(c, &b, "Admin", 2).await, 0);
    assert_eq!(wire::query_offset(c, &b, "g", "Admin", 2).await, None);
    let forbidden = wire::send_raw(c, &b, &wire::message("SCHEDULE_TOPIC_XXXX", "x", "A"), 0).await;
    assert_eq!(forbidden.response_code(), ResponseCode::NoPermission);
    cluster.stop().await;
}

#[tokio::test]
async fn auto_creation_off_refuses_unknown_topics() {
    let cluster = TestCluster::start(|c| c.auto_create_topic_enable = false).await;
    let resp = wire::send_raw(
        &cluster.client,
        &cluster.broker_addr(),
        &wire::message("Unknown", "x", "A"),
        0,
    )
    .await;
    assert_eq!(resp.response_code(), ResponseCode::TopicNotExist);
    assert!(resp.remark.unwrap().contains("not exist"));
    cluster.stop().await;
}

#[tokio::test]
async fn oversized_bodies_are_refused_and_later_sends_work() {
    let cluster = TestCluster::start(|c| c.max_message_size = 1024).await;
    let (c, b) = (&cluster.client, cluster.broker_addr());
    let big = wire::send_raw(c, &b, &wire::message("Big", vec![b'x'; 2048], "A"), 0).await;
    assert_eq!(big.response_code(), ResponseCode::MessageIllegal);
    let ok = wire::send(c, &b, &wire::message("Big", "small", "A"), 0).await;
    assert_eq!(ok.queue_offset, 0);
    cluster.stop().await;
}
