//! Per-send overrides and the remaining send shapes: timeouts and retries per call, orderly
//! batches and one-way sends, ordered requests.

use std::time::Duration;

use super::selector::select_by_hash;
use super::{Outgoing, Producer, SendResult};
use crate::error::{ClientError, Result};
use crate::protocol::body::MessageQueue;
use crate::protocol::java_hash_code;
use crate::protocol::message::{Message, MessageExt};

/// Overrides of the producer's settings for one send.
///
/// ```no_run
/// # async fn demo(producer: rocketmq_client::Producer) -> rocketmq_client::Result<()> {
/// use std::time::Duration;
/// use rocketmq_client::Message;
/// use rocketmq_client::producer::SendOptions;
///
/// let options = SendOptions::default().timeout(Duration::from_millis(500)).retries(0);
/// producer.send_with(Message::new("TopicTest", "quick"), options).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendOptions {
    timeout: Option<Duration>,
    retries: Option<u32>,
}

impl SendOptions {
    /// The total time the send may take, retries included.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Extra attempts after a failure (ordered sends never retry on another queue).
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = Some(retries);
        self
    }
}

impl Producer {
    fn timeout_of(&self, options: SendOptions) -> Duration {
        options.timeout.unwrap_or(self.inner.config.send_timeout)
    }

    fn retries_of(&self, options: SendOptions) -> u32 {
        options
            .retries
            .unwrap_or(self.inner.config.retry_times_when_send_failed)
    }

    /// [`send`](Self::send) with per-call overrides.
    pub async fn send_with(&self, msg: Message, options: SendOptions) -> Result<SendResult> {
        let out = self.inner.prepare(msg)?;
        self.send_outgoing_with(out, self.timeout_of(options), self.retries_of(options))
            .await
    }

    /// [`send_batch`](Self::send_batch) with per-call overrides.
    pub async fn send_batch_with(
        &self,
        messages: Vec<Message>,
        options: SendOptions,
    ) -> Result<SendResult> {
        let out = self.inner.prepare_batch(messages)?;
        self.send_outgoing_with(out, self.timeout_of(options), self.retries_of(options))
            .await
    }

    /// [`send_orderly`](Self::send_orderly) with a per-call timeout.
    pub async fn send_orderly_with(
        &self,
        msg: Message,
        key: &str,
        options: SendOptions,
    ) -> Result<SendResult> {
        let out = self.inner.prepare(msg)?;
        let mq = self.hashed_queue(&out, key).await?;
        self.send_once_within(out, &mq, self.timeout_of(options))
            .await
    }

    /// A batch to the queue `key` hashes to, like [`send_orderly`](Self::send_orderly): the
    /// messages stay in order with each other and with everything else sent with `key`.
    pub async fn send_batch_orderly(
        &self,
        messages: Vec<Message>,
        key: &str,
        options: SendOptions,
    ) -> Result<SendResult> {
        let out = self.inner.prepare_batch(messages)?;
        let mq = self.hashed_queue(&out, key).await?;
        self.send_once_within(out, &mq, self.timeout_of(options))
            .await
    }

    /// [`send_oneway`](Self::send_oneway) to the queue `key` hashes to.
    pub async fn send_oneway_orderly(&self, msg: Message, key: &str) -> Result<()> {
        let out = self.inner.prepare(msg)?;
        let mq = self.hashed_queue(&out, key).await?;
        let deadline = tokio::time::Instant::now() + self.inner.config.send_timeout;
        let info = self.inner.publish_info(&out.msg.topic).await?;
        self.inner
            .send_to(&info, &mq, &out, deadline, true)
            .await
            .map(|_| ())
    }

    /// [`request`](Self::request) sent to the queue `key` hashes to, so requests with one key
    /// are handled in order.
    pub async fn request_orderly(
        &self,
        msg: Message,
        key: &str,
        timeout: Duration,
    ) -> Result<MessageExt> {
        self.request_via(msg, timeout, |producer, msg| async move {
            producer.send_orderly(msg, key).await
        })
        .await
    }

    /// The queue of the message's topic that `key` hashes to (Java's `SelectMessageQueueByHash`).
    async fn hashed_queue(&self, out: &Outgoing, key: &str) -> Result<MessageQueue> {
        let info = self.inner.publish_info(&out.msg.topic).await?;
        let index = select_by_hash(java_hash_code(key), info.queues.len());
        info.queues
            .get(index)
            .cloned()
            .ok_or_else(|| ClientError::NoRoute {
                topic: out.msg.topic.clone(),
            })
    }
}
