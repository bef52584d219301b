//! Subscribe mode: the group's members divide each subscribed topic's queues with Apache's
//! average allocation, re-checked every `rebalance_interval` and whenever a broker reports
//! a membership change. A released queue's progress is committed before it goes.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use super::Inner;
use crate::consumer::allocate::allocate_averagely;
use crate::consumer::queries::group_members;
use crate::protocol::body::MessageQueue;
use crate::route::subscribe_queues;

pub(super) async fn rebalance(inner: &Arc<Inner>) {
    let _rebalancing = inner.rebalance_lock.lock().await;
    inner.rebalance_due.store(false, Ordering::Release);
    inner.lock().last_rebalance = Some(Instant::now());
    let mut new_brokers = false;
    for sub in &inner.subscriptions {
        let before = inner.broker_addrs();
        let route = match inner.fetch_route(&sub.topic).await {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(topic = %sub.topic, error = %e, "no route this round");
                continue;
            }
        };
        if inner.broker_addrs() != before {
            new_brokers = true;
            // Brokers learn of us from the heartbeat before they can list us.
            inner.membership.instance().heartbeat_all().await;
        }
        let all = subscribe_queues(&sub.topic, &route);
        let ids = match group_members(inner.client(), &route, &inner.config.group).await {
            Ok(ids) => ids,
            Err(e) => {
                tracing::debug!(topic = %sub.topic, error = %e, "no consumer list this round");
                continue;
            }
        };
        let mine: BTreeSet<MessageQueue> =
            allocate_averagely(&all, &ids, inner.membership.instance().client_id())
                .into_iter()
                .collect();
        apply(inner, &sub.topic, mine).await;
    }
    if new_brokers {
        inner.rebalance_due.store(true, Ordering::Release);
    }
}

async fn apply(inner: &Inner, topic: &str, mine: BTreeSet<MessageQueue>) {
    let current: BTreeSet<MessageQueue> = inner
        .lock()
        .queues
        .keys()
        .filter(|mq| mq.topic == topic)
        .cloned()
        .collect();
    for mq in current.difference(&mine) {
        let released = inner.lock().queues.remove(mq);
        if let Some(q) = released
            && inner.config.auto_commit
            && q.consumed != q.committed
            && let Err(e) = inner.commit_queue(mq, &q).await
        {
            tracing::warn!(queue = ?mq, error = %e, "commit of a released queue failed");
        }
        tracing::info!(queue = ?mq, "queue released by rebalance");
    }
    for mq in mine.difference(&current) {
        match inner.open_queue(mq).await {
            Ok(state) => {
                tracing::info!(queue = ?mq, start = state.offset, "queue assigned");
                inner.lock().queues.insert(mq.clone(), state);
            }
            Err(e) => {
                tracing::warn!(queue = ?mq, error = %e, "cannot open queue; retrying next round");
                inner.rebalance_due.store(true, Ordering::Release);
            }
        }
    }
}
