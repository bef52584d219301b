//! PULL_MESSAGE (11) / LITE_PULL_MESSAGE (361), with long polling.
//!
//! A pull that finds nothing new and allows suspension is held: it registers for its queue's
//! arrival notification, re-checks, and waits until a message is dispatched to the queue or
//! `suspendTimeoutMillis` passes (`shortPollingTimeMills` with long polling off). Then it runs
//! once more and answers whatever that finds, well inside the client's 30 s RPC timeout.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::time::Duration;

use rocketmq_client::protocol::body::perm;
use rocketmq_client::protocol::header::{
    PullMessageRequestHeader, PullMessageResponseHeader, pull_sys_flag,
};
use rocketmq_client::protocol::message::properties;
use rocketmq_client::protocol::sql::SqlExpression;
use rocketmq_client::protocol::{RemotingCommand, ResponseCode, java_hash_code};

use crate::broker::{BrokerRole, BrokerState};
use crate::net::{Handled, refuse};
use crate::store::{GetMessageResult, GetStatus};

/// The longest a pull is held whatever it asks (the Java client's RPC timeout is 30 s).
const MAX_SUSPEND: Duration = Duration::from_secs(20);

/// What the pull may receive: every message, those whose tag hash is in the set, or those a
/// SQL92 selector picks.
enum TagFilter {
    All,
    Codes(BTreeSet<i32>),
    Sql(SqlExpression),
}

impl TagFilter {
    /// A SQL92 subscription, if the broker allows them and the expression compiles.
    fn sql(state: &BrokerState, expression: &str) -> Result<Self, (ResponseCode, String)> {
        if !state.config.enable_property_filter {
            return Err((
                ResponseCode::SystemError,
                "The broker does not support consumer to filter message by SQL92".into(),
            ));
        }
        SqlExpression::parse(expression)
            .map(TagFilter::Sql)
            .map_err(|e| (ResponseCode::SubscriptionParseFailed, e.to_string()))
    }

    fn parse(expression: &str) -> Self {
        let tags: Vec<&str> = expression
            .split("||")
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect();
        if tags.is_empty() || tags.contains(&"*") {
            TagFilter::All
        } else {
            TagFilter::Codes(tags.into_iter().map(java_hash_code).collect())
        }
    }

    fn accepts(&self, tag_code: i64) -> bool {
        match self {
            TagFilter::All | TagFilter::Sql(_) => true,
            TagFilter::Codes(codes) => codes.contains(&(tag_code as i32)),
        }
    }

    /// Whether a message with these encoded properties is selected.
    fn selects(&self, props: &str) -> bool {
        match self {
            TagFilter::Sql(e) => e.matches(|name| properties::find(props, name)),
            _ => true,
        }
    }
}

pub(super) async fn handle(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let h: PullMessageRequestHeader = req.decode_header()?;
    if !perm::is_readable(state.live.broker_permission()) {
        return refuse(
            ResponseCode::NoPermission,
            format!(
                "the broker[{}] pulling message is forbidden",
                state.config.broker_ip1
            ),
        );
    }
    let Some(group) = state.groups.find_or_create(&h.consumer_group) else {
        return refuse(
            ResponseCode::SubscriptionGroupNotExist,
            format!("subscription group [{}] does not exist", h.consumer_group),
        );
    };
    if !group.consume_enable {
        return refuse(
            ResponseCode::NoPermission,
            format!("subscription group no permission, {}", h.consumer_group),
        );
    }
    let Some(topic) = state.topic_for_read(&h.topic) else {
        return refuse(
            ResponseCode::TopicNotExist,
            format!("topic[{}] not exist, apply first please!", h.topic),
        );
    };
    if !perm::is_readable(topic.perm) {
        return refuse(
            ResponseCode::NoPermission,
            format!("the topic[{}] pulling message is forbidden", h.topic),
        );
    }
    if h.queue_id < 0 || h.queue_id >= topic.read_queue_nums {
        return refuse(
            ResponseCode::InvalidParameter,
            format!(
                "queueId[{}] is illegal, topic:[{}] topicConfig.readQueueNums:[{}]",
                h.queue_id, h.topic, topic.read_queue_nums
            ),
        );
    }
    let filter = match subscription_filter(state, &h) {
        Ok(f) => f,
        Err((code, remark)) => return refuse(code, remark),
    };
    // A slave does not take offsets from pulls (Apache's `storeOffsetEnable`): its master's
    // word comes with the metadata sync; UPDATE_CONSUMER_OFFSET still reaches it.
    if h.sys_flag & pull_sys_flag::COMMIT_OFFSET != 0
        && h.commit_offset >= 0
        && state.config.broker_role != BrokerRole::Slave
    {
        state
            .offsets
            .commit(&h.consumer_group, &h.topic, h.queue_id, h.commit_offset);
    }

    let max_nums = h.max_msg_nums.max(1) as usize;
    let select = |props: &str| filter.selects(props);
    // Each read counts, the re-reads of a held pull too, as Apache's getMessage counts them.
    let read = || {
        let started = std::time::Instant::now();
        let result = state.store.get_message_selected(
            &h.topic,
            h.queue_id,
            h.queue_offset,
            max_nums,
            &|tag| filter.accepts(tag),
            matches!(filter, TagFilter::Sql(_)).then_some(&select as &dyn Fn(&str) -> bool),
        );
        let found = if result.status == GetStatus::Found {
            result.count as u64
        } else {
            0
        };
        state.stats.pulled(found, started.elapsed());
        result
    };
    let mut result = read();
    let suspend = h.sys_flag & pull_sys_flag::SUSPEND != 0;
    if suspend && pull_code(&result, h.queue_offset) == ResponseCode::PullNotFound {
        let live = &state.live;
        let hold = if live.flag(&live.long_polling_enable) {
            Duration::from_millis(h.suspend_timeout_millis.max(0) as u64).min(MAX_SUSPEND)
        } else {
            Duration::from_millis(live.short_polling_time_mills.load(Ordering::Relaxed))
        };
        crate::net::mark_held();
        let deadline = tokio::time::Instant::now() + hold;
        let notify = state.pulls.waiter(&h.topic, h.queue_id);
        loop {
            let arrived = notify.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            result = read();
            if result.status == GetStatus::Found || tokio::time::Instant::now() >= deadline {
                break;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                result = read();
                break;
            }
        }
    }
    // With slaveReadEnable, a reader far behind is steered to the group's slow-consumer broker
    // (a slave), any other to the group's broker; without it, to the master (Apache 4.9).
    let suggest = if state.live.flag(&state.live.slave_read_enable) {
        if result.suggest_pulling_from_slave {
            group.which_broker_when_consume_slowly
        } else {
            group.broker_id
        }
    } else {
        0
    };
    respond(
        state,
        req,
        (&h.topic, &h.consumer_group, h.queue_id),
        &result,
        h.queue_offset,
        suggest,
    )
}

