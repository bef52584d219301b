//! Producer harness for the crates.io `rocketmq` 0.0.4 client, with the interface of the
//! harnesses in ../shared/compat:
//!
//!     rocketmq-rs MODE [N] [RUNID]     MODE: sync async oneway batch delay
//!
//! env: NAMESRV (127.0.0.1:9876) TOPIC (TopicTest) TAG (TagA) HARNESS_TIMEOUT_S (30)
//! RETRIES (0): how often a sync send that timed out is sent again.
//!
//! Why RETRIES exists: the library's connection reader takes in the registrations of waiting
//! requests once per poll, then reads answers; an answer that arrives later in the same poll
//! (the reader thread pre-empted for 40-400 us on a busy box, while the next send's round trip
//! completes) finds no registration and is dropped, and its send times out after 3 s although
//! the message is stored. It is the client's race, whatever the broker: a fast answer only
//! makes it likelier. `scripts/compat.sh` retries once so that its checks pin the broker's
//! behaviour, not this race; SENT still counts every timeout.
//! Bodies are "<RUNID>:<mode>:<i>", keys "KEY-<RUNID>-<i>". Prints a SEND line per send, a
//! `SENT <ok>/<n> timeouts=<t> errors=<e>` line, and "RESULT <mode> PASS|FAIL"; exits 0 on
//! pass, 1 on fail, 2 on bad usage. The library has no consumer: pair it with another
//! client's (run_matrix.py rust-rocketmq-rs py-messense).

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rocketmq::producer::SendStatus;
use rocketmq::{Error, Message, Producer, ProducerOptions};

fn env(key: &str, default: &str) -> String {
    std::env::var(key).unwrap_or_else(|_| default.to_string())
}

fn message(topic: &str, tag: &str, run_id: &str, mode: &str, i: usize) -> Message {
    let mut m = Message::new(
        topic.to_string(),
        tag.to_string(),
        format!("KEY-{run_id}-{i}"),
        0,
        format!("{run_id}:{mode}:{i}").into_bytes(),
        true,
    );
    if mode == "delay" {
        m.set_property("DELAY".to_string(), "2".to_string());
    }
    m
}

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

/// Tallies of one run: sends answered OK, timed out at the client, failed otherwise.
#[derive(Default)]
struct Tally {
    ok: usize,
    timeouts: usize,
    errors: usize,
}

impl Tally {
    fn add(
        &mut self,
        mode: &str,
        i: usize,
        started: Instant,
        r: Result<rocketmq::producer::SendResult, Error>,
    ) {
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        match r {
            Ok(r) if r.status == SendStatus::Ok => {
                self.ok += 1;
                println!(
                    "SEND {mode} {i} status=OK msgId={} offsetMsgId={} queue={} offset={} ms={ms:.1}",
                    r.msg_id, r.offset_msg_id, r.message_queue.queue_id, r.queue_offset
                );
            }
            Ok(r) => {
                self.errors += 1;
                println!("SEND {mode} {i} status={:?} ms={ms:.1}", r.status);
            }
            Err(Error::Io(e)) if e.kind() == std::io::ErrorKind::TimedOut => {
                self.timeouts += 1;
                println!("SEND {mode} {i} TIMEOUT after {ms:.0} ms at {}", now_ms());
            }
            Err(e) => {
                self.errors += 1;
                println!("SEND {mode} {i} ERROR {e:?} ms={ms:.1}");
            }
        }
    }
}

