//! Requests shaped as third-party clients shape them, on raw connections: what the broker
//! accepts, how it answers, and that the connection stays up after a refusal.
//!
//! - crates.io `rocketmq` 0.0.4 speaks the ROCKETMQ binary header and writes batch entries'
//!   totalSize 2 bytes short;
//! - Apache's C++ core sends a batch as SEND_MESSAGE with `batch:"1"`, zlib-compressed as a
//!   whole above 4 KiB.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rocketmq_client::protocol::frame::encode_to_bytes;
use rocketmq_client::protocol::header::SendMessageRequestHeader;
use rocketmq_client::protocol::message::{
    BATCH_ENTRY_OVERHEAD, BatchEntry, Message, compress, encode_batch, sys_flag,
};
use rocketmq_client::protocol::{
    FrameBuffer, LanguageCode, MAX_FRAME_LEN, RemotingCommand, RequestCode, ResponseCode,
    SerializeType,
};
use rocketmq_integration_tests::{TestCluster, wire};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One raw connection, requests numbered from 1 as the third-party clients number them.
struct RawConn {
    stream: TcpStream,
    buf: FrameBuffer,
    next_opaque: i32,
}

impl RawConn {
    async fn open(addr: &str) -> Self {
        RawConn {
            stream: TcpStream::connect(addr).await.unwrap(),
            buf: FrameBuffer::default(),
            next_opaque: 1,
        }
    }

    /// Writes `req` with the next opaque; returns the opaque.
    async fn write(&mut self, mut req: RemotingCommand) -> i32 {
        req.opaque = self.next_opaque;
        self.next_opaque += 1;
        self.stream.write_all(&encode_to_bytes(&req)).await.unwrap();
        req.opaque
    }

    /// The next frame the server sends, within `wait`.
    async fn read(&mut self, wait: Duration) -> Option<RemotingCommand> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(cmd) = self
                .buf
                .next_frame(MAX_FRAME_LEN)
                .expect("a well-formed frame")
            {
                return Some(cmd);
            }
            let read = tokio::time::timeout_at(deadline, self.stream.read_buf(self.buf.for_read()));
            match read.await {
                Ok(Ok(n)) if n > 0 => self.buf.filled(n),
                Ok(Ok(_)) => panic!("the server closed the connection"),
                Ok(Err(e)) => panic!("read failed: {e}"),
                Err(_) => return None,
            }
        }
    }

    async fn call(&mut self, req: RemotingCommand) -> RemotingCommand {
        let opaque = self.write(req).await;
        let resp = self.read(wire::TIMEOUT).await.expect("an answer in time");
        assert_eq!(resp.opaque, opaque);
        resp
    }
}

/// A SEND_MESSAGE_V2 as rocketmq 0.0.4 sends it: binary header, language OTHER.
fn binary_send(topic: &str, body: impl Into<Bytes>, batch: bool) -> RemotingCommand {
    let msg = Message::new(topic, body).with_tags("TagA");
    let mut h = wire::send_header(&msg, 0);
    h.m = Some(batch);
    let mut req = RemotingCommand::request_with(RequestCode::SendMessageV2, &h).with_body(msg.body);
    req.serialize_type = SerializeType::RocketMq;
    req.language = LanguageCode::Other;
    req.version = 317;
    req
}

/// A batch entry with `total` written in its totalSize field.
fn entry_with_total(total: impl Fn(usize) -> i32, body: &[u8], props: &str) -> Vec<u8> {
    let exact = BATCH_ENTRY_OVERHEAD + body.len() + props.len();
    let mut v = Vec::new();
    for n in [total(exact), 0, 0, 0, body.len() as i32] {
        v.extend_from_slice(&n.to_be_bytes());
    }
    v.extend_from_slice(body);
    v.extend_from_slice(&(props.len() as i16).to_be_bytes());
    v.extend_from_slice(props.as_bytes());
    v
}

fn bodies(messages: &[rocketmq_client::protocol::message::MessageExt]) -> Vec<String> {
    messages
        .iter()
        .map(|m| String::from_utf8_lossy(&m.message.body).into_owned())
        .collect()
}

