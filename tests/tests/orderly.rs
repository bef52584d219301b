//! Orderly consumption end to end: per-key order across two consumers under failures and a
//! rebalance, queue locks held by one consumer at a time, and the DLQ after the last attempt.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rocketmq_client::consumer::{ConsumeFromWhere, ConsumeMode, ConsumeResult, PushConsumer};
use rocketmq_client::protocol::body::{JsonBody, LockBatchRequestBody, LockBatchResponseBody};
use rocketmq_client::protocol::{RemotingCommand, RequestCode};
use rocketmq_client::{Message, MessageQueue, Producer};
use rocketmq_integration_tests::{TestCluster, wire};

const KEYS: usize = 20;
const PER_KEY: usize = 60;

#[derive(Default)]
struct Log {
    /// Queues with a listener call in progress.
    busy: HashSet<i32>,
    /// Two calls on one queue at once.
    overlaps: usize,
    /// key → sequence numbers consumed successfully, in consumption order.
    done: HashMap<String, Vec<usize>>,
    /// (key, seq) that already failed once.
    failed: HashSet<(String, usize)>,
    /// Calls per consumer.
    calls: HashMap<&'static str, usize>,
}

async fn orderly_consumer(
    cluster: &TestCluster,
    who: &'static str,
    log: Arc<Mutex<Log>>,
) -> PushConsumer {
    PushConsumer::builder("orderly-g")
        .namesrv_addr(cluster.namesrv_addr())
        .subscribe("OrderTopic", "*")
        .consume_from_where(ConsumeFromWhere::FirstOffset)
        .consume_mode(ConsumeMode::Orderly)
        .suspend_current_queue_time(Duration::from_millis(50))
        .rebalance_interval(Duration::from_millis(300))
        .start(move |msgs| {
            let log = log.clone();
            async move {
                let queue = msgs[0].queue_id;
                {
                    let mut l = log.lock().unwrap();
                    if !l.busy.insert(queue) {
                        l.overlaps += 1;
                    }
                    *l.calls.entry(who).or_default() += 1;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
                let mut l = log.lock().unwrap();
                l.busy.remove(&queue);
                let m = &msgs[0];
                let body = String::from_utf8_lossy(&m.message.body).to_string();
                let (key, seq) = body.split_once(':').unwrap();
                let seq: usize = seq.parse().unwrap();
                // Every seventh message fails once.
                if seq % 7 == 3 && l.failed.insert((key.to_string(), seq)) {
                    return ConsumeResult::ReconsumeLater;
                }
                l.done.entry(key.to_string()).or_default().push(seq);
                ConsumeResult::Success
            }
        })
        .await
        .unwrap()
}

#[tokio::test]
async fn per_key_order_holds_across_two_consumers_failures_and_a_rebalance() {
    let cluster = TestCluster::start(|c| c.default_topic_queue_nums = 4).await;
    let p = Producer::builder("orderly-p")
        .namesrv_addr(cluster.namesrv_addr())
        .start()
        .await
        .unwrap();
    let log = Arc::new(Mutex::new(Log::default()));
    let send_half = |range: std::ops::Range<usize>| {
        let p = &p;
        async move {
            for seq in range {
                for k in 0..KEYS {
                    let key = format!("key{k}");
                    p.send_orderly(Message::new("OrderTopic", format!("{key}:{seq}")), &key)
                        .await
                        .unwrap();
                }
            }
        }
    };
    send_half(0..PER_KEY / 2).await;
    let a = orderly_consumer(&cluster, "a", log.clone()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let b = orderly_consumer(&cluster, "b", log.clone()).await;
    send_half(PER_KEY / 2..PER_KEY).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let done: usize = log.lock().unwrap().done.values().map(Vec::len).sum();
        if done >= KEYS * PER_KEY {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "only {done} consumed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    a.shutdown().await;
    b.shutdown().await;

    let l = std::mem::take(&mut *log.lock().unwrap());
    assert_eq!(l.overlaps, 0, "a queue was consumed by two calls at once");
    for (key, seqs) in &l.done {
        let expected: Vec<usize> = (0..PER_KEY).collect();
        assert_eq!(seqs, &expected, "key {key} out of order or repeated");
    }
    assert_eq!(l.done.len(), KEYS);
    assert!(
        l.calls.get("a").copied().unwrap_or(0) > 0 && l.calls.get("b").copied().unwrap_or(0) > 0,
        "both consumers took part: {:?}",
        l.calls
    );
    cluster.stop().await;
}

#[tokio::test]
async fn an_orderly_message_out_of_attempts_goes_to_the_dlq_and_the_queue_moves_on() {
    let cluster = TestCluster::start(|c| c.default_topic_queue_nums = 1).await;
    let p = Producer::builder("orderly-dlq-p")
        .namesrv_addr(cluster.namesrv_addr())
        .start()
        .await
        .unwrap();
    for body in ["poison", "next"] {
        p.send_orderly(Message::new("OrderDlq", body), "k")
            .await
            .unwrap();
    }
    let seen: Arc<Mutex<Vec<(String, i32)>>> = Arc::default();
    let sink = seen.clone();
    let c = PushConsumer::builder("orderly-dlq-g")
        .namesrv_addr(cluster.namesrv_addr())
        .subscribe("OrderDlq", "*")
        .consume_from_where(ConsumeFromWhere::FirstOffset)
        .consume_mode(ConsumeMode::Orderly)
        .max_reconsume_times(2)
        .suspend_current_queue_time(Duration::from_millis(50))
        .start(move |msgs| {
            let sink = sink.clone();
            async move {
                let body = String::from_utf8_lossy(&msgs[0].message.body).to_string();
                sink.lock()
                    .unwrap()
                    .push((body.clone(), msgs[0].reconsume_times));
                if body == "poison" {
                    ConsumeResult::ReconsumeLater
                } else {
                    ConsumeResult::Success
                }
            }
        })
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while !seen.lock().unwrap().iter().any(|(b, _)| b == "next") {
        assert!(
            std::time::Instant::now() < deadline,
            "the queue never moved on"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let dlq = cluster
        .reader("orderly-dlq-reader", "%DLQ%orderly-dlq-g")
        .await;
    let mut dead = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while dead.is_empty() && std::time::Instant::now() < deadline {
        dead.extend(dlq.poll(Duration::from_millis(200)).await.unwrap());
    }
    c.shutdown().await;
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            ("poison".to_string(), 0),
            ("poison".to_string(), 1),
            ("poison".to_string(), 2),
            ("next".to_string(), 0)
        ],
        "retried in place, in order"
    );
    assert_eq!(dead.len(), 1);
    assert_eq!(&dead[0].message.body[..], b"poison");
    cluster.stop().await;
}

#[tokio::test]
async fn the_broker_grants_a_queue_lock_to_one_client_at_a_time() {
    let cluster = TestCluster::start(|_| {}).await;
    let mq = MessageQueue::new("LockTopic", "broker-a", 0);
    let lock = |client: &str, code: RequestCode| {
        let body = LockBatchRequestBody {
            client_id: client.into(),
            consumer_group: "lock-g".into(),
            mq_set: [mq.clone()].into(),
            only_this_broker: false,
        };
        RemotingCommand::request(code).with_body(body.encode())
    };
    let granted = |resp: RemotingCommand| {
        LockBatchResponseBody::decode(&resp.body)
            .unwrap()
            .lock_ok_mq_set
            .len()
    };
    let addr = cluster.broker_addr();
    let c = &cluster.client;
    assert_eq!(
        granted(wire::call(c, &addr, lock("c1", RequestCode::LockBatchMq)).await),
        1
    );
    assert_eq!(
        granted(wire::call(c, &addr, lock("c2", RequestCode::LockBatchMq)).await),
        0
    );
    assert_eq!(
        granted(wire::call(c, &addr, lock("c1", RequestCode::LockBatchMq)).await),
        1,
        "renewal"
    );
    wire::call(c, &addr, lock("c1", RequestCode::UnlockBatchMq)).await;
    assert_eq!(
        granted(wire::call(c, &addr, lock("c2", RequestCode::LockBatchMq)).await),
        1
    );
    cluster.stop().await;
}
