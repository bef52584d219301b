//! One assigned queue: long-polling pulls, flow control, and handing messages to the listener.

use std::sync::Arc;
use std::time::Duration;

use super::{Inner, concurrent};
use crate::consumer::process_queue::ProcessQueue;
use crate::protocol::body::{MessageQueue, SubscriptionData};
use crate::protocol::header::{PullMessageRequestHeader, PullMessageResponseHeader, pull_sys_flag};
use crate::protocol::message::{MessageExt, property};
use crate::protocol::{RemotingCommand, RequestCode, ResponseCode};

/// The broker may hold a pull this long (`BROKER_SUSPEND_MAX_TIME_MILLIS`).
const SUSPEND_MILLIS: i64 = 15_000;
/// The pull RPC's own timeout, longer than the hold.
const PULL_TIMEOUT: Duration = Duration::from_secs(30);

pub(super) async fn run(
    inner: Arc<Inner>,
    mq: MessageQueue,
    pq: Arc<ProcessQueue>,
    mut addr: String,
    mut offset: i64,
    sub: SubscriptionData,
) {
    // The broker id the last answer suggested pulling from next (0: the master).
    let mut suggested = 0;
    while inner.is_running() && !pq.is_dropped() {
        // Follow the route: to a slave while the master is down, back when it returns
        // (orderly queues stay with the master, whose lock they hold).
        if !inner.orderly() && inner.reading_slave(&mq) {
            inner.refresh_routes_soon(Duration::from_secs(5)).await;
        }
        if !inner.orderly()
            && let Some(now) = inner.pull_addr(&mq, suggested)
            && now != addr
        {
            tracing::info!(queue = ?mq, from = %addr, to = %now, "pulling from another broker of the name");
            addr = now;
        }
        let (count, bytes) = pq.load();
        if count > inner.config.pull_threshold_for_queue
            || bytes > inner.config.pull_threshold_size_for_queue
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        }
        let committed = inner
            .offsets
            .read(inner.client(), &addr, &mq, false)
            .await
            .ok()
            .flatten()
            .unwrap_or(0);
        let mut sys_flag = pull_sys_flag::SUSPEND | pull_sys_flag::SUBSCRIPTION;
        if !inner.broadcasting() && committed > 0 {
            sys_flag |= pull_sys_flag::COMMIT_OFFSET;
        }
        let header = PullMessageRequestHeader {
            consumer_group: inner.config.group.clone(),
            topic: mq.topic.clone(),
            queue_id: mq.queue_id,
            queue_offset: offset,
            max_msg_nums: inner.config.pull_batch_size,
            sys_flag,
            commit_offset: committed,
            suspend_timeout_millis: SUSPEND_MILLIS,
            subscription: Some(sub.sub_string.clone()),
            sub_version: sub.sub_version,
            expression_type: Some(sub.expression_type.clone()),
            max_msg_bytes: None,
        };
        let req = RemotingCommand::request_with(RequestCode::PullMessage, &header);
        let sent = std::time::Instant::now();
        let resp = match inner.client().invoke(&addr, req, PULL_TIMEOUT).await {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(queue = ?mq, error = %e, "pull failed");
                inner.refresh_routes_soon(Duration::from_secs(1)).await;
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        pq.pulled();
        let code = resp.response_code();
        let next = resp.decode_header::<PullMessageResponseHeader>().ok();
        if let Some(h) = &next {
            suggested = h.suggest_which_broker_id;
        }
        match (code, next) {
            (ResponseCode::Success, Some(h)) => {
                let msgs = match MessageExt::decode_all(&resp.body) {
                    Ok(m) => m,
                    Err(e) => {
                        tracing::warn!(queue = ?mq, error = %e, "undecodable pull body");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        continue;
                    }
                };
                offset = h.next_begin_offset;
                // Apache times a pull from request to response; a held long poll counts.
                let rt = sent.elapsed().as_millis() as u64;
                inner.stats.pulled(&mq.topic, msgs.len(), rt);
                let msgs = prepare(msgs, &sub, &h);
                if msgs.is_empty() {
                    correct_idle_offset(&inner, &mq, &pq, offset);
                    continue;
                }
                if inner.orderly() {
                    pq.put(msgs, false);
                } else {
                    // The queue keeps a copy for send-back after a failure or a timeout.
                    pq.put(msgs.clone(), true);
                    concurrent::dispatch(&inner, &mq, &pq, &addr, msgs).await;
                }
            }
            (ResponseCode::PullNotFound | ResponseCode::PullRetryImmediately, Some(h)) => {
                offset = h.next_begin_offset;
                correct_idle_offset(&inner, &mq, &pq, offset);
            }
            (ResponseCode::PullOffsetMoved, Some(h)) => {
                tracing::warn!(queue = ?mq, from = offset, to = h.next_begin_offset, "pull offset moved");
                offset = h.next_begin_offset;
                inner.offsets.update(&mq, offset);
            }
            (code, _) => {
                tracing::debug!(queue = ?mq, ?code, remark = ?resp.remark, "pull refused");
                let wait = if code == ResponseCode::FlowControl {
                    20
                } else {
                    1000
                };
                tokio::time::sleep(Duration::from_millis(wait)).await;
            }
        }
    }
}

/// Client-side checks on pulled messages: the exact tag (hashes collide), the queue bounds
/// as properties, and retry messages shown under their original topic.
fn prepare(
    msgs: Vec<MessageExt>,
    sub: &SubscriptionData,
    h: &PullMessageResponseHeader,
) -> Vec<MessageExt> {
    crate::consumer::deliverable(msgs, &sub.tags_set)
        .map(|mut m| {
            m.message
                .put_property(property::MIN_OFFSET, h.min_offset.to_string());
            m.message
                .put_property(property::MAX_OFFSET, h.max_offset.to_string());
            if let Some(original) = m
                .message
                .property(property::RETRY_TOPIC)
                .map(str::to_string)
            {
                m.message.topic = original;
            }
            m
        })
        .collect()
}

/// Nothing for us in a range: with nothing in flight the committed offset may jump past it.
fn correct_idle_offset(inner: &Inner, mq: &MessageQueue, pq: &ProcessQueue, offset: i64) {
    if pq.load().0 == 0 {
        inner.offsets.update(mq, offset);
    }
}
