//! The tutorial's producer module: a service sending with the template, then exiting.
//!
//!     cargo run --release --bin mqnamesrv &
//!     cargo run --release --bin mqbroker -- -n localhost:9876 &
//!     cargo run --release -p rocketmq-examples --example boot_consumer &
//!     cargo run --release -p rocketmq-examples --example boot_producer
//!
//! Settings come from `application.yml` next to this file; environment variables override it
//! (`ROCKETMQ_NAMESERVER=10.0.0.1:9876`, `ROCKETMQ_PRODUCER_GROUP=...`), and
//! `ROCKETMQ_EMBEDDED=true` runs against servers started in this process.

use std::time::Duration;

use rocketmq_starter::{Json, RocketApplication, RocketMessage};
use serde::Serialize;

#[derive(Serialize)]
struct Order {
    id: u32,
    item: &'static str,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    rocketmq_examples::init_logging_or("warn,rocketmq_starter=info");
    let app = RocketApplication::builder()
        .yaml("application.yml", include_str!("application.yml"))
        .start()
        .await?;
    let template = app.template();

    let result = template
        .sync_send("boot-test", "我是一个简单的消息")
        .await?;
    println!("syncSend: {} {}", result.status.name(), result.msg_id);

    let pending = template.async_send("boot-test", "an async message");
    println!("asyncSend: {}", pending.await?.msg_id);

    template
        .send_one_way("boot-test", "a one-way message")
        .await?;
    println!("sendOneWay: done");

    for step in ["created", "paid", "shipped"] {
        let r = template
            .sync_send_orderly("boot-test", format!("order-7 {step}"), "order-7")
            .await?;
        println!(
            "syncSendOrderly: {step} to queue {}",
            r.message_queue.queue_id
        );
    }

    let r = template
        .sync_send(
            "boot-test:TagA",
            RocketMessage::new("a delayed message")
                .keys(["delayed-1"])
                .delay(Duration::from_secs(5)),
        )
        .await?;
    println!("delayed by 5 s: {}", r.msg_id);

    let r = template
        .sync_send(
            "boot-orders",
            Json(Order {
                id: 1,
                item: "book",
            }),
        )
        .await?;
    println!("JSON: {}", r.msg_id);

    app.shutdown().await;
    Ok(())
}
