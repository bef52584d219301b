//! Filtering (the tutorial's tag filter and `SqlProducer` / `SqlConsumer`): a tag expression,
//! and a SQL92 selector over user properties (brokers need `enablePropertyFilter=true`).
//!
//! Run with: `cargo run --release -p rocketmq-examples --example filter`

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rocketmq_client::consumer::{ConsumeFromWhere, ConsumeResult, MessageSelector, PushConsumer};
use rocketmq_client::{Message, Producer};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let servers = rocketmq_examples::Servers::start(&[("enablePropertyFilter", "true")]).await?;
    let producer = Producer::builder("please_rename_unique_group_name")
        .namesrv_addr(servers.namesrv_addr())
        .start()
        .await?;
    let tags = ["TagA", "TagB", "TagC"];
    for i in 0..10 {
        let mut msg =
            Message::new("SqlFilterTest", format!("Hello RocketMQ {i}")).with_tags(tags[i % 3]);
        msg.put_property("a", i.to_string());
        producer.send(msg).await?;
    }

    let start = |group: &'static str, selector: MessageSelector, seen: Arc<Mutex<Vec<String>>>| {
        PushConsumer::builder(group)
            .namesrv_addr(servers.namesrv_addr())
            .subscribe_with("SqlFilterTest", selector)
            .consume_from_where(ConsumeFromWhere::FirstOffset)
            .start(move |msgs| {
                let seen = seen.clone();
                async move {
                    for m in msgs {
                        let body = String::from_utf8_lossy(&m.message.body).to_string();
                        println!(
                            "{group}: {body} (tags {:?}, a={:?})",
                            m.message.tags(),
                            m.message.property("a")
                        );
                        seen.lock().unwrap().push(body);
                    }
                    ConsumeResult::Success
                }
            })
    };
    let (by_tag, by_sql) = (
        Arc::new(Mutex::new(Vec::new())),
        Arc::new(Mutex::new(Vec::new())),
    );
    let tag_consumer = start(
        "tag_filter_group",
        MessageSelector::by_tag("TagA || TagC"),
        by_tag.clone(),
    )
    .await?;
    let sql_consumer = start(
        "sql_filter_group",
        MessageSelector::by_sql("(TAGS is not null and TAGS in ('TagA', 'TagB')) and (a is not null and a between 0 and 3)"),
        by_sql.clone(),
    )
    .await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    tag_consumer.shutdown().await;
    sql_consumer.shutdown().await;
    producer.shutdown().await;
    servers.shutdown().await;
    let (t, s) = (by_tag.lock().unwrap().len(), by_sql.lock().unwrap().len());
    anyhow::ensure!(t == 7, "TagA || TagC: expected 7 (0,2,3,5,6,8,9), got {t}");
    anyhow::ensure!(s == 3, "the SQL selector: expected 3 (0, 1, 3), got {s}");
    Ok(())
}
