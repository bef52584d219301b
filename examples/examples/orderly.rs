//! Ordered messages (the tutorial's `OrderedProducer` / `OrderedConsumer`): orders are sent to
//! a queue chosen by order id, and an orderly consumer sees each order's steps in sequence
//! (one call at a time per queue, the queue locked on the broker).
//!
//! Run with: `cargo run --release -p rocketmq-examples --example orderly`

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rocketmq_client::consumer::{ConsumeFromWhere, ConsumeMode, ConsumeResult, PushConsumer};
use rocketmq_client::{Message, Producer};

const STEPS: [&str; 3] = ["create", "pay", "finish"];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let servers = rocketmq_examples::Servers::start(&[]).await?;
    let producer = Producer::builder("please_rename_unique_group_name")
        .namesrv_addr(servers.namesrv_addr())
        .start()
        .await?;
    for step in STEPS {
        for order in 0..10 {
            let id = format!("order-{order}");
            let msg =
                Message::new("TopicTestOrderly", format!("{id} {step}")).with_keys(id.clone());
            let r = producer.send_orderly(msg, &id).await?;
            println!("{id} {step} -> queue {}", r.message_queue.queue_id);
        }
    }

    let steps: Arc<Mutex<HashMap<String, Vec<String>>>> = Arc::default();
    let sink = steps.clone();
    let consumer = PushConsumer::builder("please_rename_unique_group_name_3")
        .namesrv_addr(servers.namesrv_addr())
        .subscribe("TopicTestOrderly", "*")
        .consume_from_where(ConsumeFromWhere::FirstOffset)
        .consume_mode(ConsumeMode::Orderly)
        .start(move |msgs| {
            let sink = sink.clone();
            async move {
                for m in msgs {
                    let body = String::from_utf8_lossy(&m.message.body).to_string();
                    println!("queue {} offset {}: {body}", m.queue_id, m.queue_offset);
                    let (id, step) = body.split_once(' ').unwrap_or_default();
                    sink.lock()
                        .unwrap()
                        .entry(id.to_string())
                        .or_default()
                        .push(step.to_string());
                }
                ConsumeResult::Success
            }
        })
        .await?;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while steps.lock().unwrap().values().map(Vec::len).sum::<usize>() < 30
        && std::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    consumer.shutdown().await;
    producer.shutdown().await;
    servers.shutdown().await;
    let steps = steps.lock().unwrap().clone();
    anyhow::ensure!(steps.len() == 10, "saw {} orders", steps.len());
    for (id, seen) in &steps {
        anyhow::ensure!(seen == &STEPS, "{id} out of order: {seen:?}");
    }
    println!("every order's steps arrived in order");
    Ok(())
}
