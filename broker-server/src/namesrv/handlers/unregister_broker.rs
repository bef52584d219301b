//! UNREGISTER_BROKER (104).

use rocketmq_client::protocol::header::BrokerIdentityHeader;
use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

use crate::namesrv::NamesrvState;
use crate::net::bad_header;

pub(super) fn handle(state: &NamesrvState, req: &RemotingCommand) -> RemotingCommand {
    match req.decode_header::<BrokerIdentityHeader>() {
        Ok(h) => {
            state.routes.unregister(&h.broker_name, &h.broker_addr);
            RemotingCommand::response_to(req, ResponseCode::Success)
        }
        Err(e) => bad_header(req, e),
    }
}
