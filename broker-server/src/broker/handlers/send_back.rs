//! CONSUMER_SEND_MSG_BACK (36): a consumer failed a message; schedule a retry in
//! `%RETRY%{group}` (delay level 3 + reconsume times unless the consumer chose one), or move it
//! to `%DLQ%{group}` once it has been retried `maxReconsumeTimes` times or the consumer asks.
//!
//! The new record copies the original's body, flags, born time and host and properties, adds
//! `RETRY_TOPIC` (the topic consumers see it under) and `ORIGIN_MESSAGE_ID` when absent, and
//! counts one more reconsume.

use rocketmq_client::protocol::body::perm;
use rocketmq_client::protocol::header::ConsumerSendMsgBackRequestHeader;
use rocketmq_client::protocol::message::{MessageExt, properties, property};
use rocketmq_client::protocol::topic::{dlq_topic, retry_topic};
use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

use super::send_message::random_queue;
use crate::broker::{BrokerState, schedule};
use crate::net::{Handled, refuse};
use crate::store::PutMessage;

/// Dead-letter queues per group.
const DLQ_NUMS_PER_GROUP: i32 = 1;

pub(super) async fn handle(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let h = req.decode_header::<ConsumerSendMsgBackRequestHeader>()?;
    let Some(group) = state.groups.find_or_create(&h.group) else {
        return refuse(
            ResponseCode::SubscriptionGroupNotExist,
            format!("subscription group not exist, {}", h.group),
        );
    };
    if !perm::is_writeable(state.live.broker_permission()) {
        return refuse(
            ResponseCode::NoPermission,
            format!(
                "the broker[{}] sending message is forbidden",
                state.config.broker_ip1
            ),
        );
    }
    if group.retry_queue_nums <= 0 {
        return Ok(RemotingCommand::response_to(req, ResponseCode::Success));
    }
    let Some(original) = state.store.message_at(h.offset) else {
        return refuse(
            ResponseCode::SystemError,
            format!("look message by offset failed, {}", h.offset),
        );
    };
    let max_reconsume = h.max_reconsume_times.unwrap_or(group.retry_max_times);
    let msg = match back_message(state, &h, &original, max_reconsume, group.retry_queue_nums) {
        Ok(m) => m,
        Err(e) => return refuse(e.code, e.remark),
    };
    state.store.put_message(msg, false).await?;
    Ok(RemotingCommand::response_to(req, ResponseCode::Success))
}

/// The retry (or dead-letter) record for a failed message.
fn back_message(
    state: &BrokerState,
    h: &ConsumerSendMsgBackRequestHeader,
    original: &MessageExt,
    max_reconsume: i32,
    retry_queue_nums: i32,
) -> Result<PutMessage, schedule::StageError> {
    let to_dlq = original.reconsume_times >= max_reconsume || h.delay_level < 0;
    let (topic, queue_id, delay_level) = if to_dlq {
        (dlq_topic(&h.group), 0, 0)
    } else {
        let level = if h.delay_level == 0 {
            3 + original.reconsume_times
        } else {
            h.delay_level
        };
        (retry_topic(&h.group), random_queue(retry_queue_nums), level)
    };
    let queues = if to_dlq {
        DLQ_NUMS_PER_GROUP
    } else {
        retry_queue_nums
    };
    state.ensure_group_topic(&topic, queues);
    if let (true, Some(m)) = (to_dlq, &state.metrics) {
        let origin = h
            .origin_topic
            .as_deref()
            .or(original.message.property(property::RETRY_TOPIC))
            .unwrap_or(&original.message.topic);
        m.sent_to_dlq(origin, &h.group);
    }
    if to_dlq {
        tracing::info!(group = %h.group, msg_id = %original.msg_id(), reconsume_times = original.reconsume_times, "message moved to the dead-letter queue");
    }
    let encoded = properties::encode(&original.message.properties);
    let mut set: Vec<(&str, String)> = vec![(property::WAIT_STORE_MSG_OK, "false".into())];
    if original.message.property(property::RETRY_TOPIC).is_none() {
        set.push((property::RETRY_TOPIC, original.message.topic.clone()));
    }
    if original
        .message
        .property(property::ORIGIN_MESSAGE_ID)
        .is_none()
    {
        let origin = h
            .origin_msg_id
            .clone()
            .filter(|id| !id.is_empty())
            .unwrap_or_else(|| original.msg_id());
        set.push((property::ORIGIN_MESSAGE_ID, origin));
    }
    if delay_level > 0 {
        set.push((property::DELAY_TIME_LEVEL, delay_level.to_string()));
    }
    let set: Vec<(&str, &str)> = set.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut msg = PutMessage {
        topic,
        queue_id,
        flag: original.message.flag,
        sys_flag: original.sys_flag,
        born_timestamp: original.born_timestamp,
        born_host: original.born_host,
        store_host: state.store_host,
        reconsume_times: original.reconsume_times + 1,
        prepared_transaction_offset: 0,
        body: original.message.body.clone(),
        properties: properties::rewrite(&encoded, &[property::DELAY_TIME_LEVEL], &set),
        store_timestamp: None,
    };
    schedule::stage(&state.config, &mut msg)?;
    Ok(msg)
}
