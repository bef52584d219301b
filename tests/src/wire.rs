//! Raw protocol calls for tests.

use std::time::Duration;

use bytes::Bytes;
use rocketmq_client::protocol::body::{ClusterInfo, HeartbeatData, JsonBody};
use rocketmq_client::protocol::header::{
    ConsumerSendMsgBackRequestHeader, OffsetResponseHeader, PullMessageRequestHeader,
    PullMessageResponseHeader, QueryConsumerOffsetRequestHeader, QueueHeader,
    SendMessageRequestHeaderV2, SendMessageResponseHeader, UpdateConsumerOffsetRequestHeader,
    pull_sys_flag,
};
use rocketmq_client::protocol::message::{Message, MessageExt};
use rocketmq_client::protocol::{RemotingCommand, RequestCode, ResponseCode};
use rocketmq_client::remoting::RemotingClient;

pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Sends a request and returns the response.
pub async fn call(client: &RemotingClient, addr: &str, req: RemotingCommand) -> RemotingCommand {
    client
        .invoke(addr, req, TIMEOUT)
        .await
        .expect("the server answers")
}

/// The V2 send header for `msg`.
pub fn send_header(msg: &Message, queue_id: i32) -> SendMessageRequestHeaderV2 {
    SendMessageRequestHeaderV2::for_message("test-producer", msg, queue_id, 4)
}

/// SEND_MESSAGE_V2; returns the response (any code).
pub async fn send_raw(
    client: &RemotingClient,
    addr: &str,
    msg: &Message,
    queue_id: i32,
) -> RemotingCommand {
    let req =
        RemotingCommand::request_with(RequestCode::SendMessageV2, &send_header(msg, queue_id))
            .with_body(msg.body.clone());
    call(client, addr, req).await
}

/// CONSUMER_SEND_MSG_BACK with delay level −1: the message at `commit_log_offset` goes
/// straight to `group`'s dead-letter queue. Expects SUCCESS.
pub async fn send_to_dlq(
    client: &RemotingClient,
    addr: &str,
    group: &str,
    origin_topic: &str,
    commit_log_offset: i64,
) {
    let back = ConsumerSendMsgBackRequestHeader {
        offset: commit_log_offset,
        group: group.into(),
        delay_level: -1,
        origin_msg_id: None,
        origin_topic: Some(origin_topic.into()),
        unit_mode: None,
        max_reconsume_times: None,
    };
    let req = RemotingCommand::request_with(RequestCode::ConsumerSendMsgBack, &back);
    let resp = call(client, addr, req).await;
    assert_eq!(
        resp.response_code(),
        ResponseCode::Success,
        "{:?}",
        resp.remark
    );
}

/// Sends and expects SUCCESS.
pub async fn send(
    client: &RemotingClient,
    addr: &str,
    msg: &Message,
    queue_id: i32,
) -> SendMessageResponseHeader {
    let resp = send_raw(client, addr, msg, queue_id).await;
    assert_eq!(
        resp.response_code(),
        ResponseCode::Success,
        "send failed: {:?}",
        resp.remark
    );
    resp.decode_header().expect("send response header")
}

/// A message with a tag.
pub fn message(topic: &str, body: impl Into<Bytes>, tag: &str) -> Message {
    Message::new(topic, body).with_tags(tag)
}

/// The result of a pull.
pub struct Pulled {
    pub code: ResponseCode,
    pub header: PullMessageResponseHeader,
    pub messages: Vec<MessageExt>,
    pub remark: Option<String>,
}

/// A PULL_MESSAGE request carrying its subscription.
#[derive(Debug, Clone)]
pub struct Pull<'a> {
    pub group: &'a str,
    pub topic: &'a str,
    pub queue_id: i32,
    pub offset: i64,
    pub expression: &'a str,
    /// Allow the broker to hold the pull this long.
    pub suspend_millis: Option<i64>,
}

impl<'a> Pull<'a> {
    /// Group "test-reader", every tag, no suspension.
    pub fn new(topic: &'a str, queue_id: i32, offset: i64) -> Self {
        Pull {
            group: "test-reader",
            topic,
            queue_id,
            offset,
            expression: "*",
            suspend_millis: None,
        }
    }

    pub fn expression(mut self, expression: &'a str) -> Self {
        self.expression = expression;
        self
    }

    pub fn suspend(mut self, millis: i64) -> Self {
        self.suspend_millis = Some(millis);
        self
    }

    /// Sends it.
    pub async fn send(&self, client: &RemotingClient, addr: &str) -> Pulled {
        let mut sys_flag = pull_sys_flag::SUBSCRIPTION;
        if self.suspend_millis.is_some() {
            sys_flag |= pull_sys_flag::SUSPEND;
        }
        let header = PullMessageRequestHeader {
            consumer_group: self.group.into(),
            topic: self.topic.into(),
            queue_id: self.queue_id,
            queue_offset: self.offset,
            max_msg_nums: 32,
            sys_flag,
            commit_offset: 0,
            suspend_timeout_millis: self.suspend_millis.unwrap_or(0),
            subscription: Some(self.expression.into()),
            sub_version: 0,
            expression_type: Some("TAG".into()),
            max_msg_bytes: None,
        };
        let resp = call(
            client,
            addr,
            RemotingCommand::request_with(RequestCode::PullMessage, &header),
        )
        .await;
        let code = resp.response_code();
        let header: PullMessageResponseHeader = resp.decode_header().unwrap_or_default();
        let messages = if code == ResponseCode::Success {
            MessageExt::decode_all(&resp.body).expect("records decode")
        } else {
            Vec::new()
        };
        Pulled {
            code,
            header,
            messages,
            remark: resp.remark,
        }
    }
}

