//! A lite pull consumer (`DefaultLitePullConsumer`, assign mode): the application picks the
//! queues, polls for messages, and offsets are committed to the broker automatically or on
//! demand.
//!
//! ```no_run
//! # async fn demo() -> Result<(), rocketmq_client::ClientError> {
//! use std::time::Duration;
//! use rocketmq_client::consumer::LitePullConsumer;
//!
//! let consumer = LitePullConsumer::builder("please_rename_unique_group_name")
//!     .namesrv_addr("127.0.0.1:9876")
//!     .start()
//!     .await?;
//! let queues = consumer.fetch_queues("TopicTest").await?;
//! consumer.assign(queues).await?;
//! for msg in consumer.poll(Duration::from_secs(5)).await? {
//!     println!("{}: {}", msg.msg_id(), String::from_utf8_lossy(&msg.message.body));
//! }
//! consumer.shutdown().await;
//! # Ok(()) }
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::error::{ClientError, Result};
use crate::protocol::body::{ConsumeFromWhere, MessageQueue, TopicRouteData};
use crate::protocol::header::{
    OffsetResponseHeader, PullMessageRequestHeader, PullMessageResponseHeader,
    QueryConsumerOffsetRequestHeader, QueueHeader, UpdateConsumerOffsetRequestHeader,
    pull_sys_flag,
};
use crate::protocol::message::MessageExt;
use crate::protocol::{RemotingCommand, RequestCode, ResponseCode};
use crate::remoting::RemotingClient;
use crate::route::{NameServers, master_addr, subscribe_queues};

const RPC_TIMEOUT: Duration = Duration::from_secs(3);
const AUTO_COMMIT_INTERVAL: Duration = Duration::from_secs(5);

/// Configures and starts a [`LitePullConsumer`].
#[derive(Debug, Clone)]
pub struct LitePullConsumerBuilder {
    group: String,
    namesrv_addr: Option<String>,
    pull_batch_size: i32,
    auto_commit: bool,
    consume_from_where: ConsumeFromWhere,
    expression: String,
}

impl LitePullConsumerBuilder {
    /// Name servers, `;`-separated (default: `NAMESRV_ADDR`).
    pub fn namesrv_addr(mut self, addr: impl Into<String>) -> Self {
        self.namesrv_addr = Some(addr.into());
        self
    }

    /// Messages per pull (32).
    pub fn pull_batch_size(mut self, n: i32) -> Self {
        self.pull_batch_size = n;
        self
    }

    /// Commit polled offsets every 5 s and at shutdown (true).
    pub fn auto_commit(mut self, on: bool) -> Self {
        self.auto_commit = on;
        self
    }

    /// Where a queue without a committed offset starts (last offset).
    pub fn consume_from_where(mut self, from: ConsumeFromWhere) -> Self {
        self.consume_from_where = from;
        self
    }

    /// Tag expression, e.g. `TagA || TagB` (`*`).
    pub fn tag_expression(mut self, expression: impl Into<String>) -> Self {
        self.expression = expression.into();
        self
    }

    /// Starts the consumer.
    pub async fn start(self) -> Result<LitePullConsumer> {
        let namesrv = match &self.namesrv_addr {
            Some(addr) => NameServers::parse(addr)?,
            None => NameServers::from_env()?,
        };
        Ok(LitePullConsumer {
            tags: super::expression_tags(&self.expression),
            config: self,
            namesrv,
            client: RemotingClient::new(),
            state: Mutex::new(State::default()),
            running: AtomicBool::new(true),
        })
    }
}

#[derive(Debug, Clone)]
struct QueueState {
    addr: String,
    /// Next offset to pull.
    offset: i64,
    /// Offset the application has consumed up to (committed on commit).
    consumed: i64,
    committed: i64,
}

#[derive(Debug, Default)]
struct State {
    queues: BTreeMap<MessageQueue, QueueState>,
    routes: HashMap<String, TopicRouteData>,
    cursor: usize,
    last_commit: Option<Instant>,
}

/// Polls assigned queues.
#[derive(Debug)]
pub struct LitePullConsumer {
    config: LitePullConsumerBuilder,
    /// The expression's tags, parsed once.
    tags: BTreeSet<String>,
    namesrv: NameServers,
    client: RemotingClient,
    state: Mutex<State>,
    running: AtomicBool,
}

