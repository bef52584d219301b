//! [`Received<T>`]: the decoded payload together with the message's headers.

use std::ops::Deref;

use rocketmq_client::MessageExt;

/// A listener argument giving both the decoded body (`T`, decoded as for a plain argument) and
/// the message: id, tags, keys, properties, delivery attempt.
///
/// It dereferences to `T`, so `order.id` works on a `Received<Order>`.
#[derive(Debug, Clone)]
pub struct Received<T> {
    /// The decoded body.
    pub payload: T,
    /// The message as delivered (body included).
    pub message: MessageExt,
}

impl<T> Received<T> {
    /// Pairs a payload with its message (the listener attribute does this).
    pub fn new(message: MessageExt, payload: T) -> Self {
        Received { payload, message }
    }

    /// The payload, dropping the headers.
    pub fn into_inner(self) -> T {
        self.payload
    }

    /// The message id (the producer's unique key, as `MessageExt::msg_id`).
    pub fn msg_id(&self) -> String {
        self.message.msg_id()
    }

    /// The topic the message was sent to (the original topic for a retried message).
    pub fn topic(&self) -> &str {
        &self.message.message.topic
    }

    /// The tag, if any.
    pub fn tags(&self) -> Option<&str> {
        self.message.message.tags()
    }

    /// The business keys, if any.
    pub fn keys(&self) -> Option<&str> {
        self.message.message.keys()
    }

    /// A user or system property.
    pub fn property(&self, name: &str) -> Option<&str> {
        self.message.message.property(name)
    }

    /// How many times this message was delivered before (0 on the first attempt).
    pub fn reconsume_times(&self) -> i32 {
        self.message.reconsume_times
    }

    /// The queue and offset it was read from.
    pub fn queue(&self) -> (i32, i64) {
        (self.message.queue_id, self.message.queue_offset)
    }

    /// When the producer created it, ms since the epoch.
    pub fn born_timestamp(&self) -> i64 {
        self.message.born_timestamp
    }
}

impl<T> Deref for Received<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.payload
    }
}
