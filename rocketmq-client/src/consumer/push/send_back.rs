//! Handing a failed message back to its broker (CONSUMER_SEND_MSG_BACK), which schedules the
//! retry or moves the message to the dead-letter queue.

use std::time::Duration;

use super::Inner;
use crate::protocol::header::ConsumerSendMsgBackRequestHeader;
use crate::protocol::message::MessageExt;
use crate::protocol::{RemotingCommand, RequestCode, ResponseCode};

const SEND_BACK_TIMEOUT: Duration = Duration::from_secs(5);

/// Sends `msg` back with `delay_level` (0: the broker picks 3 + reconsume times; < 0: the
/// DLQ); whether the broker took it.
pub(super) async fn send_back(
    inner: &Inner,
    addr: &str,
    msg: &MessageExt,
    delay_level: i32,
) -> bool {
    let header = ConsumerSendMsgBackRequestHeader {
        offset: msg.commit_log_offset,
        group: inner.config.group.clone(),
        delay_level,
        origin_msg_id: Some(msg.msg_id()),
        origin_topic: Some(msg.message.topic.clone()),
        unit_mode: Some(false),
        max_reconsume_times: Some(inner.max_reconsume_times()),
    };
    let req = RemotingCommand::request_with(RequestCode::ConsumerSendMsgBack, &header);
    match inner.client().invoke(addr, req, SEND_BACK_TIMEOUT).await {
        Ok(resp) if resp.response_code() == ResponseCode::Success => true,
        Ok(resp) => {
            tracing::warn!(msg_id = %msg.msg_id(), code = resp.code, remark = ?resp.remark, "send-back refused");
            false
        }
        Err(e) => {
            tracing::warn!(msg_id = %msg.msg_id(), error = %e, "send-back failed");
            false
        }
    }
}
