//! INVOKE_BROKER_TO_RESET_OFFSET (222): `mqadmin resetOffsetByTime`. The broker works out
//! each queue's offset at the given time (−1: the queue's end; with `queueId` and `offset`,
//! that exact offset for one queue), keeps the group's current offset where it is already
//! earlier unless forced, and tells every online member of the group to move there with
//! RESET_CONSUMER_CLIENT_OFFSET (220, oneway). The members commit the new offsets themselves.
//!
//! With no member online the answer is CONSUMER_NOT_ONLINE (206); Apache's tool then writes
//! the offsets directly.

use std::collections::BTreeMap;

use rocketmq_client::protocol::body::{JsonBody, MessageQueue, MqMap, ResetOffsetBody};
use rocketmq_client::protocol::header::ResetOffsetRequestHeader;
use rocketmq_client::protocol::{LanguageCode, RemotingCommand, RequestCode, ResponseCode};

use crate::broker::BrokerState;
use crate::net::{Handled, refuse};

pub(super) fn handle(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let h: ResetOffsetRequestHeader = req.decode_header()?;
    let Some(topic) = state.topics.get(&h.topic) else {
        return refuse(
            ResponseCode::SystemError,
            format!(
                "[reset-offset] reset offset failed, no topic in this broker. topic={}",
                h.topic
            ),
        );
    };
    let one_queue = h.queue_id.filter(|q| *q >= 0);
    let queues: Vec<i32> = (0..topic.write_queue_nums)
        .filter(|q| one_queue.is_none_or(|one| one == *q))
        .collect();
    // Apache refuses a group without progress on the topic.
    if queues
        .iter()
        .all(|q| state.offsets.query(&h.group, &h.topic, *q).is_none())
    {
        return refuse(
            ResponseCode::SystemError,
            format!("THe consumer group <{}> not exist", h.group),
        );
    }
    let mut table = BTreeMap::new();
    for queue_id in queues {
        let current = state.offsets.query(&h.group, &h.topic, queue_id);
        let target = match (one_queue, h.offset) {
            (Some(_), Some(offset)) => offset,
            _ if h.timestamp == -1 => state.store.max_offset(&h.topic, queue_id),
            _ => state
                .store
                .search_offset_by_time(&h.topic, queue_id, h.timestamp, false),
        }
        .max(0);
        // Without force, offsets only move back; a queue never committed takes the target.
        let offset = match current {
            Some(current) if !h.is_force && target >= current => current,
            _ => target,
        };
        table.insert(
            MessageQueue::new(&h.topic, &state.config.broker_name, queue_id),
            offset,
        );
    }
    let body = ResetOffsetBody {
        offset_table: MqMap(table),
    };
    let channels = state.consumers.channels(&h.group);
    if channels.is_empty() {
        return refuse(
            ResponseCode::ConsumerNotOnline,
            format!(
                "Consumer not online, so can not reset offset, Group: {} Topic: {} Timestamp: {}",
                h.group, h.topic, h.timestamp
            ),
        );
    }
    let encoded = body.encode();
    let notice = ResetOffsetRequestHeader {
        queue_id: None,
        offset: None,
        ..h.clone()
    };
    for channel in channels {
        let mut call =
            RemotingCommand::request_with(RequestCode::ResetConsumerClientOffset, &notice)
                .with_body(encoded.clone());
        call.language = LanguageCode::Java;
        channel.send_oneway(call);
    }
    tracing::info!(group = %h.group, topic = %h.topic, timestamp = h.timestamp, "offsets reset");
    Ok(RemotingCommand::response_to(req, ResponseCode::Success).with_body(encoded))
}
