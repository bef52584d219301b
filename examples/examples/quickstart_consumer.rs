//! The tutorial's `Consumer.java`: a push consumer on `TopicTest`, every tag, printing what
//! arrives until Ctrl-C.
//!
//! Run with (after `mqnamesrv` and `mqbroker -n 127.0.0.1:9876`):
//! `NAMESRV_ADDR=127.0.0.1:9876 cargo run --release -p rocketmq-examples --example quickstart_consumer`

use rocketmq_client::consumer::{ConsumeFromWhere, ConsumeResult, PushConsumer};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    rocketmq_examples::init_logging();
    let consumer = PushConsumer::builder("please_rename_unique_group_name_4")
        .consume_from_where(ConsumeFromWhere::FirstOffset)
        .subscribe("TopicTest", "*")
        .start(|msgs| async move {
            for m in &msgs {
                println!(
                    "Receive New Messages: [MessageExt [msgId={}, topic={}, queueId={}, queueOffset={}, body={}]]",
                    m.msg_id(),
                    m.message.topic,
                    m.queue_id,
                    m.queue_offset,
                    String::from_utf8_lossy(&m.message.body)
                );
            }
            ConsumeResult::Success
        })
        .await?;
    println!("Consumer Started.");
    tokio::signal::ctrl_c().await?;
    consumer.shutdown().await;
    Ok(())
}
