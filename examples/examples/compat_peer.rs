//! One side of a cross-client check with a third-party client (see `scripts/compat.sh`).
//!
//! Run with: `NAMESRV=127.0.0.1:9876 cargo run -p rocketmq-examples --example compat_peer -- produce|consume N RUNID`
//!
//! Messages are body `<RUNID>:<i>`, tag `TagA`, keys `KEY-<RUNID>-<i>`, user property
//! `color=c<i>`, for i in `FROM..FROM+N` (env `FROM`, default 0); `consume` succeeds once
//! i = 0..N all arrived with every field intact, and prints `CONSUMED n/N DUP d` (d: deliveries
//! of an i already seen).

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
            let first: usize = match std::env::var("FROM") {
                Ok(v) => v.parse().context("FROM")?,
                Err(_) => 0,
            };
            for i in first..first + n {
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
            let dup: Arc<Mutex<usize>> = Arc::default();
            let bad: Arc<Mutex<Vec<String>>> = Arc::default();
            let (ok2, bad2, dup2) = (ok.clone(), bad.clone(), dup.clone());
            let prefix = format!("{run_id}:");
            let consumer = PushConsumer::builder(&group)
                .namesrv_addr(&namesrv)
                .subscribe(&topic, "TagA")
                .consume_from_where(ConsumeFromWhere::FirstOffset)
                .start(move |msgs| {
                    let (ok, bad, dup) = (ok2.clone(), bad2.clone(), dup2.clone());
                    let prefix = prefix.clone();
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
                                if !ok.lock().unwrap().insert(i) {
                                    *dup.lock().unwrap() += 1;
                                }
                            } else {
                                bad.lock().unwrap().push(format!("{i}: {fields:?}"));
                            }
                        }
                        ConsumeResult::Success
                    }
                })
                .await?;
            println!("CONSUMER started");
            let timeout = match std::env::var("HARNESS_TIMEOUT_S") {
                Ok(v) => v.parse().context("HARNESS_TIMEOUT_S")?,
                Err(_) => 60,
            };
            let deadline = Instant::now() + Duration::from_secs(timeout);
            while Instant::now() < deadline
                && ok.lock().unwrap().len() < n
                && bad.lock().unwrap().is_empty()
            {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            consumer.shutdown().await;
            let (got, bad) = (ok.lock().unwrap().len(), bad.lock().unwrap().clone());
            println!(
                "CONSUMED {got}/{n} DUP {}{}",
                dup.lock().unwrap(),
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
