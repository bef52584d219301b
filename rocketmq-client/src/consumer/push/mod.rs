//! The push consumer (`DefaultMQPushConsumer`): subscribe, and a listener is called with the
//! messages as they arrive.
//!
//! Behind it: every 20 s (and at once when the broker reports a membership change) the
//! consumer rebalances — clustering divides the readable queues among the group with Apache's
//! average allocation, broadcasting takes them all. Each assigned queue has a long-polling
//! pull loop with flow control (1,000 messages / 100 MiB in flight per queue); messages are
//! consumed concurrently and a queue's offset advances past a message only once every earlier
//! one is consumed. Offsets go to the broker every 5 s and at shutdown (clustering) or to a
//! local file (broadcasting).
//!
//! ```no_run
//! # async fn demo() -> Result<(), rocketmq_client::ClientError> {
//! use rocketmq_client::consumer::{ConsumeResult, PushConsumer};
//!
//! let consumer = PushConsumer::builder("please_rename_unique_group_name")
//!     .namesrv_addr("127.0.0.1:9876")
//!     .subscribe("TopicTest", "*")
//!     .start(|msgs| async move {
//!         for m in &msgs {
//!             println!("Receive New Messages: {}", String::from_utf8_lossy(&m.message.body));
//!         }
//!         ConsumeResult::Success
//!     })
//!     .await?;
//! // ... later
//! consumer.shutdown().await;
//! # Ok(()) }
//! ```

mod concurrent;
mod member;
mod orderly;
mod pull_task;
mod rebalance;
mod send_back;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinHandle;

use super::MessageSelector;
use super::offset_store::OffsetStore;
use super::process_queue::ProcessQueue;
use super::stats::ConsumerStats;
use crate::error::{ClientError, Result};
use crate::instance::{ClientInstance, Membership, Role};
use crate::protocol::body::{
    CheckClientRequestBody, ConsumeFromWhere, JsonBody, MessageModel, MessageQueue,
    SubscriptionData, TopicRouteData,
};
use crate::protocol::message::MessageExt;
use crate::remoting::RemotingClient;
use crate::route::{NameServers, master_addrs};

/// What the listener tells the consumer about a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsumeResult {
    /// Consumed; the offset may move past these messages.
    Success,
    /// Deliver these messages again later: concurrently consumed messages come back through
    /// the group's retry topic after delay level 3 + the times already retried (10 s, 30 s,
    /// 1 min, …), and after `max_reconsume_times` attempts land in `%DLQ%{group}`; an orderly
    /// queue pauses for `suspend_current_queue_time` and retries in place.
    ReconsumeLater,
    /// Like `ReconsumeLater`, with the retry's delay level chosen here (Java's
    /// `delayLevelWhenNextConsume`): a level of the broker's table, or negative to go straight
    /// to the dead-letter queue. Orderly consumers treat it as `ReconsumeLater`.
    ReconsumeLaterAtLevel(i32),
}

/// How a push consumer calls its listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConsumeMode {
    /// Many calls at once, any order (Java's `MessageListenerConcurrently`).
    #[default]
    Concurrently,
    /// One call at a time per queue, in queue order, with the queue locked on its broker
    /// (Java's `MessageListenerOrderly`).
    Orderly,
}

type Listener = Arc<
    dyn Fn(Vec<MessageExt>) -> Pin<Box<dyn Future<Output = ConsumeResult> + Send>> + Send + Sync,
>;

/// Configures and starts a [`PushConsumer`].
#[derive(Debug, Clone)]
pub struct PushConsumerBuilder {
    group: String,
    namesrv_addr: Option<String>,
    subscriptions: Vec<(String, MessageSelector)>,
    message_model: MessageModel,
    consume_from_where: ConsumeFromWhere,
    consume_timestamp: Option<i64>,
    consume_concurrency: usize,
    pull_batch_size: i32,
    consume_batch_size: usize,
    pull_threshold_for_queue: usize,
    pull_threshold_size_for_queue: usize,
    rebalance_interval: Duration,
    instance_name: Option<String>,
    consume_mode: ConsumeMode,
    max_reconsume_times: i32,
    consume_timeout: Duration,
    suspend_current_queue_time: Duration,
    local_offset_dir: Option<std::path::PathBuf>,
}

