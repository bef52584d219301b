//! The lite pull consumer (`DefaultLitePullConsumer`): the application polls for messages
//! and offsets are committed to the broker automatically or on demand. Queues come either
//! from [`subscribe`](LitePullConsumerBuilder::subscribe) — the group shares each topic's
//! queues, rebalanced like a push consumer's — or from [`assign`](LitePullConsumer::assign),
//! where the application picks them.
//!
//! ```no_run
//! # async fn demo() -> Result<(), rocketmq_client::ClientError> {
//! use std::time::Duration;
//! use rocketmq_client::consumer::LitePullConsumer;
//!
//! // Subscribe: the group shares the topic's queues.
//! let consumer = LitePullConsumer::builder("please_rename_unique_group_name")
//!     .namesrv_addr("127.0.0.1:9876")
//!     .subscribe("TopicTest", "TagA || TagB")
//!     .start()
//!     .await?;
//! for msg in consumer.poll(Duration::from_secs(5)).await? {
//!     println!("{}: {}", msg.msg_id(), String::from_utf8_lossy(&msg.message.body));
//! }
//! consumer.shutdown().await;
//!
//! // Assign: this consumer reads exactly the queues it is given.
//! let reader = LitePullConsumer::builder("reader_group")
//!     .namesrv_addr("127.0.0.1:9876")
//!     .auto_commit(false)
//!     .start()
//!     .await?;
//! let queues = reader.fetch_queues("TopicTest").await?;
//! reader.assign(queues.clone()).await?;
//! reader.seek(&queues[0], 0)?;
//! let batch = reader.poll(Duration::from_secs(5)).await?;
//! reader.commit().await?;
//! # Ok(()) }
//! ```

mod member;
mod subscribe;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::{ClientError, Result};
use crate::instance::{ClientInstance, Membership, Role};
use crate::protocol::body::{ConsumeFromWhere, MessageQueue, SubscriptionData, TopicRouteData};
use crate::protocol::header::{
    PullMessageRequestHeader, PullMessageResponseHeader, UpdateConsumerOffsetRequestHeader,
    pull_sys_flag,
};
use crate::protocol::message::MessageExt;
use crate::protocol::{RemotingCommand, RequestCode, ResponseCode};
use crate::remoting::RemotingClient;
use crate::route::{all_addrs, read_addr, subscribe_queues};

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
    consume_timestamp: Option<i64>,
    expression: String,
    subscriptions: Vec<(String, String)>,
    rebalance_interval: Duration,
    instance_name: Option<String>,
}

impl LitePullConsumerBuilder {
    /// Name servers, `;`-separated (default: `NAMESRV_ADDR`).
    pub fn namesrv_addr(mut self, addr: impl Into<String>) -> Self {
        self.namesrv_addr = Some(addr.into());
        self
    }

    /// Subscribes to `topic` with a tag expression (`*` or `TagA || TagB`): the group's
    /// members share the topic's queues. A subscribing consumer cannot also
    /// [`assign`](LitePullConsumer::assign).
    pub fn subscribe(mut self, topic: impl Into<String>, expression: impl Into<String>) -> Self {
        self.subscriptions.push((topic.into(), expression.into()));
        self
    }

