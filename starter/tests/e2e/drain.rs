//! Stopping mid-stream: calls in flight finish, their offsets are committed, and a restarted
//! application continues where the first stopped: no message lost, none handled twice.

use std::collections::BTreeSet;
use std::time::Duration;

use rocketmq_starter::{Received, rocketmq_listener};

use crate::common::{Inbox, app, logs};

static HANDLED: Inbox<String> = Inbox::new();

#[rocketmq_listener(
    topic = "drain-topic",
    group = "drain-g",
    consume_thread_number = 4,
    await_termination_millis_when_shutdown = 10000
)]
async fn slow(msg: Received<String>) {
    tokio::time::sleep(Duration::from_millis(100)).await;
    HANDLED.push(msg.payload);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_mid_stream_loses_and_repeats_nothing() {
    logs();
    // The cluster and the producer live in one application; consumers come and go.
    let server = app(
        "drain",
        "rocketmq:\n  embedded: true\n  producer:\n    group: drain-producer\n",
    )
    .listeners_where(|_| false)
    .start()
    .await
    .expect("server starts");
    let ns = server.name_server().unwrap();
    let total = 60;
    for i in 0..total {
        server
            .template()
            .sync_send("drain-topic", format!("m{i:02}"))
            .await
            .unwrap();
    }
    let consumer_yaml = format!(
        "rocketmq:\n  name-server: {ns}\n  consumer:\n    consume-from-where: first_offset\n"
    );

    let first = app("drain", &consumer_yaml)
        .start()
        .await
        .expect("consumer starts");
    HANDLED
        .wait_until(30, "a third of the messages", |h| h.len() >= total / 3)
        .await;
    first.shutdown().await;
    let after_first = HANDLED.items();
    assert!(after_first.len() < total, "stopped mid-stream");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        HANDLED.items().len(),
        after_first.len(),
        "nothing handled after the stop"
    );

    let second = app("drain", &consumer_yaml)
        .start()
        .await
        .expect("consumer restarts");
    let all = HANDLED
        .wait_until(60, "every message", |h| {
            h.iter().collect::<BTreeSet<_>>().len() >= total
        })
        .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    second.shutdown().await;
    let all_now = HANDLED.items();
    let distinct: BTreeSet<&String> = all_now.iter().collect();
    assert_eq!(distinct.len(), total, "no message lost");
    assert_eq!(
        all_now.len(),
        total,
        "no message handled twice ({} handles for {total} messages, {} before the stop)",
        all.len(),
        after_first.len()
    );
    server.shutdown().await;
}
