//! Broadcasting (the tutorial's `PushConsumer` with `MessageModel.BROADCASTING`): every
//! consumer of the group receives every message, and keeps its offsets locally.
//!
//! Run with: `cargo run --release -p rocketmq-examples --example broadcast`

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rocketmq_client::consumer::{ConsumeFromWhere, ConsumeResult, MessageModel, PushConsumer};
use rocketmq_client::{Message, Producer};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let servers = rocketmq_examples::Servers::start(&[]).await?;
    let producer = Producer::builder("please_rename_unique_group_name")
        .namesrv_addr(servers.namesrv_addr())
        .start()
        .await?;
    producer
        .send(Message::new("TopicTest", "create the topic"))
        .await?;

    let mut consumers = Vec::new();
    let mut counts = Vec::new();
    for name in ["consumer-a", "consumer-b"] {
        let count = Arc::new(AtomicUsize::new(0));
        let c = count.clone();
        let consumer = PushConsumer::builder("please_rename_unique_group_name_1")
            .namesrv_addr(servers.namesrv_addr())
            .subscribe("TopicTest", "TagA || TagC || TagD")
            .message_model(MessageModel::Broadcasting)
            .consume_from_where(ConsumeFromWhere::LastOffset)
            // Two consumers of one group in one process need their own instance names.
            .instance_name(format!("{name}-{}", std::process::id()))
            .start(move |msgs| {
                let c = c.clone();
                async move {
                    for m in msgs {
                        println!(
                            "{name} Receive New Messages: {}",
                            String::from_utf8_lossy(&m.message.body)
                        );
                        c.fetch_add(1, Ordering::SeqCst);
                    }
                    ConsumeResult::Success
                }
            })
            .await?;
        consumers.push(consumer);
        counts.push(count);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    for i in 0..10 {
        producer
            .send(Message::new("TopicTest", format!("Hello {i}")).with_tags("TagA"))
            .await?;
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while counts.iter().any(|c| c.load(Ordering::SeqCst) < 10)
        && std::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for c in &consumers {
        c.shutdown().await;
    }
    producer.shutdown().await;
    servers.shutdown().await;
    let got: Vec<usize> = counts.iter().map(|c| c.load(Ordering::SeqCst)).collect();
    anyhow::ensure!(got == [10, 10], "each consumer should see all 10: {got:?}");
    Ok(())
}
