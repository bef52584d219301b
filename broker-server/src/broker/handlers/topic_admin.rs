//! UPDATE_AND_CREATE_TOPIC (17), DELETE_TOPIC_IN_BROKER (215), GET_ALL_TOPIC_CONFIG (21),
//! GET_TOPIC_CONFIG (351).

use rocketmq_client::protocol::body::JsonBody;
use rocketmq_client::protocol::header::{CreateTopicRequestHeader, TopicHeader};
use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

use crate::broker::BrokerState;
use crate::broker::topics::{
    AUTO_CREATE_TOPIC_KEY, is_send_forbidden, topic_config, validate_topic,
};
use crate::net::{Handled, refuse};

pub(super) fn all(state: &BrokerState, req: &RemotingCommand) -> Handled {
    Ok(RemotingCommand::response_to(req, ResponseCode::Success)
        .with_body(state.topics.wrapper().encode()))
}

pub(super) fn get(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let h: TopicHeader = req.decode_header()?;
    match state.topics.get(&h.topic) {
        Some(cfg) => Ok(RemotingCommand::response_to(req, ResponseCode::Success)
            .with_body(serde_json::to_vec(&cfg).expect("topic config serializes"))),
        None => refuse(
            ResponseCode::TopicNotExist,
            format!("No topic in this broker. topic: {}", h.topic),
        ),
    }
}

pub(super) async fn create(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let h: CreateTopicRequestHeader = req.decode_header()?;
    if let Err(reason) = validate_topic(&h.topic) {
        return refuse(ResponseCode::InvalidParameter, reason);
    }
    if h.topic == state.config.broker_cluster_name
        || h.topic == state.config.broker_name
        || is_send_forbidden(&h.topic)
    {
        return refuse(
            ResponseCode::InvalidParameter,
            format!("The topic[{}] is conflict with system topic.", h.topic),
        );
    }
    if h.read_queue_nums <= 0
        || h.write_queue_nums <= 0
        || h.read_queue_nums > 1024
        || h.write_queue_nums > 1024
    {
        return refuse(
            ResponseCode::InvalidParameter,
            "queue numbers must be between 1 and 1024",
        );
    }
    if h.topic_filter_type != "SINGLE_TAG" && h.topic_filter_type != "MULTI_TAG" {
        return refuse(
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
    Ok(RemotingCommand::response_to(req, ResponseCode::Success))
}

pub(super) async fn delete(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let h: TopicHeader = req.decode_header()?;
    let topic = h.topic.as_str();
    if topic.trim().is_empty() || topic == AUTO_CREATE_TOPIC_KEY || is_send_forbidden(topic) {
        return refuse(
            ResponseCode::InvalidParameter,
            format!("The topic[{topic}] is a system topic and cannot be deleted"),
        );
    }
    state.topics.delete(topic);
    state.offsets.remove_topic(topic);
    state.store.delete_topic(topic);
    state.registrar.register_now().await;
    tracing::info!(topic, "topic deleted");
    Ok(RemotingCommand::response_to(req, ResponseCode::Success))
}
