//! The tutorial's deployments, from the files we ship: the 2m-2s-sync layout on one machine
//! (`mqbroker -c conf/2m-2s-sync/…` as separate processes), and what SYNC_MASTER promises:
//! every acknowledged message survives its master's loss, store and all.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rocketmq_client::protocol::ResponseCode;
use rocketmq_client::remoting::RemotingClient;
use rocketmq_integration_tests::process::{BrokerProcess, free_port, mqadmin};
use rocketmq_integration_tests::{init_logging, start_namesrv, wire};

const TOPIC: &str = "Durable";

/// A shipped broker file with this machine's ports and a store under `dir` (and small
/// commit-log files); everything else as shipped.
struct Node {
    conf: PathBuf,
    store: PathBuf,
    port: u16,
}

fn node(layout: &str, name: &str, dir: &Path) -> Node {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../broker-server/conf")
        .join(layout)
        .join(format!("{name}.properties"));
    let text = std::fs::read_to_string(&shipped).expect("shipped conf");
    let (port, store) = (free_port(), dir.join(name));
    let mut lines: Vec<String> = text
        .lines()
        .map(|l| {
            if l.starts_with("listenPort=") {
                format!("listenPort={port}")
            } else if l.starts_with("storePathRootDir=") {
                format!("storePathRootDir={}", store.display())
            } else {
                l.to_string()
            }
        })
        .collect();
    assert!(lines.iter().any(|l| l.starts_with("brokerRole=")));
    lines.extend([
        "brokerIP1=127.0.0.1".to_string(),
        format!("haListenPort={}", free_port()),
        "mapedFileSizeCommitLog=4194304".to_string(),
        "mapedFileSizeConsumeQueue=20000".to_string(),
    ]);
    std::fs::create_dir_all(&store).unwrap();
    let conf = dir.join(format!("{name}.properties"));
    std::fs::write(&conf, lines.join("\n") + "\n").unwrap();
    Node { conf, store, port }
}

fn start(node: &Node, namesrv: &str) -> BrokerProcess {
    BrokerProcess::start_conf(&node.conf, Some(namesrv), node.port, &node.store)
}

/// broker-a and its slave from the shipped 2m-2s-async files, both registered; the master's
/// node too, to restart it.
async fn async_pair(
    client: &RemotingClient,
    namesrv: &str,
    dir: &Path,
) -> (Node, BrokerProcess, BrokerProcess) {
    let (m, s) = (
        node("2m-2s-async", "broker-a", dir),
        node("2m-2s-async", "broker-a-s", dir),
    );
    let (master, slave) = (start(&m, namesrv), start(&s, namesrv));
    wire::wait_broker_ids(client, namesrv, "broker-a", &[0, 1]).await;
    (m, master, slave)
}

