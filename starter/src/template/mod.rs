//! [`RocketTemplate`]: rocketmq-spring's `RocketMQTemplate`, for Rust.
//!
//! | rocketmq-spring | here |
//! |---|---|
//! | `syncSend(dest, payload[, timeout])` | [`sync_send`](RocketTemplate::sync_send) (`with_timeout(..)` for a timeout) |
//! | `syncSend(dest, msg, timeout, delayLevel)`, `syncSendDelayTimeSeconds/Mills`, `syncSendDeliverTimeMills` | a [`RocketMessage`] with `delay_level`, `delay` or `deliver_at`, on **any** send |
//! | `syncSendOrderly(dest, payload, hashKey)` | [`sync_send_orderly`](RocketTemplate::sync_send_orderly) (Java's queue choice) |
//! | `asyncSend(dest, payload, callback)` | [`async_send`](RocketTemplate::async_send): a handle to await, or drop |
//! | `sendOneWay`, `sendOneWayOrderly` | [`send_one_way`](RocketTemplate::send_one_way), [`send_one_way_orderly`](RocketTemplate::send_one_way_orderly) |
//! | `syncSend(dest, Collection)`, `syncSendOrderly(dest, Collection, hashKey)` | [`sync_send_batch`](RocketTemplate::sync_send_batch), [`sync_send_batch_orderly`](RocketTemplate::sync_send_batch_orderly) |
//! | `sendMessageInTransaction(dest, msg, arg)` | [`send_in_transaction`](RocketTemplate::send_in_transaction) |
//! | `receive(Class[, timeout])` (lite pull consumer) | [`receive::<R>`](RocketTemplate::receive), [`receive_within`](RocketTemplate::receive_within) |
//! | `sendAndReceive(dest, payload, Type[, hashKey][, timeout])` | [`send_and_receive::<R>`](RocketTemplate::send_and_receive), [`send_and_receive_orderly`](RocketTemplate::send_and_receive_orderly) |
//!
//! Keys, tag and user properties are fields of [`RocketMessage`], not headers that can be
//! dropped on the way.

mod message;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use rocketmq_client::consumer::LitePullConsumer;
use rocketmq_client::producer::{
    LocalTransactionState, SendOptions, TransactionListener, TransactionSendResult,
};
use rocketmq_client::{ClientError, Message, MessageExt, Producer, SendResult};
use tokio::task::JoinHandle;

pub use message::{Delay, Payload, RocketMessage};

use crate::config::{ProducerProperties, PullConsumerProperties};
use crate::payload::{FromMessage, Rejection};

/// Why a template call failed.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// The destination is not `"topic"` or `"topic:tag"`.
    #[error("invalid destination {0:?}: expected \"topic\" or \"topic:tag\"")]
    Destination(String),
    /// The payload cannot be sent (empty, not serializable, a system property set by hand).
    #[error("payload: {0}")]
    Payload(String),
    /// The client or the broker refused or failed.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// A send on a template configured only for `receive` (no `rocketmq.producer.group`).
    #[error("template `{0}` has no producer: set rocketmq.producer.group")]
    NoProducer(String),
    /// `receive` on a template without `rocketmq.pull-consumer.group` and `.topic`.
    #[error(
        "template `{0}` has no pull consumer: set rocketmq.pull-consumer.group and rocketmq.pull-consumer.topic"
    )]
    NoPullConsumer(String),
    /// `send_in_transaction` on a template without a transaction listener.
    #[error(
        "template `{0}` has no transaction listener: register one with RocketApplication::builder().transaction_listener(..)"
    )]
    NoTransactionListener(String),
    /// The reply cannot be decoded into the requested type.
    #[error("reply: {0}")]
    Reply(#[from] Rejection),
    /// An async send's task ended without a result (the runtime shut down).
    #[error("the send was cancelled")]
    Cancelled,
}

/// A transaction listener shared between the application and the template's producer.
#[derive(Clone)]
pub(crate) struct SharedTransactionListener(pub(crate) Arc<dyn TransactionListener>);

#[async_trait::async_trait]
impl TransactionListener for SharedTransactionListener {
    async fn execute(&self, msg: &Message, transaction_id: &str) -> LocalTransactionState {
        self.0.execute(msg, transaction_id).await
    }

