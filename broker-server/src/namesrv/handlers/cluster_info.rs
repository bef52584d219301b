//! GET_BROKER_CLUSTER_INFO (106). Apache always answers in fastjson's form.

use rocketmq_client::protocol::body::JsonBody;
use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

use crate::namesrv::NamesrvState;
use crate::net::Handled;

pub(super) fn handle(state: &NamesrvState, req: &RemotingCommand) -> Handled {
    Ok(RemotingCommand::response_to(req, ResponseCode::Success)
        .with_body(state.routes.cluster_info().encode()))
}
