//! Replies to this instance's requests: PUSH_REPLY_MESSAGE_TO_CLIENT from a broker completes
//! the waiting `request` with the same correlation id. Like Java's `RequestFutureHolder`, one
//! table per instance, since the broker finds the requester by client id.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;

use tokio::sync::oneshot;

use crate::protocol::header::ReplyMessageRequestHeader;
use crate::protocol::message::{Message, MessageExt, properties, property};
use crate::protocol::{RemotingCommand, ResponseCode};

/// Requests waiting for their reply, by correlation id.
#[derive(Debug, Default)]
pub(crate) struct Replies {
    pending: Mutex<HashMap<String, oneshot::Sender<MessageExt>>>,
}

impl Replies {
    /// Registers a request; the receiver gets its reply.
    pub(crate) fn expect(&self, correlation_id: &str) -> oneshot::Receiver<MessageExt> {
        let (tx, rx) = oneshot::channel();
        self.lock().insert(correlation_id.to_string(), tx);
        rx
    }

    /// Drops a request that timed out or failed.
    pub(crate) fn forget(&self, correlation_id: &str) {
        self.lock().remove(correlation_id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, oneshot::Sender<MessageExt>>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Serves PUSH_REPLY_MESSAGE_TO_CLIENT.
    pub(crate) fn deliver(&self, request: &RemotingCommand) -> RemotingCommand {
        let h = match request.decode_header::<ReplyMessageRequestHeader>() {
            Ok(h) => h,
            Err(e) => {
                return RemotingCommand::response_to(request, ResponseCode::SystemError)
                    .with_remark(e.to_string());
            }
        };
        let host = |s: &str| s.parse::<SocketAddr>().unwrap_or(([0, 0, 0, 0], 0).into());
        let mut reply = MessageExt {
            message: Message {
                topic: h.topic.clone(),
                flag: h.flag,
                properties: properties::decode(h.properties.as_deref().unwrap_or_default()),
                body: request.body.clone(),
            },
            queue_id: h.queue_id,
            store_size: 0,
            queue_offset: 0,
            sys_flag: h.sys_flag,
            born_timestamp: h.born_timestamp,
            born_host: host(&h.born_host),
            store_timestamp: h.store_timestamp,
            store_host: host(&h.store_host),
            commit_log_offset: 0,
            body_crc: 0,
            reconsume_times: h.reconsume_times.unwrap_or(0),
            prepared_transaction_offset: 0,
        };
        if let Err(e) = reply.decompress_body() {
            tracing::warn!(error = %e, "reply body does not inflate");
        }
        let waiting = reply
            .message
            .property(property::CORRELATION_ID)
            .and_then(|id| self.lock().remove(id));
        match waiting {
            Some(tx) => {
                let _ = tx.send(reply);
            }
            None => tracing::warn!(
                correlation_id = ?reply.message.property(property::CORRELATION_ID),
                "reply for no waiting request (timed out?)"
            ),
        }
        RemotingCommand::response_to(request, ResponseCode::Success)
    }
}
