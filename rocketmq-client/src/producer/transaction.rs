//! Transactional sends (`TransactionMQProducer`): a half message the consumers cannot see yet,
//! a local transaction, then commit or rollback; the broker asks again about transactions left
//! unknown.
//!
//! ```no_run
//! # async fn demo() -> rocketmq_client::Result<()> {
//! use rocketmq_client::producer::{LocalTransactionState, TransactionListener};
//! use rocketmq_client::{Message, MessageExt, Producer};
//!
//! struct Orders;
//!
//! #[rocketmq_client::async_trait]
//! impl TransactionListener for Orders {
//!     async fn execute(&self, msg: &Message, transaction_id: &str) -> LocalTransactionState {
//!         // write the order to the database in the same transaction as `transaction_id`
//!         LocalTransactionState::Commit
//!     }
//!     async fn check(&self, msg: &MessageExt) -> LocalTransactionState {
//!         // look the transaction up: committed, rolled back, or still running
//!         LocalTransactionState::Unknown
//!     }
//! }
//!
//! let producer = Producer::builder("please_rename_unique_group_name")
//!     .namesrv_addr("127.0.0.1:9876")
//!     .transaction_listener(Orders)
//!     .start()
//!     .await?;
//! let result = producer.send_in_transaction(Message::new("TopicTest", "order 1")).await?;
//! println!("{} {:?}", result.send_result, result.local_state);
//! # Ok(()) }
//! ```

use std::sync::Arc;

use super::{Inner, Producer, SendResult};
use crate::error::{ClientError, Result};
use crate::protocol::header::{CheckTransactionStateRequestHeader, EndTransactionRequestHeader};
use crate::protocol::message::{Message, MessageExt, decode_offset_msg_id, property, sys_flag};
use crate::protocol::{RemotingCommand, RequestCode};
use crate::route::master_addr;

/// The outcome of a local transaction (`LocalTransactionState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalTransactionState {
    /// Deliver the message.
    Commit,
    /// Discard it.
    Rollback,
    /// Not known yet: the broker asks [`TransactionListener::check`] later.
    Unknown,
}

impl LocalTransactionState {
    /// The END_TRANSACTION `commitOrRollback` value.
    fn code(self) -> i32 {
        match self {
            LocalTransactionState::Commit => sys_flag::TRANSACTION_COMMIT_TYPE,
            LocalTransactionState::Rollback => sys_flag::TRANSACTION_ROLLBACK_TYPE,
            LocalTransactionState::Unknown => sys_flag::TRANSACTION_NOT_TYPE,
        }
    }
}

/// The application's side of transactional messages.
#[async_trait::async_trait]
pub trait TransactionListener: Send + Sync + 'static {
    /// Runs the local transaction for a half message the broker has stored.
    async fn execute(&self, msg: &Message, transaction_id: &str) -> LocalTransactionState;

    /// Answers the broker's question about a transaction left unknown (or whose answer was
    /// lost): `msg` is the half message, its `transaction_id` in [`MessageExt::msg_id`].
    async fn check(&self, msg: &MessageExt) -> LocalTransactionState;
}

/// A shared listener (the application keeps a handle to its state).
#[async_trait::async_trait]
impl<T: TransactionListener> TransactionListener for Arc<T> {
    async fn execute(&self, msg: &Message, transaction_id: &str) -> LocalTransactionState {
        (**self).execute(msg, transaction_id).await
    }

    async fn check(&self, msg: &MessageExt) -> LocalTransactionState {
        (**self).check(msg).await
    }
}

/// What [`Producer::send_in_transaction`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionSendResult {
    /// The half message's send result.
    pub send_result: SendResult,
    /// What the local transaction decided (`Rollback` if the half message was not stored).
    pub local_state: LocalTransactionState,
}

