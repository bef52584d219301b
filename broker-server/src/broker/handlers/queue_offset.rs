//! GET_MAX_OFFSET (30), GET_MIN_OFFSET (31), GET_EARLIEST_MSG_STORETIME (32),
//! SEARCH_OFFSET_BY_TIMESTAMP (29).

use rocketmq_client::protocol::header::{
    EarliestMsgStoreTimeResponseHeader, OffsetResponseHeader, QueueHeader,
    SearchOffsetRequestHeader,
};
use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

use crate::broker::BrokerState;
use crate::net::Handled;

pub(super) fn search_by_time(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let h: SearchOffsetRequestHeader = req.decode_header()?;
    let upper = h
        .boundary_type
        .as_deref()
        .is_some_and(|b| b.eq_ignore_ascii_case("UPPER"));
    let offset = state
        .store
        .search_offset_by_time(&h.topic, h.queue_id, h.timestamp, upper);
    Ok(RemotingCommand::response_to(req, ResponseCode::Success)
        .with_header(&OffsetResponseHeader { offset }))
}

pub(super) fn max(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let h: QueueHeader = req.decode_header()?;
    let offset = state.store.max_offset(&h.topic, h.queue_id);
    Ok(RemotingCommand::response_to(req, ResponseCode::Success)
        .with_header(&OffsetResponseHeader { offset }))
}

pub(super) fn min(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let h: QueueHeader = req.decode_header()?;
    let offset = state.store.min_offset(&h.topic, h.queue_id);
    Ok(RemotingCommand::response_to(req, ResponseCode::Success)
        .with_header(&OffsetResponseHeader { offset }))
}

pub(super) fn earliest_store_time(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let h: QueueHeader = req.decode_header()?;
    let timestamp = state.store.earliest_store_time(&h.topic, h.queue_id);
    Ok(RemotingCommand::response_to(req, ResponseCode::Success)
        .with_header(&EarliestMsgStoreTimeResponseHeader { timestamp }))
}