#[tokio::test]
async fn a_batch_with_short_total_sizes_is_stored_entry_by_entry() {
    let cluster = TestCluster::start(|_| {}).await;
    let mut conn = RawConn::open(&cluster.broker_addr()).await;
    let mut body = Vec::new();
    for i in 0..20 {
        let props = format!("TAGS\u{1}TagA\u{2}KEYS\u{1}KEY-{i}\u{2}");
        body.extend(entry_with_total(
            |exact| exact as i32 - 2,
            format!("b{i}").as_bytes(),
            &props,
        ));
    }
    let resp = conn.call(binary_send("ShortTotal", body, true)).await;
    assert_eq!(
        resp.response_code(),
        ResponseCode::Success,
        "{:?}",
        resp.remark
    );
    assert_eq!(resp.serialize_type, SerializeType::RocketMq);
    assert_eq!(resp.ext("msgId").unwrap().split(',').count(), 20);
    wire::wait_dispatched(&cluster.client, &cluster.broker_addr(), "ShortTotal", 0, 20).await;
    let stored = wire::pull_all(&cluster.client, &cluster.broker_addr(), "ShortTotal", 0).await;
    let want: Vec<String> = (0..20).map(|i| format!("b{i}")).collect();
    assert_eq!(bodies(&stored), want);
    assert_eq!(stored[7].message.keys(), Some("KEY-7"));
    assert_eq!(stored[7].message.tags(), Some("TagA"));
    cluster.stop().await;
}

#[tokio::test]
async fn a_batch_entry_running_past_the_body_is_refused_and_the_connection_kept() {
    let cluster = TestCluster::start(|_| {}).await;
    let mut conn = RawConn::open(&cluster.broker_addr()).await;
    let mut body = entry_with_total(|e| e as i32, b"fine", "");
    let mut second = entry_with_total(|e| e as i32, b"abc", "");
    second[19] = 100; // body length 100; 3 bytes and the properties length follow
    body.extend(second);
    let resp = conn.call(binary_send("PastTheEnd", body, true)).await;
    assert_eq!(resp.response_code(), ResponseCode::MessageIllegal);
    assert_eq!(
        resp.remark.as_deref(),
        Some(
            "bad batch body: entry 1 at byte 26: the body and properties length needs 102 bytes, only 5 left"
        )
    );
    // Same connection: the next send is stored, and nothing of the refused batch was.
    let resp = conn.call(binary_send("PastTheEnd", "after", false)).await;
    assert_eq!(resp.response_code(), ResponseCode::Success);
    assert_eq!(resp.ext("queueOffset"), Some("0"));
    cluster.stop().await;
}

/// SEND_MESSAGE (v1 header, JSON) with `batch:"1"` and the body compressed as a whole.
fn cpp_batch(topic: &str, entries: &[BatchEntry]) -> RemotingCommand {
    let plain = encode_batch(entries);
    let header = SendMessageRequestHeader {
        producer_group: "cpp-producer".into(),
        topic: topic.into(),
        default_topic: "TBW102".into(),
        default_topic_queue_nums: 4,
        queue_id: 0,
        sys_flag: sys_flag::COMPRESSED,
        born_timestamp: rocketmq_client::protocol::now_millis(),
        flag: 0,
        properties: Some(String::new()),
        reconsume_times: Some(0),
        unit_mode: Some(false),
        batch: None,
        max_reconsume_times: None,
    };
    let mut req = RemotingCommand::request_with(RequestCode::SendMessage, &header)
        .with_body(compress::compress(&plain, 5));
    req.ext_fields.insert("batch".into(), "1".into());
    req.language = LanguageCode::Cpp;
    req
}

