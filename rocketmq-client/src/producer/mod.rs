//! The producer: Apache's `DefaultMQProducer` semantics on async Rust.
//!
//! A send looks up the topic's route on the name servers (falling back to `TBW102`'s route so
//! the broker auto-creates the topic), picks the next queue round-robin, and retries on another
//! broker for the codes Apache retries, all within `send_timeout`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), rocketmq_client::ClientError> {
//! use rocketmq_client::{Message, Producer};
//!
//! let producer = Producer::builder("please_rename_unique_group_name")
//!     .namesrv_addr("127.0.0.1:9876")
//!     .start()
//!     .await?;
//! let result = producer.send(Message::new("TopicTest", "Hello RocketMQ").with_tags("TagA")).await?;
//! println!("{result}");
//! producer.shutdown().await;
//! # Ok(()) }
//! ```

mod batch;
mod builder;
mod options;
mod request;
mod selector;
mod send_result;
mod transaction;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::JoinHandle;

pub use batch::split_batch;
pub use builder::ProducerBuilder;
pub use options::SendOptions;
pub use request::create_reply_message;
pub use selector::select_by_hash;
pub use send_result::{SendResult, SendStatus};
pub use transaction::{LocalTransactionState, TransactionListener, TransactionSendResult};

use crate::error::{ClientError, Result};
use crate::instance::{Member, Membership};
use crate::protocol::body::{HeartbeatData, MessageQueue, ProducerData, TopicRouteData};
use crate::protocol::header::{SendMessageRequestHeaderV2, SendMessageResponseHeader};
use crate::protocol::message::{Message, UniqueIdGenerator, compress, property, sys_flag};
use crate::protocol::{RemotingCommand, RequestCode, ResponseCode};
use crate::remoting::{RemotingClient, Reply};
use crate::route::{NameServers, master_addr, master_addrs, publish_queues};

/// The template topic brokers auto-create topics from.
pub const AUTO_CREATE_TOPIC_KEY: &str = "TBW102";

/// Broker codes after which Apache's producer retries on another queue.
const RETRY_CODES: [ResponseCode; 8] = [
    ResponseCode::TopicNotExist,
    ResponseCode::ServiceNotAvailable,
    ResponseCode::SystemError,
    ResponseCode::SystemBusy,
    ResponseCode::NoPermission,
    ResponseCode::Other(204),
    ResponseCode::Other(205),
    ResponseCode::GoAway,
];

/// Where a topic can be sent.
#[derive(Debug, Clone)]
struct PublishInfo {
    route: TopicRouteData,
    queues: Vec<MessageQueue>,
    /// Borrowed from TBW102 until the topic has a route of its own.
    borrowed: bool,
}

/// A message ready for the wire: its header-level parts and the body as sent.
#[derive(Debug, Clone)]
struct Outgoing {
    msg: Message,
    body: bytes::Bytes,
    sys_flag: i32,
    batch: bool,
    /// What the send result reports as `msg_id` (comma-joined for batches).
    msg_id: String,
}

struct Inner {
    config: ProducerBuilder,
    /// The shared instance: connections, client id, heartbeats.
    membership: Membership,
    ids: UniqueIdGenerator,
    /// Shared, so a send does not copy a route with possibly a thousand queues.
    routes: Mutex<HashMap<String, Arc<PublishInfo>>>,
    next_queue: AtomicUsize,
    running: AtomicBool,
}

/// Sends messages; cheap to share behind an `Arc`.
pub struct Producer {
    inner: Arc<Inner>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for Producer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Producer")
            .field("group", &self.inner.config.group)
            .field("client_id", &self.inner.client_id())
            .finish_non_exhaustive()
    }
}

impl Producer {
    /// A builder for producer group `group`.
    pub fn builder(group: impl Into<String>) -> ProducerBuilder {
        ProducerBuilder {
            group: group.into(),
            namesrv_addr: None,
            send_timeout: Duration::from_secs(3),
            retry_times_when_send_failed: 2,
            retry_times_when_send_async_failed: 2,
            retry_another_broker_when_not_store_ok: false,
            max_message_size: 4 * 1024 * 1024,
            compress_over: 4096,
            compress_level: 5,
            default_topic_queue_nums: 4,
            instance_name: None,
            transaction_listener: None,
        }
    }

