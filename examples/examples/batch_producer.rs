//! Batch sends (the tutorial's `SimpleBatchProducer` and `SplitBatchProducer`): one request for
//! many messages of one topic, split into batches under 1 MiB when the list is large.
//!
//! Run with: `cargo run --release -p rocketmq-examples --example batch_producer`

use std::time::Duration;

use rocketmq_client::producer::split_batch;
use rocketmq_client::{Message, Producer};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let servers = rocketmq_examples::Servers::start(&[]).await?;
    let producer = Producer::builder("BatchProducerGroupName")
        .namesrv_addr(servers.namesrv_addr())
        .start()
        .await?;

    let simple = vec![
        Message::new("BatchTest", "Hello world 0")
            .with_tags("Tag")
            .with_keys("OrderID001"),
        Message::new("BatchTest", "Hello world 1")
            .with_tags("Tag")
            .with_keys("OrderID002"),
        Message::new("BatchTest", "Hello world 2")
            .with_tags("Tag")
            .with_keys("OrderID003"),
    ];
    println!("{}", producer.send_batch(simple).await?);

    let large: Vec<Message> = (0..1000)
        .map(|i| {
            Message::new("BatchTest", format!("Hello world {i} {}", "x".repeat(2000)))
                .with_tags("Tag")
        })
        .collect();
    let batches = split_batch(large, 1024 * 1024);
    println!("1000 messages in {} batches", batches.len());
    for batch in batches {
        producer.send_batch(batch).await?;
    }
    producer.shutdown().await;
    let seen = rocketmq_examples::read_all(
        &servers.namesrv_addr(),
        "BatchTest",
        1003,
        Duration::from_secs(20),
    )
    .await?;
    println!("{} messages stored", seen.len());
    servers.shutdown().await;
    anyhow::ensure!(
        seen.len() == 1003,
        "expected 1003 messages, found {}",
        seen.len()
    );
    Ok(())
}