    async fn check(&self, msg: &MessageExt) -> LocalTransactionState {
        self.0.check(msg).await
    }
}

struct Inner {
    props: ProducerProperties,
    /// `None` when only the pull consumer is configured.
    producer: Option<Arc<Producer>>,
    transactional: bool,
    /// For `receive` (`rocketmq.pull-consumer.*`).
    pull: Option<LitePullConsumer>,
}

/// Sends messages with one producer's settings. Cheap to clone; share it with every service.
///
/// ```no_run
/// # async fn demo(template: rocketmq_starter::RocketTemplate) -> Result<(), rocketmq_starter::TemplateError> {
/// use rocketmq_starter::{Json, RocketMessage};
///
/// template.sync_send("boot-test", "我是一个简单的消息").await?;
/// template.sync_send("orders:created", Json(serde_json::json!({"id": 7}))).await?;
/// template.sync_send_orderly("orders", "paid", "order-7").await?;
/// template.send_one_way("metrics", "cpu=0.7").await?;
/// template.sync_send("reminders", RocketMessage::new("wake up").delay_level(3)).await?;
/// let pending = template.async_send("boot-test", "later");
/// let result = pending.await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RocketTemplate {
    inner: Arc<Inner>,
    timeout: Option<Duration>,
}

impl std::fmt::Debug for RocketTemplate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RocketTemplate")
            .field("name", &self.inner.props.template)
            .field("group", &self.inner.props.group)
            .field("timeout", &self.timeout())
            .finish_non_exhaustive()
    }
}

impl RocketTemplate {
    /// Starts a template's producer (if it has a group) and pull consumer (if configured).
    pub(crate) async fn start(
        props: ProducerProperties,
        pull: Option<PullConsumerProperties>,
        transaction_listener: Option<SharedTransactionListener>,
    ) -> Result<RocketTemplate, ClientError> {
        let pull = match pull {
            Some(p) => Some(start_pull(p).await?),
            None => None,
        };
        let Some(group) = props.group.clone() else {
            return Ok(RocketTemplate {
                inner: Arc::new(Inner {
                    props,
                    producer: None,
                    transactional: false,
                    pull,
                }),
                timeout: None,
            });
        };
        let mut builder = Producer::builder(group)
            .send_timeout(props.send_message_timeout)
            .retry_times_when_send_failed(props.retry_times_when_send_failed)
            .retry_times_when_send_async_failed(props.retry_times_when_send_async_failed)
            .retry_another_broker_when_not_store_ok(props.retry_next_server)
            .max_message_size(props.max_message_size)
            .compress_over(props.compress_message_body_threshold);
        if let Some(ns) = &props.name_server {
            builder = builder.namesrv_addr(ns.clone());
        }
        if let Some(name) = &props.instance_name {
            builder = builder.instance_name(name.clone());
        }
        let transactional = transaction_listener.is_some();
        if let Some(listener) = transaction_listener {
            builder = builder.transaction_listener(listener);
        }
        let producer = Arc::new(builder.start().await?);
        Ok(RocketTemplate {
            inner: Arc::new(Inner {
                props,
                producer: Some(producer),
                transactional,
                pull,
            }),
            timeout: None,
        })
    }

    /// The template's name (`default` for `rocketmq.producer`).
    pub fn name(&self) -> &str {
        &self.inner.props.template
    }

    /// The producer underneath, for anything the template does not cover (`None` without
    /// `rocketmq.producer.group`).
    pub fn producer(&self) -> Option<&Arc<Producer>> {
        self.inner.producer.as_ref()
    }

    fn sender(&self) -> Result<&Arc<Producer>, TemplateError> {
        self.inner
            .producer
            .as_ref()
            .ok_or_else(|| TemplateError::NoProducer(self.name().to_string()))
    }

    /// The settings it was started with.
    pub fn properties(&self) -> &ProducerProperties {
        &self.inner.props
    }

    /// The same template with another timeout for every call made through it (rocketmq-spring's
    /// `timeout` overloads): `template.with_timeout(Duration::from_secs(1)).sync_send(..)`.
    pub fn with_timeout(&self, timeout: Duration) -> RocketTemplate {
        RocketTemplate {
            inner: self.inner.clone(),
            timeout: Some(timeout),
        }
    }

