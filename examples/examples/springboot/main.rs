//! The tutorial's Spring Boot chapter, in Rust: a producer service sends with the template; an
//! annotated listener in a clustering group and one in a broadcasting group receive. Everything
//! runs on an embedded name server and broker (see `application.yml`), and the program stops by
//! itself once both listeners have every message.
//!
//!     cargo run --release -p rocketmq-examples --example springboot

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Context;
use rocketmq_starter::{
    Json, Received, RocketApplication, RocketTemplate, SendResult, TemplateError, rocketmq_listener,
};
use serde::{Deserialize, Serialize};

const MESSAGES: usize = 10;

static CLUSTERING: AtomicUsize = AtomicUsize::new(0);
static BROADCASTING: AtomicUsize = AtomicUsize::new(0);

/// `@RocketMQMessageListener(topic = "boot-test", consumerGroup = "boot-test-consumer-group",
/// messageModel = MessageModel.CLUSTERING)`: the group shares the messages.
#[rocketmq_listener(
    topic = "boot-test",
    group = "boot-test-consumer-group",
    model = "clustering"
)]
async fn on_message(msg: String) -> anyhow::Result<()> {
    println!("[clustering]   received: {msg}");
    CLUSTERING.fetch_add(1, Ordering::SeqCst);
    Ok(())
}

/// The same topic in broadcasting mode: every instance of this application gets every message.
#[rocketmq_listener(
    topic = "boot-test",
    group = "boot-test-broadcast-group",
    model = "broadcasting",
    // Broadcasting offsets are this instance's own: a first run reads the topic from its start.
    consume_from_where = "first_offset"
)]
async fn on_broadcast(msg: Received<String>) {
    println!(
        "[broadcasting] received: {} (id {}, queue {:?})",
        msg.payload,
        msg.msg_id(),
        msg.queue()
    );
    BROADCASTING.fetch_add(1, Ordering::SeqCst);
}

#[derive(Debug, Serialize, Deserialize)]
struct Order {
    id: u32,
    item: String,
}

/// JSON payloads decode straight into the listener's argument type.
#[rocketmq_listener(topic = "boot-orders", group = "boot-orders-group")]
async fn on_order(order: Order) -> anyhow::Result<()> {
    println!(
        "[orders]       received: order {} ({})",
        order.id, order.item
    );
    Ok(())
}

/// The producer service: it only needs the template.
struct GreetingService {
    template: RocketTemplate,
}

impl GreetingService {
    async fn greet(&self, i: usize) -> Result<SendResult, TemplateError> {
        self.template
            .sync_send("boot-test", format!("我是一个简单的消息 {i}"))
            .await
    }

    async fn order(&self, order: &Order) -> Result<SendResult, TemplateError> {
        self.template
            .sync_send("boot-orders:created", Json(order))
            .await
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    rocketmq_examples::init_logging_or("warn,rocketmq_starter=info");
    let app = RocketApplication::builder()
        .yaml("application.yml", include_str!("application.yml"))
        .start()
        .await?;
    let service = GreetingService {
        template: app.template().clone(),
    };
    for i in 0..MESSAGES {
        let result = service.greet(i).await?;
        println!(
            "sent: {} {} to queue {}",
            result.status.name(),
            result.msg_id,
            result.message_queue.queue_id
        );
    }
    let result = service
        .order(&Order {
            id: 1,
            item: "RocketMQ in Action".into(),
        })
        .await?;
    println!("sent: order as JSON {}", result.msg_id);

    let waited = tokio::time::timeout(Duration::from_secs(60), async {
        while CLUSTERING.load(Ordering::SeqCst) < MESSAGES
            || BROADCASTING.load(Ordering::SeqCst) < MESSAGES
        {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    let (c, b) = (
        CLUSTERING.load(Ordering::SeqCst),
        BROADCASTING.load(Ordering::SeqCst),
    );
    app.shutdown().await;
    waited.with_context(|| {
        format!("only {c} clustering and {b} broadcasting receipts of {MESSAGES} within 60 s")
    })?;
    println!(
        "done: {MESSAGES} sent, {c} received in the clustering group, {b} in the broadcasting group"
    );
    Ok(())
}
