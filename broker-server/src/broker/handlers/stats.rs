//! GET_TOPIC_STATS_INFO (202), GET_CONSUME_STATS (208) and GET_BROKER_CONSUME_STATS (317):
//! what `mqadmin topicStatus`, `consumerProgress` and `brokerConsumeStats`, and dashboards'
//! Broker Offset / Consumer Offset / Diff, are made of.

use std::collections::BTreeMap;

use rocketmq_client::protocol::body::{
    ConsumeStats, ConsumeStatsList, JsonBody, MessageQueue, MqMap, OffsetWrapper, TopicOffset,
    TopicStatsTable, perm,
};
use rocketmq_client::protocol::header::{GetConsumeStatsInBrokerHeader, TopicHeader};
use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

use crate::broker::BrokerState;
use crate::broker::topics::RETRY_GROUP_TOPIC_PREFIX;
use crate::net::{Handled, refuse};

pub(super) fn topic_stats(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let h: TopicHeader = req.decode_header()?;
    let Some(topic) = state.topic_for_read(&h.topic) else {
        return refuse(
            ResponseCode::TopicNotExist,
            format!("topic[{}] not exist", h.topic),
        );
    };
    let mut table = BTreeMap::new();
    for queue_id in 0..topic.read_queue_nums.max(topic.write_queue_nums) {
        let max_offset = state.store.max_offset(&h.topic, queue_id).max(0);
        let last_update_timestamp = if max_offset > 0 {
            state
                .store
                .store_time_at(&h.topic, queue_id, max_offset - 1)
                .unwrap_or(0)
        } else {
            0
        };
        table.insert(
            MessageQueue::new(&h.topic, &state.config.broker_name, queue_id),
            TopicOffset {
                last_update_timestamp,
                max_offset,
                min_offset: state.store.min_offset(&h.topic, queue_id).max(0),
            },
        );
    }
    let stats = TopicStatsTable {
        offset_table: MqMap(table),
        topic_put_tps: state.stats.topic_put_tps(&h.topic),
    };
    Ok(RemotingCommand::response_to(req, ResponseCode::Success).with_body(stats.encode()))
}

pub(super) fn consume_stats(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let Some(group) = req.ext("consumerGroup").map(str::to_string) else {
        return refuse(
            ResponseCode::SystemError,
            "the request header field `consumerGroup` is missing",
        );
    };
    let topics: Vec<String> = match req.ext("topic").filter(|t| !t.is_empty()) {
        Some(t) => vec![t.to_string()],
        None => state.offsets.topics_of_group(&group),
    };
    let mut table = BTreeMap::new();
    let mut consume_tps = 0.0;
    for topic in topics {
        let Some(cfg) = state.topics.get(&topic) else {
            continue;
        };
        if !perm::is_readable(cfg.perm)
            || topic.starts_with(RETRY_GROUP_TOPIC_PREFIX) && topic != format!("%RETRY%{group}")
        {
            continue;
        }
        table.extend(progress(state, &group, &topic, cfg.read_queue_nums));
        consume_tps += state.stats.group_get_tps(&topic, &group);
    }
    if table.is_empty() {
        return refuse(
            ResponseCode::ConsumerNotOnline,
            format!("the consumer group [{group}] has no offsets here"),
        );
    }
    let stats = ConsumeStats {
        consume_tps,
        offset_table: MqMap(table),
    };
    Ok(RemotingCommand::response_to(req, ResponseCode::Success).with_body(stats.encode()))
}

/// A group's progress on the first `queues` queues of a topic.
fn progress(
    state: &BrokerState,
    group: &str,
    topic: &str,
    queues: i32,
) -> BTreeMap<MessageQueue, OffsetWrapper> {
    (0..queues)
        .map(|queue_id| {
            let broker_offset = state.store.max_offset(topic, queue_id).max(0);
            let consumer_offset = state
                .offsets
                .query(group, topic, queue_id)
                .unwrap_or(0)
                .max(0);
            let last_timestamp = if consumer_offset > 0 {
                state
                    .store
                    .store_time_at(topic, queue_id, consumer_offset - 1)
                    .unwrap_or(0)
            } else {
                0
            };
            (
                MessageQueue::new(topic, &state.config.broker_name, queue_id),
                OffsetWrapper {
                    broker_offset,
                    consumer_offset,
                    last_timestamp,
                    pull_offset: consumer_offset,
                },
            )
        })
        .collect()
}

/// Every subscription group's progress on every topic it has offsets for, as Apache lists
/// it: a topic the group's online members no longer subscribe to is left out.
pub(super) fn broker_consume_stats(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let h: GetConsumeStatsInBrokerHeader = req.decode_header()?;
    let mut list = ConsumeStatsList {
        broker_addr: state.config.broker_addr(),
        ..Default::default()
    };
    for group in state.groups.wrapper().subscription_group_table.into_keys() {
        let online = state.consumers.group(&group);
        let mut per_topic = Vec::new();
        for topic in state.offsets.topics_of_group(&group) {
            let Some(cfg) = state.topics.get(&topic) else {
                continue;
            };
            if h.is_order && !cfg.order {
                continue;
            }
            if online.as_ref().is_some_and(|g| {
                !g.subscriptions.is_empty() && !g.subscriptions.contains_key(&topic)
            }) {
                continue;
            }
            let stats = ConsumeStats {
                consume_tps: state.stats.group_get_tps(&topic, &group),
                offset_table: MqMap(progress(state, &group, &topic, cfg.write_queue_nums)),
            };
            list.total_diff += stats.diff_total();
            per_topic.push(stats);
        }
        list.consume_stats_list
            .push(BTreeMap::from([(group, per_topic)]));
    }
    Ok(RemotingCommand::response_to(req, ResponseCode::Success).with_body(list.encode()))
}
