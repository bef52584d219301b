//! QUERY_TOPIC_CONSUME_BY_WHO (300): the groups consuming a topic (`mqadmin queryMsgById`'s
//! "consumed by" list, `topicStatus`-adjacent tools, the dashboard's topic page); and
//! GET_SYSTEM_TOPIC_LIST_FROM_BROKER (305): the topics the broker keeps for itself.

use std::collections::BTreeSet;

use rocketmq_client::protocol::body::{GroupList, JsonBody, TopicList};
use rocketmq_client::protocol::header::TopicHeader;
use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

use crate::broker::BrokerState;
use crate::broker::topics::system_topics;
use crate::net::Handled;

/// Groups with a member subscribed to the topic, and groups with offsets on it (Apache's
/// union of the consumer table and the offset table).
pub(super) fn consumed_by(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let h: TopicHeader = req.decode_header()?;
    let mut groups: BTreeSet<String> = state
        .consumers
        .groups_of_topic(&h.topic)
        .into_iter()
        .collect();
    groups.extend(state.offsets.groups_of_topic(&h.topic));
    let body = GroupList {
        group_list: groups.into_iter().collect(),
    };
    Ok(RemotingCommand::response_to(req, ResponseCode::Success).with_body(body.encode()))
}

pub(super) fn system(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let body = TopicList {
        broker_addr: None,
        topic_list: system_topics(&state.config),
    };
    Ok(RemotingCommand::response_to(req, ResponseCode::Success).with_body(body.encode()))
}
