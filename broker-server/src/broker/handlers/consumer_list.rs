//! GET_CONSUMER_LIST_BY_GROUP (38): the client ids a rebalance divides queues among.

use rocketmq_client::protocol::body::{ConsumerListBody, JsonBody};
use rocketmq_client::protocol::header::ConsumerGroupHeader;
use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

use crate::broker::BrokerState;
use crate::net::{Handled, refuse};

pub(super) fn handle(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let h: ConsumerGroupHeader = req.decode_header()?;
    let ids = state.consumers.client_ids(&h.consumer_group);
    if ids.is_empty() {
        return refuse(
            ResponseCode::SystemError,
            format!("no consumer for this group, {}", h.consumer_group),
        );
    }
    Ok(
        RemotingCommand::response_to(req, ResponseCode::Success).with_body(
            ConsumerListBody {
                consumer_id_list: ids,
            }
            .encode(),
        ),
    )
}
