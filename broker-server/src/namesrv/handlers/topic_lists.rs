//! GET_ALL_TOPIC_LIST_FROM_NAMESERVER (206), GET_TOPICS_BY_CLUSTER (224),
//! GET_SYSTEM_TOPIC_LIST_FROM_NS (304).

use rocketmq_client::protocol::body::JsonBody;
use rocketmq_client::protocol::header::ClusterHeader;
use rocketmq_client::protocol::{RemotingCommand, RequestCode, ResponseCode};

use crate::namesrv::NamesrvState;
use crate::net::{bad_header, error_response};

pub(super) fn handle(state: &NamesrvState, req: &RemotingCommand) -> RemotingCommand {
    let list = match req.request_code() {
        RequestCode::GetTopicsByCluster => match req.decode_header::<ClusterHeader>() {
            Ok(h) => state.routes.topics_by_cluster(&h.cluster),
            Err(e) => return bad_header(req, e),
        },
        RequestCode::GetSystemTopicListFromNs => state.routes.system_topics(),
        _ if !state.config.enable_all_topic_list => {
            return error_response(req, ResponseCode::SystemError, "disable");
        }
        _ => state.routes.all_topics(),
    };
    RemotingCommand::response_to(req, ResponseCode::Success).with_body(list.encode())
}
