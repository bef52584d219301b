//! The tutorial's `Producer.java`: send 1,000 messages to `TopicTest` with tag `TagA`.
//!
//! Run with (after `mqnamesrv` and `mqbroker -n 127.0.0.1:9876`):
//! `NAMESRV_ADDR=127.0.0.1:9876 cargo run --release -p rocketmq-examples --example quickstart_producer`

use rocketmq_client::{Message, Producer};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    rocketmq_examples::init_logging();
    // The name server comes from NAMESRV_ADDR, as for the Java client.
    let producer = Producer::builder("please_rename_unique_group_name")
        .start()
        .await?;
    for i in 0..1000 {
        let msg = Message::new("TopicTest", format!("Hello RocketMQ {i}")).with_tags("TagA");
        match producer.send(msg).await {
            Ok(result) => println!("{result}"),
            Err(e) => {
                eprintln!("send {i} failed: {e}");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        }
    }
    producer.shutdown().await;
    Ok(())
}
