//! SEND_MESSAGE (10), SEND_MESSAGE_V2 (310), SEND_BATCH_MESSAGE (320).
//!
//! Checks run in Apache's order: broker writable, topic name, forbidden system topics, topic
//! lookup or auto-creation, queue id; then the broker stamps its properties (region, trace,
//! cluster, a UNIQ_KEY when the client gave none) and stores the message.

use std::sync::atomic::Ordering;

use bytes::Bytes;
use rocketmq_client::protocol::body::{TopicConfig, perm};
use rocketmq_client::protocol::header::{SendMessageRequestHeader, SendMessageResponseHeader};
use rocketmq_client::protocol::message::{
    BatchEntry, compress, decode_batch, properties, property, push_offset_msg_id, sys_flag,
};
use rocketmq_client::protocol::topic::dlq_topic;
use rocketmq_client::protocol::{RemotingCommand, RequestCode, ResponseCode};

use crate::broker::BrokerRole;
use crate::broker::ha::{Replicated, Role};
use crate::broker::topics::{RETRY_GROUP_TOPIC_PREFIX, is_send_forbidden, validate_topic};
use crate::broker::{BrokerState, RateKind};
use crate::broker::{schedule, transaction};
use crate::net::{Channel, bad_header, error_response};
use crate::store::{PutError, PutMessage};

