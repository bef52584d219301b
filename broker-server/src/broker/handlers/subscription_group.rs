//! UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200), GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201),
//! DELETE_SUBSCRIPTIONGROUP (207), GET_SUBSCRIPTIONGROUP_CONFIG (352).

use rocketmq_client::protocol::body::{JsonBody, SubscriptionGroupConfig};
use rocketmq_client::protocol::{RemotingCommand, RequestCode, ResponseCode};

use crate::broker::BrokerState;
use crate::net::{bad_header, error_response};

pub(super) fn handle(state: &BrokerState, req: &RemotingCommand) -> RemotingCommand {
    let ok = RemotingCommand::response_to(req, ResponseCode::Success);
    match req.request_code() {
        RequestCode::UpdateAndCreateSubscriptionGroup => {
            match SubscriptionGroupConfig::decode(&req.body) {
                Ok(cfg) if !cfg.group_name.is_empty() => {
                    state.groups.upsert(cfg);
                    ok
                }
                Ok(_) => {
                    error_response(req, ResponseCode::InvalidParameter, "groupName is required")
                }
                Err(e) => error_response(
                    req,
                    ResponseCode::SystemError,
                    format!("bad subscription group body: {e}"),
                ),
            }
        }
        RequestCode::GetAllSubscriptionGroupConfig => ok.with_body(state.groups.wrapper().encode()),
        code => {
            let Some(group) = req
                .ext("groupName")
                .or_else(|| req.ext("group"))
                .map(str::to_string)
            else {
                return bad_header(req, "the request header field `groupName` is missing");
            };
            if code == RequestCode::DeleteSubscriptionGroup {
                state.groups.delete(&group);
                return ok;
            }
            match state.groups.get(&group) {
                Some(cfg) => ok.with_body(cfg.encode()),
                None => error_response(
                    req,
                    ResponseCode::SubscriptionGroupNotExist,
                    format!("The consumer group {group} not exist"),
                ),
            }
        }
    }
}