/// The subscription this pull filters by: from the request when it carries one, else from the
/// group's heartbeats.
fn subscription_filter(
    state: &BrokerState,
    h: &PullMessageRequestHeader,
) -> Result<TagFilter, (ResponseCode, String)> {
    let sql = |t: &Option<String>| {
        t.as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case("SQL92"))
    };
    if h.sys_flag & pull_sys_flag::SUBSCRIPTION != 0 {
        let expression = h.subscription.as_deref().unwrap_or("*");
        if sql(&h.expression_type) {
            return TagFilter::sql(state, expression);
        }
        return Ok(TagFilter::parse(expression));
    }
    let Some(sub) = state.consumers.subscription(&h.consumer_group, &h.topic) else {
        return Err((
            ResponseCode::SubscriptionNotExist,
            format!(
                "the consumer's subscription not exist, group: {} topic: {}",
                h.consumer_group, h.topic
            ),
        ));
    };
    if sub.sub_version < h.sub_version {
        return Err((
            ResponseCode::SubscriptionNotLatest,
            "the consumer's subscription not latest".into(),
        ));
    }
    if sub.expression_type.eq_ignore_ascii_case("SQL92") {
        return TagFilter::sql(state, &sub.sub_string);
    }
    Ok(TagFilter::parse(&sub.sub_string))
}

fn pull_code(result: &GetMessageResult, requested: i64) -> ResponseCode {
    match result.status {
        GetStatus::Found => ResponseCode::Success,
        GetStatus::NoMatchedMessage | GetStatus::MessageWasRemoving => {
            ResponseCode::PullRetryImmediately
        }
        GetStatus::NoMessageInQueue | GetStatus::NoMatchedLogicQueue if requested == 0 => {
            ResponseCode::PullNotFound
        }
        GetStatus::NoMessageInQueue | GetStatus::NoMatchedLogicQueue => {
            ResponseCode::PullOffsetMoved
        }
        GetStatus::OffsetTooSmall | GetStatus::OffsetOverflowBadly => ResponseCode::PullOffsetMoved,
        GetStatus::OffsetOverflowOne | GetStatus::OffsetFoundNull => ResponseCode::PullNotFound,
    }
}

fn respond(
    state: &BrokerState,
    req: &RemotingCommand,
    (topic, group, queue_id): (&str, &str, i32),
    result: &GetMessageResult,
    requested: i64,
    suggest_which_broker_id: i64,
) -> Handled {
    let code = pull_code(result, requested);
    if code == ResponseCode::Success {
        let (count, bytes) = (result.count as u64, result.body.len() as u64);
        state.stats.group_get(
            topic,
            group,
            &state.config.broker_cluster_name,
            count,
            bytes,
        );
        if let Some(m) = &state.metrics {
            m.message_out(
                group,
                topic,
                queue_id,
                count,
                bytes,
                result.next_begin_offset,
            );
        }
    }
    let mut resp = RemotingCommand::response_to(req, code)
        .with_remark(result.status.name())
        .with_header(&PullMessageResponseHeader {
            suggest_which_broker_id,
            next_begin_offset: result.next_begin_offset,
            min_offset: result.min_offset,
            max_offset: result.max_offset,
            topic_sys_flag: Some(0),
            group_sys_flag: Some(0),
        });
    if code == ResponseCode::Success {
        resp.body = result.body.clone().into();
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_expressions_filter_by_hash() {
        assert!(TagFilter::parse("*").accepts(12));
        assert!(TagFilter::parse("").accepts(12));
        let f = TagFilter::parse("TagA || TagB");
        assert!(f.accepts(2598919));
        assert!(!f.accepts(0));
        assert!(!f.accepts(java_hash_code("TagC").into()));
    }
}
