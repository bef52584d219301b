//! Durability across restarts of a real `mqbroker` process: after a clean stop (SIGTERM) and
//! after kill -9, with ASYNC_FLUSH and SYNC_FLUSH, every acknowledged message is still pullable
//! at its queue offset, consumer offsets survive, and a torn last record is cut off.

use std::collections::HashMap;
use std::time::Duration;

use rocketmq_client::protocol::message::decode_offset_msg_id;
use rocketmq_client::remoting::RemotingClient;
use rocketmq_integration_tests::process::free_port;
use rocketmq_integration_tests::{BrokerProcess, init_logging, wire};

const TOPIC: &str = "RestartTopic";
const GROUP: &str = "restart-group";
const FILE_SIZE: u64 = 1_048_576;

struct Acked {
    /// (queue id, queue offset) → body
    bodies: HashMap<(i32, i64), Vec<u8>>,
    last_msg_id: String,
    last_queue: i32,
}

async fn send_many(client: &RemotingClient, addr: &str, n: usize) -> Acked {
    let mut acked = Acked {
        bodies: HashMap::new(),
        last_msg_id: String::new(),
        last_queue: 0,
    };
    for i in 0..n {
        // ~3 KiB bodies so the 1 MiB commit-log files roll over several times
        let body = format!("message-{i}-{}", "x".repeat(3000 + i % 7)).into_bytes();
        let queue = (i % 4) as i32;
        let r = wire::send(
            client,
            addr,
            &wire::message(TOPIC, body.clone(), "TagA"),
            queue,
        )
        .await;
        acked.bodies.insert((r.queue_id, r.queue_offset), body);
        acked.last_msg_id = r.msg_id;
        acked.last_queue = r.queue_id;
    }
    acked
}

async fn assert_all_pullable(
    client: &RemotingClient,
    addr: &str,
    acked: &Acked,
    skip: Option<(i32, i64)>,
) {
    let mut found = 0;
    for queue in 0..4 {
        for m in wire::pull_all(client, addr, TOPIC, queue).await {
            let key = (m.queue_id, m.queue_offset);
            assert_ne!(Some(key), skip, "the torn record must not be served");
            assert_eq!(
                acked.bodies.get(&key).map(Vec::as_slice),
                Some(&m.message.body[..]),
                "message at {key:?}"
            );
            assert_eq!(m.message.tags(), Some("TagA"));
            found += 1;
        }
    }
    let expected = acked.bodies.len() - usize::from(skip.is_some());
    assert_eq!(found, expected, "every acknowledged message is pullable");
}

async fn commit_offsets(client: &RemotingClient, addr: &str) {
    for queue in 0..4 {
        wire::commit_offset(client, addr, GROUP, TOPIC, queue, 10 + i64::from(queue)).await;
    }
    // flushConsumerOffsetInterval is 100 ms in these tests
    tokio::time::sleep(Duration::from_millis(400)).await;
}

async fn assert_offsets(client: &RemotingClient, addr: &str) {
    for queue in 0..4 {
        assert_eq!(
            wire::query_offset(client, addr, GROUP, TOPIC, queue).await,
            Some(10 + i64::from(queue))
        );
    }
}

async fn restart_keeps_everything(flush: &str, kill: bool) {
    init_logging();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let port = free_port();
    let extra = format!("flushDiskType={flush}");
    let broker = BrokerProcess::start(&store, port, &extra);
    let client = RemotingClient::new();
    let acked = send_many(&client, &broker.addr, 800).await;
    commit_offsets(&client, &broker.addr).await;
    if kill {
        broker.kill9();
        assert!(
            store.join("abort").exists(),
            "a killed broker leaves its abort marker"
        );
    } else {
        broker.terminate();
        assert!(
            !store.join("abort").exists(),
            "a clean stop removes the abort marker"
        );
    }
    client.close_all();

    let broker = BrokerProcess::start(&store, port, &extra);
    assert_all_pullable(&client, &broker.addr, &acked, None).await;
    assert_offsets(&client, &broker.addr).await;
    // the queues continue where they were
    let next = wire::send(
        &client,
        &broker.addr,
        &wire::message(TOPIC, "after restart", "TagA"),
        0,
    )
    .await;
    assert_eq!(next.queue_offset, 200);
    broker.terminate();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_flush_survives_a_clean_stop() {
    restart_keeps_everything("ASYNC_FLUSH", false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_flush_survives_kill_9() {
    restart_keeps_everything("ASYNC_FLUSH", true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_flush_survives_a_clean_stop() {
    restart_keeps_everything("SYNC_FLUSH", false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_flush_survives_kill_9() {
    restart_keeps_everything("SYNC_FLUSH", true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_torn_last_record_is_cut_off_after_kill_9() {
    init_logging();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let port = free_port();
    let broker = BrokerProcess::start(&store, port, "flushDiskType=ASYNC_FLUSH");
    let client = RemotingClient::new();
    let acked = send_many(&client, &broker.addr, 50).await;
    broker.kill9();
    client.close_all();

    // Tear the last record: its tail never reached the disk.
    let (_, offset) = decode_offset_msg_id(&acked.last_msg_id).unwrap();
    let offset = offset as u64;
    let file = store
        .join("commitlog")
        .join(format!("{:020}", offset - offset % FILE_SIZE));
    let mut bytes = std::fs::read(&file).unwrap();
    let pos = (offset % FILE_SIZE) as usize;
    let size = u32::from_be_bytes(bytes[pos..pos + 4].try_into().unwrap()) as usize;
    bytes[pos + size - 40..pos + size].fill(0);
    std::fs::write(&file, &bytes).unwrap();

    let broker = BrokerProcess::start(&store, port, "flushDiskType=ASYNC_FLUSH");
    let torn_offset = wire::max_offset(&client, &broker.addr, TOPIC, acked.last_queue).await;
    let torn = (acked.last_queue, torn_offset);
    assert!(
        acked.bodies.contains_key(&torn),
        "the torn record was the queue's last one"
    );
    assert_all_pullable(&client, &broker.addr, &acked, Some(torn)).await;
    // its slot is reused by the next message
    let next = wire::send(
        &client,
        &broker.addr,
        &wire::message(TOPIC, "replacement", "TagA"),
        acked.last_queue,
    )
    .await;
    assert_eq!(next.queue_offset, torn_offset);
    broker.terminate();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consume_queues_are_rebuilt_from_the_log() {
    init_logging();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let port = free_port();
    let broker = BrokerProcess::start(&store, port, "");
    let client = RemotingClient::new();
    let acked = send_many(&client, &broker.addr, 120).await;
    broker.kill9();
    client.close_all();
    std::fs::remove_dir_all(store.join("consumequeue")).unwrap();
    std::fs::remove_file(store.join("checkpoint")).unwrap();

    let broker = BrokerProcess::start(&store, port, "");
    assert_all_pullable(&client, &broker.addr, &acked, None).await;
    broker.terminate();
}
