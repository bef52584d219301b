//! Orderly consumption: each queue is consumed by one task, one batch at a time, in offset
//! order, and only while this consumer holds the queue's lock on the broker.
//!
//! Locks (LOCK_BATCH_MQ / UNLOCK_BATCH_MQ) are taken before a queue is assigned, renewed every
//! 20 s, trusted for 30 s (the broker expires them after 60 s), and given back only after the
//! queue's listener call in progress has finished and its offset is committed, so a rebalance
//! never lets two consumers process one queue at once. A failed batch suspends its queue for
//! `suspend_current_queue_time` and is retried here; once a message has been retried
//! `max_reconsume_times` times it goes to the dead-letter queue and the queue moves on.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use super::concurrent::{call_listener, mark_started};
use super::send_back::send_back;
use super::{ConsumeResult, Inner};
use crate::consumer::process_queue::ProcessQueue;
use crate::protocol::body::{JsonBody, LockBatchRequestBody, LockBatchResponseBody, MessageQueue};
use crate::protocol::message::MessageExt;
use crate::protocol::{RemotingCommand, RequestCode, ResponseCode};

const LOCK_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a rebalance waits for a queue's listener call before leaving the queue for the
/// next round.
const RELEASE_WAIT: Duration = Duration::from_secs(1);

/// A LOCK_BATCH_MQ or UNLOCK_BATCH_MQ request for this consumer.
fn lock_request(
    inner: &Inner,
    code: RequestCode,
    queues: BTreeSet<MessageQueue>,
) -> RemotingCommand {
    let body = LockBatchRequestBody {
        client_id: inner.client_id().to_string(),
        consumer_group: inner.config.group.clone(),
        mq_set: queues,
        only_this_broker: false,
    };
    RemotingCommand::request(code).with_body(body.encode())
}

/// Asks `addr` to lock `queues` for this consumer; the queues it granted.
pub(super) async fn lock(
    inner: &Inner,
    addr: &str,
    queues: BTreeSet<MessageQueue>,
) -> BTreeSet<MessageQueue> {
    let req = lock_request(inner, RequestCode::LockBatchMq, queues);
    match inner.client().invoke(addr, req, LOCK_TIMEOUT).await {
        Ok(resp) if resp.response_code() == ResponseCode::Success => {
            LockBatchResponseBody::decode(&resp.body)
                .map(|b| b.lock_ok_mq_set)
                .unwrap_or_default()
        }
        Ok(resp) => {
            tracing::debug!(code = resp.code, remark = ?resp.remark, "lock refused");
            BTreeSet::new()
        }
        Err(e) => {
            tracing::debug!(error = %e, "lock failed");
            BTreeSet::new()
        }
    }
}

/// Gives queues back (best effort).
async fn unlock(inner: &Inner, addr: &str, queues: BTreeSet<MessageQueue>) {
    let req = lock_request(inner, RequestCode::UnlockBatchMq, queues);
    if let Err(e) = inner.client().invoke(addr, req, LOCK_TIMEOUT).await {
        tracing::debug!(error = %e, "unlock failed; the broker lock will expire");
    }
}

/// Assigned queues grouped by their broker's address.
fn assigned_by_broker(inner: &Inner) -> BTreeMap<String, Vec<(MessageQueue, Arc<ProcessQueue>)>> {
    let mut by_broker: BTreeMap<String, Vec<(MessageQueue, Arc<ProcessQueue>)>> = BTreeMap::new();
    for (mq, a) in inner
        .assigned
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
    {
        by_broker
            .entry(a.addr.clone())
            .or_default()
            .push((mq.clone(), a.pq.clone()));
    }
    by_broker
}

/// Gives every queue's lock back (at shutdown, after the offsets are committed).
pub(super) async fn unlock_all(inner: &Inner) {
    for (addr, queues) in assigned_by_broker(inner) {
        unlock(inner, &addr, queues.into_iter().map(|(mq, _)| mq).collect()).await;
    }
}

