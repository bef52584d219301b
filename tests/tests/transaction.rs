//! Transactional messages end to end: commit, rollback, the broker's check of unknown
//! outcomes, giving up after `transactionCheckMax`, duplicate answers, and open transactions
//! across a broker restart. Short transaction timers keep it fast.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use broker_server::broker::BrokerConfig;
use rocketmq_client::consumer::LitePullConsumer;
use rocketmq_client::producer::{LocalTransactionState, TransactionListener};
use rocketmq_client::protocol::header::EndTransactionRequestHeader;
use rocketmq_client::protocol::message::{decode_offset_msg_id, property};
use rocketmq_client::protocol::{RemotingCommand, RequestCode};
use rocketmq_client::{Message, MessageExt, Producer, async_trait};
use rocketmq_integration_tests::TestCluster;

fn fast_checks(c: &mut BrokerConfig) {
    c.transaction_timeout = 400;
    c.transaction_check_interval = 200;
    c.transaction_check_max = 3;
}

/// Decides by body: `commit…`, `rollback…`, `unknown…` (then `check` commits it), `never…`
/// (unknown forever).
#[derive(Default)]
struct Bank {
    checks: Mutex<HashMap<String, usize>>,
    executed: AtomicUsize,
}

fn body(msg: &rocketmq_client::Message) -> String {
    String::from_utf8_lossy(&msg.body).to_string()
}

#[async_trait]
impl TransactionListener for Bank {
    async fn execute(&self, msg: &Message, transaction_id: &str) -> LocalTransactionState {
        assert_eq!(Some(transaction_id), msg.unique_key());
        self.executed.fetch_add(1, Ordering::SeqCst);
        let b = body(msg);
        if b.starts_with("commit") {
            LocalTransactionState::Commit
        } else if b.starts_with("rollback") {
            LocalTransactionState::Rollback
        } else {
            LocalTransactionState::Unknown
        }
    }

    async fn check(&self, msg: &MessageExt) -> LocalTransactionState {
        let b = body(&msg.message);
        *self.checks.lock().unwrap().entry(b.clone()).or_default() += 1;
        if b.starts_with("unknown") {
            LocalTransactionState::Commit
        } else {
            LocalTransactionState::Unknown
        }
    }
}

async fn tx_producer(cluster: &TestCluster, bank: &Arc<Bank>) -> Producer {
    Producer::builder("tx-p")
        .namesrv_addr(cluster.namesrv_addr())
        .transaction_listener(bank.clone())
        .start()
        .await
        .unwrap()
}

async fn read_for(reader: &LitePullConsumer, wait: Duration) -> Vec<MessageExt> {
    let mut out = Vec::new();
    let deadline = std::time::Instant::now() + wait;
    while std::time::Instant::now() < deadline {
        out.extend(reader.poll(Duration::from_millis(100)).await.unwrap());
    }
    out
}

fn bodies(msgs: &[MessageExt]) -> Vec<String> {
    let mut b: Vec<String> = msgs.iter().map(|m| body(&m.message)).collect();
    b.sort();
    b
}

#[tokio::test]
async fn commit_rollback_check_and_give_up() {
    let cluster = TestCluster::start(fast_checks).await;
    let bank = Arc::new(Bank::default());
    let p = tx_producer(&cluster, &bank).await;
    p.send(Message::new("TxTopic", "plain")).await.unwrap();
    let reader = cluster.reader("tx-reader", "TxTopic").await;

    for b in ["commit-1", "rollback-1", "unknown-1", "never-1"] {
        let r = p
            .send_in_transaction(Message::new("TxTopic", b))
            .await
            .unwrap();
        assert_eq!(
            r.send_result.transaction_id.as_deref(),
            Some(r.send_result.msg_id.as_str())
        );
    }
    assert_eq!(bank.executed.load(Ordering::SeqCst), 4);
    let got = read_for(&reader, Duration::from_secs(4)).await;
    assert_eq!(bodies(&got), ["commit-1", "plain", "unknown-1"]);
    let committed = got.iter().find(|m| body(&m.message) == "commit-1").unwrap();
    assert_eq!(
        committed.message.property(property::TRANSACTION_PREPARED),
        Some("true")
    );
    assert_eq!(committed.sys_flag & 0xC, 0x8, "stored as a commit");
    let checks = bank.checks.lock().unwrap().clone();
    assert_eq!(checks.get("unknown-1"), Some(&1), "{checks:?}");
    assert_eq!(
        checks.get("never-1"),
        Some(&3),
        "checked transactionCheckMax times: {checks:?}"
    );
    assert!(!checks.contains_key("commit-1") && !checks.contains_key("rollback-1"));

    let given_up = cluster
        .reader("tx-max-reader", "TRANS_CHECK_MAX_TIME_TOPIC")
        .await;
    let parked = read_for(&given_up, Duration::from_millis(500)).await;
    assert_eq!(bodies(&parked), ["never-1"]);
    cluster.stop().await;
}