    /// Messages per pull (32).
    pub fn pull_batch_size(mut self, n: i32) -> Self {
        self.pull_batch_size = n.max(1);
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

    /// Start time for `ConsumeFromWhere::Timestamp`, ms since the epoch (default: 30 min ago).
    pub fn consume_timestamp(mut self, millis: i64) -> Self {
        self.consume_timestamp = Some(millis);
        self
    }

    /// Tag expression for assigned queues, e.g. `TagA || TagB` (`*`).
    pub fn tag_expression(mut self, expression: impl Into<String>) -> Self {
        self.expression = expression.into();
        self
    }

    /// How often a subscribing consumer rebalances without being told to (20 s).
    pub fn rebalance_interval(mut self, every: Duration) -> Self {
        self.rebalance_interval = every;
        self
    }

    /// Instance name, part of the client id; clients with the same instance name and name
    /// servers share connections (default: one instance per process).
    pub fn instance_name(mut self, name: impl Into<String>) -> Self {
        self.instance_name = Some(name.into());
        self
    }

    /// Starts the consumer; a subscribing one joins its group at once.
    pub async fn start(self) -> Result<LitePullConsumer> {
        let membership = ClientInstance::join(
            self.namesrv_addr.as_deref(),
            self.instance_name.as_deref(),
            Role::Consumer,
            &self.group,
        )?;
        let sub_version = crate::protocol::now_millis();
        let subscriptions = self
            .subscriptions
            .iter()
            .map(|(topic, expression)| super::subscription(topic, expression, sub_version))
            .collect();
        let inner = Arc::new(Inner {
            default_tags: super::expression_tags(&self.expression),
            config: self,
            membership,
            subscriptions,
            state: Mutex::new(State::default()),
            rebalance_due: AtomicBool::new(true),
            rebalance_lock: tokio::sync::Mutex::new(()),
            started_ms: crate::protocol::now_millis(),
            running: AtomicBool::new(true),
        });
        let weak: std::sync::Weak<Inner> = Arc::downgrade(&inner);
        inner.membership.attach(weak);
        if inner.subscribing() {
            subscribe::rebalance(&inner).await;
        }
        Ok(LitePullConsumer { inner })
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
    last_rebalance: Option<Instant>,
}

struct Inner {
    config: LitePullConsumerBuilder,
    /// Tags of the assign-mode expression, parsed once.
    default_tags: BTreeSet<String>,
    membership: Membership,
    /// Subscribe mode's subscriptions (empty in assign mode).
    subscriptions: Vec<SubscriptionData>,
    state: Mutex<State>,
    /// A broker said the group changed, or the consumer just started.
    rebalance_due: AtomicBool,
    rebalance_lock: tokio::sync::Mutex<()>,
    started_ms: i64,
    running: AtomicBool,
}

/// Polls its queues.
pub struct LitePullConsumer {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for LitePullConsumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LitePullConsumer")
            .field("group", &self.inner.config.group)
            .field("client_id", &self.inner.membership.instance().client_id())
            .finish_non_exhaustive()
    }
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
            consume_timestamp: None,
            expression: "*".into(),
            subscriptions: Vec::new(),
            rebalance_interval: Duration::from_secs(20),
            instance_name: None,
        }
    }

    /// This consumer's client id.
    pub fn client_id(&self) -> &str {
        self.inner.membership.instance().client_id()
    }

    /// The readable queues of `topic`.
    pub async fn fetch_queues(&self, topic: &str) -> Result<Vec<MessageQueue>> {
        let route = self.inner.route(topic).await?;
        Ok(subscribe_queues(topic, &route))
    }

    /// Takes these queues, starting each at its committed offset (or per consume-from-where).
    pub async fn assign(&self, queues: Vec<MessageQueue>) -> Result<()> {
        if self.inner.subscribing() {
            return Err(ClientError::InvalidMessage(
                "subscribe and assign are mutually exclusive".into(),
            ));
        }
        let mut states = BTreeMap::new();
        for mq in queues {
            let state = self.inner.open_queue(&mq).await?;
            states.insert(mq, state);
        }
        self.inner.lock().queues = states;
        Ok(())
    }

    /// The queues this consumer reads now.
    pub fn assignment(&self) -> Vec<MessageQueue> {
        self.inner.lock().queues.keys().cloned().collect()
    }

    /// The broker's committed offset of a queue, if any.
    pub async fn committed(&self, mq: &MessageQueue) -> Result<Option<i64>> {
        let addr = self.inner.addr_of(mq).await?;
        self.inner.committed_at(&addr, mq, false).await
    }

    /// Moves a queue's next offset.
    pub fn seek(&self, mq: &MessageQueue, offset: i64) -> Result<()> {
        let mut state = self.inner.lock();
        let q = state
            .queues
            .get_mut(mq)
            .ok_or_else(|| ClientError::InvalidMessage(format!("{mq:?} is not assigned")))?;
        q.offset = offset;
        q.consumed = offset;
        Ok(())
    }

    /// Pulls the queues in turn until some messages arrive or `timeout` passes.
    pub async fn poll(&self, timeout: Duration) -> Result<Vec<MessageExt>> {
        self.inner.poll(timeout).await
    }

    /// Commits every queue's consumed offset to its broker.
    pub async fn commit(&self) -> Result<()> {
        self.inner.commit().await
    }

    /// Commits (with auto-commit), leaves the group and frees the connections.
    pub async fn shutdown(&self) {
        let inner = &self.inner;
        if inner.config.auto_commit
            && let Err(e) = inner.commit().await
        {
            tracing::warn!(error = %e, "final offset commit failed");
        }
        if !inner.running.swap(false, Ordering::AcqRel) {
            return;
        }
        // Only a subscriber ever joined the group on the brokers.
        let addrs = if inner.subscribing() {
            inner.broker_addrs()
        } else {
            Vec::new()
        };
        inner.membership.unregister_and_leave(addrs).await;
    }
}

