//! GET_MAX_OFFSET (30), GET_MIN_OFFSET (31), GET_EARLIEST_MSG_STORETIME (32),
//! SEARCH_OFFSET_BY_TIMESTAMP (29).

use rocketmq_client::protocol::header::{
    EarliestMsgStoreTimeResponseHeader, OffsetResponseHeader, QueueHeader,
    SearchOffsetRequestHeader,
};
use rocketmq_client::protocol::{RemotingCommand, RequestCode, ResponseCode};

use crate::broker::BrokerState;
use crate::net::bad_header;

pub(super) fn handle(state: &BrokerState, req: &RemotingCommand) -> RemotingCommand {
    let ok = RemotingCommand::response_to(req, ResponseCode::Success);
    if req.request_code() == RequestCode::SearchOffsetByTimestamp {
        return match req.decode_header::<SearchOffsetRequestHeader>() {
            Ok(h) => {
                let upper = h
                    .boundary_type
                    .as_deref()
                    .is_some_and(|b| b.eq_ignore_ascii_case("UPPER"));
                let offset =
                    state
                        .store
                        .search_offset_by_time(&h.topic, h.queue_id, h.timestamp, upper);
                ok.with_header(&OffsetResponseHeader { offset })
            }
            Err(e) => bad_header(req, e),
        };
    }
    let h: QueueHeader = match req.decode_header() {
        Ok(h) => h,
        Err(e) => return bad_header(req, e),
    };
    match req.request_code() {
        RequestCode::GetMaxOffset => ok.with_header(&OffsetResponseHeader {
            offset: state.store.max_offset(&h.topic, h.queue_id),
        }),
        RequestCode::GetMinOffset => ok.with_header(&OffsetResponseHeader {
            offset: state.store.min_offset(&h.topic, h.queue_id),
        }),
        _ => ok.with_header(&EarliestMsgStoreTimeResponseHeader {
            timestamp: state.store.earliest_store_time(&h.topic, h.queue_id),
        }),
    }
}
