//! A frame's declared length is not memory: 500 connections that each declare a 16 MiB frame
//! and send 1 KiB of it leave the real `mqbroker`'s anonymous RSS within a few MiB per
//! hundred connections (Apache's limit is the frame size; reserving it up front cost 1 GiB
//! here), and the broker goes on serving.

use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

use rocketmq_client::protocol::{RemotingCommand, RequestCode, ResponseCode};
use rocketmq_integration_tests::process::free_port;
use rocketmq_integration_tests::{BrokerProcess, wire};

#[test]
fn declared_frame_lengths_are_not_reserved() {
    let dir = tempfile::tempdir().unwrap();
    let broker = BrokerProcess::start(dir.path(), free_port(), "");
    std::thread::sleep(Duration::from_millis(500));
    let idle = broker.anon_rss_kib();
    let mut frame = (16 * 1024 * 1024i32).to_be_bytes().to_vec();
    frame.extend_from_slice(&512u32.to_be_bytes());
    frame.extend_from_slice(&[b' '; 1024]);
    let conns: Vec<TcpStream> = (0..500)
        .map(|_| {
            let mut s = TcpStream::connect(&broker.addr).unwrap();
            s.write_all(&frame).unwrap();
            s
        })
        .collect();
    std::thread::sleep(Duration::from_secs(1));
    let loaded = broker.anon_rss_kib();
    drop(conns);
    // 500 connections' buffers: a 64 KiB chunk each at most, far from 500 × 16 MiB.
    assert!(
        loaded.saturating_sub(idle) < 80 * 1024,
        "anonymous RSS went from {idle} KiB to {loaded} KiB"
    );
    eprintln!("anonymous RSS: idle {idle} KiB, with 500 half-sent 16 MiB frames {loaded} KiB");
    // Still serving.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = rocketmq_client::remoting::RemotingClient::new();
        let req = RemotingCommand::request(RequestCode::GetBrokerRuntimeInfo);
        let resp = wire::call(&client, &broker.addr, req).await;
        assert_eq!(resp.response_code(), ResponseCode::Success);
    });
    broker.terminate();
}
