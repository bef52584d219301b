//! UNREGISTER_CLIENT (35): a client leaving its groups at shutdown.

use rocketmq_client::protocol::header::UnregisterClientRequestHeader;
use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

use crate::broker::BrokerState;
use crate::net::{Channel, Handled};

pub(super) fn handle(state: &BrokerState, channel: &Channel, req: &RemotingCommand) -> Handled {
    let h: UnregisterClientRequestHeader = req.decode_header()?;
    if let Some(group) = h.producer_group.as_deref().filter(|g| !g.is_empty()) {
        state.producers.unregister(group, channel);
    }
    if let Some(group) = h.consumer_group.as_deref().filter(|g| !g.is_empty())
        && state.consumers.unregister(group, channel)
    {
        tracing::info!(group, client = %h.client_id, "consumer left");
        state.notify_consumer_ids_changed(group);
    }
    Ok(RemotingCommand::response_to(req, ResponseCode::Success))
}