    /// This client's id as brokers see it.
    pub fn client_id(&self) -> &str {
        self.inner.client_id()
    }

    /// Sends and waits for the broker's answer, retrying on another queue when Apache would.
    pub async fn send(&self, msg: Message) -> Result<SendResult> {
        let out = self.inner.prepare(msg)?;
        self.send_outgoing(out).await
    }

    /// Sends in the background and calls `callback` with the outcome (Java's `SendCallback`),
    /// retrying `retry_times_when_send_async_failed` times. For a future instead, spawn
    /// [`send`](Self::send).
    ///
    /// ```no_run
    /// # async fn demo(producer: std::sync::Arc<rocketmq_client::Producer>) {
    /// use rocketmq_client::Message;
    ///
    /// producer.send_with_callback(Message::new("TopicTest", "async"), |result| match result {
    ///     Ok(r) => println!("OK {}", r.msg_id),
    ///     Err(e) => eprintln!("Exception: {e}"),
    /// });
    /// # }
    /// ```
    pub fn send_with_callback<F>(self: &Arc<Self>, msg: Message, callback: F)
    where
        F: FnOnce(Result<SendResult>) + Send + 'static,
    {
        let producer = self.clone();
        tokio::spawn(async move {
            let config = &producer.inner.config;
            let options = SendOptions::default().retries(config.retry_times_when_send_async_failed);
            callback(producer.send_with(msg, options).await)
        });
    }

    async fn send_outgoing(&self, out: Outgoing) -> Result<SendResult> {
        let config = &self.inner.config;
        self.send_outgoing_with(
            out,
            config.send_timeout,
            config.retry_times_when_send_failed,
        )
        .await
    }

