//! VIEW_BROKER_STATS_DATA (315): one stats item's last minute, hour and day (`mqadmin
//! statsAll`, dashboards): `TOPIC_PUT_NUMS` / `TOPIC_PUT_SIZE` of a topic, `GROUP_GET_NUMS` /
//! `GROUP_GET_SIZE` of `topic@group`, `BROKER_PUT_NUMS` / `BROKER_GET_NUMS` of the cluster.

use rocketmq_client::protocol::body::JsonBody;
use rocketmq_client::protocol::header::ViewBrokerStatsDataRequestHeader;
use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

use crate::broker::BrokerState;
use crate::net::{Handled, refuse};

pub(super) fn view(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let h: ViewBrokerStatsDataRequestHeader = req.decode_header()?;
    match state.stats.items.data(&h.stats_name, &h.stats_key) {
        Some(data) => {
            Ok(RemotingCommand::response_to(req, ResponseCode::Success).with_body(data.encode()))
        }
        None => refuse(
            ResponseCode::SystemError,
            format!("The stats <{}> <{}> not exist", h.stats_name, h.stats_key),
        ),
    }
}
