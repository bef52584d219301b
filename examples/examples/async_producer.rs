//! Sending asynchronously (the tutorial's `AsyncProducer`): each send reports through a
//! callback while the program goes on; here we count the callbacks down.
//!
//! Run with: `cargo run --release -p rocketmq-examples --example async_producer`
//! (an embedded name server and broker, or yours with `NAMESRV_ADDR=127.0.0.1:9876`).

use std::sync::Arc;
use std::time::Duration;

use rocketmq_client::{Message, Producer};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let servers = rocketmq_examples::Servers::start(&[]).await?;
    let producer = Arc::new(
        Producer::builder("please_rename_unique_group_name")
            .namesrv_addr(servers.namesrv_addr())
            .retry_times_when_send_failed(0)
            .start()
            .await?,
    );
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    for i in 0..100 {
        let msg = Message::new("TopicTest", format!("Hello world {i}"))
            .with_tags("TagA")
            .with_keys("OrderID188");
        let tx = tx.clone();
        producer.send_with_callback(msg, move |result| {
            match &result {
                Ok(r) => println!("{i:<5} OK {}", r.msg_id),
                Err(e) => println!("{i:<5} Exception {e}"),
            }
            let _ = tx.send(result.is_ok());
        });
    }
    drop(tx);
    let mut ok = 0;
    while let Ok(Some(sent)) = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await {
        ok += usize::from(sent);
    }
    println!("{ok} of 100 sent");
    producer.shutdown().await;
    servers.shutdown().await;
    anyhow::ensure!(ok == 100, "only {ok} of 100 sends succeeded");
    Ok(())
}