    /// The timeout calls use: `with_timeout`'s, else `send-message-timeout`.
    pub fn timeout(&self) -> Duration {
        self.timeout
            .unwrap_or(self.inner.props.send_message_timeout)
    }

    fn options(&self) -> SendOptions {
        SendOptions::default().timeout(self.timeout())
    }

    /// Sends and waits for the broker, retrying `retry-times-when-send-failed` times.
    pub async fn sync_send(
        &self,
        destination: &str,
        payload: impl Payload,
    ) -> Result<SendResult, TemplateError> {
        let msg = payload.into_rocket_message().into_message(destination)?;
        Ok(self.sender()?.send_with(msg, self.options()).await?)
    }

    /// Sends to the queue `hash_key` selects, the same queue a Java producer picks
    /// (`SelectMessageQueueByHash` over `String.hashCode`); no retry on another queue.
    pub async fn sync_send_orderly(
        &self,
        destination: &str,
        payload: impl Payload,
        hash_key: &str,
    ) -> Result<SendResult, TemplateError> {
        let msg = payload.into_rocket_message().into_message(destination)?;
        Ok(self
            .sender()?
            .send_orderly_with(msg, hash_key, self.options())
            .await?)
    }

    /// Sends in the background, retrying `retry-times-when-send-async-failed` times; await the
    /// handle for the result, or drop it to let the send finish on its own. A bad destination
    /// or payload is reported through the handle too.
    pub fn async_send(&self, destination: &str, payload: impl Payload) -> AsyncSend {
        let msg = payload.into_rocket_message().into_message(destination);
        let producer = self.sender().cloned();
        let options = self
            .options()
            .retries(self.inner.props.retry_times_when_send_async_failed);
        AsyncSend(tokio::spawn(async move {
            Ok(producer?.send_with(msg?, options).await?)
        }))
    }

    /// [`async_send`](Self::async_send) to the queue `hash_key` selects.
    pub fn async_send_orderly(
        &self,
        destination: &str,
        payload: impl Payload,
        hash_key: &str,
    ) -> AsyncSend {
        let msg = payload.into_rocket_message().into_message(destination);
        let producer = self.sender().cloned();
        let options = self.options();
        let key = hash_key.to_string();
        AsyncSend(tokio::spawn(async move {
            Ok(producer?.send_orderly_with(msg?, &key, options).await?)
        }))
    }

    /// Sends without waiting for the broker: no result, no retry.
    pub async fn send_one_way(
        &self,
        destination: &str,
        payload: impl Payload,
    ) -> Result<(), TemplateError> {
        let msg = payload.into_rocket_message().into_message(destination)?;
        Ok(self.sender()?.send_oneway(msg).await?)
    }

    /// [`send_one_way`](Self::send_one_way) to the queue `hash_key` selects.
    pub async fn send_one_way_orderly(
        &self,
        destination: &str,
        payload: impl Payload,
        hash_key: &str,
    ) -> Result<(), TemplateError> {
        let msg = payload.into_rocket_message().into_message(destination)?;
        Ok(self.sender()?.send_oneway_orderly(msg, hash_key).await?)
    }

    /// Sends many payloads to one destination as one batch (stored with consecutive offsets).
    /// Batches carry no delay, as in RocketMQ; keep a batch under `max-message-size`.
    pub async fn sync_send_batch<I>(
        &self,
        destination: &str,
        payloads: I,
    ) -> Result<SendResult, TemplateError>
    where
        I: IntoIterator,
        I::Item: Payload,
    {
        let msgs = batch(destination, payloads)?;
        Ok(self.sender()?.send_batch_with(msgs, self.options()).await?)
    }

    /// A batch to the queue `hash_key` selects, in order with everything else sent with it.
    pub async fn sync_send_batch_orderly<I>(
        &self,
        destination: &str,
        payloads: I,
        hash_key: &str,
    ) -> Result<SendResult, TemplateError>
    where
        I: IntoIterator,
        I::Item: Payload,
    {
        let msgs = batch(destination, payloads)?;
        Ok(self
            .sender()?
            .send_batch_orderly(msgs, hash_key, self.options())
            .await?)
    }