    /// Up to `1 + retries` attempts within `timeout`, moving to another broker after a
    /// failure (and after a non-OK store status with `retry_another_broker_when_not_store_ok`).
    async fn send_outgoing_with(
        &self,
        out: Outgoing,
        timeout: Duration,
        retries: u32,
    ) -> Result<SendResult> {
        let deadline = tokio::time::Instant::now() + timeout;
        let attempts = 1 + retries;
        let mut last_broker: Option<String> = None;
        let mut last_error = None;
        let mut not_stored = None;
        for _ in 0..attempts {
            if tokio::time::Instant::now() >= deadline {
                break;
            }
            let info = self.inner.publish_info(&out.msg.topic).await?;
            let Some(mq) = self.inner.select_queue(&info, last_broker.as_deref()) else {
                return Err(ClientError::NoRoute {
                    topic: out.msg.topic.clone(),
                });
            };
            last_broker = Some(mq.broker_name.clone());
            match self.inner.send_to(&info, &mq, &out, deadline, false).await {
                Ok(Some(result))
                    if result.status != SendStatus::SendOk
                        && self.inner.config.retry_another_broker_when_not_store_ok =>
                {
                    not_stored = Some(result);
                }
                Ok(Some(result)) => return Ok(result),
                Ok(None) => return Err(ClientError::NotRunning),
                Err(e) if retryable(&e) => {
                    tracing::debug!(topic = %out.msg.topic, broker = %mq.broker_name, error = %e, "send failed; retrying");
                    last_error = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
        if let Some(result) = not_stored {
            return Ok(result);
        }
        Err(last_error.unwrap_or(ClientError::NoRoute {
            topic: out.msg.topic.clone(),
        }))
    }

    /// Sends to one queue, without retrying elsewhere.
    ///
    /// ```no_run
    /// # async fn demo(producer: rocketmq_client::Producer) -> rocketmq_client::Result<()> {
    /// use rocketmq_client::Message;
    ///
    /// let queues = producer.fetch_publish_queues("TopicTest").await?;
    /// producer.send_to_queue(Message::new("TopicTest", "to queue 0"), &queues[0]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn send_to_queue(&self, msg: Message, mq: &MessageQueue) -> Result<SendResult> {
        let out = self.inner.prepare(msg)?;
        self.send_once(out, mq).await
    }

    async fn send_once(&self, out: Outgoing, mq: &MessageQueue) -> Result<SendResult> {
        self.send_once_within(out, mq, self.inner.config.send_timeout)
            .await
    }

    async fn send_once_within(
        &self,
        out: Outgoing,
        mq: &MessageQueue,
        timeout: Duration,
    ) -> Result<SendResult> {
        let deadline = tokio::time::Instant::now() + timeout;
        let info = self.inner.publish_info(&out.msg.topic).await?;
        self.inner
            .send_to(&info, mq, &out, deadline, false)
            .await?
            .ok_or(ClientError::NotRunning)
    }

    /// Sends without waiting for the broker (no result, no retry): for logs and metrics.
    ///
    /// ```no_run
    /// # async fn demo(producer: rocketmq_client::Producer) -> rocketmq_client::Result<()> {
    /// use rocketmq_client::Message;
    ///
    /// producer.send_oneway(Message::new("TopicTest", "fire and forget")).await?;
    /// # Ok(()) }
    /// ```
    pub async fn send_oneway(&self, msg: Message) -> Result<()> {
        let out = self.inner.prepare(msg)?;
        let deadline = tokio::time::Instant::now() + self.inner.config.send_timeout;
        let info = self.inner.publish_info(&out.msg.topic).await?;
        let mq = self
            .inner
            .select_queue(&info, None)
            .ok_or_else(|| ClientError::NoRoute {
                topic: out.msg.topic.clone(),
            })?;
        self.inner
            .send_to(&info, &mq, &out, deadline, true)
            .await
            .map(|_| ())
    }

    /// The queues `topic` can be sent to.
    pub async fn fetch_publish_queues(&self, topic: &str) -> Result<Vec<MessageQueue>> {
        Ok(self.inner.publish_info(topic).await?.queues.clone())
    }

    /// Leaves the group on every broker and closes connections.
    pub async fn shutdown(&self) {
        if !self.inner.running.swap(false, Ordering::AcqRel) {
            return;
        }
        if let Some(task) = self.task.lock().unwrap_or_else(|e| e.into_inner()).take() {
            task.abort();
        }
        self.inner
            .membership
            .unregister_and_leave(self.inner.broker_addrs())
            .await;
    }
}

impl Drop for Producer {
    fn drop(&mut self) {
        if let Some(task) = self.task.lock().unwrap_or_else(|e| e.into_inner()).take() {
            task.abort();
        }
    }
}

fn retryable(e: &ClientError) -> bool {
    match e {
        ClientError::Remoting(_) => true,
        ClientError::Remote { code, .. } => RETRY_CODES.contains(code),
        _ => false,
    }
}

impl Inner {
    fn client(&self) -> &RemotingClient {
        self.membership.instance().remoting()
    }

    fn namesrv(&self) -> &NameServers {
        self.membership.instance().namesrv()
    }

    fn client_id(&self) -> &str {
        self.membership.instance().client_id()
    }

    /// Client-side checks, the unique key, and compression of large bodies.
    fn prepare(&self, mut msg: Message) -> Result<Outgoing> {
        self.check(&msg)?;
        if msg.unique_key().is_none() {
            msg.put_property(property::UNIQ_CLIENT_MESSAGE_ID_KEYIDX, self.ids.next_id());
        }
        let mut sys_flag = 0;
        let mut body = msg.body.clone();
        if body.len() >= self.config.compress_over {
            body = compress::compress(&body, self.config.compress_level).into();
            sys_flag |= sys_flag::COMPRESSED | compress::COMPRESSION_ZLIB;
        }
        let msg_id = msg.unique_key().unwrap_or_default().to_string();
        Ok(Outgoing {
            msg,
            body,
            sys_flag,
            batch: false,
            msg_id,
        })
    }

    /// What every message must satisfy before it is sent.
    fn check(&self, msg: &Message) -> Result<()> {
        if !self.running.load(Ordering::Acquire) {
            return Err(ClientError::NotRunning);
        }
        validate_topic(&msg.topic)?;
        self.check_body(msg)
    }

    /// The body rules of [`check`](Self::check) (a batch checks the rest once).
    fn check_body(&self, msg: &Message) -> Result<()> {
        if msg.body.is_empty() {
            return Err(ClientError::InvalidMessage(
                "the message body length is zero".into(),
            ));
        }
        if msg.body.len() > self.config.max_message_size {
            return Err(ClientError::InvalidMessage(format!(
                "the message body size over max value, MAX: {}",
                self.config.max_message_size
            )));
        }
        Ok(())
    }

    /// The topic's queues, from cache or the name servers (TBW102's route for a new topic).
    async fn publish_info(&self, topic: &str) -> Result<Arc<PublishInfo>> {
        if let Some(info) = self
            .routes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(topic)
            && !info.queues.is_empty()
        {
            return Ok(info.clone());
        }
        let info = Arc::new(self.fetch_publish_info(topic).await?);
        self.remember(topic, &info).await;
        Ok(info)
    }

    async fn fetch_publish_info(&self, topic: &str) -> Result<PublishInfo> {
        if let Some(route) = self.namesrv().route(self.client(), topic).await? {
            let queues = publish_queues(topic, &route, None);
            if !queues.is_empty() {
                return Ok(PublishInfo {
                    route,
                    queues,
                    borrowed: false,
                });
            }
        }
        match self
            .namesrv()
            .route(self.client(), AUTO_CREATE_TOPIC_KEY)
            .await?
        {
            Some(route) => {
                let queues =
                    publish_queues(topic, &route, Some(self.config.default_topic_queue_nums));
                if queues.is_empty() {
                    return Err(ClientError::NoRoute {
                        topic: topic.to_string(),
                    });
                }
                Ok(PublishInfo {
                    route,
                    queues,
                    borrowed: true,
                })
            }
            None => Err(ClientError::NoRoute {
                topic: topic.to_string(),
            }),
        }
    }

    /// Caches a route and heartbeats brokers we have not met yet.
    async fn remember(&self, topic: &str, info: &Arc<PublishInfo>) {
        let before = self.broker_addrs();
        self.routes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(topic.to_string(), info.clone());
        for addr in self.broker_addrs() {
            if !before.contains(&addr) {
                self.membership.instance().heartbeat_to(&addr).await;
            }
        }
    }

    fn select_queue(&self, info: &PublishInfo, avoid_broker: Option<&str>) -> Option<MessageQueue> {
        let n = info.queues.len();
        if n == 0 {
            return None;
        }
        let start = self.next_queue.fetch_add(1, Ordering::Relaxed);
        if let Some(avoid) = avoid_broker {
            for i in 0..n {
                let mq = &info.queues[(start + i) % n];
                if mq.broker_name != avoid {
                    return Some(mq.clone());
                }
            }
        }
        Some(info.queues[start % n].clone())
    }

    /// One attempt; `Ok(None)` for oneway.
    async fn send_to(
        &self,
        info: &PublishInfo,
        mq: &MessageQueue,
        out: &Outgoing,
        deadline: tokio::time::Instant,
        oneway: bool,
    ) -> Result<Option<SendResult>> {
        let topic = &out.msg.topic;
        let addr =
            master_addr(&info.route, &mq.broker_name).ok_or_else(|| ClientError::NoRoute {
                topic: topic.clone(),
            })?;
        let header = SendMessageRequestHeaderV2 {
            f: out.sys_flag,
            m: Some(out.batch),
            n: Some(mq.broker_name.clone()),
            ..SendMessageRequestHeaderV2::for_message(
                &self.config.group,
                &out.msg,
                mq.queue_id,
                self.config.default_topic_queue_nums,
            )
        };
        let code = if out.batch {
            RequestCode::SendBatchMessage
        } else if out.msg.property(property::MSG_TYPE) == Some(request::REPLY_MESSAGE_FLAG) {
            RequestCode::SendReplyMessageV2
        } else {
            RequestCode::SendMessageV2
        };
        let mut req = RemotingCommand::request_with(code, &header).with_body(out.body.clone());
        // Sends carry their header in RocketMQ's binary form (Java's `rocketmq.serialize.type=
        // ROCKETMQ`), which every Apache broker reads and answers in kind: no JSON to build or
        // parse on the hottest path (+16% sync sends in mqbench).
        req.serialize_type = crate::protocol::SerializeType::RocketMq;
        if oneway {
            self.client().invoke_oneway(&addr, req).await?;
            return Ok(None);
        }
        let timeout = deadline.saturating_duration_since(tokio::time::Instant::now());
        let resp = self.client().invoke(&addr, req, timeout).await?;
        let status = match resp.response_code() {
            ResponseCode::Success => SendStatus::SendOk,
            ResponseCode::FlushDiskTimeout => SendStatus::FlushDiskTimeout,
            ResponseCode::FlushSlaveTimeout => SendStatus::FlushSlaveTimeout,
            ResponseCode::SlaveNotAvailable => SendStatus::SlaveNotAvailable,
            code => {
                return Err(ClientError::Remote {
                    addr,
                    code,
                    remark: resp.remark.unwrap_or_default(),
                });
            }
        };
        let h: SendMessageResponseHeader = resp
            .decode_header()
            .map_err(|e| ClientError::header(&addr, e))?;
        Ok(Some(SendResult {
            status,
            msg_id: out.msg_id.clone(),
            offset_msg_id: h.msg_id,
            message_queue: MessageQueue::new(topic, &mq.broker_name, h.queue_id),
            queue_offset: h.queue_offset,
            transaction_id: h.transaction_id,
            region_id: h.msg_region.unwrap_or_else(|| "DefaultRegion".to_string()),
        }))
    }

    /// Master addresses of every cached route.
    fn broker_addrs(&self) -> Vec<String> {
        let routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
        master_addrs(routes.values().map(|i| &i.route))
    }

    /// Re-reads every cached route (a borrowed TBW102 route is replaced once the topic has
    /// its own). The instance heartbeats the brokers.
    async fn refresh(&self) {
        let topics: Vec<String> = self
            .routes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .cloned()
            .collect();
        for topic in topics {
            match self.fetch_publish_info(&topic).await {
                Ok(info) => {
                    let mut routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
                    let keep_borrowed =
                        info.borrowed && routes.get(&topic).is_some_and(|old| !old.borrowed);
                    if !keep_borrowed {
                        routes.insert(topic, Arc::new(info));
                    }
                }
                Err(e) => tracing::debug!(%topic, error = %e, "route refresh failed"),
            }
        }
    }
}

impl Member for Inner {
    fn heartbeat(&self, hb: &mut HeartbeatData) {
        if self.running.load(Ordering::Acquire) {
            hb.producer_data_set.push(ProducerData {
                group_name: self.config.group.clone(),
            });
        }
    }

    fn broker_addrs(&self) -> Vec<String> {
        Inner::broker_addrs(self)
    }

    fn serve(self: Arc<Self>, addr: &str, request: RemotingCommand) -> Reply {
        // Only CHECK_TRANSACTION_STATE is addressed to producers (oneway: nothing to reply).
        if request.request_code() == RequestCode::CheckTransactionState {
            tokio::spawn(self.answer_check(addr.to_string(), request));
        }
        Reply::None
    }
}

async fn background(inner: std::sync::Weak<Inner>) {
    let mut tick = tokio::time::interval(Duration::from_secs(30));
    tick.tick().await;
    loop {
        tick.tick().await;
        let Some(inner) = inner.upgrade() else { break };
        if !inner.running.load(Ordering::Acquire) {
            break;
        }
        inner.refresh().await;
    }
}

/// Apache's client-side topic rules: the name rule both sides share, and no sends to the
/// auto-creation template.
fn validate_topic(topic: &str) -> Result<()> {
    crate::protocol::topic::validate_topic_name(topic)
        .map_err(|e| ClientError::InvalidMessage(e.to_string()))?;
    if topic == AUTO_CREATE_TOPIC_KEY {
        return Err(ClientError::InvalidMessage(format!(
            "the topic[{topic}] is a system topic"
        )));
    }
    Ok(())
}
