//! DELETE_TOPIC_IN_NAMESRV (216) and REGISTER_TOPIC_IN_NAMESRV (217).

use rocketmq_client::protocol::body::{JsonBody, TopicRouteData};
use rocketmq_client::protocol::header::DeleteTopicInNamesrvHeader;
use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

use crate::namesrv::NamesrvState;
use crate::net::{Handled, refuse};

pub(super) fn register(state: &NamesrvState, req: &RemotingCommand) -> Handled {
    let h: DeleteTopicInNamesrvHeader = req.decode_header()?;
    match TopicRouteData::decode(&req.body) {
        Ok(route) => state.routes.register_topic(&h.topic, route.queue_datas),
        Err(e) => return refuse(ResponseCode::SystemError, format!("bad route body: {e}")),
    }
    Ok(RemotingCommand::response_to(req, ResponseCode::Success))
}

pub(super) fn delete(state: &NamesrvState, req: &RemotingCommand) -> Handled {
    let h: DeleteTopicInNamesrvHeader = req.decode_header()?;
    state.routes.delete_topic(
        &h.topic,
        h.cluster_name.as_deref().filter(|c| !c.is_empty()),
    );
    Ok(RemotingCommand::response_to(req, ResponseCode::Success))
}