impl PushConsumerBuilder {
    /// Name servers, `;`-separated (default: `NAMESRV_ADDR`).
    pub fn namesrv_addr(mut self, addr: impl Into<String>) -> Self {
        self.namesrv_addr = Some(addr.into());
        self
    }

    /// Subscribes to `topic` with a tag expression: `*` or `TagA || TagB`.
    pub fn subscribe(mut self, topic: impl Into<String>, expression: impl Into<String>) -> Self {
        self.subscriptions
            .push((topic.into(), MessageSelector::by_tag(expression)));
        self
    }

    /// Subscribes to `topic` with a selector: tags, or SQL92 over properties (the brokers need
    /// `enablePropertyFilter=true`; a bad expression fails [`start`](Self::start)).
    pub fn subscribe_with(mut self, topic: impl Into<String>, selector: MessageSelector) -> Self {
        self.subscriptions.push((topic.into(), selector));
        self
    }

    /// Clustering (default: the group shares the queues) or broadcasting (everyone gets all).
    pub fn message_model(mut self, model: MessageModel) -> Self {
        self.message_model = model;
        self
    }

    /// Where a queue without stored progress starts (last offset).
    pub fn consume_from_where(mut self, from: ConsumeFromWhere) -> Self {
        self.consume_from_where = from;
        self
    }

    /// Start time for `ConsumeFromWhere::Timestamp`, ms since the epoch (default: 30 min ago).
    pub fn consume_timestamp(mut self, millis: i64) -> Self {
        self.consume_timestamp = Some(millis);
        self
    }

    /// Listener calls running at once (20).
    pub fn consume_concurrency(mut self, n: usize) -> Self {
        self.consume_concurrency = n.max(1);
        self
    }

    /// Messages per pull (32).
    pub fn pull_batch_size(mut self, n: i32) -> Self {
        self.pull_batch_size = n.max(1);
        self
    }

    /// Messages per listener call (1).
    pub fn consume_batch_size(mut self, n: usize) -> Self {
        self.consume_batch_size = n.max(1);
        self
    }

    /// In-flight messages per queue before pulling pauses (1,000).
    pub fn pull_threshold_for_queue(mut self, n: usize) -> Self {
        self.pull_threshold_for_queue = n.max(1);
        self
    }

    /// In-flight body bytes per queue before pulling pauses (100 MiB).
    pub fn pull_threshold_size_for_queue(mut self, bytes: usize) -> Self {
        self.pull_threshold_size_for_queue = bytes.max(1);
        self
    }

    /// How often to rebalance without being told to (20 s).
    pub fn rebalance_interval(mut self, every: Duration) -> Self {
        self.rebalance_interval = every;
        self
    }

    /// Concurrently (default) or orderly.
    pub fn consume_mode(mut self, mode: ConsumeMode) -> Self {
        self.consume_mode = mode;
        self
    }

    /// Attempts before a failing message goes to `%DLQ%{group}`; −1 (default) means 16 for
    /// concurrent consumers and unlimited for orderly ones, as in Java.
    pub fn max_reconsume_times(mut self, n: i32) -> Self {
        self.max_reconsume_times = n;
        self
    }

    /// How long a listener may hold a message before it is sent back for a retry (15 min).
    pub fn consume_timeout(mut self, timeout: Duration) -> Self {
        self.consume_timeout = timeout;
        self
    }

    /// How long an orderly queue pauses after a failed batch (1 s).
    pub fn suspend_current_queue_time(mut self, pause: Duration) -> Self {
        self.suspend_current_queue_time = pause;
        self
    }

