//! VIEW_MESSAGE_BY_ID (33): one stored message by commit-log offset (decoded by the client
//! from an offset message id).

use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

use crate::broker::BrokerState;
use crate::net::{Handled, refuse};

pub(super) fn handle(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let Some(offset) = req.ext("offset").and_then(|o| o.trim().parse::<i64>().ok()) else {
        return refuse(
            ResponseCode::SystemError,
            "the request header field `offset` is missing or not a number",
        );
    };
    match state.store.lookup_message(offset) {
        Some(record) => {
            Ok(RemotingCommand::response_to(req, ResponseCode::Success).with_body(record))
        }
        None => refuse(
            ResponseCode::SystemError,
            format!("can not find message by the offset, {offset}"),
        ),
    }
}
