//! UNREGISTER_BROKER (104).

use rocketmq_client::protocol::header::BrokerIdentityHeader;
use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

use crate::namesrv::NamesrvState;
use crate::net::Handled;

pub(super) fn handle(state: &NamesrvState, req: &RemotingCommand) -> Handled {
    let h: BrokerIdentityHeader = req.decode_header()?;
    state.routes.unregister(&h.broker_name, &h.broker_addr);
    Ok(RemotingCommand::response_to(req, ResponseCode::Success))
}
