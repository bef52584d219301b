//! WIPE_WRITE_PERM_OF_BROKER (205) and ADD_WRITE_PERM_OF_BROKER (327): `mqadmin wipeWritePerm`
//! / `addWritePerm` take a broker name out of (and back into) producers' routes without
//! stopping it, to drain it before maintenance.

use rocketmq_client::protocol::header::{
    AddWritePermResponseHeader, BrokerNameHeader, WipeWritePermResponseHeader,
};
use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

use crate::namesrv::NamesrvState;
use crate::net::Handled;

pub(super) fn wipe(state: &NamesrvState, req: &RemotingCommand) -> Handled {
    let h: BrokerNameHeader = req.decode_header()?;
    let wipe_topic_count = state.routes.set_write_perm(&h.broker_name, true);
    tracing::info!(broker = %h.broker_name, topics = wipe_topic_count, "write permission wiped");
    Ok(RemotingCommand::response_to(req, ResponseCode::Success)
        .with_header(&WipeWritePermResponseHeader { wipe_topic_count }))
}

pub(super) fn add(state: &NamesrvState, req: &RemotingCommand) -> Handled {
    let h: BrokerNameHeader = req.decode_header()?;
    let add_topic_count = state.routes.set_write_perm(&h.broker_name, false);
    tracing::info!(broker = %h.broker_name, topics = add_topic_count, "write permission added");
    Ok(RemotingCommand::response_to(req, ResponseCode::Success)
        .with_header(&AddWritePermResponseHeader { add_topic_count }))
}