    /// Where a broadcasting consumer keeps its offsets (default: `ROCKETMQ_OFFSETS_DIR`, else
    /// `~/.rocketmq_offsets`; Java's `rocketmq.client.localOffsetStoreDir`).
    pub fn local_offset_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.local_offset_dir = Some(dir.into());
        self
    }

    /// Instance name, part of the client id; clients with the same instance name and name
    /// servers share connections (default: one instance per process; `DEFAULT` for
    /// broadcasting, so local offsets are found again after a restart).
    pub fn instance_name(mut self, name: impl Into<String>) -> Self {
        self.instance_name = Some(name.into());
        self
    }

    /// Starts consuming with `listener`.
    pub async fn start<F, Fut>(self, listener: F) -> Result<PushConsumer>
    where
        F: Fn(Vec<MessageExt>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ConsumeResult> + Send + 'static,
    {
        if self.subscriptions.is_empty() {
            return Err(ClientError::InvalidMessage(
                "subscribe to at least one topic before starting".into(),
            ));
        }
        for (_, selector) in &self.subscriptions {
            selector.validate()?;
        }
        let broadcasting = self.message_model == MessageModel::Broadcasting;
        let instance = self
            .instance_name
            .clone()
            .or_else(|| broadcasting.then(|| "DEFAULT".to_string()));
        let membership = ClientInstance::join(
            self.namesrv_addr.as_deref(),
            instance.as_deref(),
            Role::Consumer,
            &self.group,
        )?;
        let offsets = if broadcasting {
            OffsetStore::local(
                self.local_offset_dir.as_deref(),
                membership.instance().client_id(),
                &self.group,
            )
        } else {
            OffsetStore::remote(&self.group)
        };
        let sub_version = crate::protocol::now_millis();
        let mut subscriptions: Vec<SubscriptionData> = self
            .subscriptions
            .iter()
            .map(|(t, s)| s.subscription(t, sub_version))
            .collect();
        if !broadcasting {
            subscriptions.push(super::subscription(
                &crate::protocol::topic::retry_topic(&self.group),
                "*",
                sub_version,
            ));
        }
        let inner = Arc::new(Inner {
            semaphore: Arc::new(Semaphore::new(self.consume_concurrency)),
            listener: Arc::new(move |msgs| Box::pin(listener(msgs))),
            config: self,
            membership,
            subscriptions,
            routes: Mutex::new(HashMap::new()),
            routes_refreshed: Mutex::new(std::time::Instant::now()),
            assigned: Mutex::new(HashMap::new()),
            offsets,
            rebalance_now: Notify::new(),
            rebalance_lock: tokio::sync::Mutex::new(()),
            stats: ConsumerStats::default(),
            started_ms: crate::protocol::now_millis(),
            running: AtomicBool::new(true),
        });
        let weak: std::sync::Weak<Inner> = Arc::downgrade(&inner);
        inner.membership.attach(weak);
        inner.refresh_routes().await;
        if let Err(e) = inner.check_client_config().await {
            inner.membership.leave();
            return Err(e);
        }
        inner.membership.instance().heartbeat_all().await;
        let background = tokio::spawn(rebalance::run(inner.clone()));
        Ok(PushConsumer {
            inner,
            background: Mutex::new(Some(background)),
        })
    }
}

/// One assigned queue.
struct Assigned {
    pq: Arc<ProcessQueue>,
    addr: String,
    /// The pull loop.
    task: JoinHandle<()>,
    /// Orderly: the queue's consume loop.
    consume_task: Option<JoinHandle<()>>,
}

impl Assigned {
    fn stop(&self) {
        self.pq.drop_queue();
        self.task.abort();
        if let Some(t) = &self.consume_task {
            t.abort();
        }
    }
}

pub(crate) struct Inner {
    config: PushConsumerBuilder,
    /// The shared instance: connections, client id, heartbeats, broker requests.
    membership: Membership,
    subscriptions: Vec<SubscriptionData>,
    listener: Listener,
    semaphore: Arc<Semaphore>,
    routes: Mutex<HashMap<String, TopicRouteData>>,
    /// When a failed pull last refreshed the routes.
    routes_refreshed: Mutex<std::time::Instant>,
    assigned: Mutex<HashMap<MessageQueue, Assigned>>,
    offsets: OffsetStore,
    rebalance_now: Notify,
    /// Held while queues change hands (rebalance, offset reset).
    rebalance_lock: tokio::sync::Mutex<()>,
    stats: ConsumerStats,
    started_ms: i64,
    running: AtomicBool,
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