impl Producer {
    /// Sends `msg` as a half message, runs the listener's local transaction, then commits or
    /// rolls back (oneway, as Java does; an `Unknown` outcome or a lost answer is settled by
    /// the broker's check). A delay level is ignored, as in Java.
    pub async fn send_in_transaction(&self, mut msg: Message) -> Result<TransactionSendResult> {
        let Some(listener) = self.inner.config.transaction_listener.clone() else {
            return Err(ClientError::InvalidMessage(
                "a transactional send needs a producer built with transaction_listener".into(),
            ));
        };
        msg.properties.remove(property::DELAY_TIME_LEVEL);
        msg.put_property(property::TRANSACTION_PREPARED, "true");
        msg.put_property(property::PRODUCER_GROUP, self.inner.config.group.clone());
        let mut out = self.inner.prepare(msg)?;
        out.sys_flag |= sys_flag::TRANSACTION_PREPARED_TYPE;
        let send_result = self.send_outgoing(out.clone()).await?;
        let transaction_id = out.msg.unique_key().unwrap_or_default().to_string();
        let local_state = listener.0.execute(&out.msg, &transaction_id).await;
        if let Err(e) = self.inner.end_transaction(&send_result, local_state).await {
            tracing::warn!(msg_id = %send_result.msg_id, error = %e, "END_TRANSACTION not sent; the broker will check");
        }
        Ok(TransactionSendResult {
            send_result,
            local_state,
        })
    }
}

impl Inner {
    /// Tells the broker that stored the half message how its transaction ended.
    async fn end_transaction(&self, sent: &SendResult, state: LocalTransactionState) -> Result<()> {
        let info = self.publish_info(&sent.message_queue.topic).await?;
        let addr = master_addr(&info.route, &sent.message_queue.broker_name).ok_or_else(|| {
            ClientError::NoRoute {
                topic: sent.message_queue.topic.clone(),
            }
        })?;
        let (_, commit_log_offset) =
            decode_offset_msg_id(&sent.offset_msg_id).ok_or_else(|| {
                ClientError::InvalidMessage(format!("bad offset message id {}", sent.offset_msg_id))
            })?;
        let header = EndTransactionRequestHeader {
            topic: Some(sent.message_queue.topic.clone()),
            producer_group: self.config.group.clone(),
            tran_state_table_offset: sent.queue_offset,
            commit_log_offset,
            commit_or_rollback: state.code(),
            from_transaction_check: Some(false),
            msg_id: sent.msg_id.clone(),
            transaction_id: sent.transaction_id.clone(),
        };
        let req = RemotingCommand::request_with(RequestCode::EndTransaction, &header);
        self.client().invoke_oneway(&addr, req).await?;
        Ok(())
    }

    /// CHECK_TRANSACTION_STATE from `addr`: ask the listener, answer with END_TRANSACTION.
    pub(super) async fn answer_check(self: Arc<Self>, addr: String, request: RemotingCommand) {
        let Some(listener) = self.config.transaction_listener.clone() else {
            tracing::warn!(broker = %addr, group = %self.config.group, "transaction check for a producer without a transaction listener");
            return;
        };
        let header = match request.decode_header::<CheckTransactionStateRequestHeader>() {
            Ok(h) => h,
            Err(e) => {
                tracing::warn!(broker = %addr, error = %e, "bad CHECK_TRANSACTION_STATE header");
                return;
            }
        };
        let Some(mut msg) = MessageExt::decode_all(&request.body)
            .ok()
            .and_then(|mut m| m.pop())
        else {
            tracing::warn!(broker = %addr, "undecodable CHECK_TRANSACTION_STATE body");
            return;
        };
        if let Err(e) = msg.decompress_body() {
            tracing::warn!(error = %e, "transaction check body does not inflate");
        }
        let state = listener.0.check(&msg).await;
        let msg_id = header.msg_id.clone().unwrap_or_else(|| msg.msg_id());
        let end = EndTransactionRequestHeader {
            topic: header.topic.clone(),
            producer_group: self.config.group.clone(),
            tran_state_table_offset: header.tran_state_table_offset,
            commit_log_offset: header.commit_log_offset,
            commit_or_rollback: state.code(),
            from_transaction_check: Some(true),
            msg_id,
            transaction_id: header.transaction_id,
        };
        let req = RemotingCommand::request_with(RequestCode::EndTransaction, &end);
        if let Err(e) = self.client().invoke_oneway(&addr, req).await {
            tracing::warn!(broker = %addr, error = %e, "cannot answer a transaction check");
        }
    }
}

/// The listener as the builder keeps it (cloneable, printable).
#[derive(Clone)]
pub(super) struct SharedListener(pub(super) Arc<dyn TransactionListener>);

impl std::fmt::Debug for SharedListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TransactionListener")
    }
}
