//! END_TRANSACTION (37, oneway from the producer): commit (8) or roll back (12) a half
//! message; unknown (0) leaves it for the next check.
//!
//! The half message is found by its commit-log offset and must match the request's producer
//! group and half-queue offset. A half message already settled (committed, rolled back, or
//! superseded by a check's fresh copy) is left alone, so an answer arriving twice commits once.

use rocketmq_client::protocol::header::EndTransactionRequestHeader;
use rocketmq_client::protocol::message::{property, sys_flag};
use rocketmq_client::protocol::topic::TRANS_HALF_TOPIC;
use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

use crate::broker::BrokerState;
use crate::broker::transaction::Outcome;
use crate::net::{Handled, refuse};

pub(super) async fn handle(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let h = req.decode_header::<EndTransactionRequestHeader>()?;
    let outcome = match h.commit_or_rollback {
        sys_flag::TRANSACTION_COMMIT_TYPE => Outcome::Commit,
        sys_flag::TRANSACTION_ROLLBACK_TYPE => Outcome::Rollback,
        _ => {
            if let Some(remark) = &req.remark {
                tracing::info!(group = %h.producer_group, msg_id = %h.msg_id, remark, "transaction state unknown");
            }
            return Ok(RemotingCommand::response_to(req, ResponseCode::Success));
        }
    };
    let half = state
        .store
        .message_at(h.commit_log_offset)
        .filter(|m| m.message.topic == TRANS_HALF_TOPIC);
    let Some(half) = half else {
        return refuse(
            ResponseCode::SystemError,
            "Find prepared transaction message failed",
        );
    };
    if half.message.property(property::PRODUCER_GROUP) != Some(h.producer_group.as_str()) {
        return refuse(ResponseCode::SystemError, "The producer group wrong");
    }
    if half.queue_offset != h.tran_state_table_offset {
        return refuse(
            ResponseCode::SystemError,
            "The transaction state table offset wrong",
        );
    }
    if half.commit_log_offset != h.commit_log_offset {
        return refuse(ResponseCode::SystemError, "The commit log offset wrong");
    }
    let mut book = state.transactions.lock().await;
    match book.end(state, &half, outcome).await {
        Ok(true) => Ok(RemotingCommand::response_to(req, ResponseCode::Success)),
        Ok(false) => {
            tracing::debug!(msg_id = %h.msg_id, ?outcome, "transaction already settled; ignored");
            Ok(RemotingCommand::response_to(req, ResponseCode::Success))
        }
        Err(remark) => refuse(ResponseCode::SystemError, remark),
    }
}