impl LitePullConsumer {
    /// A builder for consumer group `group`.
    pub fn builder(group: impl Into<String>) -> LitePullConsumerBuilder {
        LitePullConsumerBuilder {
            group: group.into(),
            namesrv_addr: None,
            pull_batch_size: 32,
            auto_commit: true,
            consume_from_where: ConsumeFromWhere::LastOffset,
            expression: "*".into(),
        }
    }

    /// The readable queues of `topic`.
    pub async fn fetch_queues(&self, topic: &str) -> Result<Vec<MessageQueue>> {
        let route = self.route(topic).await?;
        Ok(subscribe_queues(topic, &route))
    }

    async fn route(&self, topic: &str) -> Result<TopicRouteData> {
        if let Some(r) = self.lock().routes.get(topic) {
            return Ok(r.clone());
        }
        let route = self
            .namesrv
            .route(&self.client, topic)
            .await?
            .ok_or_else(|| ClientError::NoRoute {
                topic: topic.to_string(),
            })?;
        self.lock().routes.insert(topic.to_string(), route.clone());
        Ok(route)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes these queues, starting each at its committed offset (or per consume-from-where).
    pub async fn assign(&self, queues: Vec<MessageQueue>) -> Result<()> {
        let mut states = BTreeMap::new();
        for mq in queues {
            let route = self.route(&mq.topic).await?;
            let addr =
                master_addr(&route, &mq.broker_name).ok_or_else(|| ClientError::NoRoute {
                    topic: mq.topic.clone(),
                })?;
            let start = match self.committed_at(&addr, &mq).await? {
                Some(offset) => offset,
                None => self.initial_offset(&addr, &mq).await?,
            };
            states.insert(
                mq,
                QueueState {
                    addr,
                    offset: start,
                    consumed: start,
                    committed: start,
                },
            );
        }
        self.lock().queues = states;
        Ok(())
    }

    /// The broker's committed offset of a queue, if any.
    pub async fn committed(&self, mq: &MessageQueue) -> Result<Option<i64>> {
        let route = self.route(&mq.topic).await?;
        let addr = master_addr(&route, &mq.broker_name).ok_or_else(|| ClientError::NoRoute {
            topic: mq.topic.clone(),
        })?;
        self.committed_at(&addr, mq).await
    }

    async fn committed_at(&self, addr: &str, mq: &MessageQueue) -> Result<Option<i64>> {
        let header = QueryConsumerOffsetRequestHeader {
            consumer_group: self.config.group.clone(),
            topic: mq.topic.clone(),
            queue_id: mq.queue_id,
            set_zero_if_not_found: Some(false),
        };
        let resp = self
            .call(
                addr,
                RemotingCommand::request_with(RequestCode::QueryConsumerOffset, &header),
            )
            .await?;
        match resp.response_code() {
            ResponseCode::Success => Ok(Some(
                resp.decode_header::<OffsetResponseHeader>()
                    .map_err(|e| ClientError::header(addr, e))?
                    .offset,
            )),
            ResponseCode::QueryNotFound => Ok(None),
            code => Err(ClientError::Remote {
                addr: addr.to_string(),
                code,
                remark: resp.remark.unwrap_or_default(),
            }),
        }
    }

    async fn initial_offset(&self, addr: &str, mq: &MessageQueue) -> Result<i64> {
        if matches!(
            self.config.consume_from_where,
            ConsumeFromWhere::FirstOffset | ConsumeFromWhere::MinOffset
        ) {
            return Ok(0);
        }
        let header = QueueHeader {
            topic: mq.topic.clone(),
            queue_id: mq.queue_id,
        };
        let resp = self
            .call(
                addr,
                RemotingCommand::request_with(RequestCode::GetMaxOffset, &header),
            )
            .await?;
        Ok(resp
            .decode_header::<OffsetResponseHeader>()
            .map_err(|e| ClientError::header(addr, e))?
            .offset)
    }

    async fn call(&self, addr: &str, req: RemotingCommand) -> Result<RemotingCommand> {
        if !self.running.load(Ordering::Acquire) {
            return Err(ClientError::NotRunning);
        }
        Ok(self.client.invoke(addr, req, RPC_TIMEOUT).await?)
    }

    /// Moves a queue's next offset.
    pub fn seek(&self, mq: &MessageQueue, offset: i64) -> Result<()> {
        let mut state = self.lock();
        let q = state
            .queues
            .get_mut(mq)
            .ok_or_else(|| ClientError::InvalidMessage(format!("{mq:?} is not assigned")))?;
        q.offset = offset;
        q.consumed = offset;
        Ok(())
    }

    /// Pulls the assigned queues in turn until some messages arrive or `timeout` passes.
    pub async fn poll(&self, timeout: Duration) -> Result<Vec<MessageExt>> {
        let deadline = Instant::now() + timeout;
        if self.config.auto_commit
            && self
                .lock()
                .last_commit
                .is_none_or(|t| t.elapsed() >= AUTO_COMMIT_INTERVAL)
        {
            self.commit().await?;
        }
        loop {
            let snapshot: Vec<(MessageQueue, QueueState)> = {
                let mut state = self.lock();
                let n = state.queues.len();
                state.cursor = state.cursor.wrapping_add(1);
                let start = if n == 0 { 0 } else { state.cursor % n };
                let all: Vec<_> = state
                    .queues
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                all.iter().cycle().skip(start).take(n).cloned().collect()
            };
            for (mq, q) in snapshot {
                let found = self.pull_queue(&mq, &q).await?;
                if !found.is_empty() {
                    return Ok(found);
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(Vec::new());
            }
            tokio::time::sleep(left.min(Duration::from_millis(50))).await;
        }
    }

    async fn pull_queue(&self, mq: &MessageQueue, q: &QueueState) -> Result<Vec<MessageExt>> {
        let header = PullMessageRequestHeader {
            consumer_group: self.config.group.clone(),
            topic: mq.topic.clone(),
            queue_id: mq.queue_id,
            queue_offset: q.offset,
            max_msg_nums: self.config.pull_batch_size,
            sys_flag: pull_sys_flag::SUBSCRIPTION,
            commit_offset: 0,
            suspend_timeout_millis: 0,
            subscription: Some(self.config.expression.clone()),
            sub_version: 0,
            expression_type: Some("TAG".into()),
            max_msg_bytes: None,
        };
        let resp = self
            .call(
                &q.addr,
                RemotingCommand::request_with(RequestCode::PullMessage, &header),
            )
            .await?;
        let code = resp.response_code();
        if !matches!(
            code,
            ResponseCode::Success
                | ResponseCode::PullNotFound
                | ResponseCode::PullRetryImmediately
                | ResponseCode::PullOffsetMoved
        ) {
            return Err(ClientError::Remote {
                addr: q.addr.clone(),
                code,
                remark: resp.remark.unwrap_or_default(),
            });
        }
        let h: PullMessageResponseHeader = resp
            .decode_header()
            .map_err(|e| ClientError::header(&q.addr, e))?;
        let messages = if code == ResponseCode::Success {
            MessageExt::decode_all(&resp.body).map_err(|e| ClientError::Protocol {
                addr: q.addr.clone(),
                reason: e.to_string(),
            })?
        } else {
            Vec::new()
        };
        let messages: Vec<MessageExt> = super::deliverable(messages, &self.tags).collect();
        let mut state = self.lock();
        if let Some(s) = state.queues.get_mut(mq) {
            s.offset = h.next_begin_offset;
            s.consumed = h.next_begin_offset;
        }
        Ok(messages)
    }

    /// Commits every queue's consumed offset to its broker.
    pub async fn commit(&self) -> Result<()> {
        let pending: Vec<(MessageQueue, QueueState)> = {
            let mut state = self.lock();
            state.last_commit = Some(Instant::now());
            state
                .queues
                .iter()
                .filter(|(_, q)| q.consumed != q.committed)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        for (mq, q) in pending {
            let header = UpdateConsumerOffsetRequestHeader {
                consumer_group: self.config.group.clone(),
                topic: mq.topic.clone(),
                queue_id: mq.queue_id,
                commit_offset: q.consumed,
            };
            let resp = self
                .call(
                    &q.addr,
                    RemotingCommand::request_with(RequestCode::UpdateConsumerOffset, &header),
                )
                .await?;
            if resp.response_code() != ResponseCode::Success {
                return Err(ClientError::Remote {
                    addr: q.addr.clone(),
                    code: resp.response_code(),
                    remark: resp.remark.unwrap_or_default(),
                });
            }
            if let Some(s) = self.lock().queues.get_mut(&mq) {
                s.committed = q.consumed;
            }
        }
        Ok(())
    }

    /// Commits (with auto-commit) and closes connections.
    pub async fn shutdown(&self) {
        if self.config.auto_commit
            && let Err(e) = self.commit().await
        {
            tracing::warn!(error = %e, "final offset commit failed");
        }
        self.running.store(false, Ordering::Release);
        self.client.close_all();
    }
}
