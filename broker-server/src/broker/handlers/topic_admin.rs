//! UPDATE_AND_CREATE_TOPIC (17), DELETE_TOPIC_IN_BROKER (215), GET_ALL_TOPIC_CONFIG (21),
//! GET_TOPIC_CONFIG (351).

use rocketmq_client::protocol::body::JsonBody;
use rocketmq_client::protocol::header::{CreateTopicRequestHeader, TopicHeader};
use rocketmq_client::protocol::{RemotingCommand, RequestCode, ResponseCode};

use crate::broker::BrokerState;
use crate::broker::topics::{
    AUTO_CREATE_TOPIC_KEY, is_send_forbidden, topic_config, validate_topic,
};
use crate::net::{bad_header, error_response};

pub(super) async fn handle(state: &BrokerState, req: &RemotingCommand) -> RemotingCommand {
    match req.request_code() {
        RequestCode::UpdateAndCreateTopic => create(state, req).await,
        RequestCode::GetAllTopicConfig => RemotingCommand::response_to(req, ResponseCode::Success)
            .with_body(state.topics.wrapper().encode()),
        code => {
            let h: TopicHeader = match req.decode_header() {
                Ok(h) => h,
                Err(e) => return bad_header(req, e),
            };
            if code == RequestCode::GetTopicConfig {
                return match state.topics.get(&h.topic) {
                    Some(cfg) => RemotingCommand::response_to(req, ResponseCode::Success)
                        .with_body(serde_json::to_vec(&cfg).expect("topic config serializes")),
                    None => error_response(
                        req,
                        ResponseCode::TopicNotExist,
                        format!("No topic in this broker. topic: {}", h.topic),
                    ),
                };
            }
            delete(state, req, &h.topic).await
        }
    }
}

async fn create(state: &BrokerState, req: &RemotingCommand) -> RemotingCommand {
    let h: CreateTopicRequestHeader = match req.decode_header() {
        Ok(h) => h,
        Err(e) => return bad_header(req, e),
    };
    if let Err(reason) = validate_topic(&h.topic) {
        return error_response(req, ResponseCode::InvalidParameter, reason);
    }
    if h.topic == state.config.broker_cluster_name
        || h.topic == state.config.broker_name
        || is_send_forbidden(&h.topic)
    {
        return error_response(
            req,
            ResponseCode::InvalidParameter,
            format!("The topic[{}] is conflict with system topic.", h.topic),
        );
    }
    if h.read_queue_nums <= 0
        || h.write_queue_nums <= 0
        || h.read_queue_nums > 1024
        || h.write_queue_nums > 1024
    {
        return error_response(
            req,
            ResponseCode::InvalidParameter,
            "queue numbers must be between 1 and 1024",
        );
    }
    if h.topic_filter_type != "SINGLE_TAG" && h.topic_filter_type != "MULTI_TAG" {
        return error_response(
            req,
            ResponseCode::InvalidParameter,
            format!("unknown topicFilterType {}", h.topic_filter_type),
        );
    }
    let cfg = topic_config(
        &h.topic,
        h.read_queue_nums,
        h.write_queue_nums,
        h.perm,
        &h.topic_filter_type,
        h.topic_sys_flag.unwrap_or(0),
        h.order,
    );
    state.topics.upsert(cfg);
    state.registrar.register_now().await;
    tracing::info!(topic = %h.topic, read = h.read_queue_nums, write = h.write_queue_nums, perm = h.perm, "topic created or updated");
    RemotingCommand::response_to(req, ResponseCode::Success)
}

async fn delete(state: &BrokerState, req: &RemotingCommand, topic: &str) -> RemotingCommand {
    if topic.trim().is_empty() || topic == AUTO_CREATE_TOPIC_KEY || is_send_forbidden(topic) {
        return error_response(
            req,
            ResponseCode::InvalidParameter,
            format!("The topic[{topic}] is a system topic and cannot be deleted"),
        );
    }
    state.topics.delete(topic);
    state.offsets.remove_topic(topic);
    state.store.delete_topic(topic);
    state.registrar.register_now().await;
    tracing::info!(topic, "topic deleted");
    RemotingCommand::response_to(req, ResponseCode::Success)
}
