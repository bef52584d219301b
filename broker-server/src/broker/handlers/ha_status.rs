//! GET_BROKER_HA_STATUS (907): a master's slaves (acknowledged offset, lag, in sync, bytes a
//! second) or a slave's connection to its master, as Apache 5.x's `mqadmin haStatus` reads it.

use rocketmq_client::protocol::body::JsonBody;
use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

use crate::broker::BrokerState;
use crate::broker::ha::Role;
use crate::net::Handled;

pub(super) fn handle(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let info = match &state.ha {
        Role::Master(master) => master.runtime_info(),
        Role::Slave(slave) => slave.runtime_info(),
    };
    Ok(RemotingCommand::response_to(req, ResponseCode::Success).with_body(info.encode()))
}
