//! Request-reply (RocketMQ 4.6+): a request is an ordinary message carrying a correlation id,
//! the requester's client id and a time-to-live; the responder sends its reply to the cluster's
//! `{cluster}_REPLY_TOPIC` (SEND_REPLY_MESSAGE_V2), and the broker pushes it straight to the
//! requester's connection (PUSH_REPLY_MESSAGE_TO_CLIENT).
//!
//! ```no_run
//! # async fn demo(requester: rocketmq_client::Producer, responder: rocketmq_client::Producer,
//! #               request: rocketmq_client::MessageExt) -> rocketmq_client::Result<()> {
//! use std::time::Duration;
//! use rocketmq_client::Message;
//!
//! // The requester:
//! let reply = requester.request(Message::new("RequestTopic", "ping"), Duration::from_secs(3)).await?;
//! println!("{}", String::from_utf8_lossy(&reply.message.body));
//! // The responder, in a consumer's listener:
//! responder.reply(&request, "pong").await?;
//! # Ok(()) }
//! ```

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use super::{Producer, SendResult};
use crate::error::{ClientError, Result};
use crate::protocol::message::{Message, MessageExt, property};
use crate::protocol::topic::reply_topic;

/// `MSG_TYPE` of a reply.
pub(super) const REPLY_MESSAGE_FLAG: &str = "reply";

/// The reply to `request` (Java's `MessageUtil.createReplyMessage`): addressed to the reply
/// topic of the cluster that delivered the request, carrying its correlation id, requester and
/// time-to-live.
pub fn create_reply_message(request: &Message, body: impl Into<Bytes>) -> Result<Message> {
    let cluster = request.property(property::CLUSTER).ok_or_else(|| {
        ClientError::InvalidMessage(
            "the request has no CLUSTER property: it did not come from a broker as a request"
                .into(),
        )
    })?;
    let mut reply = Message::new(reply_topic(cluster), body);
    reply.put_property(property::MSG_TYPE, REPLY_MESSAGE_FLAG);
    for name in [
        property::CORRELATION_ID,
        property::MESSAGE_REPLY_TO_CLIENT,
        property::MESSAGE_TTL,
    ] {
        if let Some(v) = request.property(name) {
            reply.put_property(name, v);
        }
    }
    Ok(reply)
}

impl Producer {
    /// Sends `msg` as a request and waits up to `timeout` for the reply; no reply in time is
    /// [`ClientError::RequestTimeout`].
    pub async fn request(&self, msg: Message, timeout: Duration) -> Result<MessageExt> {
        self.request_via(msg, timeout, |producer, msg| producer.send(msg))
            .await
    }

    /// A request sent by `send` (any queue, or a chosen one).
    pub(super) async fn request_via<'a, F, Fut>(
        &'a self,
        mut msg: Message,
        timeout: Duration,
        send: F,
    ) -> Result<MessageExt>
    where
        F: FnOnce(&'a Producer, Message) -> Fut,
        Fut: std::future::Future<Output = Result<SendResult>>,
    {
        let correlation_id = self.inner.ids.next_id();
        msg.put_property(property::CORRELATION_ID, correlation_id.clone());
        msg.put_property(property::MESSAGE_REPLY_TO_CLIENT, self.client_id());
        msg.put_property(property::MESSAGE_TTL, timeout.as_millis().to_string());
        // The reply comes from a broker of the request topic's cluster, which must know us.
        let info = self.inner.publish_info(&msg.topic).await?;
        for cluster in info
            .route
            .broker_datas
            .iter()
            .map(|b| b.cluster.clone())
            .collect::<std::collections::BTreeSet<_>>()
        {
            if let Err(e) = self.inner.publish_info(&reply_topic(&cluster)).await {
                tracing::debug!(%cluster, error = %e, "no reply topic route; the broker may not know this requester");
            }
        }
        let replies = self.inner.membership.instance().replies();
        let waiting = replies.expect(&correlation_id);
        let started = tokio::time::Instant::now();
        if let Err(e) = send(self, msg).await {
            replies.forget(&correlation_id);
            return Err(e);
        }
        let left = timeout.saturating_sub(started.elapsed());
        match tokio::time::timeout(left, waiting).await {
            Ok(Ok(reply)) => Ok(reply),
            _ => {
                replies.forget(&correlation_id);
                Err(ClientError::RequestTimeout {
                    correlation_id,
                    timeout,
                })
            }
        }
    }

    /// [`request`](Self::request) in the background, calling `callback` with the reply or the
    /// error (Java's `RequestCallback`).
    pub fn request_with_callback<F>(self: &Arc<Self>, msg: Message, timeout: Duration, callback: F)
    where
        F: FnOnce(Result<MessageExt>) + Send + 'static,
    {
        let producer = self.clone();
        tokio::spawn(async move { callback(producer.request(msg, timeout).await) });
    }

    /// Sends the reply to a request received by a consumer (see [`create_reply_message`]).
    pub async fn reply(&self, request: &MessageExt, body: impl Into<Bytes>) -> Result<SendResult> {
        self.send(create_reply_message(&request.message, body)?)
            .await
    }
}
