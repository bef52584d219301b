//! Sending one way (the tutorial's `OnewayProducer`): no result, no retry, for logs and the
//! like. A reader then shows the messages arrived.
//!
//! Run with: `cargo run --release -p rocketmq-examples --example oneway_producer`

use std::time::Duration;

use rocketmq_client::{Message, Producer};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let servers = rocketmq_examples::Servers::start(&[]).await?;
    let producer = Producer::builder("please_rename_unique_group_name")
        .namesrv_addr(servers.namesrv_addr())
        .start()
        .await?;
    // The first send creates the topic; oneway sends need its route.
    producer.send(Message::new("OnewayTopic", "first")).await?;
    for i in 0..10 {
        producer
            .send_oneway(
                Message::new("OnewayTopic", format!("Hello RocketMQ {i}")).with_tags("TagA"),
            )
            .await?;
    }
    producer.shutdown().await;
    let seen = rocketmq_examples::read_all(
        &servers.namesrv_addr(),
        "OnewayTopic",
        11,
        Duration::from_secs(10),
    )
    .await?;
    println!("{} messages stored", seen.len());
    servers.shutdown().await;
    anyhow::ensure!(
        seen.len() == 11,
        "expected 11 messages, found {}",
        seen.len()
    );
    Ok(())
}
