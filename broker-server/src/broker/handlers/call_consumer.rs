//! GET_CONSUMER_RUNNING_INFO (307) and CONSUME_MESSAGE_DIRECTLY (309): an admin tool asks
//! one consumer something through the broker it is connected to. The broker passes the
//! request on over the consumer's own connection and returns its answer.
//!
//! For 309 the broker first attaches the message named by `msgId` (an offset message id),
//! so the consumer gets it in stored form.

use std::time::Duration;

use rocketmq_client::protocol::header::GetConsumerRunningInfoRequestHeader;
use rocketmq_client::protocol::message::decode_offset_msg_id;
use rocketmq_client::protocol::{RemotingCommand, RequestCode, ResponseCode};

use crate::broker::BrokerState;
use crate::net::{bad_header, error_response};

/// How long the consumer has to answer (Java's `callClient` timeout).
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

pub(super) async fn handle(state: &BrokerState, req: &RemotingCommand) -> RemotingCommand {
    let h: GetConsumerRunningInfoRequestHeader = match req.decode_header() {
        Ok(h) => h,
        Err(e) => return bad_header(req, e),
    };
    let Some(channel) = state
        .consumers
        .find_channel(&h.consumer_group, &h.client_id)
    else {
        return error_response(
            req,
            ResponseCode::SystemError,
            format!(
                "The Consumer <{}> <{}> not online",
                h.consumer_group, h.client_id
            ),
        );
    };
    let mut call = RemotingCommand::request(req.request_code());
    call.ext_fields = req.ext_fields.clone();
    call.body = req.body.clone();
    if req.request_code() == RequestCode::ConsumeMessageDirectly {
        let Some(offset) = req
            .ext("msgId")
            .and_then(decode_offset_msg_id)
            .map(|(_, offset)| offset)
        else {
            return bad_header(
                req,
                "the request header field `msgId` is not an offset message id",
            );
        };
        match state.store.lookup_message(offset) {
            Some(record) => call.body = record,
            None => {
                return error_response(
                    req,
                    ResponseCode::SystemError,
                    format!("can not find message by the offset, {offset}"),
                );
            }
        }
    }
    match channel.invoke(call, CALL_TIMEOUT).await {
        Some(mut answer) => {
            answer.opaque = req.opaque;
            answer
        }
        None => error_response(
            req,
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
