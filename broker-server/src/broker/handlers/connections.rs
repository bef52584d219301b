//! GET_CONSUMER_CONNECTION_LIST (203) and GET_PRODUCER_CONNECTION_LIST (204): who is in a
//! group, from which address, in which language (`mqadmin consumerConnection` /
//! `producerConnection`, the dashboard's client list).

use rocketmq_client::protocol::body::{ConsumerConnection, JsonBody, ProducerConnection};
use rocketmq_client::protocol::header::{ConsumerGroupHeader, ProducerGroupHeader};
use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

use crate::broker::BrokerState;
use crate::net::{Handled, refuse};

pub(super) fn consumers(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let h: ConsumerGroupHeader = req.decode_header()?;
    let Some(group) = state.consumers.group(&h.consumer_group) else {
        return refuse(
            ResponseCode::ConsumerNotOnline,
            format!("the consumer group[{}] not online", h.consumer_group),
        );
    };
    let mut connections: Vec<_> = group.channels.values().map(|c| c.connection()).collect();
    connections.sort_by(|a, b| a.client_id.cmp(&b.client_id));
    let body = ConsumerConnection {
        connection_set: connections,
        subscription_table: group.subscriptions.into_iter().collect(),
        consume_type: group.consume_type,
        message_model: group.message_model,
        consume_from_where: group.consume_from_where,
    };
    Ok(RemotingCommand::response_to(req, ResponseCode::Success).with_body(body.encode()))
}

pub(super) fn producers(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let h: ProducerGroupHeader = req.decode_header()?;
    let members = state.producers.group(&h.producer_group);
    if members.is_empty() {
        return refuse(
            ResponseCode::SystemError,
            format!("the producer group[{}] not exist", h.producer_group),
        );
    }
    let mut connections: Vec<_> = members.iter().map(|c| c.connection()).collect();
    connections.sort_by(|a, b| a.client_id.cmp(&b.client_id));
    let body = ProducerConnection {
        connection_set: connections,
    };
    Ok(RemotingCommand::response_to(req, ResponseCode::Success).with_body(body.encode()))
}
