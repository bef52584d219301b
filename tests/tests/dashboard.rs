//! The dashboard in a real browser (headless Chromium over WebDriver) against a running
//! cluster: a lagging group's Broker Offset / Consumer Offset / Diff per queue, a topic created
//! from the page showing up in `mqadmin topicList`, a message found by key showing its body, a
//! dead letter resent from the page consumed again, the TPS chart drawn from samples, and bad
//! input answered in the page. Screenshots of each page go to
//! `$CARGO_TARGET_TMPDIR/dashboard-screenshots`.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use broker_server::dashboard::{self, DashboardConfig};
use rocketmq_client::admin::{Admin, Target};
use rocketmq_client::consumer::{ConsumeFromWhere, ConsumeResult, PushConsumer};
use rocketmq_client::protocol::body::{SubscriptionGroupConfig, TopicConfig};
use rocketmq_client::protocol::message::decode_offset_msg_id;
use rocketmq_client::{Message, Producer};
use rocketmq_integration_tests::browser::Browser;
use rocketmq_integration_tests::process::mqadmin;
use rocketmq_integration_tests::{TestCluster, wire};
use serde_json::json;

fn shots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("dashboard-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Waits until the page at `hash` has rendered (the router marks the body when done).
fn open(b: &Browser, base: &str, hash: &str) {
    b.goto(&format!("{base}/{hash}"));
    b.wait(
        hash,
        &format!("return document.body.dataset.ready === {}", json!(hash)),
    );
}

// Multi-threaded: the WebDriver calls block the test's thread while the servers run on the
// runtime's workers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_show_and_change_the_cluster() {
    let cluster = TestCluster::start(|_| {}).await;
    let ns = cluster.namesrv_addr();
    let broker = cluster.broker_addr();
    let admin = Admin::connect(Some(&ns)).unwrap();
    let console = dashboard::start(
        "127.0.0.1:0".parse().unwrap(),
        DashboardConfig {
            sample_every: Duration::from_millis(300),
            ..DashboardConfig::new(ns.clone())
        },
    )
    .await
    .unwrap();
    let base = format!("http://{}", console.addr());

    // A topic of 4 queues with 150 messages and a group that is behind on three of them.
    admin
        .create_topic(
            &Target::Cluster("DefaultCluster".into()),
            &TopicConfig::new("DashTopic", 4),
        )
        .await
        .unwrap();
    cluster.wait_route("DashTopic").await;
    let producer = Producer::builder("dash-producer")
        .namesrv_addr(&ns)
        .start()
        .await
        .unwrap();
    for i in 0..150 {
        producer
            .send(Message::new("DashTopic", format!("m{i}")))
            .await
            .unwrap();
    }
    admin
        .create_subscription_group(&broker, &SubscriptionGroupConfig::new("dash-group"))
        .await
        .unwrap();
    let mut expected = Vec::new();
    for (queue, committed) in [(0, 20), (1, -1), (2, 10), (3, 5)] {
        let max = wire::max_offset(&cluster.client, &broker, "DashTopic", queue).await;
        let committed = if committed < 0 { max } else { committed };
        wire::commit_offset(
            &cluster.client,
            &broker,
            "dash-group",
            "DashTopic",
            queue,
            committed,
        )
        .await;
        expected.push((queue, max, committed));
    }
    // A message with a key, and a dead letter of a group with a live consumer.
    producer
        .send(Message::new("KeyTopic", "body-for-key").with_keys("order-42"))
        .await
        .unwrap();
    let dead = producer
        .send(Message::new("DlqTopic", "dead-body"))
        .await
        .unwrap();
    let (_, offset) = decode_offset_msg_id(&dead.offset_msg_id).unwrap();
    wire::send_to_dlq(&cluster.client, &broker, "dlq-group", "DlqTopic", offset).await;
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let record = seen.clone();
    // The group's consumer reads another topic, so only the resend brings it the dead letter.
    let consumer = PushConsumer::builder("dlq-group")
        .namesrv_addr(&ns)
        .subscribe("DlqIdle", "*")
        .consume_from_where(ConsumeFromWhere::LastOffset)
        .start(move |msgs| {
            let record = record.clone();
            async move {
                for m in msgs {
                    record
                        .lock()
                        .unwrap()
                        .push(String::from_utf8_lossy(&m.message.body).into());
                }
                ConsumeResult::Success
            }
        })
        .await
        .unwrap();

    let b = Browser::start();
    let dir = shots();

    // The landing page: brokers, and the TPS chart once the console has samples.
    open(&b, &base, "#/cluster");
    let row = b.text(&format!("tr[data-broker=\"{broker}\"]"));
    assert!(
        row.contains("DefaultCluster") && row.contains("broker-a"),
        "{row}"
    );
    // The page draws the samples it is given when it opens; open it again until it has some.
    // (Reloading from inside a script raced the next WebDriver call against the navigation.)
    let deadline = Instant::now() + Duration::from_secs(20);
    while b
        .eval(
            "return +document.querySelector('#broker-chart').dataset.points",
            json!([]),
        )
        .as_i64()
        .unwrap_or(0)
        == 0
    {
        assert!(Instant::now() < deadline, "the TPS chart has no samples");
        std::thread::sleep(Duration::from_millis(300));
        b.refresh();
        b.wait(
            "the cluster page",
            "return document.body.dataset.ready === '#/cluster'",
        );
    }
    b.screenshot(&dir.join("cluster.png"));

    // The lagging group's progress, queue by queue.
    open(&b, &base, "#/consumer/dash-group");
    b.find("#progress");
    for (queue, max, committed) in &expected {
        let cells = b.eval(
            "return [...document.querySelector(`tr[data-queue=\"broker-a:${arguments[0]}\"]`).cells].map(c => c.textContent)",
            json!([queue]),
        );
        let cells: Vec<String> = serde_json::from_value(cells).unwrap();
        assert_eq!(
            (cells[2].as_str(), cells[3].as_str(), cells[4].as_str()),
            (
                max.to_string().as_str(),
                committed.to_string().as_str(),
                (max - committed).to_string().as_str()
            ),
            "queue {queue}: {cells:?}"
        );
    }
    let total: i64 = expected.iter().map(|(_, m, c)| m - c).sum();
    assert!(
        b.text("#progress h3")
            .contains(&format!("Diff Total {total}"))
    );
    b.screenshot(&dir.join("consumer.png"));

    // A topic created in the page is in mqadmin's list.
    open(&b, &base, "#/topic");
    b.fill("#new-topic", "PageTopic");
    b.fill("#new-topic-read", "2");
    b.fill("#new-topic-write", "2");
    b.click("#create-topic button[type=submit]");
    b.wait(
        "the new topic's row",
        "return document.querySelector('tr[data-topic=\"PageTopic\"]')",
    );
    let listed = mqadmin(&["topicList", "-n", &ns]);
    assert!(listed.lines().any(|l| l == "PageTopic"), "{listed}");
    b.fill("#topic-search", "Dash");
    b.click("tr[data-topic=\"DashTopic\"] button");
    b.find("#topic-queues");
    b.screenshot(&dir.join("topics.png"));

    // A message found by key shows its body.
    open(&b, &base, "#/message");
    b.click(".tabs button:nth-child(2)");
    b.fill("#key-topic", "KeyTopic");
    b.fill("#key-key", "order-42");
    b.click("#by-key button[type=submit]");
    b.click("#message-list tbody a");
    b.wait(
        "the body",
        "return document.querySelector('#message-body')?.textContent === 'body-for-key'",
    );
    b.screenshot(&dir.join("message.png"));

    // A dead letter resent from the page is consumed again.
    open(&b, &base, "#/dlq");
    b.fill("#dlq-group", "dlq-group");
    b.click("#page-dlq form button[type=submit]");
    b.click("#dlq-list input.pick");
    b.click("#dlq-resend");
    b.wait(
        "the resend's answer",
        "return document.querySelector('#notice')?.textContent.includes('CR_SUCCESS')",
    );
    assert_eq!(seen.lock().unwrap().as_slice(), ["dead-body"]);
    b.screenshot(&dir.join("dlq.png"));
    let csv = rocketmq_integration_tests::http::get(
        &console.addr().to_string(),
        "/dlqMessage/exportDlqMessage.do?consumerGroup=dlq-group",
    )
    .unwrap();
    assert!(
        csv.body.starts_with("msgId,offsetMsgId,topic") && csv.body.contains("\"dead-body\""),
        "{}",
        csv.body
    );

    // Bad input: a malformed id and an unknown topic are explained in the page.
    open(&b, &base, "#/message");
    b.click(".tabs button:nth-child(3)");
    b.fill("#id-id", "zzz");
    b.click("#by-id button[type=submit]");
    b.wait(
        "the error",
        "return document.querySelector('#error')?.textContent.includes('not a message id')",
    );
    b.click(".tabs button:nth-child(1)");
    b.fill("#msg-topic", "NoSuchTopicHere");
    b.click("#by-topic button[type=submit]");
    b.wait(
        "the error",
        "return document.querySelector('#error')?.textContent.includes('does not exist')",
    );
    b.screenshot(&dir.join("error.png"));

    // A name server that is down: a message, not a blank page.
    let down = dashboard::start(
        "127.0.0.1:0".parse().unwrap(),
        DashboardConfig::new("127.0.0.1:1"),
    )
    .await
    .unwrap();
    open(&b, &format!("http://{}", down.addr()), "#/cluster");
    let error = b.text("#error");
    assert!(!error.is_empty(), "an error is shown");
    assert!(!b.text("main").is_empty(), "the page is not blank");
    b.screenshot(&dir.join("namesrv-down.png"));

    drop(b);
    down.shutdown().await;
    consumer.shutdown().await;
    producer.shutdown().await;
    console.shutdown().await;
    cluster.stop().await;
}

