//! QUERY_CONSUMER_OFFSET (14), UPDATE_CONSUMER_OFFSET (15), GET_ALL_CONSUMER_OFFSET (43).

use rocketmq_client::protocol::body::JsonBody;
use rocketmq_client::protocol::header::{
    OffsetResponseHeader, QueryConsumerOffsetRequestHeader, UpdateConsumerOffsetRequestHeader,
};
use rocketmq_client::protocol::{RemotingCommand, RequestCode, ResponseCode};

use crate::broker::BrokerState;
use crate::net::{bad_header, error_response};

pub(super) fn handle(state: &BrokerState, req: &RemotingCommand) -> RemotingCommand {
    match req.request_code() {
        RequestCode::UpdateConsumerOffset => {
            match req.decode_header::<UpdateConsumerOffsetRequestHeader>() {
                Ok(h) => {
                    state
                        .offsets
                        .commit(&h.consumer_group, &h.topic, h.queue_id, h.commit_offset);
                    RemotingCommand::response_to(req, ResponseCode::Success)
                }
                Err(e) => bad_header(req, e),
            }
        }
        RequestCode::GetAllConsumerOffset => {
            RemotingCommand::response_to(req, ResponseCode::Success)
                .with_body(state.offsets.snapshot().encode())
        }
        _ => match req.decode_header::<QueryConsumerOffsetRequestHeader>() {
            Ok(h) => query(state, req, &h),
            Err(e) => bad_header(req, e),
        },
    }
}

fn query(
    state: &BrokerState,
    req: &RemotingCommand,
    h: &QueryConsumerOffsetRequestHeader,
) -> RemotingCommand {
    if let Some(offset) = state.offsets.query(&h.consumer_group, &h.topic, h.queue_id) {
        return RemotingCommand::response_to(req, ResponseCode::Success)
            .with_header(&OffsetResponseHeader { offset });
    }
    // Apache's quirk: a group with no offset on a queue that still starts at 0 is told 0, so
    // even CONSUME_FROM_LAST_OFFSET reads a young queue from the beginning.
    if h.set_zero_if_not_found != Some(false) && state.store.min_offset(&h.topic, h.queue_id) <= 0 {
        return RemotingCommand::response_to(req, ResponseCode::Success)
            .with_header(&OffsetResponseHeader { offset: 0 });
    }
    error_response(
        req,
        ResponseCode::QueryNotFound,
        "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first",
    )
}
