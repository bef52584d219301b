//! LOCK_BATCH_MQ (41) and UNLOCK_BATCH_MQ (42): orderly consumers' queue locks.

use rocketmq_client::protocol::body::{JsonBody, LockBatchRequestBody, LockBatchResponseBody};
use rocketmq_client::protocol::{RemotingCommand, RequestCode, ResponseCode};

use crate::broker::BrokerState;
use crate::net::error_response;

pub(super) fn handle(state: &BrokerState, req: &RemotingCommand) -> RemotingCommand {
    let body = match LockBatchRequestBody::decode(&req.body) {
        Ok(b) => b,
        Err(e) => {
            return error_response(
                req,
                ResponseCode::SystemError,
                format!("bad LockBatchRequestBody: {e}"),
            );
        }
    };
    if req.request_code() == RequestCode::UnlockBatchMq {
        state
            .locks
            .unlock_batch(&body.consumer_group, &body.mq_set, &body.client_id);
        return RemotingCommand::response_to(req, ResponseCode::Success);
    }
    let granted = state
        .locks
        .lock_batch(&body.consumer_group, &body.mq_set, &body.client_id);
    RemotingCommand::response_to(req, ResponseCode::Success).with_body(
        LockBatchResponseBody {
            lock_ok_mq_set: granted,
        }
        .encode(),
    )
}
