//! One side of a cross-client check with a third-party client (see `scripts/compat.sh`).
//!
//! Run with: `NAMESRV=127.0.0.1:9876 cargo run -p rocketmq-examples --example compat_peer -- produce|consume N RUNID`
//!
//! Messages are body `<RUNID>:<i>`, tag `TagA`, keys `KEY-<RUNID>-<i>`, user property
//! `color=c<i>`; `consume` succeeds once all N arrived with every field intact.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use rocketmq_client::consumer::{ConsumeFromWhere, ConsumeResult, PushConsumer};
use rocketmq_client::{Message, Producer};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    rocketmq_examples::init_logging();
    let args: Vec<String> = std::env::args().collect();
    let [_, mode, n, run_id] = args.as_slice() else {
        bail!("usage: compat_peer produce|consume N RUNID")
    };
    let n: usize = n.parse().context("N")?;
    let namesrv = std::env::var("NAMESRV").unwrap_or_else(|_| "127.0.0.1:9876".into());
    let topic = std::env::var("TOPIC").unwrap_or_else(|_| "CrossTopic".into());
    let group = std::env::var("GROUP").unwrap_or_else(|_| "cross-group".into());
    match mode.as_str() {
        "produce" => {
            let producer = Producer::builder("cross-producer-rs")
                .namesrv_addr(&namesrv)
                .start()
                .await?;
            for i in 0..n {
                let mut msg = Message::new(&topic, format!("{run_id}:{i}"))
                    .with_tags("TagA")
                    .with_keys(format!("KEY-{run_id}-{i}"));
                msg.put_property("color", format!("c{i}"));
                producer.send(msg).await?;
            }
            producer.shutdown().await;
            println!("PRODUCED {n}");
        }
        "consume" => {
            let ok: Arc<Mutex<BTreeSet<usize>>> = Arc::default();
            let bad: Arc<Mutex<Vec<String>>> = Arc::default();
            let (ok2, bad2, prefix) = (ok.clone(), bad.clone(), format!("{run_id}:"));
            let consumer = PushConsumer::builder(&group)
                .namesrv_addr(&namesrv)
                .subscribe(&topic, "TagA")
                .consume_from_where(ConsumeFromWhere::FirstOffset)
                .start(move |msgs| {
                    let (ok, bad, prefix) = (ok2.clone(), bad2.clone(), prefix.clone());
                    async move {
                        for m in msgs {
                            let body = String::from_utf8_lossy(&m.message.body).to_string();
                            let Some(i) = body
                                .strip_prefix(&prefix)
                                .and_then(|i| i.parse::<usize>().ok())
                            else {
                                continue;
                            };
                            let fields = (
                                m.message.tags(),
                                m.message.keys(),
                                m.message.property("color"),
                            );
                            let want = (
                                Some("TagA"),
                                Some(format!("KEY-{}{i}", prefix.replace(':', "-"))),
                                Some(format!("c{i}")),
                            );
                            if fields.0 == want.0
                                && fields.1 == want.1.as_deref()
                                && fields.2 == want.2.as_deref()
                            {
                                ok.lock().unwrap().insert(i);
                            } else {
                                bad.lock().unwrap().push(format!("{i}: {fields:?}"));
                            }
                        }
                        ConsumeResult::Success
                    }
                })
                .await?;
            println!("CONSUMER started");
            let deadline = Instant::now() + Duration::from_secs(60);
            while Instant::now() < deadline
                && ok.lock().unwrap().len() < n
                && bad.lock().unwrap().is_empty()
            {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            consumer.shutdown().await;
            let (got, bad) = (ok.lock().unwrap().len(), bad.lock().unwrap().clone());
            println!(
                "CONSUMED {got}/{n}{}",
                if bad.is_empty() {
                    String::new()
                } else {
                    format!(" BAD {:?}", &bad[..bad.len().min(3)])
                }
            );
            if got != n || !bad.is_empty() {
                std::process::exit(1);
            }
        }
        other => bail!("unknown mode {other}"),
    }
    Ok(())
}
