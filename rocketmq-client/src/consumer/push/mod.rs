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

mod member;
mod pull_task;
mod rebalance;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinHandle;

use super::offset_store::OffsetStore;
use super::process_queue::ProcessQueue;
use super::stats::ConsumerStats;
use crate::error::{ClientError, Result};
use crate::instance::{ClientInstance, Membership, Role};
use crate::protocol::body::{
    ConsumeFromWhere, MessageModel, MessageQueue, SubscriptionData, TopicRouteData,
};
use crate::protocol::message::MessageExt;
use crate::remoting::RemotingClient;
use crate::route::{NameServers, master_addrs};

/// What the listener tells the consumer about a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsumeResult {
    /// Consumed; the offset may move past these messages.
    Success,
    /// Deliver these messages again later.
    ReconsumeLater,
}

type Listener = Arc<
    dyn Fn(Vec<MessageExt>) -> Pin<Box<dyn Future<Output = ConsumeResult> + Send>> + Send + Sync,
>;

/// Configures and starts a [`PushConsumer`].
#[derive(Debug, Clone)]
pub struct PushConsumerBuilder {
    group: String,
    namesrv_addr: Option<String>,
    subscriptions: Vec<(String, String)>,
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
}

impl PushConsumerBuilder {
    /// Name servers, `;`-separated (default: `NAMESRV_ADDR`).
    pub fn namesrv_addr(mut self, addr: impl Into<String>) -> Self {
        self.namesrv_addr = Some(addr.into());
        self
    }

    /// Subscribes to `topic` with a tag expression: `*` or `TagA || TagB`.
    pub fn subscribe(mut self, topic: impl Into<String>, expression: impl Into<String>) -> Self {
        self.subscriptions.push((topic.into(), expression.into()));
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
            OffsetStore::local(membership.instance().client_id(), &self.group)
        } else {
            OffsetStore::remote(&self.group)
        };
        let sub_version = crate::protocol::now_millis();
        let mut subscriptions: Vec<SubscriptionData> = self
            .subscriptions
            .iter()
            .map(|(t, e)| super::subscription(t, e, sub_version))
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
    task: JoinHandle<()>,
}

pub(crate) struct Inner {
    config: PushConsumerBuilder,
    /// The shared instance: connections, client id, heartbeats, broker requests.
    membership: Membership,
    subscriptions: Vec<SubscriptionData>,
    listener: Listener,
    semaphore: Arc<Semaphore>,
    routes: Mutex<HashMap<String, TopicRouteData>>,
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

    /// Master addresses of every subscribed topic's brokers.
    fn broker_addrs(&self) -> Vec<String> {
        master_addrs(
            self.routes
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .values(),
        )
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
        for (mq, addr) in targets {
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
            // Pull loops stop; listener calls already running finish and record their offsets.
            a.pq.drop_queue();
            a.task.abort();
        }
        let permits = u32::try_from(self.inner.config.consume_concurrency).unwrap_or(u32::MAX);
        let _ = tokio::time::timeout(drain, self.inner.semaphore.acquire_many(permits)).await;
        self.inner.persist_offsets().await;
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
        for a in self
            .inner
            .assigned
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
        {
            a.pq.drop_queue();
            a.task.abort();
        }
    }
}