    fn is_running(&self) -> bool {
        self.running.load(Ordering::Acquire)
    }

    fn broadcasting(&self) -> bool {
        self.config.message_model == MessageModel::Broadcasting
    }

    fn orderly(&self) -> bool {
        self.config.consume_mode == ConsumeMode::Orderly
    }

    /// The effective attempt limit (−1 resolved as Java does).
    fn max_reconsume_times(&self) -> i32 {
        match self.config.max_reconsume_times {
            n if n >= 0 => n,
            _ if self.orderly() => i32::MAX,
            _ => 16,
        }
    }

    /// Where to read a queue now: its broker's master, or a slave while the master is down.
    fn read_addr(&self, mq: &MessageQueue) -> Option<String> {
        self.pull_addr(mq, 0)
    }

    /// Where to pull a queue from when its broker suggested broker id `suggested` (a master
    /// with `slaveReadEnable` steers readers far behind to a slave): that broker if the route
    /// has it, else as [`read_addr`](Self::read_addr) (Apache's `findBrokerAddressInSubscribe`).
    fn pull_addr(&self, mq: &MessageQueue, suggested: i64) -> Option<String> {
        let routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
        let route = routes.get(&mq.topic)?;
        route
            .broker_datas
            .iter()
            .find(|b| b.broker_name == mq.broker_name)
            .and_then(|b| b.broker_addrs.get(&suggested).cloned())
            .or_else(|| crate::route::read_addr(route, &mq.broker_name))
    }

    /// Whether a queue is read from a slave now (its master is down).
    fn reading_slave(&self, mq: &MessageQueue) -> bool {
        let routes = self.routes.lock().unwrap_or_else(|e| e.into_inner());
        routes
            .get(&mq.topic)
            .is_some_and(|r| crate::route::master_addr(r, &mq.broker_name).is_none())
    }

    /// Re-reads the routes sooner than every 30 s, at most once per `every`: after a broker
    /// stopped answering (its master may be gone, and the name servers know), and while a
    /// slave serves (to go back to the master soon after it returns).
    async fn refresh_routes_soon(&self, every: Duration) {
        {
            let mut last = self
                .routes_refreshed
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if last.elapsed() < every {
                return;
            }
            *last = std::time::Instant::now();
        }
        self.refresh_routes().await;
    }

    /// Re-reads the routes of every subscribed topic.
    async fn refresh_routes(&self) {
        for sub in &self.subscriptions {
            match self.namesrv().route(self.client(), &sub.topic).await {
                Ok(Some(route)) => {
                    self.routes
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(sub.topic.clone(), route);
                }
                Ok(None) => tracing::debug!(topic = %sub.topic, "no route yet"),
                Err(e) => tracing::warn!(topic = %sub.topic, error = %e, "route lookup failed"),
            }
        }
    }

    /// Asks each broker of a SQL92 subscription whether it can serve it (CHECK_CLIENT_CONFIG).
    async fn check_client_config(&self) -> Result<()> {
        for sub in self
            .subscriptions
            .iter()
            .filter(|s| s.expression_type == "SQL92")
        {
            let route = self
                .routes
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&sub.topic)
                .cloned();
            let Some(route) = route else { continue };
            for addr in master_addrs(std::iter::once(&route)) {
                let body = CheckClientRequestBody {
                    client_id: self.client_id().to_string(),
                    group: self.config.group.clone(),
                    subscription_data: sub.clone(),
                    namespace: None,
                };
                let req = crate::protocol::RemotingCommand::request(
                    crate::protocol::RequestCode::CheckClientConfig,
                )
                .with_body(body.encode());
                let resp = self
                    .client()
                    .invoke(&addr, req, Duration::from_secs(3))
                    .await?;
                if resp.code != 0 {
                    return Err(ClientError::InvalidSubscription(format!(
                        "{addr} refused `{}`: {}",
                        sub.sub_string,
                        resp.remark.unwrap_or_default()
                    )));
                }
            }
        }
        Ok(())
    }

    /// Every address (masters and slaves) of every subscribed topic's brokers.
    fn broker_addrs(&self) -> Vec<String> {
        crate::route::all_addrs(
            self.routes
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .values(),
        )
    }

    /// Drops every assigned queue and stops its tasks.
    fn stop_queues(&self) {
        for a in self
            .assigned
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
        {
            a.stop();
        }
    }

    /// Sends every queue's offset to its broker, or saves the local file.
    async fn persist_offsets(&self) {
        if self.broadcasting() {
            self.offsets.persist_local();
            return;
        }
        let targets: Vec<(MessageQueue, String)> = self
            .assigned
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(mq, a)| (mq.clone(), a.addr.clone()))
            .collect();
        for (mq, assigned_at) in targets {
            let addr = self.read_addr(&mq).unwrap_or(assigned_at);
            self.offsets.persist_queue(self.client(), &addr, &mq).await;
        }
    }
}

