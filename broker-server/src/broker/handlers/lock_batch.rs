//! LOCK_BATCH_MQ (41) and UNLOCK_BATCH_MQ (42): orderly consumers' queue locks.

use rocketmq_client::protocol::body::{JsonBody, LockBatchRequestBody, LockBatchResponseBody};
use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

use crate::broker::BrokerState;
use crate::net::{Handled, Refusal};

pub(super) fn lock(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let body = request(req)?;
    let granted = state
        .locks
        .lock_batch(&body.consumer_group, &body.mq_set, &body.client_id);
    Ok(
        RemotingCommand::response_to(req, ResponseCode::Success).with_body(
            LockBatchResponseBody {
                lock_ok_mq_set: granted,
            }
            .encode(),
        ),
    )
}

pub(super) fn unlock(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let body = request(req)?;
    state
        .locks
        .unlock_batch(&body.consumer_group, &body.mq_set, &body.client_id);
    Ok(RemotingCommand::response_to(req, ResponseCode::Success))
}

fn request(req: &RemotingCommand) -> Result<LockBatchRequestBody, Refusal> {
    LockBatchRequestBody::decode(&req.body).map_err(|e| {
        Refusal::new(
            ResponseCode::SystemError,
            format!("bad LockBatchRequestBody: {e}"),
        )
    })
}
