//! The RocketMQ quickstart, in Rust: a name server and a broker, a producer sending ten
//! messages to `TopicTest`, and a consumer receiving them.
//!
//! Run with: `cargo run --release -p rocketmq-examples --example quickstart`
//!
//! Without arguments it boots an embedded name server and broker (nothing to install); with
//! `NAMESRV_ADDR=127.0.0.1:9876` it uses the servers you started with `mqnamesrv` and
//! `mqbroker -n 127.0.0.1:9876`, exactly as in the tutorial.

use std::time::Duration;

use rocketmq_client::consumer::{ConsumeFromWhere, LitePullConsumer};
use rocketmq_client::{Message, Producer};
use rocketmq_starter::embedded::EmbeddedCluster;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    rocketmq_examples::init_logging();
    let (namesrv, embedded) = match std::env::var("NAMESRV_ADDR") {
        Ok(addr) if !addr.is_empty() => (addr, None),
        _ => {
            let cluster = EmbeddedCluster::start().await?;
            println!(
                "Started an embedded name server at {} and broker at {}",
                cluster.namesrv_addr(),
                cluster.broker_addr()
            );
            (cluster.namesrv_addr(), Some(cluster))
        }
    };

    // Step 1: the producer (Producer.java in the tutorial).
    let producer = Producer::builder("please_rename_unique_group_name")
        .namesrv_addr(&namesrv)
        .start()
        .await?;
    for i in 0..10 {
        let msg = Message::new("TopicTest", format!("Hello RocketMQ {i}")).with_tags("TagA");
        let result = producer.send(msg).await?;
        println!("{result}");
    }
    producer.shutdown().await;

    // Step 2: the consumer (Consumer.java), reading every queue of the topic from the start.
    let consumer = LitePullConsumer::builder("please_rename_unique_group_name")
        .namesrv_addr(&namesrv)
        .consume_from_where(ConsumeFromWhere::FirstOffset)
        .start()
        .await?;
    consumer
        .assign(consumer.fetch_queues("TopicTest").await?)
        .await?;
    let mut received = 0;
    while received < 10 {
        let batch = consumer.poll(Duration::from_secs(10)).await?;
        anyhow::ensure!(
            !batch.is_empty(),
            "no messages within 10 s (received {received} of 10)"
        );
        for msg in batch {
            received += 1;
            println!(
                "Receive New Messages: [MessageExt [msgId={}, topic={}, queueId={}, queueOffset={}, tags={}, body={}]]",
                msg.msg_id(),
                msg.message.topic,
                msg.queue_id,
                msg.queue_offset,
                msg.message.tags().unwrap_or_default(),
                String::from_utf8_lossy(&msg.message.body)
            );
        }
    }
    consumer.shutdown().await;
    println!("Consumed {received} messages.");

    if let Some(cluster) = embedded {
        cluster.shutdown().await;
    }
    Ok(())
}