#[tokio::test]
async fn a_compressed_cpp_batch_is_inflated_before_its_entries_are_read() {
    let cluster = TestCluster::start(|_| {}).await;
    let (c, b) = (&cluster.client, cluster.broker_addr());
    let entries: Vec<BatchEntry> = (0..50)
        .map(|i| BatchEntry {
            flag: 0,
            body: format!("run:batch:{i}:{}", "x".repeat(200)).into(),
            properties: format!("KEYS\u{1}KEY-{i}\u{2}TAGS\u{1}TagA\u{2}"),
        })
        .collect();
    let req = cpp_batch("CppBatch", &entries);
    assert!(req.body.len() < 4096 && encode_batch(&entries).len() > 4096 * 2);
    let resp = wire::call(c, &b, req).await;
    assert_eq!(
        resp.response_code(),
        ResponseCode::Success,
        "{:?}",
        resp.remark
    );
    wire::wait_dispatched(c, &b, "CppBatch", 0, 50).await;
    let stored = wire::pull_all(c, &b, "CppBatch", 0).await;
    assert_eq!(stored.len(), 50);
    for (m, e) in stored.iter().zip(&entries) {
        assert_eq!(m.message.body, e.body);
        assert_eq!(m.sys_flag & sys_flag::COMPRESSED, 0, "stored inflated");
        assert_eq!(m.message.tags(), Some("TagA"));
    }
    // A body that is not zlib is refused by name; the broker keeps serving.
    let mut broken = cpp_batch("CppBatch", &entries[..1]);
    broken.body = Bytes::from_static(b"not zlib at all");
    let resp = wire::call(c, &b, broken).await;
    assert_eq!(resp.response_code(), ResponseCode::MessageIllegal);
    assert!(
        resp.remark
            .as_deref()
            .unwrap()
            .starts_with("bad batch body: corrupt zlib body"),
        "{:?}",
        resp.remark
    );
    assert_eq!(wire::max_offset(c, &b, "CppBatch", 0).await, 50);
    cluster.stop().await;
}

/// The shape of the sync sends of rocketmq 0.0.4 at volume: every binary-header request gets
/// exactly one answer, with its opaque, well-formed, and promptly (the client gives up at 3 s).
/// Sequential sends, then 64 in flight at once on the same connection.
#[tokio::test]
async fn every_binary_header_send_is_answered_once_and_promptly() {
    let cluster = TestCluster::start(|_| {}).await;
    let mut conn = RawConn::open(&cluster.broker_addr()).await;
    let mut slowest = Duration::ZERO;
    for i in 0..2_000 {
        let started = Instant::now();
        let opaque = conn
            .write(binary_send("Volume", format!("s{i}"), false))
            .await;
        let resp = conn.read(Duration::from_secs(3)).await;
        let resp =
            resp.unwrap_or_else(|| panic!("send {i} (opaque {opaque}) got no answer in 3 s"));
        slowest = slowest.max(started.elapsed());
        assert_eq!(
            (resp.opaque, resp.response_code()),
            (opaque, ResponseCode::Success)
        );
        assert!(resp.is_response() && resp.serialize_type == SerializeType::RocketMq);
        assert_eq!(resp.ext("queueId"), Some("0"));
        assert_eq!(resp.ext("queueOffset"), Some(i.to_string().as_str()));
    }
    let mut waiting: HashMap<i32, usize> = HashMap::new();
    for round in 0..20 {
        for k in 0..64 {
            let opaque = conn
                .write(binary_send("Volume", format!("p{round}-{k}"), false))
                .await;
            waiting.insert(opaque, k);
        }
        while !waiting.is_empty() {
            let resp = conn.read(Duration::from_secs(3)).await;
            let resp =
                resp.unwrap_or_else(|| panic!("{} answers missing: {waiting:?}", waiting.len()));
            assert!(
                waiting.remove(&resp.opaque).is_some(),
                "unexpected or repeated opaque {}",
                resp.opaque
            );
            assert_eq!(resp.response_code(), ResponseCode::Success);
        }
    }
    // Nothing more arrives: no answer was sent twice.
    assert!(conn.read(Duration::from_millis(200)).await.is_none());
    assert_eq!(
        wire::max_offset(&cluster.client, &cluster.broker_addr(), "Volume", 0).await,
        2_000 + 20 * 64
    );
    assert!(
        slowest < Duration::from_secs(3),
        "slowest answer {slowest:?}"
    );
    cluster.stop().await;
}
