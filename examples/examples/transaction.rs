//! Transactional messages (the tutorial's `TransactionProducer`): each message is stored as a
//! half message, the local transaction decides, and the broker asks about those left unknown.
//! Consumers see committed messages only.
//!
//! Run with: `cargo run --release -p rocketmq-examples --example transaction`
//! (the embedded broker checks unknown transactions after 1 s rather than Apache's 6 s).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use rocketmq_client::producer::{LocalTransactionState, TransactionListener};
use rocketmq_client::{Message, MessageExt, Producer, async_trait};

/// Like the tutorial's `TransactionListenerImpl`: the outcome cycles through unknown, commit
/// and rollback; a check reports what was decided.
#[derive(Default)]
struct TransactionListenerImpl {
    decided: Mutex<HashMap<String, LocalTransactionState>>,
}

#[async_trait]
impl TransactionListener for TransactionListenerImpl {
    async fn execute(&self, msg: &Message, transaction_id: &str) -> LocalTransactionState {
        let n: usize = String::from_utf8_lossy(&msg.body)
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let eventual = if n % 3 == 2 {
            LocalTransactionState::Rollback
        } else {
            LocalTransactionState::Commit
        };
        self.decided
            .lock()
            .unwrap()
            .insert(transaction_id.to_string(), eventual);
        if n.is_multiple_of(3) {
            LocalTransactionState::Unknown // answered later, when the broker checks
        } else {
            eventual
        }
    }

    async fn check(&self, msg: &MessageExt) -> LocalTransactionState {
        let state = self
            .decided
            .lock()
            .unwrap()
            .get(&msg.msg_id())
            .copied()
            .unwrap_or(LocalTransactionState::Unknown);
        println!("checked {}: {state:?}", msg.msg_id());
        state
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let servers = rocketmq_examples::Servers::start(&[
        ("transactionTimeOut", "1000"),
        ("transactionCheckInterval", "500"),
    ])
    .await?;
    let producer = Producer::builder("please_rename_unique_group_name")
        .namesrv_addr(servers.namesrv_addr())
        .transaction_listener(TransactionListenerImpl::default())
        .start()
        .await?;
    producer
        .send(Message::new("TopicTest1234", "create the topic"))
        .await?;
    for i in 0..9 {
        let msg = Message::new("TopicTest1234", format!("Hello RocketMQ {i}")).with_tags("TagA");
        let r = producer.send_in_transaction(msg).await?;
        println!("{} {:?}", r.send_result, r.local_state);
    }
    // 3 of 9 commit at once, 3 roll back, 3 are unknown until checked, then commit.
    let seen = rocketmq_examples::read_all(
        &servers.namesrv_addr(),
        "TopicTest1234",
        7,
        Duration::from_secs(15),
    )
    .await?;
    for m in &seen {
        println!("visible: {}", String::from_utf8_lossy(&m.message.body));
    }
    producer.shutdown().await;
    servers.shutdown().await;
    anyhow::ensure!(
        seen.len() == 7,
        "expected the topic message and 6 committed, found {}",
        seen.len()
    );
    Ok(())
}