    /// Sends a half message, runs the template's transaction listener, then commits or rolls
    /// back (the listener answers the broker's checks for undecided transactions).
    pub async fn send_in_transaction(
        &self,
        destination: &str,
        payload: impl Payload,
    ) -> Result<TransactionSendResult, TemplateError> {
        if !self.inner.transactional {
            return Err(TemplateError::NoTransactionListener(
                self.name().to_string(),
            ));
        }
        let msg = payload.into_rocket_message().into_message(destination)?;
        Ok(self.sender()?.send_in_transaction(msg).await?)
    }

    /// Sends a request and waits (up to the template's timeout) for the reply of a
    /// `#[rocketmq_reply_listener]` or any RocketMQ responder, decoded as `R`: `String`,
    /// bytes, `MessageExt`, or `Json<T>`.
    pub async fn send_and_receive<R: FromMessage>(
        &self,
        destination: &str,
        payload: impl Payload,
    ) -> Result<R, TemplateError> {
        let msg = payload.into_rocket_message().into_message(destination)?;
        let reply = self.sender()?.request(msg, self.timeout()).await?;
        Ok(R::from_message(&reply)?)
    }

    /// [`send_and_receive`](Self::send_and_receive) through the queue `hash_key` selects.
    pub async fn send_and_receive_orderly<R: FromMessage>(
        &self,
        destination: &str,
        payload: impl Payload,
        hash_key: &str,
    ) -> Result<R, TemplateError> {
        let msg = payload.into_rocket_message().into_message(destination)?;
        let reply = self
            .sender()?
            .request_orderly(msg, hash_key, self.timeout())
            .await?;
        Ok(R::from_message(&reply)?)
    }

    /// Polls the pull consumer (`rocketmq.pull-consumer.*`) for up to 5 s and decodes what
    /// arrived as `R` (`String`, bytes, `MessageExt`, `Json<T>`); offsets are committed
    /// automatically, as with rocketmq-spring's `receive`.
    pub async fn receive<R: FromMessage>(&self) -> Result<Vec<R>, TemplateError> {
        self.receive_within(Duration::from_secs(5)).await
    }

    /// [`receive`](Self::receive) with another poll timeout.
    pub async fn receive_within<R: FromMessage>(
        &self,
        timeout: Duration,
    ) -> Result<Vec<R>, TemplateError> {
        let consumer = self
            .inner
            .pull
            .as_ref()
            .ok_or_else(|| TemplateError::NoPullConsumer(self.name().to_string()))?;
        let msgs = consumer.poll(timeout).await?;
        Ok(msgs
            .iter()
            .map(R::from_message)
            .collect::<Result<Vec<R>, Rejection>>()?)
    }

    /// Leaves the producer group (and the pull consumer's) on every broker.
    pub(crate) async fn shutdown(&self) {
        if let Some(p) = &self.inner.producer {
            p.shutdown().await;
        }
        if let Some(c) = &self.inner.pull {
            c.shutdown().await;
        }
    }
}

async fn start_pull(p: PullConsumerProperties) -> Result<LitePullConsumer, ClientError> {
    let mut builder = LitePullConsumer::builder(p.group.clone())
        .subscribe(p.topic.clone(), p.selector_expression.clone())
        .pull_batch_size(p.pull_batch_size);
    if let Some(ns) = &p.name_server {
        builder = builder.namesrv_addr(ns.clone());
    }
    if let Some(name) = &p.instance_name {
        builder = builder.instance_name(name.clone());
    }
    builder.start().await
}

fn batch<I>(destination: &str, payloads: I) -> Result<Vec<Message>, TemplateError>
where
    I: IntoIterator,
    I::Item: Payload,
{
    let msgs = payloads
        .into_iter()
        .map(|p| p.into_rocket_message().into_message(destination))
        .collect::<Result<Vec<_>, _>>()?;
    if msgs.is_empty() {
        return Err(TemplateError::Payload("the batch is empty".into()));
    }
    Ok(msgs)
}

/// A send running in the background; resolves to its result.
#[derive(Debug)]
pub struct AsyncSend(JoinHandle<Result<SendResult, TemplateError>>);

impl Future for AsyncSend {
    type Output = Result<SendResult, TemplateError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0)
            .poll(cx)
            .map(|joined| joined.unwrap_or(Err(TemplateError::Cancelled)))
    }
}
