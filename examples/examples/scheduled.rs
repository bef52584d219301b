//! Delayed messages (the tutorial's `ScheduledMessageProducer` / `ScheduledMessageConsumer`):
//! level 2 waits 5 s with the default table; the 5.x timer takes any delay.
//!
//! Run with: `cargo run --release -p rocketmq-examples --example scheduled`

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rocketmq_client::consumer::{ConsumeFromWhere, ConsumeResult, PushConsumer};
use rocketmq_client::protocol::now_millis;
use rocketmq_client::{Message, Producer};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let servers = rocketmq_examples::Servers::start(&[]).await?;
    let producer = Producer::builder("ExampleProducerGroup")
        .namesrv_addr(servers.namesrv_addr())
        .start()
        .await?;
    producer
        .send(Message::new("TestTopic", "create the topic"))
        .await?;

    let latencies = Arc::new(Mutex::new(Vec::new()));
    let seen = latencies.clone();
    let consumer = PushConsumer::builder("ExampleConsumer")
        .namesrv_addr(servers.namesrv_addr())
        .subscribe("TestTopic", "scheduled")
        .consume_from_where(ConsumeFromWhere::FirstOffset)
        .start(move |msgs| {
            let seen = seen.clone();
            async move {
                for m in msgs {
                    let waited = now_millis() - m.born_timestamp;
                    println!(
                        "Receive message[msgId={}] {} ms later: {}",
                        m.msg_id(),
                        waited,
                        String::from_utf8_lossy(&m.message.body)
                    );
                    seen.lock().unwrap().push(waited);
                }
                ConsumeResult::Success
            }
        })
        .await?;

    for i in 0..3 {
        let msg = Message::new("TestTopic", format!("Hello scheduled message {i}"))
            .with_tags("scheduled")
            .with_delay_level(2);
        producer.send(msg).await?;
    }
    let timer = Message::new("TestTopic", "Hello timer message")
        .with_tags("scheduled")
        .with_delay(Duration::from_millis(3500));
    producer.send(timer).await?;

    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while latencies.lock().unwrap().len() < 4 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    consumer.shutdown().await;
    producer.shutdown().await;
    servers.shutdown().await;
    let waited = latencies.lock().unwrap().clone();
    anyhow::ensure!(waited.len() == 4, "received {} of 4", waited.len());
    anyhow::ensure!(
        waited.iter().all(|w| *w >= 3000),
        "delivered too early: {waited:?}"
    );
    Ok(())
}