/// Renews the locks of every assigned queue, broker by broker.
pub(super) async fn relock_all(inner: &Inner) {
    for (addr, queues) in assigned_by_broker(inner) {
        let granted = lock(
            inner,
            &addr,
            queues.iter().map(|(mq, _)| mq.clone()).collect(),
        )
        .await;
        for (mq, pq) in queues {
            let ok = granted.contains(&mq);
            if !ok {
                tracing::warn!(queue = ?mq, "queue lock not renewed; consumption of it pauses");
            }
            pq.set_locked(ok);
        }
    }
}

/// Releases a queue taken away by rebalance: waits (briefly) for its listener call, commits
/// its offset, then unlocks. `false` if the listener is still busy; the queue stays until the
/// next round.
pub(super) async fn release(
    inner: &Inner,
    mq: &MessageQueue,
    pq: &ProcessQueue,
    addr: &str,
) -> bool {
    let Ok(_guard) = tokio::time::timeout(RELEASE_WAIT, pq.consuming.lock()).await else {
        return false;
    };
    pq.drop_queue();
    inner.offsets.persist_queue(inner.client(), addr, mq).await;
    inner.offsets.forget(mq);
    unlock(inner, addr, BTreeSet::from([mq.clone()])).await;
    true
}

/// Consumes one queue in order until it is dropped.
pub(super) async fn run(inner: Arc<Inner>, mq: MessageQueue, pq: Arc<ProcessQueue>, addr: String) {
    while inner.is_running() && !pq.is_dropped() {
        if !pq.lock_valid() {
            let _ = tokio::time::timeout(Duration::from_millis(500), pq.wake.notified()).await;
            continue;
        }
        let batch = pq.take(inner.config.consume_batch_size);
        if batch.is_empty() {
            let _ = tokio::time::timeout(Duration::from_millis(500), pq.wake.notified()).await;
            continue;
        }
        consume_in_order(&inner, &mq, &pq, &addr, batch).await;
    }
}

/// Consumes one batch until it succeeds (or its messages reach the DLQ), holding the queue.
async fn consume_in_order(
    inner: &Arc<Inner>,
    mq: &MessageQueue,
    pq: &ProcessQueue,
    addr: &str,
    mut batch: Vec<MessageExt>,
) {
    let offsets: Vec<i64> = batch.iter().map(|m| m.queue_offset).collect();
    loop {
        let guard = pq.consuming.lock().await;
        if pq.is_dropped() || !inner.is_running() {
            return;
        }
        if !pq.lock_valid() {
            drop(guard);
            let _ = tokio::time::timeout(Duration::from_millis(500), pq.wake.notified()).await;
            continue;
        }
        let Ok(permit) = inner.semaphore.clone().acquire_owned().await else {
            return;
        };
        mark_started(&mut batch);
        let result = call_listener(inner, mq, batch.clone()).await;
        if result != ConsumeResult::Success {
            batch = give_up_exhausted(inner, addr, batch).await;
        }
        if result == ConsumeResult::Success || batch.is_empty() {
            // Committed under the queue's guard (a release waits for this) and before the
            // permit goes back (a draining shutdown waits for that).
            if let Some(next) = pq.remove(&offsets) {
                inner.offsets.update(mq, next);
            }
            drop(permit);
            return;
        }
        drop(permit);
        drop(guard);
        tokio::time::sleep(inner.config.suspend_current_queue_time).await;
    }
}

/// After a failure: messages out of attempts go to the DLQ (and leave the batch); the rest
/// count one more attempt.
async fn give_up_exhausted(inner: &Inner, addr: &str, batch: Vec<MessageExt>) -> Vec<MessageExt> {
    let max = inner.max_reconsume_times();
    let mut kept = Vec::with_capacity(batch.len());
    for mut m in batch {
        if m.reconsume_times >= max && send_back(inner, addr, &m, -1).await {
            tracing::warn!(msg_id = %m.msg_id(), attempts = m.reconsume_times, "orderly message moved to the dead-letter queue");
            continue;
        }
        m.reconsume_times += 1;
        kept.push(m);
    }
    kept
}