/// Changing things needs a configured user's basic auth; read-only mode refuses everyone;
/// reading stays open; unknown paths and missing parameters are answered in the envelope.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_need_sign_in_and_read_only_refuses_them() {
    use rocketmq_integration_tests::http;
    let cluster = TestCluster::start(|_| {}).await;
    let ns = cluster.namesrv_addr();
    let guarded = dashboard::start(
        "127.0.0.1:0".parse().unwrap(),
        DashboardConfig {
            users: vec![("admin".into(), "secret".into())],
            ..DashboardConfig::new(ns.clone())
        },
    )
    .await
    .unwrap();
    let addr = guarded.addr().to_string();
    let form = br#"{"clusterNameList":["DefaultCluster"],"topicName":"AuthTopic","readQueueNums":1,"writeQueueNums":1}"#;
    let json = ("Content-Type", "application/json");
    let denied = http::request(&addr, "POST", "/topic/createOrUpdate.do", &[json], form).unwrap();
    assert_eq!(denied.status, 401, "{}", denied.body);
    assert!(
        denied
            .header("www-authenticate")
            .unwrap()
            .starts_with("Basic")
    );
    let wrong = ("Authorization", "Basic YWRtaW46d3Jvbmc=");
    assert_eq!(
        http::request(
            &addr,
            "POST",
            "/topic/createOrUpdate.do",
            &[json, wrong],
            form
        )
        .unwrap()
        .status,
        401
    );
    let signed = ("Authorization", "Basic YWRtaW46c2VjcmV0");
    let done = http::request(
        &addr,
        "POST",
        "/topic/createOrUpdate.do",
        &[json, signed],
        form,
    )
    .unwrap();
    assert!(done.body.contains("\"status\":0"), "{}", done.body);
    let read = http::get(&addr, "/topic/list.query").unwrap();
    assert!(
        read.body.contains("AuthTopic"),
        "reading needs no sign-in: {}",
        read.body
    );
    let missing = http::get(&addr, "/topic/stats.query").unwrap();
    assert!(
        missing.body.contains("topic is required"),
        "{}",
        missing.body
    );
    let unknown = http::get(&addr, "/no/such/page").unwrap();
    assert_eq!(unknown.status, 404);
    assert!(unknown.body.contains("\"status\":-1"), "{}", unknown.body);

    let read_only = dashboard::start(
        "127.0.0.1:0".parse().unwrap(),
        DashboardConfig {
            read_only: true,
            ..DashboardConfig::new(ns)
        },
    )
    .await
    .unwrap();
    let addr = read_only.addr().to_string();
    let refused = http::request(&addr, "POST", "/topic/createOrUpdate.do", &[json], form).unwrap();
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("read-only"), "{}", refused.body);
    assert!(
        http::get(&addr, "/dashboard/mode.query")
            .unwrap()
            .body
            .contains("\"readOnly\":true")
    );
    guarded.shutdown().await;
    read_only.shutdown().await;
    cluster.stop().await;
}

/// `mqdashboard` reads rocketmq-dashboard's Spring Boot arguments and serves the cluster.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_reads_spring_boot_arguments() {
    use rocketmq_integration_tests::http;
    use rocketmq_integration_tests::process::{binary_path, free_port};
    let cluster = TestCluster::start(|_| {}).await;
    let port = free_port();
    let mut child = std::process::Command::new(binary_path("mqdashboard"))
        .args([
            format!("--server.port={port}"),
            format!("--rocketmq.config.namesrvAddr={}", cluster.namesrv_addr()),
            "--host=127.0.0.1".into(),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let addr = format!("127.0.0.1:{port}");
    let mut listed = None;
    for _ in 0..100 {
        if let Ok(r) = http::get(&addr, "/cluster/list.query") {
            listed = Some(r.body);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    let listed = listed.expect("mqdashboard serves");
    assert!(
        listed.contains("\"status\":0") && listed.contains("broker-a"),
        "{listed}"
    );
    cluster.stop().await;
}
