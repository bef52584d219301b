//! The check rounds: every `transactionCheckInterval`, half messages older than
//! `transactionTimeOut` (or their own `CHECK_IMMUNITY_TIME_IN_SECONDS`) without an outcome are
//! re-appended as a fresh copy with one more `TRANSACTION_CHECK_TIMES`, the original is settled,
//! and the producer group is asked about the copy (CHECK_TRANSACTION_STATE, oneway, to one of
//! its connections). After `transactionCheckMax` checks a half message is given up: moved to
//! `TRANS_CHECK_MAX_TIME_TOPIC` and settled.

use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use rocketmq_client::protocol::header::CheckTransactionStateRequestHeader;
use rocketmq_client::protocol::message::record::RecordFields;
use rocketmq_client::protocol::message::{MessageExt, offset_msg_id, properties, property};
use rocketmq_client::protocol::topic::{TRANS_CHECK_MAX_TIME_TOPIC, TRANS_HALF_TOPIC};
use rocketmq_client::protocol::{LanguageCode, RemotingCommand, RequestCode};
use tokio_util::sync::CancellationToken;

use super::Book;
use crate::broker::BrokerState;
use crate::store::{PutMessage, now_millis};

/// Runs check rounds until cancelled.
pub(crate) async fn run(state: Arc<BrokerState>, cancel: CancellationToken) {
    let every = Duration::from_millis(state.config.transaction_check_interval.max(100));
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = tick.tick() => {}
        }
        let mut book = state.transactions.lock().await;
        round(&state, &mut book).await;
    }
}

/// One pass over the half queue.
pub(crate) async fn round(state: &BrokerState, book: &mut Book) {
    book.refresh(state);
    let max = state.store.max_offset(TRANS_HALF_TOPIC, 0);
    let mut offset = book.checked;
    while offset < max {
        if book.is_settled(offset) {
            offset += 1;
            continue;
        }
        let Some(half) = state.store.queue_message(TRANS_HALF_TOPIC, 0, offset) else {
            offset += 1;
            continue;
        };
        let wait = half
            .message
            .property(property::CHECK_IMMUNITY_TIME_IN_SECONDS)
            .and_then(|s| s.parse::<i64>().ok())
            .map_or(state.config.transaction_timeout as i64, |s| s * 1000);
        if now_millis() - half.store_timestamp < wait {
            break; // later ones are younger
        }
        let checks = half
            .message
            .property(property::TRANSACTION_CHECK_TIMES)
            .and_then(|s| s.parse::<i32>().ok())
            .unwrap_or(0);
        if checks >= state.config.transaction_check_max {
            tracing::warn!(msg_id = %half.msg_id(), checks, "transaction never resolved; moved to {TRANS_CHECK_MAX_TIME_TOPIC}");
            if put_copy(state, &half, TRANS_CHECK_MAX_TIME_TOPIC, checks)
                .await
                .is_some()
            {
                book.settle(state, offset).await;
            }
        } else if let Some(copy) = put_copy(state, &half, TRANS_HALF_TOPIC, checks + 1).await
            && book.settle(state, offset).await
        {
            ask_producer(state, &copy);
        }
        offset += 1;
    }
    book.advance(state);
}

/// Appends a copy of a half message to `topic` with `checks` recorded; the copy as stored.
async fn put_copy(
    state: &BrokerState,
    half: &MessageExt,
    topic: &str,
    checks: i32,
) -> Option<MessageExt> {
    let props = properties::encode(&half.message.properties);
    let checks = checks.to_string();
    let copy = PutMessage {
        topic: topic.to_string(),
        queue_id: 0,
        flag: half.message.flag,
        sys_flag: half.sys_flag,
        born_timestamp: half.born_timestamp,
        born_host: half.born_host,
        store_host: state.store_host,
        reconsume_times: half.reconsume_times,
        prepared_transaction_offset: 0,
        body: half.message.body.clone(),
        properties: properties::rewrite(
            &props,
            &[],
            &[(property::TRANSACTION_CHECK_TIMES, &checks)],
        ),
        store_timestamp: None,
    };
    match state.store.put_message(copy, false).await {
        Ok(stored) => state.store.message_at(stored.append.wrote_offset),
        Err(e) => {
            tracing::error!(error = %e, "cannot re-append a half message");
            None
        }
    }
}

/// Sends CHECK_TRANSACTION_STATE about `half` to one connection of its producer group.
fn ask_producer(state: &BrokerState, half: &MessageExt) {
    let Some(group) = half.message.property(property::PRODUCER_GROUP) else {
        return;
    };
    let producers = state.producers.group(group);
    if producers.is_empty() {
        tracing::debug!(group, msg_id = %half.msg_id(), "no producer online to check a transaction with");
        return;
    }
    let pick = (half.queue_offset as usize) % producers.len();
    let real_topic = half
        .message
        .property(property::REAL_TOPIC)
        .unwrap_or_default();
    let real_queue = half
        .message
        .property(property::REAL_QUEUE_ID)
        .and_then(|q| q.parse().ok())
        .unwrap_or(0);
    let uniq = half.message.unique_key().map(str::to_string);
    let header = CheckTransactionStateRequestHeader {
        topic: Some(real_topic.to_string()),
        tran_state_table_offset: half.queue_offset,
        commit_log_offset: half.commit_log_offset,
        msg_id: uniq.clone(),
        transaction_id: half
            .message
            .property(property::TRANSACTION_ID)
            .map(str::to_string)
            .or(uniq),
        offset_msg_id: Some(offset_msg_id(&half.store_host, half.commit_log_offset)),
        bname: Some(state.config.broker_name.clone()),
    };
    // The body is the half message as the producer sent it: real topic and queue.
    let props = properties::encode(&half.message.properties);
    let mut body = BytesMut::new();
    RecordFields {
        topic: real_topic,
        queue_id: real_queue,
        flag: half.message.flag,
        queue_offset: half.queue_offset,
        physical_offset: half.commit_log_offset,
        sys_flag: half.sys_flag,
        born_timestamp: half.born_timestamp,
        born_host: half.born_host,
        store_timestamp: half.store_timestamp,
        store_host: half.store_host,
        reconsume_times: half.reconsume_times,
        prepared_transaction_offset: half.prepared_transaction_offset,
        body_crc: half.body_crc,
        body: &half.message.body,
        properties: &props,
    }
    .encode(&mut body);
    let mut req = RemotingCommand::request_with(RequestCode::CheckTransactionState, &header)
        .with_body(body.freeze());
    req.language = LanguageCode::Java;
    producers[pick].channel.send_oneway(req);
}