async fn produce(producer: Arc<Producer>, mode: &str, n: usize, run_id: &str) -> bool {
    let topic = env("TOPIC", "TopicTest");
    let tag = env("TAG", "TagA");
    let mut tally = Tally::default();
    match mode {
        "sync" | "delay" => {
            let retries: usize = env("RETRIES", "0").parse().unwrap_or(0);
            for i in 0..n {
                for attempt in 0..=retries {
                    let started = Instant::now();
                    let r = producer.send(message(&topic, &tag, run_id, mode, i)).await;
                    let timed_out = tally.timeouts;
                    tally.add(mode, i, started, r);
                    if tally.timeouts == timed_out {
                        break;
                    }
                    if attempt < retries {
                        println!("RETRY {mode} {i}");
                    }
                }
            }
        }
        "async" => {
            // No callback API: all sends in flight at once on the one connection.
            let started = Instant::now();
            let sends: Vec<_> = (0..n)
                .map(|i| {
                    let (p, m) = (producer.clone(), message(&topic, &tag, run_id, mode, i));
                    tokio::spawn(async move { p.send(m).await })
                })
                .collect();
            let retries: usize = env("RETRIES", "0").parse().unwrap_or(0);
            let mut again = Vec::new();
            for (i, send) in sends.into_iter().enumerate() {
                let timed_out = tally.timeouts;
                tally.add(mode, i, started, send.await.expect("send task panicked"));
                if tally.timeouts > timed_out && retries > 0 {
                    again.push(i);
                }
            }
            for i in again {
                println!("RETRY {mode} {i}");
                let started = Instant::now();
                let r = producer.send(message(&topic, &tag, run_id, mode, i)).await;
                tally.add(mode, i, started, r);
            }
        }
        "oneway" => {
            for i in 0..n {
                match producer
                    .send_oneway(message(&topic, &tag, run_id, mode, i))
                    .await
                {
                    Ok(()) => {
                        tally.ok += 1;
                        println!("SEND oneway {i} (no result by design)");
                    }
                    Err(e) => {
                        tally.errors += 1;
                        println!("SEND oneway {i} ERROR {e:?}");
                    }
                }
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        "batch" => {
            let msgs: Vec<Message> = (0..n)
                .map(|i| message(&topic, &tag, run_id, mode, i))
                .collect();
            let started = Instant::now();
            match producer.send_batch(&msgs).await {
                Ok(r) if r.status == SendStatus::Ok => {
                    tally.ok = n;
                    println!(
                        "SEND batch n={n} status=OK offsetMsgId={} queue={} offset={} ms={:.1}",
                        r.offset_msg_id,
                        r.message_queue.queue_id,
                        r.queue_offset,
                        started.elapsed().as_secs_f64() * 1000.0
                    );
                }
                r => tally.add(mode, 0, started, r),
            }
        }
        _ => unreachable!("mode checked in main"),
    }
    println!(
        "SENT {}/{n} timeouts={} errors={}",
        tally.ok, tally.timeouts, tally.errors
    );
    tally.ok == n && tally.errors == 0
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(mode) = args.get(1).cloned() else {
        eprintln!("usage: rocketmq-rs MODE [N] [RUNID]   (MODE: sync async oneway batch delay)");
        std::process::exit(2);
    };
    if !["sync", "async", "oneway", "batch", "delay"].contains(&mode.as_str()) {
        println!("RESULT {mode} SKIP not supported by rocketmq 0.0.4 (a producer only)");
        std::process::exit(3);
    }
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
    let run_id = args
        .get(3)
        .cloned()
        .unwrap_or_else(|| format!("run{}", now_ms()));
    let namesrv = env("NAMESRV", "127.0.0.1:9876");
    let timeout: u64 = env("HARNESS_TIMEOUT_S", "30").parse().unwrap_or(30);
    println!("LIB rocketmq(crates.io 0.0.4) namesrv={namesrv}");

    let mut options = ProducerOptions::default();
    options.set_name_server(vec![namesrv]);
    let producer = Arc::new(Producer::with_options(options).expect("producer options"));
    producer.start();
    // Sequential sends take up to 3 s each when answers go missing: allow for that.
    let budget = Duration::from_secs(timeout + 10).max(Duration::from_millis(50 * n as u64));
    let p = producer.clone();
    let ran =
        tokio::time::timeout(budget, async move { produce(p, &mode, n, &run_id).await }).await;
    let ok = match ran {
        Ok(ok) => ok,
        Err(_) => {
            println!("WATCHDOG timeout after {budget:?}");
            false
        }
    };
    let mode = &args[1];
    println!("RESULT {mode} {}", if ok { "PASS" } else { "FAIL" });
    producer.shutdown();
    std::process::exit(if ok { 0 } else { 1 });
}
