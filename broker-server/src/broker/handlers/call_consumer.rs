//! GET_CONSUMER_RUNNING_INFO (307) and CONSUME_MESSAGE_DIRECTLY (309): an admin tool asks
//! one consumer something through the broker it is connected to. The broker passes the
//! request on over the consumer's own connection and returns its answer.
//!
//! For 309 the broker first attaches the message named by `msgId` (an offset message id),
//! so the consumer gets it in stored form.

use std::time::Duration;

use bytes::Bytes;

use rocketmq_client::protocol::header::GetConsumerRunningInfoRequestHeader;
use rocketmq_client::protocol::message::decode_offset_msg_id;
use rocketmq_client::protocol::{RemotingCommand, RequestCode, ResponseCode};

use crate::broker::BrokerState;
use crate::net::{Handled, refuse};

/// How long the consumer has to answer (Java's `callClient` timeout).
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

pub(super) async fn running_info(state: &BrokerState, req: &RemotingCommand) -> Handled {
    forward(
        state,
        req,
        RequestCode::GetConsumerRunningInfo,
        req.body.clone(),
    )
    .await
}

pub(super) async fn consume_directly(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let Some(offset) = req
        .ext("msgId")
        .and_then(decode_offset_msg_id)
        .map(|(_, offset)| offset)
    else {
        return refuse(
            ResponseCode::SystemError,
            "the request header field `msgId` is not an offset message id",
        );
    };
    let Some(record) = state.store.lookup_message(offset) else {
        return refuse(
            ResponseCode::SystemError,
            format!("can not find message by the offset, {offset}"),
        );
    };
    forward(state, req, RequestCode::ConsumeMessageDirectly, record).await
}

/// Passes the request on to the consumer it names, with `body`, and returns its answer.
async fn forward(
    state: &BrokerState,
    req: &RemotingCommand,
    code: RequestCode,
    body: Bytes,
) -> Handled {
    let h: GetConsumerRunningInfoRequestHeader = req.decode_header()?;
    let Some(channel) = state
        .consumers
        .find_channel(&h.consumer_group, &h.client_id)
    else {
        return refuse(
            ResponseCode::SystemError,
            format!(
                "The Consumer <{}> <{}> not online",
                h.consumer_group, h.client_id
            ),
        );
    };
    let mut call = RemotingCommand::request(code);
    call.ext_fields = req.ext_fields.clone();
    call.body = body;
    match channel.invoke(call, CALL_TIMEOUT).await {
        Some(mut answer) => {
            answer.opaque = req.opaque;
            Ok(answer)
        }
        None => refuse(
            ResponseCode::ConsumeMsgTimeout,
            format!(
                "consumer <{}> <{}> Timeout: no answer in {} ms",
                h.consumer_group,
                h.client_id,
                CALL_TIMEOUT.as_millis()
            ),
        ),
    }
}
