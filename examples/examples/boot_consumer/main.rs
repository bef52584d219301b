//! The tutorial's consumer module: annotated listeners, running until Ctrl-C or SIGTERM, then
//! draining what is in flight and committing offsets. See `boot_producer` for the commands.

use rocketmq_starter::{Received, rocketmq_listener};
use serde::Deserialize;

#[rocketmq_listener(
    topic = "boot-test",
    group = "boot-test-consumer-group",
    model = "clustering"
)]
async fn on_message(msg: String) -> anyhow::Result<()> {
    println!("[clustering] received: {msg}");
    Ok(())
}

#[rocketmq_listener(
    topic = "boot-test",
    group = "boot-test-broadcast-group",
    model = "broadcasting",
    // Broadcasting offsets are this instance's own: a first run reads the topic from its start.
    consume_from_where = "first_offset"
)]
async fn on_broadcast(msg: Received<String>) {
    println!(
        "[broadcasting] received: {} (tag {:?})",
        msg.payload,
        msg.tags()
    );
}

#[derive(Debug, Deserialize)]
struct Order {
    id: u32,
    item: String,
}

#[rocketmq_listener(topic = "boot-orders", group = "boot-orders-group")]
async fn on_order(order: Order) {
    println!("[orders] received: order {} ({})", order.id, order.item);
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    rocketmq_examples::init_logging_or("warn,rocketmq_starter=info");
    rocketmq_starter::RocketApplication::builder()
        .yaml("application.yml", include_str!("application.yml"))
        .run()
        .await?;
    Ok(())
}