impl Inner {
    fn client(&self) -> &RemotingClient {
        self.membership.instance().remoting()
    }

    fn subscribing(&self) -> bool {
        !self.subscriptions.is_empty()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A topic's route, cached.
    async fn route(&self, topic: &str) -> Result<TopicRouteData> {
        if let Some(r) = self.lock().routes.get(topic) {
            return Ok(r.clone());
        }
        self.fetch_route(topic).await
    }

    /// A topic's route from the name servers.
    async fn fetch_route(&self, topic: &str) -> Result<TopicRouteData> {
        let instance = self.membership.instance();
        let route = instance
            .namesrv()
            .route(instance.remoting(), topic)
            .await?
            .ok_or_else(|| ClientError::NoRoute {
                topic: topic.to_string(),
            })?;
        self.lock().routes.insert(topic.to_string(), route.clone());
        Ok(route)
    }

    async fn addr_of(&self, mq: &MessageQueue) -> Result<String> {
        let route = self.route(&mq.topic).await?;
        read_addr(&route, &mq.broker_name).ok_or_else(|| ClientError::NoRoute {
            topic: mq.topic.clone(),
        })
    }

    /// Every address (masters and slaves) of every known route.
    fn broker_addrs(&self) -> Vec<String> {
        all_addrs(self.lock().routes.values())
    }

    /// A queue's reading state, starting at its committed offset or per consume-from-where.
    async fn open_queue(&self, mq: &MessageQueue) -> Result<QueueState> {
        let addr = self.addr_of(mq).await?;
        // From the last offset, a queue that still holds its first message is read from 0,
        // as Java's consumers do.
        let young_from_start = matches!(
            self.config.consume_from_where,
            ConsumeFromWhere::LastOffset | ConsumeFromWhere::LastOffsetAndFromMinWhenBootFirst
        );
        let start = match self.committed_at(&addr, mq, young_from_start).await? {
            Some(offset) => offset,
            None => {
                super::queries::initial_offset(
                    self.client(),
                    &addr,
                    mq,
                    self.config.consume_from_where,
                    self.config.consume_timestamp,
                )
                .await?
            }
        };
        Ok(QueueState {
            addr,
            offset: start,
            consumed: start,
            committed: start,
        })
    }

    async fn committed_at(
        &self,
        addr: &str,
        mq: &MessageQueue,
        zero_if_young: bool,
    ) -> Result<Option<i64>> {
        if !self.running.load(Ordering::Acquire) {
            return Err(ClientError::NotRunning);
        }
        super::queries::committed_offset(self.client(), addr, &self.config.group, mq, zero_if_young)
            .await
    }

    async fn call(&self, addr: &str, req: RemotingCommand) -> Result<RemotingCommand> {
        if !self.running.load(Ordering::Acquire) {
            return Err(ClientError::NotRunning);
        }
        Ok(self.client().invoke(addr, req, RPC_TIMEOUT).await?)
    }

    async fn poll(self: &Arc<Self>, timeout: Duration) -> Result<Vec<MessageExt>> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.subscribing() && self.rebalance_wanted() {
                subscribe::rebalance(self).await;
            }
            if self.config.auto_commit
                && self
                    .lock()
                    .last_commit
                    .is_none_or(|t| t.elapsed() >= AUTO_COMMIT_INTERVAL)
            {
                self.commit().await?;
            }
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

    /// Due when told, every `rebalance_interval`, and every second while a subscribed topic
    /// has no route yet (so reading starts as soon as the first message creates it).
    fn rebalance_wanted(&self) -> bool {
        if self.rebalance_due.load(Ordering::Acquire) {
            return true;
        }
        let state = self.lock();
        let missing = self
            .subscriptions
            .iter()
            .any(|s| !state.routes.contains_key(&s.topic));
        let every = if missing {
            Duration::from_secs(1)
        } else {
            self.config.rebalance_interval
        };
        state.last_rebalance.is_none_or(|t| t.elapsed() >= every)
    }

    /// The expression and tags a topic is read with.
    fn filter(&self, topic: &str) -> (&str, &BTreeSet<String>) {
        match self.subscriptions.iter().find(|s| s.topic == topic) {
            Some(sub) => (&sub.sub_string, &sub.tags_set),
            None => (&self.config.expression, &self.default_tags),
        }
    }

    async fn pull_queue(&self, mq: &MessageQueue, q: &QueueState) -> Result<Vec<MessageExt>> {
        let (expression, tags) = self.filter(&mq.topic);
        let header = PullMessageRequestHeader {
            consumer_group: self.config.group.clone(),
            topic: mq.topic.clone(),
            queue_id: mq.queue_id,
            queue_offset: q.offset,
            max_msg_nums: self.config.pull_batch_size,
            sys_flag: pull_sys_flag::SUBSCRIPTION,
            commit_offset: 0,
            suspend_timeout_millis: 0,
            subscription: Some(expression.to_string()),
            sub_version: 0,
            expression_type: Some("TAG".into()),
            max_msg_bytes: None,
        };
        let req = RemotingCommand::request_with(RequestCode::PullMessage, &header);
        let resp = match self.call(&q.addr, req).await {
            Ok(resp) => resp,
            Err(ClientError::NotRunning) => return Err(ClientError::NotRunning),
            Err(e) => {
                // The broker may be gone (a master down, its slave serving): read the route
                // again and go on where the queue is served now. Either way this queue's round
                // is empty and the next poll tries again, as Java's lite pull consumer retries
                // in the background rather than failing the application's poll.
                if !self.reroute(mq, &q.addr).await {
                    tracing::warn!(queue = ?mq, addr = %q.addr, error = %e, "pull failed; retried next poll");
                }
                return Ok(Vec::new());
            }
        };
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
        let messages: Vec<MessageExt> = super::deliverable(messages, tags).collect();
        let mut state = self.lock();
        // Only if nobody moved the queue meanwhile (seek, reset, rebalance).
        if let Some(s) = state.queues.get_mut(mq)
            && s.offset == q.offset
        {
            s.offset = h.next_begin_offset;
            s.consumed = h.next_begin_offset;
        }
        Ok(messages)
    }

    /// Moves a queue read at `failed` to wherever the route now serves it (a slave while its
    /// master is down, the master again once it is back); false if that is still `failed`.
    async fn reroute(&self, mq: &MessageQueue, failed: &str) -> bool {
        let Ok(route) = self.fetch_route(&mq.topic).await else {
            return false;
        };
        let Some(addr) = read_addr(&route, &mq.broker_name).filter(|a| a != failed) else {
            return false;
        };
        tracing::info!(queue = ?mq, from = %failed, to = %addr, "reading from another broker of the name");
        if let Some(s) = self.lock().queues.get_mut(mq) {
            s.addr = addr;
        }
        true
    }

    /// Commits every queue's consumed offset to its broker.
    async fn commit(&self) -> Result<()> {
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
            self.commit_queue(&mq, &q).await?;
        }
        Ok(())
    }

    async fn commit_queue(&self, mq: &MessageQueue, q: &QueueState) -> Result<()> {
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
        if let Some(s) = self.lock().queues.get_mut(mq) {
            s.committed = q.consumed;
        }
        Ok(())
    }
}
