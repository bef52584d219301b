//! Master/slave replication: a SYNC_MASTER answers once its slave has the message, the slave's
//! commit log is the master's byte for byte, the slave serves reads and refuses writes, and
//! either side can restart.

use std::path::Path;
use std::time::{Duration, Instant};

use broker_server::ServerHandle;
use broker_server::broker::{BrokerConfig, BrokerRole};
use rocketmq_client::protocol::ResponseCode;
use rocketmq_client::remoting::RemotingClient;
use rocketmq_integration_tests::process::free_port;
use rocketmq_integration_tests::{init_logging, start_broker, start_namesrv, wire};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TOPIC: &str = "Replicated";

fn master(role: BrokerRole, port: u16, ha_port: u16) -> impl FnOnce(&mut BrokerConfig) {
    move |c| {
        c.broker_role = role;
        c.listen_port = port;
        c.ha_listen_port = Some(ha_port);
        c.sync_flush_timeout = 1000;
    }
}

fn slave(c: &mut BrokerConfig) {
    c.broker_role = BrokerRole::Slave;
    c.broker_id = 1;
}

/// The commit log's bytes, files in order.
fn commit_log(store: &Path) -> Vec<u8> {
    let mut files: Vec<_> = std::fs::read_dir(store.join("commitlog"))
        .expect("commitlog dir")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|f| std::fs::read(f).expect("read"))
        .collect()
}

async fn send_all(
    client: &RemotingClient,
    addr: &str,
    from: usize,
    count: usize,
) -> Vec<ResponseCode> {
    let mut codes = Vec::new();
    for i in from..from + count {
        let msg = wire::message(TOPIC, format!("message {i}"), "A");
        codes.push(
            wire::send_raw(client, addr, &msg, (i % 4) as i32)
                .await
                .response_code(),
        );
    }
    codes
}

