//! One handler per request code (or small family). Each takes the state it needs and the
//! request and returns [`Handled`](crate::net::Handled); a refusal is answered here.

mod cluster_info;
mod kv_config;
mod namesrv_config;
mod query_data_version;
mod register_broker;
mod route_info;
mod topic_admin;
mod topic_lists;
mod unregister_broker;
mod write_perm;

use rocketmq_client::protocol::{RemotingCommand, RequestCode};

use super::NamesrvState;
use crate::net::Channel;

pub(super) fn dispatch(
    state: &NamesrvState,
    channel: &Channel,
    req: &RemotingCommand,
) -> RemotingCommand {
    use RequestCode::*;
    let resp = match req.request_code() {
        RegisterBroker => register_broker::handle(state, channel, req),
        UnregisterBroker => unregister_broker::handle(state, req),
        QueryDataVersion => query_data_version::query(state, req),
        BrokerHeartbeat => query_data_version::heartbeat(state, req),
        GetRouteInfoByTopic => route_info::handle(state, req),
        GetBrokerClusterInfo => cluster_info::handle(state, req),
        GetAllTopicListFromNameServer => topic_lists::all(state, req),
        GetTopicsByCluster => topic_lists::by_cluster(state, req),
        GetSystemTopicListFromNs => topic_lists::system(state, req),
        DeleteTopicInNamesrv => topic_admin::delete(state, req),
        RegisterTopicInNamesrv => topic_admin::register(state, req),
        PutKvConfig => kv_config::put(state, req),
        GetKvConfig => kv_config::get(state, req),
        DeleteKvConfig => kv_config::delete(state, req),
        GetKvListByNamespace => kv_config::list(state, req),
        WipeWritePermOfBroker => write_perm::wipe(state, req),
        AddWritePermOfBroker => write_perm::add(state, req),
        GetNamesrvConfig => namesrv_config::get(state, req),
        UpdateNamesrvConfig => namesrv_config::update(state, req),
        _ => Ok(RemotingCommand::not_supported(req)),
    };
    resp.unwrap_or_else(|refusal| refusal.answer(req))
}
