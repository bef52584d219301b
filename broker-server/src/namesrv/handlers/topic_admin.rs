//! DELETE_TOPIC_IN_NAMESRV (216) and REGISTER_TOPIC_IN_NAMESRV (217).

use rocketmq_client::protocol::body::{JsonBody, TopicRouteData};
use rocketmq_client::protocol::header::DeleteTopicInNamesrvHeader;
use rocketmq_client::protocol::{RemotingCommand, RequestCode, ResponseCode};

use crate::namesrv::NamesrvState;
use crate::net::{bad_header, error_response};

pub(super) fn handle(state: &NamesrvState, req: &RemotingCommand) -> RemotingCommand {
    let h: DeleteTopicInNamesrvHeader = match req.decode_header() {
        Ok(h) => h,
        Err(e) => return bad_header(req, e),
    };
    if req.request_code() == RequestCode::RegisterTopicInNamesrv {
        match TopicRouteData::decode(&req.body) {
            Ok(route) => state.routes.register_topic(&h.topic, route.queue_datas),
            Err(e) => {
                return error_response(
                    req,
                    ResponseCode::SystemError,
                    format!("bad route body: {e}"),
                );
            }
        }
    } else {
        state.routes.delete_topic(
            &h.topic,
            h.cluster_name.as_deref().filter(|c| !c.is_empty()),
        );
    }
    RemotingCommand::response_to(req, ResponseCode::Success)
}
