//! GET_ALL_TOPIC_LIST_FROM_NAMESERVER (206), GET_TOPICS_BY_CLUSTER (224),
//! GET_SYSTEM_TOPIC_LIST_FROM_NS (304).

use rocketmq_client::protocol::body::JsonBody;
use rocketmq_client::protocol::header::ClusterHeader;
use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

use crate::namesrv::NamesrvState;
use crate::net::{Handled, refuse};

pub(super) fn all(state: &NamesrvState, req: &RemotingCommand) -> Handled {
    if !state.live.enable_all_topic_list() {
        return refuse(ResponseCode::SystemError, "disable");
    }
    Ok(RemotingCommand::response_to(req, ResponseCode::Success)
        .with_body(state.routes.all_topics().encode()))
}

pub(super) fn by_cluster(state: &NamesrvState, req: &RemotingCommand) -> Handled {
    let h: ClusterHeader = req.decode_header()?;
    Ok(RemotingCommand::response_to(req, ResponseCode::Success)
        .with_body(state.routes.topics_by_cluster(&h.cluster).encode()))
}

pub(super) fn system(state: &NamesrvState, req: &RemotingCommand) -> Handled {
    Ok(RemotingCommand::response_to(req, ResponseCode::Success)
        .with_body(state.routes.system_topics().encode()))
}
