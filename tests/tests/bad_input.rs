//! Bad input gets an error response or a closed connection, and the server keeps serving.

use std::time::Duration;

use rocketmq_client::protocol::{RemotingCommand, RequestCode, ResponseCode};
use rocketmq_integration_tests::{TestCluster, wire};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Writes raw bytes and reports whether the server closed the connection.
async fn closes_after(addr: &str, bytes: &[u8]) -> bool {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(bytes).await.unwrap();
    let mut buf = [0u8; 64];
    matches!(
        tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf)).await,
        Ok(Ok(0)) | Ok(Err(_))
    )
}

fn frame(len: i32, mark: u32, rest: &[u8]) -> Vec<u8> {
    let mut v = len.to_be_bytes().to_vec();
    v.extend_from_slice(&mark.to_be_bytes());
    v.extend_from_slice(rest);
    v
}

async fn still_serves(cluster: &TestCluster) {
    let r = wire::send(
        &cluster.client,
        &cluster.broker_addr(),
        &wire::message("StillUp", "ok", "A"),
        0,
    )
    .await;
    assert!(r.queue_offset >= 0);
    assert!(
        !wire::cluster_info(&cluster.client, &cluster.namesrv_addr())
            .await
            .broker_addr_table
            .is_empty()
    );
}

#[tokio::test]
async fn frames_over_16_mib_close_the_connection() {
    let cluster = TestCluster::start(|_| {}).await;
    for addr in [cluster.broker_addr(), cluster.namesrv_addr()] {
        assert!(closes_after(&addr, &frame(16 * 1024 * 1024 + 1, 10, b"")).await);
    }
    still_serves(&cluster).await;
    cluster.stop().await;
}

#[tokio::test]
async fn a_header_longer_than_its_frame_closes_the_connection() {
    let cluster = TestCluster::start(|_| {}).await;
    assert!(closes_after(&cluster.broker_addr(), &frame(12, 500, b"{}{}{}{}")).await);
    assert!(
        closes_after(&cluster.broker_addr(), &frame(8, 0x0700_0004, b"abcd")).await,
        "unknown serialize type"
    );
    still_serves(&cluster).await;
    cluster.stop().await;
}

#[tokio::test]
async fn garbage_json_closes_the_connection() {
    let cluster = TestCluster::start(|_| {}).await;
    let junk = b"{\"code\":oops";
    assert!(
        closes_after(
            &cluster.broker_addr(),
            &frame(4 + junk.len() as i32, junk.len() as u32, junk)
        )
        .await
    );
    assert!(
        closes_after(
            &cluster.namesrv_addr(),
            &frame(4 + junk.len() as i32, junk.len() as u32, junk)
        )
        .await
    );
    still_serves(&cluster).await;
    cluster.stop().await;
}

#[tokio::test]
async fn unknown_codes_get_request_code_not_supported() {
    let cluster = TestCluster::start(|_| {}).await;
    for addr in [cluster.broker_addr(), cluster.namesrv_addr()] {
        let resp = wire::call(
            &cluster.client,
            &addr,
            RemotingCommand::request(RequestCode::Other(9999)),
        )
        .await;
        assert_eq!(resp.response_code(), ResponseCode::RequestCodeNotSupported);
        assert!(resp.remark.unwrap().contains("9999"));
    }
    still_serves(&cluster).await;
    cluster.stop().await;
}

#[tokio::test]
async fn missing_header_fields_are_named_in_the_error() {
    let cluster = TestCluster::start(|_| {}).await;
    let c = &cluster.client;
    let mut pull = RemotingCommand::request(RequestCode::PullMessage);
    pull.ext_fields.insert("topic".into(), "T".into());
    let resp = wire::call(c, &cluster.broker_addr(), pull).await;
    assert_eq!(resp.response_code(), ResponseCode::SystemError);
    assert!(resp.remark.unwrap().contains("consumerGroup"));

    let mut send = RemotingCommand::request(RequestCode::SendMessageV2);
    send.ext_fields.insert("b".into(), "T".into());
    send.ext_fields.insert("d".into(), "four".into());
    let resp = wire::call(c, &cluster.broker_addr(), send).await;
    assert_eq!(resp.response_code(), ResponseCode::SystemError);

    let route = RemotingCommand::request(RequestCode::GetRouteInfoByTopic);
    let resp = wire::call(c, &cluster.namesrv_addr(), route).await;
    assert!(resp.remark.unwrap().contains("topic"));

    let hb = RemotingCommand::request(RequestCode::HeartBeat).with_body(&b"not json"[..]);
    assert_eq!(
        wire::call(c, &cluster.broker_addr(), hb)
            .await
            .response_code(),
        ResponseCode::SystemError
    );
    let batch = RemotingCommand::request_with(
        RequestCode::SendBatchMessage,
        &wire::send_header(&wire::message("T", "", "A"), 0),
    )
    .with_body(&[0u8, 0, 0, 99, 1, 2][..]);
    assert_eq!(
        wire::call(c, &cluster.broker_addr(), batch)
            .await
            .response_code(),
        ResponseCode::MessageIllegal
    );
    still_serves(&cluster).await;
    cluster.stop().await;
}