pub(super) async fn handle(
    state: &BrokerState,
    channel: &Channel,
    req: &RemotingCommand,
) -> RemotingCommand {
    let h = match SendMessageRequestHeader::read_any(&req.ext_fields) {
        Ok(h) => h,
        Err(e) => return bad_header(req, e),
    };
    if state.config.broker_role == BrokerRole::Slave {
        return error_response(
            req,
            ResponseCode::ServiceNotAvailable,
            format!(
                "service not available now. It may be caused by one of the following reasons: the broker's disk is full [{}], messages are put to the slave, message store has been shut down, etc.",
                state.store.disk_util()
            ),
        );
    }
    if !perm::is_writeable(state.config.broker_permission) {
        return error_response(
            req,
            ResponseCode::NoPermission,
            format!(
                "the broker[{}] sending message is forbidden",
                state.config.broker_ip1
            ),
        );
    }
    if let Err(reason) = validate_topic(&h.topic) {
        return error_response(req, ResponseCode::InvalidParameter, reason);
    }
    if is_send_forbidden(&h.topic) {
        return error_response(
            req,
            ResponseCode::NoPermission,
            format!("Sending message to topic[{}] is forbidden.", h.topic),
        );
    }
    let topic = match topic_for_send(state, &h) {
        Ok((t, is_new)) => {
            if is_new {
                state.registrar.register_now().await;
            }
            t
        }
        Err(resp) => return resp(req),
    };
    let queue_count = topic.read_queue_nums.max(topic.write_queue_nums);
    let queue_id = if h.queue_id < 0 {
        random_queue(topic.write_queue_nums)
    } else if h.queue_id >= queue_count {
        return error_response(
            req,
            ResponseCode::InvalidParameter,
            format!(
                "request queueId[{}] is illegal, {topic:?} Producer: {}",
                h.queue_id,
                channel.remote_addr()
            ),
        );
    } else {
        h.queue_id
    };

    let props = h.properties.as_deref().unwrap_or_default();
    let prepared = properties::find(props, property::TRANSACTION_PREPARED) == Some("true");
    let wait_store = properties::find(props, property::WAIT_STORE_MSG_OK) != Some("false");
    let given_uniq = properties::find(props, property::UNIQ_CLIENT_MESSAGE_ID_KEYIDX);
    let uniq = given_uniq.map_or_else(|| state.unique_ids.next_id(), str::to_string);
    let trace_on = if state.config.trace_on {
        "true"
    } else {
        "false"
    };
    let mut stamps = vec![
        (property::MSG_REGION, state.config.region_id.as_str()),
        (property::TRACE_SWITCH, trace_on),
        (property::CLUSTER, state.config.broker_cluster_name.as_str()),
    ];
    if given_uniq.is_none() {
        stamps.push((property::UNIQ_CLIENT_MESSAGE_ID_KEYIDX, uniq.as_str()));
    }

    let mut flag = h.sys_flag;
    if topic.topic_filter_type == "MULTI_TAG" {
        flag |= sys_flag::MULTI_TAGS;
    }
    let base = PutMessage {
        topic: h.topic.clone(),
        queue_id,
        flag: h.flag,
        sys_flag: flag,
        born_timestamp: h.born_timestamp,
        born_host: channel.remote_addr(),
        store_host: state.store_host,
        reconsume_times: h.reconsume_times.unwrap_or(0),
        prepared_transaction_offset: 0,
        body: Bytes::new(),
        properties: String::new(),
        store_timestamp: None,
    };
    let batch = h.batch == Some(true) || req.request_code() == RequestCode::SendBatchMessage;
    let messages = if batch {
        let entries = match batch_entries(&req.body, h.sys_flag, state.config.max_message_size) {
            Ok(e) => e,
            Err(remark) => return error_response(req, ResponseCode::MessageIllegal, remark),
        };
        // Entries are stored inflated: the batch's compression flag is not theirs.
        let base = PutMessage {
            sys_flag: flag & !(sys_flag::COMPRESSED | compress::COMPRESSION_TYPE_MASK),
            ..base
        };
        entries
            .into_iter()
            .map(|e| {
                // Entries are stored with their own properties (as Apache stores them), plus a
                // UNIQ_KEY where the client gave none.
                let mut properties = e.properties;
                if properties::find(&properties, property::UNIQ_CLIENT_MESSAGE_ID_KEYIDX).is_none()
                {
                    let id = state.unique_ids.next_id();
                    properties::append(
                        &mut properties,
                        property::UNIQ_CLIENT_MESSAGE_ID_KEYIDX,
                        &id,
                    );
                }
                // Sub-messages get no delay, and their flag stays their own.
                PutMessage {
                    flag: e.flag,
                    body: e.body,
                    properties,
                    ..base.clone()
                }
            })
            .collect()
    } else {
        let mut msg = PutMessage {
            body: req.body.clone(),
            properties: properties::rewrite(props, &[property::POP_CK], &stamps),
            ..base
        };
        dead_letter_if_exhausted(state, &h, &mut msg);
        if prepared {
            transaction::to_half(&mut msg, &uniq);
        } else if let Err(e) = schedule::stage(&state.config, &mut msg) {
            return error_response(req, e.code, e.remark);
        }
        vec![msg]
    };

    let count = messages.len() as u64;
    let result = state.store.put_messages(messages, wait_store).await;
    let stored = match result {
        Ok(stored) => stored,
        Err(e) => {
            let (code, remark) = refusal(e);
            return error_response(req, code, remark);
        }
    };
    let append = stored.append;
    let code = match &state.ha {
        _ if stored.flush_timed_out => ResponseCode::FlushDiskTimeout,
        // A SYNC_MASTER answers once a slave has the message too.
        Role::Master(ha) if state.config.broker_role == BrokerRole::SyncMaster && wait_store => {
            let end = append.wrote_offset as u64 + append.wrote_bytes as u64;
            match ha.wait_replicated(end).await {
                Replicated::Yes => ResponseCode::Success,
                Replicated::TimedOut => ResponseCode::FlushSlaveTimeout,
                Replicated::NoSlave => ResponseCode::SlaveNotAvailable,
            }
        }
        _ => ResponseCode::Success,
    };
    state.stats.put_total.fetch_add(count, Ordering::Relaxed);
    state.stats.record(RateKind::Put, &h.topic, count);
    let mut msg_id = String::with_capacity(33 * append.record_offsets.len());
    for (i, offset) in append.record_offsets.iter().enumerate() {
        if i > 0 {
            msg_id.push(',');
        }
        push_offset_msg_id(&mut msg_id, &state.store_host, *offset);
    }
    RemotingCommand::response_to(req, code).with_header(&SendMessageResponseHeader {
        msg_id,
        queue_id,
        queue_offset: append.queue_offset,
        transaction_id: Some(uniq),
        batch_uniq_id: None,
        msg_region: Some(state.config.region_id.clone()),
        trace_on: Some(state.config.trace_on.to_string()),
    })
}

