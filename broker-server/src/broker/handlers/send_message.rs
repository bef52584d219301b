//! SEND_MESSAGE (10), SEND_MESSAGE_V2 (310), SEND_BATCH_MESSAGE (320).
//!
//! Checks run in Apache's order: broker writable, topic name, forbidden system topics, topic
//! lookup or auto-creation, queue id; then the broker stamps its properties (region, trace,
//! cluster, a UNIQ_KEY when the client gave none) and stores the message.

use std::time::Instant;

use bytes::Bytes;
use rocketmq_client::protocol::body::{TopicConfig, perm};
use rocketmq_client::protocol::header::{SendMessageRequestHeader, SendMessageResponseHeader};
use rocketmq_client::protocol::message::{
    BatchEntry, compress, decode_batch, properties, property, push_offset_msg_id, sys_flag,
};
use rocketmq_client::protocol::time::format_utc;
use rocketmq_client::protocol::topic::dlq_topic;
use rocketmq_client::protocol::{RemotingCommand, ResponseCode, now_millis};

use crate::broker::BrokerRole;
use crate::broker::BrokerState;
use crate::broker::ha::{Replicated, Role};
use crate::broker::metrics::MessageType;
use crate::broker::stats::Put;
use crate::broker::topics::{RETRY_GROUP_TOPIC_PREFIX, is_send_forbidden, validate_topic};
use crate::broker::{schedule, transaction};
use crate::net::{Channel, Handled, Refusal, refuse};
use crate::store::{AppendResult, PutError, PutMessage};

/// Handles one send; `batch` for SEND_BATCH_MESSAGE (a V1/V2 send may say so in its header).
pub(super) async fn handle(
    state: &BrokerState,
    channel: &Channel,
    req: &RemotingCommand,
    batch: bool,
) -> Handled {
    let h = SendMessageRequestHeader::read_any(&req.ext_fields)?;
    let (topic, queue_id) = validate(state, channel, &h).await?;
    let props = h.properties.as_deref().unwrap_or_default();
    let wait_store = properties::find(props, property::WAIT_STORE_MSG_OK) != Some("false");
    let batch = batch || h.batch == Some(true);
    let built = build(state, channel, &h, &topic, queue_id, batch, &req.body)?;
    let count = built.messages.len() as u64;
    let (append, code) = store(state, built.messages, wait_store).await?;
    state.stats.topic_put(
        &h.topic,
        &state.config.broker_cluster_name,
        count,
        append.wrote_bytes as u64,
    );
    if let Some(m) = &state.metrics {
        let kind = MessageType::of(props);
        m.message_in(&h.topic, kind, count, append.wrote_bytes as u64);
    }
    Ok(respond(state, req, code, &append, queue_id, built.uniq))
}