async fn stop(handles: Vec<ServerHandle>) {
    for h in handles {
        h.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_master_answers_once_its_slave_holds_the_message() {
    init_logging();
    let client = RemotingClient::new();
    let namesrv = start_namesrv().await;
    let ns = namesrv.addr().to_string();
    let (mdir, sdir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let m = start_broker(&ns, mdir.path(), master(BrokerRole::SyncMaster, 0, 0)).await;
    let maddr = m.addr().to_string();

    // Alone, a SYNC_MASTER stores the message and says no slave has it.
    let alone = send_all(&client, &maddr, 0, 4).await;
    assert_eq!(alone, vec![ResponseCode::SlaveNotAvailable; 4]);

    let s = start_broker(&ns, sdir.path(), slave).await;
    let saddr = s.addr().to_string();
    wire::wait_broker_ids(&client, &ns, "broker-a", &[0, 1]).await;
    // Until the slave has connected and caught up, sends say so; then every one is SEND_OK.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut sent = 4;
    loop {
        let code = send_all(&client, &maddr, sent, 1).await[0];
        sent += 1;
        if code == ResponseCode::Success {
            break;
        }
        assert_eq!(code, ResponseCode::SlaveNotAvailable);
        assert!(Instant::now() < deadline, "the slave never acknowledged");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let codes = send_all(&client, &maddr, sent, 400).await;
    assert!(
        codes.iter().all(|c| *c == ResponseCode::Success),
        "{codes:?}"
    );
    sent += 400;

    // haStatus: the master has one slave in sync, which acknowledged everything.
    let admin = rocketmq_client::admin::Admin::connect(Some(&ns)).unwrap();
    let ha = admin.broker_ha_status(&maddr).await.unwrap();
    assert!(ha.master);
    assert_eq!((ha.ha_connection_info.len(), ha.in_sync_slave_nums), (1, 1));
    let conn = &ha.ha_connection_info[0];
    assert_eq!(conn.slave_ack_offset, ha.master_commit_log_max_offset);
    assert_eq!(conn.diff, 0);
    let seen = admin.broker_ha_status(&saddr).await.unwrap();
    assert!(!seen.master && seen.ha_client_runtime_info.activated);
    assert_eq!(
        seen.ha_client_runtime_info.max_offset,
        ha.master_commit_log_max_offset
    );
    assert!(seen.ha_client_runtime_info.last_read_timestamp > 0);
    admin.close();

    // Every acknowledged byte is on the slave, at the same offsets.
    let (master_log, slave_log) = (commit_log(mdir.path()), commit_log(sdir.path()));
    let used = master_log.iter().rposition(|b| *b != 0).unwrap() + 1;
    assert!(slave_log.len() >= used);
    assert!(
        master_log[..used] == slave_log[..used],
        "the slave's log is the master's"
    );

    // The slave serves what it holds, topic and all (read from its master at start).
    wire::wait_caught_up(&client, &maddr, &saddr, TOPIC, 4).await;
    let mut bodies: Vec<String> = Vec::new();
    for q in 0..4 {
        for m in wire::pull_all(&client, &saddr, TOPIC, q).await {
            bodies.push(String::from_utf8(m.message.body.to_vec()).unwrap());
        }
    }
    bodies.sort_by_key(|b| b[8..].parse::<usize>().unwrap());
    let expected: Vec<String> = (0..sent).map(|i| format!("message {i}")).collect();
    assert_eq!(bodies, expected);

    // It refuses writes, as Apache's slave does.
    let refused = wire::send_raw(&client, &saddr, &wire::message(TOPIC, "no", "A"), 0).await;
    assert_eq!(refused.response_code(), ResponseCode::ServiceNotAvailable);
    assert!(
        refused
            .remark
            .unwrap()
            .contains("messages are put to the slave"),
        "Apache's remark"
    );

    // With the slave gone, the master says so again.
    s.shutdown().await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while send_all(&client, &maddr, sent, 1).await[0] != ResponseCode::SlaveNotAvailable {
        sent += 1;
        assert!(
            Instant::now() < deadline,
            "the master did not notice its slave left"
        );
    }
    client.close_all();
    stop(vec![m, namesrv]).await;
}

#[tokio::test]
async fn a_stalled_slave_times_sends_out_and_a_bad_stream_is_refused() {
    init_logging();
    let client = RemotingClient::new();
    let namesrv = start_namesrv().await;
    let ns = namesrv.addr().to_string();
    let mdir = tempfile::tempdir().unwrap();
    let ha_port = free_port();
    let m = start_broker(&ns, mdir.path(), master(BrokerRole::SyncMaster, 0, ha_port)).await;
    let maddr = m.addr().to_string();
    send_all(&client, &maddr, 0, 1).await;

    // A slave that connects, reports its offset once and then goes silent (as a SIGSTOPped
    // one does) gets the stream, but never acknowledges it.
    let mut stalled = tokio::net::TcpStream::connect(("127.0.0.1", ha_port))
        .await
        .unwrap();
    stalled.write_all(&0u64.to_be_bytes()).await.unwrap();
    let mut head = [0u8; 12];
    stalled.read_exact(&mut head).await.unwrap();
    assert_eq!(u64::from_be_bytes(head[..8].try_into().unwrap()), 0);
    let size = i32::from_be_bytes(head[8..].try_into().unwrap());
    assert!(size > 0, "the master streams the stored message");
    let started = Instant::now();
    let codes = send_all(&client, &maddr, 1, 1).await;
    assert_eq!(codes, vec![ResponseCode::FlushSlaveTimeout]);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(3),
        "answered after syncFlushTimeout (1 s), not {waited:?}"
    );
    drop(stalled);

    // A slave takes only a stream that continues its own log: here, from a "master" whose
    // first frame starts mid-file for an empty slave, it closes the connection.
    let fake = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let fake_addr = fake.local_addr().unwrap().to_string();
    let sdir = tempfile::tempdir().unwrap();
    let s = start_broker(&ns, sdir.path(), |c| {
        slave(c);
        c.broker_name = "broker-b".into();
        c.ha_master_address = Some(fake_addr);
    })
    .await;
    let (mut conn, _) = tokio::time::timeout(Duration::from_secs(5), fake.accept())
        .await
        .expect("the slave connects to haMasterAddress")
        .unwrap();
    let mut report = [0u8; 8];
    conn.read_exact(&mut report).await.unwrap();
    assert_eq!(u64::from_be_bytes(report), 0, "an empty slave reports 0");
    let mut frame = 100u64.to_be_bytes().to_vec();
    frame.extend_from_slice(&3i32.to_be_bytes());
    frame.extend_from_slice(b"abc");
    conn.write_all(&frame).await.unwrap();
    let mut rest = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), conn.read_to_end(&mut rest)).await;
    assert!(read.is_ok(), "the slave closed the connection");
    assert!(rest.is_empty() || rest.len() % 8 == 0);
    client.close_all();
    stop(vec![s, m, namesrv]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slave_catches_up_after_either_side_restarts() {
    init_logging();
    let client = RemotingClient::new();
    let namesrv = start_namesrv().await;
    let ns = namesrv.addr().to_string();
    let (mdir, sdir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (port, ha_port) = (free_port(), free_port());
    let m = start_broker(
        &ns,
        mdir.path(),
        master(BrokerRole::AsyncMaster, port, ha_port),
    )
    .await;
    let maddr = m.addr().to_string();
    assert!(
        send_all(&client, &maddr, 0, 100)
            .await
            .iter()
            .all(|c| *c == ResponseCode::Success)
    );
    let s = start_broker(&ns, sdir.path(), slave).await;
    wire::wait_caught_up(&client, &maddr, &s.addr().to_string(), TOPIC, 4).await;

    // The slave away: the master goes on; back, the slave continues from its own end.
    s.shutdown().await;
    assert!(
        send_all(&client, &maddr, 100, 100)
            .await
            .iter()
            .all(|c| *c == ResponseCode::Success)
    );
    let s = start_broker(&ns, sdir.path(), slave).await;
    let saddr = s.addr().to_string();
    wire::wait_caught_up(&client, &maddr, &saddr, TOPIC, 4).await;

    // The master away and back on its ports: the slave reconnects and follows.
    m.shutdown().await;
    let m = start_broker(
        &ns,
        mdir.path(),
        master(BrokerRole::AsyncMaster, port, ha_port),
    )
    .await;
    assert!(
        send_all(&client, &maddr, 200, 100)
            .await
            .iter()
            .all(|c| *c == ResponseCode::Success)
    );
    wire::wait_caught_up(&client, &maddr, &saddr, TOPIC, 4).await;
    let mut count = 0;
    for q in 0..4 {
        count += wire::pull_all(&client, &saddr, TOPIC, q).await.len();
    }
    assert_eq!(count, 300, "every message once");
    let (master_log, slave_log) = (commit_log(mdir.path()), commit_log(sdir.path()));
    let used = master_log.iter().rposition(|b| *b != 0).unwrap() + 1;
    assert!(
        master_log[..used] == slave_log[..used],
        "the slave's log is the master's"
    );
    client.close_all();
    stop(vec![s, m, namesrv]).await;
}

#[tokio::test]
async fn slave_read_enable_steers_readers_far_behind_to_the_slave() {
    init_logging();
    let client = RemotingClient::new();
    let namesrv = start_namesrv().await;
    let ns = namesrv.addr().to_string();
    let suggestion = |read_slave: bool, ratio: u32| {
        let (ns, client) = (ns.clone(), client.clone());
        async move {
            let dir = tempfile::tempdir().unwrap();
            let m = start_broker(&ns, dir.path(), |c| {
                c.slave_read_enable = read_slave;
                c.access_message_in_memory_max_ratio = ratio;
            })
            .await;
            let addr = m.addr().to_string();
            wire::send(&client, &addr, &wire::message(TOPIC, "far", "A"), 0).await;
            wire::wait_dispatched(&client, &addr, TOPIC, 0, 1).await;
            let pulled = wire::Pull::new(TOPIC, 0, 0).send(&client, &addr).await;
            assert_eq!(pulled.code, ResponseCode::Success);
            m.shutdown().await;
            pulled.header.suggest_which_broker_id
        }
    };
    // Anything is "too far behind" with 0% of memory: the group's slow-consumer broker, 1.
    assert_eq!(suggestion(true, 0).await, 1);
    // Within 40% of memory: the group's broker, 0.
    assert_eq!(suggestion(true, 40).await, 0);
    // Without slaveReadEnable, always the master.
    assert_eq!(suggestion(false, 0).await, 0);
    client.close_all();
    namesrv.shutdown().await;
}