#[tokio::test]
async fn binary_header_requests_get_binary_answers() {
    let cluster = TestCluster::start(|_| {}).await;
    let mut req = RemotingCommand::request(RequestCode::GetBrokerClusterInfo);
    req.serialize_type = rocketmq_client::protocol::SerializeType::RocketMq;
    let resp = wire::call(&cluster.client, &cluster.namesrv_addr(), req).await;
    assert_eq!(
        resp.serialize_type,
        rocketmq_client::protocol::SerializeType::RocketMq
    );
    assert_eq!(resp.response_code(), ResponseCode::Success);
    cluster.stop().await;
}

/// A header with 200,000 fields (~3 MiB) is refused at once (the connection closed after 1,024
/// fields), and another client's requests are answered within 100 ms meanwhile, on both
/// servers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_header_with_too_many_fields_is_refused_without_stalling_others() {
    let cluster = TestCluster::start(|_| {}).await;
    let fields: String = (0..200_000)
        .map(|i| format!("\"field{i}\":\"value\","))
        .collect();
    let header = format!(
        "{{\"code\":34,\"language\":\"JAVA\",\"version\":0,\"opaque\":1,\"flag\":0,\"extFields\":{{{fields}\"end\":\"x\"}}}}"
    );
    let bad = frame(
        4 + header.len() as i32,
        header.len() as u32,
        header.as_bytes(),
    );
    for addr in [cluster.broker_addr(), cluster.namesrv_addr()] {
        let attack = {
            let (addr, bad) = (addr.clone(), bad.clone());
            tokio::spawn(async move { closes_after(&addr, &bad).await })
        };
        for _ in 0..20 {
            let started = std::time::Instant::now();
            wire::cluster_info(&cluster.client, &cluster.namesrv_addr()).await;
            let req = RemotingCommand::request(RequestCode::GetBrokerRuntimeInfo);
            let resp = wire::call(&cluster.client, &cluster.broker_addr(), req).await;
            assert_eq!(resp.response_code(), ResponseCode::Success);
            assert!(
                started.elapsed() < Duration::from_millis(100),
                "{:?}",
                started.elapsed()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(attack.await.unwrap(), "{addr} closes the connection");
    }
    still_serves(&cluster).await;
    cluster.stop().await;
}

/// A topic of a million queues is refused at once (INVALID_PARAMETER), and the broker keeps
/// answering another client within 100 ms.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_million_queue_topic_is_refused_at_once() {
    use rocketmq_client::protocol::header::CreateTopicRequestHeader;
    let cluster = TestCluster::start(|_| {}).await;
    let b = cluster.broker_addr();
    for (read, write) in [(1_000_000, 8), (8, 1_000_000)] {
        let header = CreateTopicRequestHeader {
            topic: "MillionQueues".into(),
            default_topic: "TBW102".into(),
            read_queue_nums: read,
            write_queue_nums: write,
            perm: 6,
            topic_filter_type: "SINGLE_TAG".into(),
            topic_sys_flag: Some(0),
            order: false,
            attributes: None,
        };
        let started = std::time::Instant::now();
        let req = RemotingCommand::request_with(RequestCode::UpdateAndCreateTopic, &header);
        let resp = wire::call(&cluster.client, &b, req).await;
        assert_eq!(
            resp.response_code(),
            ResponseCode::InvalidParameter,
            "{:?}",
            resp.remark
        );
        assert!(resp.remark.unwrap().contains("between 1 and 1024"));
        assert!(
            started.elapsed() < Duration::from_millis(100),
            "{:?}",
            started.elapsed()
        );
    }
    let started = std::time::Instant::now();
    let req = RemotingCommand::request(RequestCode::GetBrokerRuntimeInfo);
    assert_eq!(
        wire::call(&cluster.client, &b, req).await.response_code(),
        ResponseCode::Success
    );
    assert!(started.elapsed() < Duration::from_millis(100));
    still_serves(&cluster).await;
    cluster.stop().await;
}