/// Apache's checks, in its order: the broker takes writes, the topic name is legal and not a
/// forbidden system topic, the topic exists or may be created, the queue id is in range.
/// Returns the topic and the queue to store in.
async fn validate(
    state: &BrokerState,
    channel: &Channel,
    h: &SendMessageRequestHeader,
) -> Result<(TopicConfig, i32), Refusal> {
    if state.config.broker_role == BrokerRole::Slave {
        return refuse(
            ResponseCode::ServiceNotAvailable,
            format!(
                "service not available now. It may be caused by one of the following reasons: the broker's disk is full [{}], messages are put to the slave, message store has been shut down, etc.",
                state.store.disk_util()
            ),
        );
    }
    let accept_from = state.config.start_accept_send_request_time_stamp as i64;
    if now_millis() < accept_from {
        return refuse(
            ResponseCode::SystemError,
            format!(
                "broker unable to service, until {}",
                format_utc(accept_from)
            ),
        );
    }
    if !perm::is_writeable(state.live.broker_permission()) {
        return refuse(
            ResponseCode::NoPermission,
            format!(
                "the broker[{}] sending message is forbidden",
                state.config.broker_ip1
            ),
        );
    }
    if let Err(reason) = validate_topic(&h.topic) {
        return refuse(ResponseCode::InvalidParameter, reason);
    }
    if is_send_forbidden(&h.topic) {
        return refuse(
            ResponseCode::NoPermission,
            format!("Sending message to topic[{}] is forbidden.", h.topic),
        );
    }
    let (topic, is_new) = topic_for_send(state, h)?;
    if is_new {
        state.registrar.register_now().await;
    }
    let queue_count = topic.read_queue_nums.max(topic.write_queue_nums);
    let queue_id = if h.queue_id < 0 {
        random_queue(topic.write_queue_nums)
    } else if h.queue_id >= queue_count {
        return refuse(
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
    Ok((topic, queue_id))
}

/// The messages to store, and the unique id the answer carries as its transaction id.
struct Built {
    messages: Vec<PutMessage>,
    uniq: String,
}

/// The stored form of the send: the broker's properties stamped on (region, trace, cluster,
/// a UNIQ_KEY where the client gave none); a batch split into its entries; a single message
/// dead-lettered, made a transaction half or staged for its delay as it asks.
fn build(
    state: &BrokerState,
    channel: &Channel,
    h: &SendMessageRequestHeader,
    topic: &TopicConfig,
    queue_id: i32,
    batch: bool,
    body: &Bytes,
) -> Result<Built, Refusal> {
    let props = h.properties.as_deref().unwrap_or_default();
    let prepared = properties::find(props, property::TRANSACTION_PREPARED) == Some("true");
    let given_uniq = properties::find(props, property::UNIQ_CLIENT_MESSAGE_ID_KEYIDX);
    let uniq = given_uniq.map_or_else(|| state.unique_ids.next_id(), str::to_string);
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
    if batch {
        let entries = batch_entries(body, h.sys_flag, state.config.max_message_size)
            .or_else(|remark| refuse(ResponseCode::MessageIllegal, remark))?;
        // Entries are stored inflated: the batch's compression flag is not theirs.
        let base = PutMessage {
            sys_flag: flag & !(sys_flag::COMPRESSED | compress::COMPRESSION_TYPE_MASK),
            ..base
        };
        let messages = entries
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
            .collect();
        return Ok(Built { messages, uniq });
    }
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
    let mut msg = PutMessage {
        body: body.clone(),
        properties: properties::rewrite(props, &[property::POP_CK], &stamps),
        ..base
    };
    dead_letter_if_exhausted(state, h, &mut msg);
    if prepared {
        transaction::to_half(&mut msg, &uniq);
    } else if let Err(e) = schedule::stage(&state.config, &mut msg) {
        return refuse(e.code, e.remark);
    }
    Ok(Built {
        messages: vec![msg],
        uniq,
    })
}

/// Stores the messages; returns where they went and the answer's code: FLUSH_DISK_TIMEOUT
/// past a SYNC_FLUSH wait, and a SYNC_MASTER's answer waits until a slave has them too.
async fn store(
    state: &BrokerState,
    messages: Vec<PutMessage>,
    wait_store: bool,
) -> Result<(AppendResult, ResponseCode), Refusal> {
    let messages_n = messages.len() as u64;
    let started = Instant::now();
    let stored = match state.store.put_messages(messages, wait_store).await {
        Ok(stored) => stored,
        Err(e) => {
            state.stats.put_failed();
            return Err(e.into());
        }
    };
    let append = stored.append;
    state.stats.put_stored(Put {
        messages: messages_n,
        bytes: append.wrote_bytes as u64,
        took: started.elapsed(),
    });
    let code = match &state.ha {
        _ if stored.flush_timed_out => ResponseCode::FlushDiskTimeout,
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
    Ok((append, code))
}

/// The answer: each stored record's offset message id (comma-separated for a batch), the
/// first queue offset, and the unique id as the transaction id.
fn respond(
    state: &BrokerState,
    req: &RemotingCommand,
    code: ResponseCode,
    append: &AppendResult,
    queue_id: i32,
    uniq: String,
) -> RemotingCommand {
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
    created.ok_or_else(|| {
        Refusal::new(
            ResponseCode::TopicNotExist,
            format!(
                "topic[{}] not exist, apply first please! https://rocketmq.apache.org/docs/bestPractice/06FAQ",
                h.topic
            ),
        )
    })
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
    if let Some(m) = &state.metrics {
        let origin = properties::find(&msg.properties, property::RETRY_TOPIC).unwrap_or(&msg.topic);
        m.sent_to_dlq(origin, group);
    }
    msg.topic = dlq;
    msg.queue_id = 0;
    msg.properties = properties::rewrite(&msg.properties, &[property::DELAY_TIME_LEVEL], &[]);
}

/// A put the store refused, answered with Apache's code.
impl From<PutError> for Refusal {
    fn from(e: PutError) -> Self {
        match e {
            PutError::MessageIllegal(reason) => Refusal::new(ResponseCode::MessageIllegal, reason),
            PutError::ServiceNotAvailable(reason) => {
                Refusal::new(ResponseCode::ServiceNotAvailable, reason)
            }
        }
    }
}

pub(super) fn random_queue(write_queue_nums: i32) -> i32 {
    use std::hash::{BuildHasher, Hasher};
    let r = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    (r % write_queue_nums.max(1) as u64) as i32
}