#[tokio::test]
async fn a_repeated_commit_delivers_once() {
    let cluster = TestCluster::start(|c| {
        c.transaction_timeout = 60_000;
    })
    .await;
    let bank = Arc::new(Bank::default());
    let p = tx_producer(&cluster, &bank).await;
    p.send(Message::new("TxTwice", "plain")).await.unwrap();
    let reader = cluster.reader("tx-twice-reader", "TxTwice").await;
    let r = p
        .send_in_transaction(Message::new("TxTwice", "unknown-twice"))
        .await
        .unwrap()
        .send_result;
    let (_, offset) = decode_offset_msg_id(&r.offset_msg_id).unwrap();
    let end = EndTransactionRequestHeader {
        topic: Some("TxTwice".into()),
        producer_group: "tx-p".into(),
        tran_state_table_offset: r.queue_offset,
        commit_log_offset: offset,
        commit_or_rollback: 8,
        from_transaction_check: Some(false),
        msg_id: r.msg_id.clone(),
        transaction_id: r.transaction_id.clone(),
    };
    for _ in 0..2 {
        let req = RemotingCommand::request_with(RequestCode::EndTransaction, &end);
        let resp = cluster
            .client
            .invoke(&cluster.broker_addr(), req, Duration::from_secs(3))
            .await
            .unwrap();
        assert_eq!(resp.code, 0, "{:?}", resp.remark);
    }
    let wrong_group = EndTransactionRequestHeader {
        producer_group: "someone-else".into(),
        ..end
    };
    let req = RemotingCommand::request_with(RequestCode::EndTransaction, &wrong_group);
    let resp = cluster
        .client
        .invoke(&cluster.broker_addr(), req, Duration::from_secs(3))
        .await
        .unwrap();
    assert_eq!(resp.remark.as_deref(), Some("The producer group wrong"));
    let got = read_for(&reader, Duration::from_secs(1)).await;
    assert_eq!(bodies(&got), ["plain", "unknown-twice"]);
    cluster.stop().await;
}

#[tokio::test]
async fn open_transactions_survive_a_restart_and_commit_once() {
    let cluster = TestCluster::start(|c| {
        fast_checks(c);
        c.transaction_timeout = 2000;
    })
    .await;
    let bank = Arc::new(Bank::default());
    let p = tx_producer(&cluster, &bank).await;
    p.send(Message::new("TxRestart", "plain")).await.unwrap();
    for i in 0..5 {
        p.send_in_transaction(Message::new("TxRestart", format!("commit-{i}")))
            .await
            .unwrap();
        p.send_in_transaction(Message::new("TxRestart", format!("unknown-{i}")))
            .await
            .unwrap();
    }
    p.shutdown().await;
    let cluster = cluster
        .restart_broker(|c| {
            fast_checks(c);
            c.transaction_timeout = 2000;
        })
        .await;
    let bank = Arc::new(Bank::default());
    let p = tx_producer(&cluster, &bank).await;
    // A producer heartbeats (and so hears checks from) the brokers it sends to.
    p.send(Message::new("TxRestart", "after")).await.unwrap();
    let reader = cluster.reader("tx-restart-reader", "TxRestart").await;
    let got = read_for(&reader, Duration::from_secs(5)).await;
    let mut expected: Vec<String> = (0..5)
        .flat_map(|i| [format!("commit-{i}"), format!("unknown-{i}")])
        .collect();
    expected.push("plain".into());
    expected.push("after".into());
    expected.sort();
    assert_eq!(
        bodies(&got),
        expected,
        "each committed transaction delivered once"
    );
    cluster.stop().await;
}
