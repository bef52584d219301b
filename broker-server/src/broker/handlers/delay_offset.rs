//! GET_ALL_DELAY_OFFSET (45): the level-delay progress, as `delayOffset.json` holds it.

use rocketmq_client::protocol::body::JsonBody;
use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

use crate::broker::BrokerState;
use crate::net::Handled;

pub(super) fn handle(state: &BrokerState, req: &RemotingCommand) -> Handled {
    Ok(RemotingCommand::response_to(req, ResponseCode::Success)
        .with_body(state.delay_offsets.snapshot().encode()))
}
