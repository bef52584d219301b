//! QUERY_CONSUMER_OFFSET (14), UPDATE_CONSUMER_OFFSET (15), GET_ALL_CONSUMER_OFFSET (43).

use rocketmq_client::protocol::body::JsonBody;
use rocketmq_client::protocol::header::{
    OffsetResponseHeader, QueryConsumerOffsetRequestHeader, UpdateConsumerOffsetRequestHeader,
};
use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

use crate::broker::BrokerState;
use crate::net::{Handled, refuse};

pub(super) fn update(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let h: UpdateConsumerOffsetRequestHeader = req.decode_header()?;
    state
        .offsets
        .commit(&h.consumer_group, &h.topic, h.queue_id, h.commit_offset);
    Ok(RemotingCommand::response_to(req, ResponseCode::Success))
}

pub(super) fn all(state: &BrokerState, req: &RemotingCommand) -> Handled {
    Ok(RemotingCommand::response_to(req, ResponseCode::Success)
        .with_body(state.offsets.snapshot().encode()))
}

pub(super) fn query(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let h: QueryConsumerOffsetRequestHeader = req.decode_header()?;
    if let Some(offset) = state.offsets.query(&h.consumer_group, &h.topic, h.queue_id) {
        return Ok(RemotingCommand::response_to(req, ResponseCode::Success)
            .with_header(&OffsetResponseHeader { offset }));
    }
    // Apache's quirk: a group with no offset on a queue that still starts at 0 is told 0, so
    // even CONSUME_FROM_LAST_OFFSET reads a young queue from the beginning.
    if h.set_zero_if_not_found != Some(false) && state.store.min_offset(&h.topic, h.queue_id) <= 0 {
        return Ok(RemotingCommand::response_to(req, ResponseCode::Success)
            .with_header(&OffsetResponseHeader { offset: 0 }));
    }
    refuse(
        ResponseCode::QueryNotFound,
        "Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first",
    )
}
