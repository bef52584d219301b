//! Choosing the queue yourself: ordered messages go to the queue their key hashes to.

use super::Producer;
use crate::error::{ClientError, Result};
use crate::producer::SendResult;
use crate::protocol::body::MessageQueue;
use crate::protocol::message::Message;

/// Java's `SelectMessageQueueByHash`: `abs(hash % queues)`, with Java's remainder, so a key
/// lands on the same queue whichever client sends it.
///
/// ```
/// use rocketmq_client::producer::select_by_hash;
/// assert_eq!(select_by_hash(10, 4), 2);
/// assert_eq!(select_by_hash(-7, 4), 3); // Java: -7 % 4 == -3, then Math.abs
/// ```
pub fn select_by_hash(hash: i32, queue_count: usize) -> usize {
    if queue_count == 0 {
        return 0;
    }
    (hash % queue_count as i32).unsigned_abs() as usize
}

impl Producer {
    /// Sends to the queue `select` picks from the topic's writable queues (Java's
    /// `send(msg, MessageQueueSelector, arg)`). Like Java, no retry on another queue: ordering
    /// matters more than availability here.
    ///
    /// ```no_run
    /// # async fn demo(producer: rocketmq_client::Producer) -> rocketmq_client::Result<()> {
    /// use rocketmq_client::Message;
    ///
    /// let order_id = 42usize;
    /// let msg = Message::new("TopicTest", "create").with_tags("TagA");
    /// producer
    ///     .send_with_selector(msg, |queues, _msg| order_id % queues.len())
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn send_with_selector<F>(&self, msg: Message, select: F) -> Result<SendResult>
    where
        F: FnOnce(&[MessageQueue], &Message) -> usize,
    {
        let out = self.inner.prepare(msg)?;
        let info = self.inner.publish_info(&out.msg.topic).await?;
        let index = select(&info.queues, &out.msg);
        let mq = info.queues.get(index).cloned().ok_or_else(|| {
            ClientError::InvalidMessage(format!(
                "selector chose queue {index} of {}",
                info.queues.len()
            ))
        })?;
        self.send_once(out, &mq).await
    }

    /// Sends in order with every message of the same `key`: the queue is Java's
    /// `SelectMessageQueueByHash` of the key's `String.hashCode`.
    ///
    /// ```no_run
    /// # async fn demo(producer: rocketmq_client::Producer) -> rocketmq_client::Result<()> {
    /// use rocketmq_client::Message;
    ///
    /// for step in ["create", "pay", "ship"] {
    ///     let msg = Message::new("OrderTopic", step).with_keys("order-7");
    ///     producer.send_orderly(msg, "order-7").await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn send_orderly(&self, msg: Message, key: &str) -> Result<SendResult> {
        self.send_orderly_with(msg, key, super::SendOptions::default())
            .await
    }
}
