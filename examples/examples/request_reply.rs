//! Request-reply (the tutorial's `RequestProducer` / `ResponseConsumer`): the requester waits
//! for an answer; the responder replies from its listener, and the broker pushes the reply
//! straight back to the requester.
//!
//! Run with: `cargo run --release -p rocketmq-examples --example request_reply`

use std::sync::Arc;
use std::time::Duration;

use rocketmq_client::consumer::{ConsumeFromWhere, ConsumeResult, PushConsumer};
use rocketmq_client::{Message, Producer};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let servers = rocketmq_examples::Servers::start(&[]).await?;
    let requester = Producer::builder("please_rename_unique_group_name")
        .namesrv_addr(servers.namesrv_addr())
        .start()
        .await?;
    requester
        .send(Message::new("RequestTopic", "create the topic"))
        .await?;

    // The responder: a consumer that answers through its own producer.
    let replier = Arc::new(
        Producer::builder("please_rename_unique_group_name_reply")
            .namesrv_addr(servers.namesrv_addr())
            .start()
            .await?,
    );
    let r = replier.clone();
    let responder = PushConsumer::builder("please_rename_unique_group_name_resp")
        .namesrv_addr(servers.namesrv_addr())
        .subscribe("RequestTopic", "*")
        .consume_from_where(ConsumeFromWhere::LastOffset)
        .start(move |msgs| {
            let r = r.clone();
            async move {
                for m in msgs {
                    let body = format!("reply to {}", String::from_utf8_lossy(&m.message.body));
                    if let Err(e) = r.reply(&m, body).await {
                        eprintln!("reply failed: {e}");
                    }
                }
                ConsumeResult::Success
            }
        })
        .await?;
    tokio::time::sleep(Duration::from_secs(1)).await;

    let started = std::time::Instant::now();
    let reply = requester
        .request(
            Message::new("RequestTopic", "Hello world"),
            Duration::from_secs(10),
        )
        .await?;
    println!(
        "requestMessage cost: {} ms, reply: {}",
        started.elapsed().as_millis(),
        String::from_utf8_lossy(&reply.message.body)
    );
    responder.shutdown().await;
    replier.shutdown().await;
    requester.shutdown().await;
    servers.shutdown().await;
    anyhow::ensure!(&reply.message.body[..] == b"reply to Hello world");
    Ok(())
}
