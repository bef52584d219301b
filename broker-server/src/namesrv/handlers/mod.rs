//! One handler per request code (or small family). Each takes the state it needs and the
//! request and returns the response.

mod cluster_info;
mod kv_config;
mod query_data_version;
mod register_broker;
mod route_info;
mod topic_admin;
mod topic_lists;
mod unregister_broker;

use rocketmq_client::protocol::{RemotingCommand, RequestCode};

use super::NamesrvState;
use crate::net::Channel;

pub(super) fn dispatch(
    state: &NamesrvState,
    channel: &Channel,
    req: &RemotingCommand,
) -> RemotingCommand {
    use RequestCode::*;
    match req.request_code() {
        RegisterBroker => register_broker::handle(state, channel, req),
        UnregisterBroker => unregister_broker::handle(state, req),
        QueryDataVersion | BrokerHeartbeat => query_data_version::handle(state, req),
        GetRouteInfoByTopic => route_info::handle(state, req),
        GetBrokerClusterInfo => cluster_info::handle(state, req),
        GetAllTopicListFromNameServer | GetTopicsByCluster | GetSystemTopicListFromNs => {
            topic_lists::handle(state, req)
        }
        DeleteTopicInNamesrv | RegisterTopicInNamesrv => topic_admin::handle(state, req),
        PutKvConfig | GetKvConfig | DeleteKvConfig | GetKvListByNamespace => {
            kv_config::handle(state, req)
        }
        _ => RemotingCommand::not_supported(req),
    }
}
