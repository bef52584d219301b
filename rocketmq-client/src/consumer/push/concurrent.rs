//! Concurrent consumption: messages go to the listener in `consume_batch_size` chunks, at most
//! `consume_concurrency` calls at once across the consumer.
//!
//! A chunk the listener fails is handed back to the broker (CONSUMER_SEND_MSG_BACK), which
//! redelivers it through `%RETRY%{group}` with a growing delay and finally moves it to
//! `%DLQ%{group}`; either way the queue's offset moves on. Messages the broker would not take
//! are retried here after 5 s. Broadcasting consumers drop failures with a warning, as Apache's
//! do. Messages a listener has held longer than `consume_timeout` are sent back too.

use std::sync::Arc;
use std::time::Duration;

use super::send_back::send_back;
use super::{ConsumeResult, Inner};
use crate::consumer::process_queue::ProcessQueue;
use crate::protocol::body::MessageQueue;
use crate::protocol::message::{MessageExt, property};
use crate::protocol::now_millis;

/// How long messages the broker would not take back wait before they are consumed again.
const LOCAL_RETRY_DELAY: Duration = Duration::from_secs(5);

/// Calls the listener, counting a panic as "later" so the queue keeps going.
pub(super) async fn call_listener(
    inner: &Arc<Inner>,
    mq: &MessageQueue,
    batch: Vec<MessageExt>,
) -> ConsumeResult {
    let listener = inner.listener.clone();
    let count = batch.len();
    let started = std::time::Instant::now();
    let result = tokio::spawn(async move { listener(batch).await })
        .await
        .unwrap_or(ConsumeResult::ReconsumeLater);
    inner.stats.consumed(
        &mq.topic,
        count,
        started.elapsed().as_millis() as u64,
        result == ConsumeResult::Success,
    );
    result
}

/// Stamps the consume start time, as Java's consumer does before calling the listener.
pub(super) fn mark_started(msgs: &mut [MessageExt]) {
    let now = now_millis().to_string();
    for m in msgs {
        m.message
            .put_property(property::CONSUME_START_TIMESTAMP, now.clone());
    }
}

/// Hands pulled messages to the listener.
pub(super) async fn dispatch(
    inner: &Arc<Inner>,
    mq: &MessageQueue,
    pq: &Arc<ProcessQueue>,
    addr: &str,
    msgs: Vec<MessageExt>,
) {
    let mut msgs = msgs.into_iter().peekable();
    while msgs.peek().is_some() {
        let chunk: Vec<MessageExt> = msgs
            .by_ref()
            .take(inner.config.consume_batch_size)
            .collect();
        let Ok(permit) = inner.semaphore.clone().acquire_owned().await else {
            return;
        };
        let (inner, mq, pq, addr) = (inner.clone(), mq.clone(), pq.clone(), addr.to_string());
        tokio::spawn(async move {
            let offsets: Vec<i64> = chunk.iter().map(|m| m.queue_offset).collect();
            consume_until_settled(&inner, &mq, &pq, &addr, chunk).await;
            if let Some(next) = pq.remove(&offsets)
                && !pq.is_dropped()
            {
                inner.offsets.update(&mq, next);
            }
            drop(permit);
        });
    }
}

/// Consumes a chunk until it succeeded, was handed back, or the queue went away. The listener
/// owns each batch; after a failure the copies the process queue holds are handed back (a
/// message no longer held was already sent back as stuck).
async fn consume_until_settled(
    inner: &Arc<Inner>,
    mq: &MessageQueue,
    pq: &ProcessQueue,
    addr: &str,
    mut chunk: Vec<MessageExt>,
) {
    let mut local_retries = 0;
    loop {
        let offsets: Vec<i64> = chunk.iter().map(|m| m.queue_offset).collect();
        mark_started(&mut chunk);
        let result = call_listener(inner, mq, chunk).await;
        let level = match result {
            ConsumeResult::Success => return,
            ConsumeResult::ReconsumeLater => 0,
            ConsumeResult::ReconsumeLaterAtLevel(level) => level,
        };
        let failed = pq.messages(&offsets);
        if inner.broadcasting() {
            for m in &failed {
                tracing::warn!(msg_id = %m.msg_id(), "broadcasting consumption failed; the message is dropped");
            }
            return;
        }
        let mut kept = Vec::new();
        for mut m in failed {
            m.reconsume_times += local_retries;
            if !send_back(inner, addr, &m, level).await {
                kept.push(m);
            }
        }
        if kept.is_empty() || pq.is_dropped() || !inner.is_running() {
            return;
        }
        local_retries += 1;
        for m in &mut kept {
            m.reconsume_times += 1;
        }
        chunk = kept;
        tokio::time::sleep(LOCAL_RETRY_DELAY).await;
        if pq.is_dropped() || !inner.is_running() {
            return;
        }
    }
}

/// Sends back messages a listener has held longer than `consume_timeout` (delay level 3) and
/// lets the queue's offset move past them; the listener call itself is not interrupted.
pub(super) async fn send_back_stuck(inner: &Arc<Inner>) {
    if inner.broadcasting() {
        return;
    }
    let timeout_ms = inner.config.consume_timeout.as_millis() as i64;
    let queues: Vec<(MessageQueue, Arc<ProcessQueue>, String)> = inner
        .assigned
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .map(|(mq, a)| (mq.clone(), a.pq.clone(), a.addr.clone()))
        .collect();
    for (mq, pq, addr) in queues {
        for m in pq.stuck(now_millis() - timeout_ms, 16) {
            tracing::warn!(msg_id = %m.msg_id(), queue = ?mq, "consume timeout; the message is sent back");
            if send_back(inner, &addr, &m, 3).await
                && let Some(next) = pq.remove(&[m.queue_offset])
                && !pq.is_dropped()
            {
                inner.offsets.update(&mq, next);
            }
        }
    }
}