/// Pulls a whole queue from `offset` to its end.
pub async fn pull_all(
    client: &RemotingClient,
    addr: &str,
    topic: &str,
    queue_id: i32,
) -> Vec<MessageExt> {
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let p = Pull::new(topic, queue_id, offset).send(client, addr).await;
        match p.code {
            ResponseCode::Success => {
                offset = p.header.next_begin_offset;
                out.extend(p.messages);
            }
            ResponseCode::PullRetryImmediately => offset = p.header.next_begin_offset,
            _ => return out,
        }
    }
}

/// Waits (up to 5 s) until a queue holds `count` messages: a stored message is pullable once
/// the broker has dispatched it, just after the send's answer.
pub async fn wait_dispatched(
    client: &RemotingClient,
    addr: &str,
    topic: &str,
    queue_id: i32,
    count: i64,
) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while max_offset(client, addr, topic, queue_id).await < count {
        assert!(
            std::time::Instant::now() < deadline,
            "{topic}/{queue_id} never reached {count} messages"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

pub async fn max_offset(client: &RemotingClient, addr: &str, topic: &str, queue_id: i32) -> i64 {
    let req = RemotingCommand::request_with(
        RequestCode::GetMaxOffset,
        &QueueHeader {
            topic: topic.into(),
            queue_id,
        },
    );
    let resp = call(client, addr, req).await;
    resp.decode_header::<OffsetResponseHeader>()
        .expect("offset")
        .offset
}

pub async fn commit_offset(
    client: &RemotingClient,
    addr: &str,
    group: &str,
    topic: &str,
    queue_id: i32,
    offset: i64,
) {
    let h = UpdateConsumerOffsetRequestHeader {
        consumer_group: group.into(),
        topic: topic.into(),
        queue_id,
        commit_offset: offset,
    };
    let resp = call(
        client,
        addr,
        RemotingCommand::request_with(RequestCode::UpdateConsumerOffset, &h),
    )
    .await;
    assert_eq!(resp.response_code(), ResponseCode::Success);
}

/// QUERY_CONSUMER_OFFSET with `setZeroIfNotFound=false`: `None` for QUERY_NOT_FOUND.
pub async fn query_offset(
    client: &RemotingClient,
    addr: &str,
    group: &str,
    topic: &str,
    queue_id: i32,
) -> Option<i64> {
    let h = QueryConsumerOffsetRequestHeader {
        consumer_group: group.into(),
        topic: topic.into(),
        queue_id,
        set_zero_if_not_found: Some(false),
    };
    let resp = call(
        client,
        addr,
        RemotingCommand::request_with(RequestCode::QueryConsumerOffset, &h),
    )
    .await;
    match resp.response_code() {
        ResponseCode::Success => Some(
            resp.decode_header::<OffsetResponseHeader>()
                .expect("offset")
                .offset,
        ),
        ResponseCode::QueryNotFound => None,
        other => panic!("unexpected query offset answer {other:?}"),
    }
}

pub async fn heartbeat(client: &RemotingClient, addr: &str, hb: &HeartbeatData) -> RemotingCommand {
    call(
        client,
        addr,
        RemotingCommand::request(RequestCode::HeartBeat).with_body(hb.encode()),
    )
    .await
}

pub async fn cluster_info(client: &RemotingClient, namesrv: &str) -> ClusterInfo {
    let resp = call(
        client,
        namesrv,
        RemotingCommand::request(RequestCode::GetBrokerClusterInfo),
    )
    .await;
    ClusterInfo::decode(&resp.body).expect("cluster info")
}

/// Waits (up to 20 s) until the name server lists broker name `name` with exactly these
/// broker ids (`[0, 1]`: master and slave; `[]`: gone).
pub async fn wait_broker_ids(client: &RemotingClient, namesrv: &str, name: &str, ids: &[i64]) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let have: Vec<i64> = cluster_info(client, namesrv)
            .await
            .broker_addr_table
            .get(name)
            .map(|b| b.broker_addrs.keys().copied().collect())
            .unwrap_or_default();
        if have == ids {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{name} has {have:?}, not {ids:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Waits (up to 15 s) until queues `0..queues` of `topic` on `slave` are as long as on
/// `master`.
pub async fn wait_caught_up(
    client: &RemotingClient,
    master: &str,
    slave: &str,
    topic: &str,
    queues: i32,
) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    for q in 0..queues {
        let want = max_offset(client, master, topic, q).await;
        while max_offset(client, slave, topic, q).await < want {
            assert!(
                std::time::Instant::now() < deadline,
                "the slave never caught up on {topic}/{q}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}