/// Sends until one is acknowledged SEND_OK (the slave has connected and caught up); returns
/// how many it sent.
async fn wait_replicating(client: &RemotingClient, master: &str) -> usize {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut sent = 0;
    loop {
        let msg = wire::message(TOPIC, "warm-up", "W");
        let code = wire::send_raw(client, master, &msg, 0)
            .await
            .response_code();
        sent += 1;
        if code == ResponseCode::Success {
            return sent;
        }
        assert_eq!(code, ResponseCode::SlaveNotAvailable);
        assert!(
            Instant::now() < deadline,
            "{master}'s slave never acknowledged"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_2m_2s_sync_layout_runs_from_the_shipped_files() {
    init_logging();
    let client = RemotingClient::new();
    let namesrv = start_namesrv().await;
    let ns = namesrv.addr().to_string();
    let dir = tempfile::tempdir().unwrap();
    let nodes: Vec<Node> = ["broker-a", "broker-a-s", "broker-b", "broker-b-s"]
        .iter()
        .map(|n| node("2m-2s-sync", n, dir.path()))
        .collect();
    let brokers: Vec<BrokerProcess> = nodes.iter().map(|n| start(n, &ns)).collect();
    for name in ["broker-a", "broker-b"] {
        wire::wait_broker_ids(&client, &ns, name, &[0, 1]).await;
    }
    for master in [&brokers[0], &brokers[2]] {
        wait_replicating(&client, &master.addr).await;
    }

    let listing = mqadmin(&["clusterList", "-n", &ns]);
    let mut rows: Vec<(String, String, String)> = listing
        .lines()
        .skip(1)
        .map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            (
                cols[1].to_string(),
                cols[2].to_string(),
                cols[3].to_string(),
            )
        })
        .collect();
    rows.sort();
    let expected = [
        ("broker-a", "0", &brokers[0].addr),
        ("broker-a", "1", &brokers[1].addr),
        ("broker-b", "0", &brokers[2].addr),
        ("broker-b", "1", &brokers[3].addr),
    ]
    .map(|(n, id, a)| (n.to_string(), id.to_string(), a.clone()));
    assert_eq!(rows, expected, "{listing}");
    let ha = mqadmin(&["haStatus", "-n", &ns, "-c", "DefaultCluster"]);
    assert_eq!(ha.matches("#InSyncSlaveNum\t1").count(), 2, "{ha}");
    assert_eq!(
        ha.matches("#CommitLogMaxOffset").count(),
        2,
        "two slaves: {ha}"
    );
    for b in brokers {
        b.terminate();
    }
    client.close_all();
    namesrv.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_message_outlives_its_sync_master() {
    init_logging();
    const ROUNDS: usize = 10;
    const SENDS: usize = 100;
    let client = RemotingClient::new();
    let namesrv = start_namesrv().await;
    let ns = namesrv.addr().to_string();
    let (mut acked_total, mut lost_total) = (0, 0);
    for round in 0..ROUNDS {
        let dir = tempfile::tempdir().unwrap();
        let (m, s) = (
            node("2m-2s-sync", "broker-a", dir.path()),
            node("2m-2s-sync", "broker-a-s", dir.path()),
        );
        let master = start(&m, &ns);
        let slave = start(&s, &ns);
        wire::wait_broker_ids(&client, &ns, "broker-a", &[0, 1]).await;
        let warm_up = wait_replicating(&client, &master.addr).await;

        let mut acked = Vec::new();
        for i in 0..SENDS {
            let body = format!("round {round} message {i}");
            let msg = wire::message(TOPIC, body.clone(), "A");
            let resp = wire::send_raw(&client, &master.addr, &msg, (i % 4) as i32).await;
            assert_eq!(
                resp.response_code(),
                ResponseCode::Success,
                "{:?}",
                resp.remark
            );
            acked.push(body);
        }

        // The master dies with its disk.
        master.kill9();
        std::fs::remove_dir_all(&m.store).unwrap();
        wire::wait_broker_ids(&client, &ns, "broker-a", &[1]).await;

        let mut on_slave = std::collections::HashSet::new();
        for q in 0..4 {
            for msg in wire::pull_all(&client, &slave.addr, TOPIC, q).await {
                on_slave.insert(String::from_utf8(msg.message.body.to_vec()).unwrap());
            }
        }
        let lost = acked.iter().filter(|b| !on_slave.contains(*b)).count();
        acked_total += acked.len();
        lost_total += lost;

        // The tools read the broker name from its slave now.
        let status = mqadmin(&["topicStatus", "-n", &ns, "-t", TOPIC]);
        let stored: i64 = status
            .lines()
            .skip(1)
            .map(|l| {
                let cols: Vec<&str> = l.split_whitespace().collect();
                assert_eq!(cols[0], "broker-a", "{status}");
                cols[3].parse::<i64>().unwrap()
            })
            .sum();
        assert_eq!(
            stored as usize,
            SENDS + warm_up,
            "the warm-ups and every send: {status}"
        );
        slave.terminate();
        wire::wait_broker_ids(&client, &ns, "broker-a", &[]).await;
    }
    println!("{ROUNDS} rounds: {acked_total} messages acknowledged SEND_OK, {lost_total} lost");
    assert_eq!(lost_total, 0);
    client.close_all();
    namesrv.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_consumer_reads_on_through_a_master_kill_and_restart() {
    use rocketmq_client::consumer::{ConsumeFromWhere, ConsumeResult, PushConsumer};
    use rocketmq_client::{Message, Producer};
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};
    const TOPIC: &str = "Failover";
    init_logging();
    let client = RemotingClient::new();
    let namesrv = start_namesrv().await;
    let ns = namesrv.addr().to_string();
    let dir = tempfile::tempdir().unwrap();
    let (m, master, slave) = async_pair(&client, &ns, dir.path()).await;
    let producer = Producer::builder("failover-producer")
        .namesrv_addr(&ns)
        .start()
        .await
        .unwrap();
    for i in 0..300 {
        producer
            .send(Message::new(TOPIC, format!("before-{i}")))
            .await
            .unwrap();
    }
    // An ASYNC_MASTER's slave trails it; let it catch up before the master goes.
    wire::wait_caught_up(&client, &master.addr, &slave.addr, TOPIC, 4).await;

    let seen: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
    let record = seen.clone();
    let consumer: PushConsumer = PushConsumer::builder("failover-consumer")
        .namesrv_addr(&ns)
        .subscribe(TOPIC, "*")
        .consume_from_where(ConsumeFromWhere::FirstOffset)
        .consume_concurrency(1)
        .pull_batch_size(8)
        .start(move |msgs| {
            let record = record.clone();
            async move {
                for m in msgs {
                    let body = String::from_utf8_lossy(&m.message.body).to_string();
                    *record.lock().unwrap().entry(body).or_default() += 1;
                }
                // Slow enough that the master dies mid-stream.
                tokio::time::sleep(Duration::from_millis(20)).await;
                ConsumeResult::Success
            }
        })
        .await
        .unwrap();
    let consumed = |prefix: &str| {
        seen.lock()
            .unwrap()
            .keys()
            .filter(|b| b.starts_with(prefix))
            .count()
    };
    let wait_consumed = |prefix: &'static str, n: usize, secs: u64| {
        let consumed = &consumed;
        async move {
            let deadline = Instant::now() + Duration::from_secs(secs);
            while consumed(prefix) < n {
                assert!(
                    Instant::now() < deadline,
                    "only {} of {n} {prefix} messages consumed",
                    consumed(prefix)
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    };
    wait_consumed("before-", 40, 20).await;
    master.kill9();
    let at_kill = consumed("before-");
    assert!(
        at_kill < 300,
        "the master died mid-stream ({at_kill} consumed)"
    );
    // The rest comes from the slave.
    wait_consumed("before-", 300, 60).await;

    // The master back on its ports and store, and the slave gone: the consumer returns to the
    // master and reads new sends there.
    let master = start(&m, &ns);
    wire::wait_broker_ids(&client, &ns, "broker-a", &[0, 1]).await;
    slave.terminate();
    wire::wait_broker_ids(&client, &ns, "broker-a", &[0]).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut sent = 0;
    while sent < 100 {
        match producer
            .send(Message::new(TOPIC, format!("after-{sent}")))
            .await
        {
            Ok(_) => sent += 1,
            Err(e) => {
                assert!(
                    Instant::now() < deadline,
                    "sends to the restarted master: {e}"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    wait_consumed("after-", 100, 60).await;
    let duplicates: usize = seen.lock().unwrap().values().map(|n| n - 1).sum();
    println!(
        "fail-over: 400 of 400 consumed ({at_kill} before the kill, the rest from the slave and the restarted master), {duplicates} duplicates"
    );
    consumer.shutdown().await;
    producer.shutdown().await;
    master.terminate();
    client.close_all();
    namesrv.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_slave_times_sync_sends_out_and_two_name_servers_both_route() {
    init_logging();
    let client = RemotingClient::new();
    let (ns1, ns2) = (start_namesrv().await, start_namesrv().await);
    let both = format!("{};{}", ns1.addr(), ns2.addr());
    let dir = tempfile::tempdir().unwrap();
    let (m, s) = (
        node("2m-2s-sync", "broker-a", dir.path()),
        node("2m-2s-sync", "broker-a-s", dir.path()),
    );
    let mut conf = std::fs::read_to_string(&m.conf).unwrap();
    conf.push_str("syncFlushTimeout=1000\n");
    std::fs::write(&m.conf, conf).unwrap();
    // `mqbroker -n "a:9876;b:9876"`: registered with both.
    let master = start(&m, &both);
    let slave = start(&s, &both);
    for ns in [ns1.addr().to_string(), ns2.addr().to_string()] {
        wire::wait_broker_ids(&client, &ns, "broker-a", &[0, 1]).await;
    }
    wait_replicating(&client, &master.addr).await;

    // SIGSTOP: the slave's connection stays open but nothing is acknowledged.
    slave.signal("STOP");
    let started = Instant::now();
    let msg = wire::message(TOPIC, "while the slave sleeps", "A");
    let resp = wire::send_raw(&client, &master.addr, &msg, 0).await;
    let waited = started.elapsed();
    slave.signal("CONT");
    assert_eq!(resp.response_code(), ResponseCode::FlushSlaveTimeout);
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(3),
        "FLUSH_SLAVE_TIMEOUT after syncFlushTimeout (1 s), not {waited:?}"
    );
    // Woken, it catches up and sends are acknowledged again.
    wait_replicating(&client, &master.addr).await;
    master.terminate();
    slave.terminate();
    client.close_all();
    ns1.shutdown().await;
    ns2.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lite_pull_reader_goes_on_from_the_slave() {
    use rocketmq_client::consumer::{ConsumeFromWhere, LitePullConsumer};
    const TOPIC: &str = "LiteFailover";
    init_logging();
    let client = RemotingClient::new();
    let namesrv = start_namesrv().await;
    let ns = namesrv.addr().to_string();
    let dir = tempfile::tempdir().unwrap();
    let (_, master, slave) = async_pair(&client, &ns, dir.path()).await;
    for i in 0..200 {
        let msg = wire::message(TOPIC, format!("lite-{i}"), "A");
        let resp = wire::send_raw(&client, &master.addr, &msg, i % 4).await;
        assert_eq!(resp.response_code(), ResponseCode::Success);
    }
    wire::wait_caught_up(&client, &master.addr, &slave.addr, TOPIC, 4).await;
    let reader = LitePullConsumer::builder("lite-failover")
        .namesrv_addr(&ns)
        .consume_from_where(ConsumeFromWhere::FirstOffset)
        .auto_commit(false)
        .start()
        .await
        .unwrap();
    reader
        .assign(reader.fetch_queues(TOPIC).await.unwrap())
        .await
        .unwrap();
    let mut seen = std::collections::HashSet::new();
    while seen.is_empty() {
        for m in reader.poll(Duration::from_millis(200)).await.unwrap() {
            seen.insert(String::from_utf8(m.message.body.to_vec()).unwrap());
        }
    }
    master.kill9();
    let before = seen.len();
    let deadline = Instant::now() + Duration::from_secs(20);
    while seen.len() < 200 {
        assert!(
            Instant::now() < deadline,
            "{} of 200 read ({before} before the kill)",
            seen.len()
        );
        for m in reader.poll(Duration::from_millis(200)).await.unwrap() {
            seen.insert(String::from_utf8(m.message.body.to_vec()).unwrap());
        }
    }
    assert!(before < 200, "the master died mid-read");
    reader.shutdown().await;
    slave.terminate();
    client.close_all();
    namesrv.shutdown().await;
}