/// The entries of a batch body, inflated first when the batch came compressed: the C++ core
/// compresses a whole batch over 4 KiB and sets the compressed sysFlag on the request.
/// `Err` is the remark of a MESSAGE_ILLEGAL answer.
fn batch_entries(
    body: &Bytes,
    sys_flag: i32,
    max_message_size: usize,
) -> Result<Vec<BatchEntry>, String> {
    let body = compress::decompress_at_most(body, sys_flag, max_message_size)
        .map_err(|e| format!("bad batch body: {e}"))?;
    match decode_batch(&body) {
        Ok(entries) if entries.is_empty() => Err("the batch is empty".into()),
        Ok(entries) => Ok(entries),
        Err(e) => Err(format!("bad batch body: {e}")),
    }
}

type Refusal = Box<dyn FnOnce(&RemotingCommand) -> RemotingCommand + Send>;

/// The topic's config, auto-created from the send's template when allowed (then `true`).
fn topic_for_send(
    state: &BrokerState,
    h: &SendMessageRequestHeader,
) -> Result<(TopicConfig, bool), Refusal> {
    if let Some(t) = state.topics.get(&h.topic) {
        return Ok((t, false));
    }
    let created = if h.topic.starts_with(RETRY_GROUP_TOPIC_PREFIX) {
        let group = &h.topic[RETRY_GROUP_TOPIC_PREFIX.len()..];
        let queues = state
            .groups
            .find_or_create(group)
            .map_or(1, |g| g.retry_queue_nums);
        Some(
            state
                .topics
                .create_if_absent(&h.topic, queues, perm::READ | perm::WRITE),
        )
    } else {
        state.topics.create_in_send(
            &h.topic,
            &h.default_topic,
            h.default_topic_queue_nums,
            h.unit_mode.map_or(0, i32::from),
        )
    };
    match created {
        Some(created) => Ok(created),
        None => {
            let topic = h.topic.clone();
            Err(Box::new(move |req| {
                error_response(
                    req,
                    ResponseCode::TopicNotExist,
                    format!(
                        "topic[{topic}] not exist, apply first please! https://rocketmq.apache.org/docs/bestPractice/06FAQ"
                    ),
                )
            }))
        }
    }
}

/// A retry sent as a plain message (a client whose send-back failed) that has used up its
/// attempts goes to the group's dead-letter queue instead, undelayed; so does any retry of a
/// group that holds orderly queue locks (an orderly consumer retries in place, and sends a
/// message this way only once it gives up on it).
fn dead_letter_if_exhausted(
    state: &BrokerState,
    h: &SendMessageRequestHeader,
    msg: &mut PutMessage,
) {
    let Some(group) = msg.topic.strip_prefix(RETRY_GROUP_TOPIC_PREFIX) else {
        return;
    };
    let Some(config) = state.groups.find_or_create(group) else {
        return;
    };
    let max = h.max_reconsume_times.unwrap_or(config.retry_max_times);
    if msg.reconsume_times < max && !state.locks.group_holds_locks(group) {
        return;
    }
    let dlq = dlq_topic(group);
    state.ensure_group_topic(&dlq, 1);
    msg.topic = dlq;
    msg.queue_id = 0;
    msg.properties = properties::rewrite(&msg.properties, &[property::DELAY_TIME_LEVEL], &[]);
}

/// The response code and remark of a put the store refused.
pub(super) fn refusal(e: PutError) -> (ResponseCode, String) {
    match e {
        PutError::MessageIllegal(reason) => (ResponseCode::MessageIllegal, reason),
        PutError::ServiceNotAvailable(reason) => (ResponseCode::ServiceNotAvailable, reason),
    }
}

pub(super) fn random_queue(write_queue_nums: i32) -> i32 {
    use std::hash::{BuildHasher, Hasher};
    let r = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    (r % write_queue_nums.max(1) as u64) as i32
}
