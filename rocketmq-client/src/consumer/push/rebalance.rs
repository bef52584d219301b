//! Rebalancing: which queues this consumer pulls, and where each starts.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use super::{Assigned, Inner, concurrent, orderly, pull_task};
use crate::consumer::allocate::allocate_averagely;
use crate::consumer::process_queue::ProcessQueue;
use crate::consumer::queries::{group_members, initial_offset};
use crate::error::Result;
use crate::protocol::body::{ConsumeFromWhere, MessageQueue, SubscriptionData, TopicRouteData};
use crate::route::{master_addr, read_addr, subscribe_queues};

/// Rebalances at start, every `rebalance_interval` and when told to; commits offsets every
/// 5 s; refreshes routes every 30 s (the instance heartbeats). A subscribed topic that has
/// no route yet is looked up every second, so a consumer started before its topic exists
/// begins as soon as the first message creates it. Orderly consumers renew their queue locks
/// every 20 s; concurrent ones send back messages stuck past the consume timeout.
pub(super) async fn run(inner: Arc<Inner>) {
    let mut rebalance_tick = tokio::time::interval(inner.config.rebalance_interval);
    let mut persist_tick = tokio::time::interval(Duration::from_secs(5));
    let mut heartbeat_tick = tokio::time::interval(Duration::from_secs(30));
    let mut missing_tick = tokio::time::interval(Duration::from_secs(1));
    let mut lock_tick = tokio::time::interval(Duration::from_secs(20));
    let stuck_every = (inner.config.consume_timeout / 4)
        .clamp(Duration::from_millis(100), Duration::from_secs(60));
    let mut stuck_tick = tokio::time::interval(stuck_every);
    persist_tick.tick().await;
    heartbeat_tick.tick().await;
    lock_tick.tick().await;
    stuck_tick.tick().await;
    while inner.is_running() {
        tokio::select! {
            _ = rebalance_tick.tick() => rebalance(&inner).await,
            _ = inner.rebalance_now.notified() => rebalance(&inner).await,
            _ = missing_tick.tick(), if route_missing(&inner) => rebalance(&inner).await,
            _ = persist_tick.tick() => inner.persist_offsets().await,
            _ = heartbeat_tick.tick() => inner.refresh_routes().await,
            _ = lock_tick.tick(), if inner.orderly() => orderly::relock_all(&inner).await,
            _ = stuck_tick.tick(), if !inner.orderly() => concurrent::send_back_stuck(&inner).await,
        }
    }
}

fn route_missing(inner: &Inner) -> bool {
    let routes = inner.routes.lock().unwrap_or_else(|e| e.into_inner());
    inner
        .subscriptions
        .iter()
        .any(|s| !routes.contains_key(&s.topic))
}

async fn rebalance(inner: &Arc<Inner>) {
    let _rebalancing = inner.rebalance_lock.lock().await;
    for sub in &inner.subscriptions {
        let route = inner
            .routes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&sub.topic)
            .cloned();
        let route = match route {
            Some(r) => r,
            None => {
                inner.refresh_routes().await;
                let Some(r) = inner
                    .routes
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get(&sub.topic)
                    .cloned()
                else {
                    continue;
                };
                // A topic seen for the first time: its brokers need our heartbeat first.
                inner.membership.instance().heartbeat_all().await;
                r
            }
        };
        let all = subscribe_queues(&sub.topic, &route);
        let mine = if inner.broadcasting() {
            all
        } else {
            match group_members(inner.client(), &route, &inner.config.group).await {
                Ok(ids) => allocate_averagely(&all, &ids, inner.client_id()),
                Err(e) => {
                    tracing::debug!(topic = %sub.topic, error = %e, "no consumer list this round");
                    continue;
                }
            }
        };
        update_assignment(inner, sub, &route, mine).await;
    }
}

async fn update_assignment(
    inner: &Arc<Inner>,
    sub: &SubscriptionData,
    route: &TopicRouteData,
    mine: Vec<MessageQueue>,
) {
    let mine: BTreeSet<MessageQueue> = mine.into_iter().collect();
    let current: BTreeSet<MessageQueue> = inner
        .assigned
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .keys()
        .filter(|mq| mq.topic == sub.topic)
        .cloned()
        .collect();
    for mq in current.difference(&mine) {
        let held = inner
            .assigned
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(mq)
            .map(|a| (a.pq.clone(), a.addr.clone()));
        let Some((pq, addr)) = held else { continue };
        if inner.orderly() && !orderly::release(inner, mq, &pq, &addr).await {
            tracing::info!(queue = ?mq, "queue busy; released next round");
            continue;
        }
        let removed = inner
            .assigned
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(mq);
        if let Some(a) = removed {
            a.stop();
            if !inner.broadcasting() && !inner.orderly() {
                let addr = inner.read_addr(mq).unwrap_or_else(|| a.addr.clone());
                inner.offsets.persist_queue(inner.client(), &addr, mq).await;
                inner.offsets.forget(mq);
            }
            tracing::info!(queue = ?mq, "queue released by rebalance");
        }
    }
    for mq in mine.difference(&current) {
        // Orderly consumption needs the master's lock; otherwise a slave serves while its
        // master is down.
        let addr = if inner.orderly() {
            master_addr(route, &mq.broker_name)
        } else {
            read_addr(route, &mq.broker_name)
        };
        let Some(addr) = addr else {
            continue;
        };
        // Orderly: the queue is ours only once its broker says so; the offset is read after
        // that, so it includes everything the previous owner committed.
        if inner.orderly()
            && !orderly::lock(inner, &addr, BTreeSet::from([mq.clone()]))
                .await
                .contains(mq)
        {
            tracing::debug!(queue = ?mq, "queue locked by another consumer; retried next round");
            continue;
        }
        let start = match start_offset(inner, &addr, mq).await {
            Ok(o) => o,
            Err(e) => {
                tracing::warn!(queue = ?mq, error = %e, "cannot find a start offset; retrying next round");
                continue;
            }
        };
        inner.offsets.update(mq, start);
        let pq = Arc::new(ProcessQueue::default());
        let consume_task = inner.orderly().then(|| {
            pq.set_locked(true);
            tokio::spawn(orderly::run(
                inner.clone(),
                mq.clone(),
                pq.clone(),
                addr.clone(),
            ))
        });
        let task = tokio::spawn(pull_task::run(
            inner.clone(),
            mq.clone(),
            pq.clone(),
            addr.clone(),
            start,
            sub.clone(),
        ));
        tracing::info!(queue = ?mq, start, "queue assigned");
        inner
            .assigned
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(
                mq.clone(),
                Assigned {
                    pq,
                    addr,
                    task,
                    consume_task,
                },
            );
    }
}

/// The stored offset, else where consume-from-where says. From the last offset, a group new
/// to a queue that still holds its first message starts at 0, as Java's consumers do (the
/// broker answers 0 for such a queue), so messages sent just before the consumer's first
/// rebalance are not skipped.
async fn start_offset(inner: &Inner, addr: &str, mq: &MessageQueue) -> Result<i64> {
    let young_from_start = matches!(
        inner.config.consume_from_where,
        ConsumeFromWhere::LastOffset | ConsumeFromWhere::LastOffsetAndFromMinWhenBootFirst
    );
    if let Some(o) = inner
        .offsets
        .read(inner.client(), addr, mq, young_from_start)
        .await?
        && o >= 0
    {
        return Ok(o);
    }
    initial_offset(
        inner.client(),
        addr,
        mq,
        inner.config.consume_from_where,
        inner.config.consume_timestamp,
    )
    .await
}
