//! SEND_REPLY_MESSAGE (324) and SEND_REPLY_MESSAGE_V2 (325): a responder's reply, pushed
//! straight to the requester's connection (PUSH_REPLY_MESSAGE_TO_CLIENT, found by the
//! `REPLY_TO_CLIENT` client id among producer connections) and, with
//! `storeReplyMessageEnable`, stored in the reply topic too. A push that fails is reported in
//! the remark; the responder's send still succeeds, as in Apache.

use std::time::Duration;

use rocketmq_client::protocol::header::{
    ReplyMessageRequestHeader, SendMessageRequestHeader, SendMessageResponseHeader,
};
use rocketmq_client::protocol::message::{offset_msg_id, properties, property};
use rocketmq_client::protocol::{LanguageCode, RemotingCommand, RequestCode, ResponseCode};

use crate::broker::BrokerState;
use crate::net::{Channel, Handled};
use crate::store::{PutMessage, now_millis};

const PUSH_TIMEOUT: Duration = Duration::from_secs(3);

pub(super) async fn handle(
    state: &BrokerState,
    channel: &Channel,
    req: &RemotingCommand,
) -> Handled {
    let h = SendMessageRequestHeader::read_any(&req.ext_fields)?;
    let props = h.properties.clone().unwrap_or_default();
    let now = now_millis().to_string();
    let pushed_props = properties::rewrite(&props, &[], &[(property::PUSH_REPLY_TIME, &now)]);
    let pushed = push(state, channel, &h, &pushed_props, req).await;
    let mut resp = if state.config.store_reply_message_enable {
        store(state, channel, &h, pushed_props, req).await?
    } else {
        RemotingCommand::response_to(req, ResponseCode::Success).with_header(
            &SendMessageResponseHeader {
                msg_id: String::new(),
                queue_id: h.queue_id.max(0),
                queue_offset: 0,
                transaction_id: None,
                batch_uniq_id: None,
                msg_region: Some(state.config.region_id.clone()),
                trace_on: Some(state.config.trace_on.to_string()),
            },
        )
    };
    if let Err(why) = pushed {
        tracing::warn!(reason = %why, "reply not pushed to its requester");
        resp.remark = Some(why);
    }
    Ok(resp)
}

/// Pushes the reply to the requester's connection.
async fn push(
    state: &BrokerState,
    channel: &Channel,
    h: &SendMessageRequestHeader,
    props: &str,
    req: &RemotingCommand,
) -> Result<(), String> {
    let Some(client_id) = properties::find(props, property::MESSAGE_REPLY_TO_CLIENT) else {
        return Err("the reply has no REPLY_TO_CLIENT property".into());
    };
    let Some(requester) = state.producers.find_client(client_id) else {
        return Err(format!(
            "the requester {client_id} is not connected to this broker"
        ));
    };
    let header = ReplyMessageRequestHeader {
        producer_group: h.producer_group.clone(),
        topic: h.topic.clone(),
        default_topic: h.default_topic.clone(),
        default_topic_queue_nums: h.default_topic_queue_nums,
        queue_id: h.queue_id,
        sys_flag: h.sys_flag,
        born_timestamp: h.born_timestamp,
        flag: h.flag,
        properties: Some(props.to_string()),
        reconsume_times: h.reconsume_times,
        unit_mode: h.unit_mode,
        born_host: channel.remote_addr().to_string(),
        store_host: state.store_host.to_string(),
        store_timestamp: now_millis(),
    };
    let mut push = RemotingCommand::request_with(RequestCode::PushReplyMessageToClient, &header)
        .with_body(req.body.clone());
    push.language = LanguageCode::Java;
    match requester.channel.invoke(push, PUSH_TIMEOUT).await {
        Some(r) if r.response_code() == ResponseCode::Success => Ok(()),
        Some(r) => Err(format!(
            "the requester answered {}: {}",
            r.code,
            r.remark.unwrap_or_default()
        )),
        None => Err(format!("the requester {client_id} did not answer in time")),
    }
}

/// Stores the reply in its reply topic.
async fn store(
    state: &BrokerState,
    channel: &Channel,
    h: &SendMessageRequestHeader,
    props: String,
    req: &RemotingCommand,
) -> Handled {
    let queues = state
        .topics
        .get(&h.topic)
        .map_or(1, |t| t.write_queue_nums.max(1));
    let queue_id = h.queue_id.clamp(0, queues - 1);
    let msg = PutMessage {
        topic: h.topic.clone(),
        queue_id,
        flag: h.flag,
        sys_flag: h.sys_flag,
        born_timestamp: h.born_timestamp,
        born_host: channel.remote_addr(),
        store_host: state.store_host,
        reconsume_times: h.reconsume_times.unwrap_or(0),
        prepared_transaction_offset: 0,
        body: req.body.clone(),
        properties: properties::rewrite(&props, &[], &[(property::WAIT_STORE_MSG_OK, "false")]),
        store_timestamp: None,
    };
    let append = state.store.put_message(msg, false).await?.append;
    Ok(
        RemotingCommand::response_to(req, ResponseCode::Success).with_header(
            &SendMessageResponseHeader {
                msg_id: offset_msg_id(&state.store_host, append.wrote_offset),
                queue_id,
                queue_offset: append.queue_offset,
                transaction_id: properties::find(&props, property::UNIQ_CLIENT_MESSAGE_ID_KEYIDX)
                    .map(str::to_string),
                batch_uniq_id: None,
                msg_region: Some(state.config.region_id.clone()),
                trace_on: Some(state.config.trace_on.to_string()),
            },
        ),
    )
}
