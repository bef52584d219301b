//! UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200), GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201),
//! DELETE_SUBSCRIPTIONGROUP (207), GET_SUBSCRIPTIONGROUP_CONFIG (352).

use rocketmq_client::protocol::body::{JsonBody, SubscriptionGroupConfig};
use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

use crate::broker::BrokerState;
use crate::net::{Handled, Refusal, refuse};

pub(super) fn update(state: &BrokerState, req: &RemotingCommand) -> Handled {
    match SubscriptionGroupConfig::decode(&req.body) {
        Ok(cfg) if !cfg.group_name.is_empty() => {
            state.groups.upsert(cfg);
            Ok(RemotingCommand::response_to(req, ResponseCode::Success))
        }
        Ok(_) => refuse(ResponseCode::InvalidParameter, "groupName is required"),
        Err(e) => refuse(
            ResponseCode::SystemError,
            format!("bad subscription group body: {e}"),
        ),
    }
}

pub(super) fn all(state: &BrokerState, req: &RemotingCommand) -> Handled {
    Ok(RemotingCommand::response_to(req, ResponseCode::Success)
        .with_body(state.groups.wrapper().encode()))
}

/// Deletes a group's config, and with `removeOffset=true` its offsets too (Apache 4.9.x).
pub(super) fn delete(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let group = group_name(req)?;
    state.groups.delete(&group);
    if req.ext("removeOffset") == Some("true") {
        state.offsets.remove_group(&group);
    }
    Ok(RemotingCommand::response_to(req, ResponseCode::Success))
}

pub(super) fn get(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let group = group_name(req)?;
    match state.groups.get(&group) {
        Some(cfg) => {
            Ok(RemotingCommand::response_to(req, ResponseCode::Success).with_body(cfg.encode()))
        }
        None => refuse(
            ResponseCode::SubscriptionGroupNotExist,
            format!("The consumer group {group} not exist"),
        ),
    }
}

/// `groupName` (DELETE_SUBSCRIPTIONGROUP, GET_SUBSCRIPTIONGROUP_CONFIG) or `group` (5.x).
fn group_name(req: &RemotingCommand) -> Result<String, Refusal> {
    req.ext("groupName")
        .or_else(|| req.ext("group"))
        .map(str::to_string)
        .ok_or_else(|| {
            Refusal::new(
                ResponseCode::SystemError,
                "the request header field `groupName` is missing",
            )
        })
}
