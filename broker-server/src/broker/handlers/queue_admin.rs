//! A group's place in a topic's queues, for operators: CLONE_GROUP_OFFSET (314, `mqadmin
//! cloneGroupOffset`), QUERY_CONSUME_TIME_SPAN (303), QUERY_CONSUME_QUEUE (321, `mqadmin
//! queryCq`), and the queue clean-ups CLEAN_EXPIRED_CONSUMEQUEUE (306, `cleanExpiredCQ`) and
//! CLEAN_UNUSED_TOPIC (316, `cleanUnusedTopic`).

use rocketmq_client::protocol::body::{
    ConsumeQueueData, JsonBody, MessageQueue, QueryConsumeQueueResponseBody,
    QueryConsumeTimeSpanBody, QueueTimeSpan,
};
use rocketmq_client::protocol::header::{
    CloneGroupOffsetRequestHeader, QueryConsumeQueueRequestHeader,
    QueryConsumeTimeSpanRequestHeader,
};
use rocketmq_client::protocol::{RemotingCommand, ResponseCode, now_millis};

use crate::broker::BrokerState;
use crate::broker::topics::{RETRY_GROUP_TOPIC_PREFIX, is_send_forbidden};
use crate::net::{Handled, refuse};

/// Copies a group's offsets to another group, on one topic or every topic it has offsets on
/// (Apache skips, unless `offline`, topics the source group is online without subscribing).
pub(super) fn clone_offsets(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let h: CloneGroupOffsetRequestHeader = req.decode_header()?;
    let topics = match h.topic.as_deref().filter(|t| !t.trim().is_empty()) {
        Some(t) => vec![t.to_string()],
        None => state.offsets.topics_of_group(&h.src_group),
    };
    let online = state.consumers.group(&h.src_group);
    for topic in topics {
        if state.topics.get(&topic).is_none() {
            tracing::warn!(topic, "cloneGroupOffset: topic not found on this broker");
            continue;
        }
        if !h.offline
            && online.as_ref().is_some_and(|g| {
                !g.subscriptions.is_empty() && !g.subscriptions.contains_key(&topic)
            })
        {
            continue;
        }
        if state
            .offsets
            .clone_offsets(&h.src_group, &h.dest_group, &topic)
        {
            tracing::info!(src = %h.src_group, dest = %h.dest_group, topic, "group offsets cloned");
        }
    }
    Ok(RemotingCommand::response_to(req, ResponseCode::Success))
}

/// Per write queue: the oldest and newest store times, the store time of the group's last
/// consumed message, and how long its next one has waited.
pub(super) fn time_span(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let h: QueryConsumeTimeSpanRequestHeader = req.decode_header()?;
    let Some(topic) = state.topic_for_read(&h.topic) else {
        return refuse(
            ResponseCode::TopicNotExist,
            format!("topic[{}] not exist", h.topic),
        );
    };
    let store = &state.store;
    let spans = (0..topic.write_queue_nums)
        .map(|q| {
            let min_time = store.earliest_store_time(&h.topic, q);
            let max = store.max_offset(&h.topic, q);
            let time_at = |o: i64| store.store_time_at(&h.topic, q, o).unwrap_or(-1);
            let consumed = state.offsets.query(&h.group, &h.topic, q).unwrap_or(-1);
            let consume_time = if consumed > 0 {
                time_at(consumed - 1)
            } else {
                min_time
            };
            let delay_time = if consumed < max {
                let next = time_at(consumed.max(0));
                if next > 0 { now_millis() - next } else { 0 }
            } else {
                0
            };
            QueueTimeSpan {
                message_queue: MessageQueue::new(&h.topic, &state.config.broker_name, q),
                min_time_stamp: min_time,
                max_time_stamp: time_at(max - 1),
                consume_time_stamp: consume_time,
                delay_time,
            }
        })
        .collect();
    let body = QueryConsumeTimeSpanBody {
        consume_time_span_set: spans,
    };
    Ok(RemotingCommand::response_to(req, ResponseCode::Success).with_body(body.encode()))
}

/// `count` raw entries of a consume queue from `index`, with the group's subscription.
pub(super) fn query_consume_queue(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let h: QueryConsumeQueueRequestHeader = req.decode_header()?;
    let store = &state.store;
    if !store.queue_ids(&h.topic).contains(&h.queue_id) {
        return refuse(
            ResponseCode::SystemError,
            format!("{}@{} is not exist!", h.queue_id, h.topic),
        );
    }
    let mut body = QueryConsumeQueueResponseBody {
        max_queue_index: store.max_offset(&h.topic, h.queue_id),
        min_queue_index: store.min_offset(&h.topic, h.queue_id),
        ..Default::default()
    };
    if let Some(group) = &h.consumer_group {
        let sub = state.consumers.subscription(group, &h.topic);
        body.filter_data = Some(match &sub {
            None => format!("{group}@{} is not online!", h.topic),
            // Apache keeps filter data for SQL92 subscriptions only.
            Some(s) if s.expression_type.eq_ignore_ascii_case("SQL92") => serde_json::json!({
                "consumerGroup": group,
                "topic": h.topic,
                "expression": s.sub_string,
                "expressionType": s.expression_type,
                "clientVersion": s.sub_version,
            })
            .to_string(),
            Some(_) => "null".into(),
        });
        body.subscription_data = sub;
    }
    let entries: Vec<ConsumeQueueData> = (h.index
        ..h.index.saturating_add(i64::from(h.count.max(0))))
        .map_while(|o| store.queue_entry(&h.topic, h.queue_id, o))
        .map(|e| ConsumeQueueData {
            physic_offset: e.commit_log_offset,
            physic_size: e.size,
            tags_code: e.tag_code,
            ..Default::default()
        })
        .collect();
    let mut resp = RemotingCommand::response_to(req, ResponseCode::Success);
    if entries.is_empty() {
        resp = resp.with_remark(format!(
            "Index {} of {}@{} is not exist!",
            h.index, h.queue_id, h.topic
        ));
    }
    body.queue_data = entries;
    Ok(resp.with_body(body.encode()))
}

pub(super) fn clean_expired_queues(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let cleaned = state.store.clean_expired_queues();
    tracing::warn!(cleaned, "cleanExpiredConsumeQueue");
    Ok(RemotingCommand::response_to(req, ResponseCode::Success))
}

/// Drops the consume queues of topics this broker no longer has (retry topics and the
/// broker's own waiting rooms, delays, timers and transaction halves, stay, as in Apache).
pub(super) fn clean_unused_topics(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let cleaned = state.store.clean_unused_topics(|t| {
        state.topics.get(t).is_some()
            || t.starts_with(RETRY_GROUP_TOPIC_PREFIX)
            || is_send_forbidden(t)
    });
    tracing::warn!(cleaned, "cleanUnusedTopic");
    Ok(RemotingCommand::response_to(req, ResponseCode::Success))
}