/// A running push consumer.
pub struct PushConsumer {
    inner: Arc<Inner>,
    background: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for PushConsumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushConsumer")
            .field("group", &self.inner.config.group)
            .field("client_id", &self.inner.client_id())
            .finish_non_exhaustive()
    }
}

impl PushConsumer {
    /// A builder for consumer group `group`.
    pub fn builder(group: impl Into<String>) -> PushConsumerBuilder {
        PushConsumerBuilder {
            group: group.into(),
            namesrv_addr: None,
            subscriptions: Vec::new(),
            message_model: MessageModel::Clustering,
            consume_from_where: ConsumeFromWhere::LastOffset,
            consume_timestamp: None,
            consume_concurrency: 20,
            pull_batch_size: 32,
            consume_batch_size: 1,
            pull_threshold_for_queue: 1000,
            pull_threshold_size_for_queue: 100 * 1024 * 1024,
            rebalance_interval: Duration::from_secs(20),
            instance_name: None,
            consume_mode: ConsumeMode::Concurrently,
            max_reconsume_times: -1,
            consume_timeout: Duration::from_secs(15 * 60),
            suspend_current_queue_time: Duration::from_secs(1),
            local_offset_dir: None,
        }
    }

    /// This consumer's client id.
    pub fn client_id(&self) -> &str {
        self.inner.client_id()
    }

    /// The queues currently assigned to this consumer.
    pub fn assigned_queues(&self) -> Vec<MessageQueue> {
        let mut queues: Vec<MessageQueue> = self
            .inner
            .assigned
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .keys()
            .cloned()
            .collect();
        queues.sort();
        queues
    }

    /// Stops pulling, waits up to `drain` for listener calls in progress, commits offsets and
    /// leaves the group.
    pub async fn shutdown_with(&self, drain: Duration) {
        if !self.inner.running.swap(false, Ordering::AcqRel) {
            return;
        }
        if let Some(task) = self
            .background
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            task.abort();
        }
        for a in self
            .inner
            .assigned
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
        {
            // Pulling stops; messages pulled but not started stay in their process queue, so
            // the committed offset stays below them.
            a.task.abort();
        }
        // Listener calls already running finish and record their offsets (the queues are
        // dropped only afterwards, or the offsets would be discarded as stale).
        let permits = u32::try_from(self.inner.config.consume_concurrency).unwrap_or(u32::MAX);
        let _ = tokio::time::timeout(drain, self.inner.semaphore.acquire_many(permits)).await;
        self.inner.stop_queues();
        self.inner.persist_offsets().await;
        if self.inner.orderly() {
            orderly::unlock_all(&self.inner).await;
        }
        self.inner
            .membership
            .unregister_and_leave(self.inner.broker_addrs())
            .await;
    }

    /// [`shutdown_with`](Self::shutdown_with) a 5 s drain.
    pub async fn shutdown(&self) {
        self.shutdown_with(Duration::from_secs(5)).await;
    }
}

impl Drop for PushConsumer {
    fn drop(&mut self) {
        if let Some(task) = self
            .background
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            task.abort();
        }
        self.inner.stop_queues();
    }
}
