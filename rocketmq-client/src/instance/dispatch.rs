//! Requests brokers send on a client's connections, handed to the group they name.
//!
//! Replies to requests go to the instance's reply table. Consumer requests name their group in a header field (`consumerGroup` or `group`);
//! CHECK_TRANSACTION_STATE names none, so the producer group comes from the half message's
//! `PGROUP` property.

use std::sync::Weak;

use super::{Role, Shared};
use crate::protocol::message::{MessageExt, property};
use crate::protocol::{RemotingCommand, RequestCode, ResponseCode};
use crate::remoting::{Reply, RequestHandler};

pub(super) struct Dispatcher {
    pub(super) shared: Weak<Shared>,
}

impl RequestHandler for Dispatcher {
    fn handle(&self, addr: &str, request: RemotingCommand) -> Reply {
        let Some(shared) = self.shared.upgrade() else {
            return Reply::None;
        };
        let oneway = request.is_oneway();
        let target = match request.request_code() {
            RequestCode::PushReplyMessageToClient => {
                return Reply::Now(shared.replies.deliver(&request));
            }
            RequestCode::NotifyConsumerIdsChanged
            | RequestCode::GetConsumerRunningInfo
            | RequestCode::ConsumeMessageDirectly => request
                .ext("consumerGroup")
                .map(|g| (Role::Consumer, g.to_string())),
            RequestCode::ResetConsumerClientOffset | RequestCode::GetConsumerStatusFromClient => {
                request
                    .ext("group")
                    .map(|g| (Role::Consumer, g.to_string()))
            }
            RequestCode::CheckTransactionState => {
                producer_group(&request).map(|g| (Role::Producer, g))
            }
            _ => {
                tracing::debug!(code = request.code, %addr, "request from broker not served by this client");
                return (!oneway)
                    .then(|| RemotingCommand::not_supported(&request))
                    .into();
            }
        };
        let Some((role, group)) = target else {
            return (!oneway)
                .then(|| {
                    RemotingCommand::response_to(&request, ResponseCode::SystemError)
                        .with_remark("the request names no group")
                })
                .into();
        };
        match shared.member(role, &group) {
            Some(member) => member.serve(addr, request),
            None => {
                tracing::debug!(code = request.code, %group, "request for a group not in this client");
                (!oneway)
                    .then(|| {
                        RemotingCommand::response_to(&request, ResponseCode::SystemError)
                            .with_remark(format!(
                                "The Consumer Group <{group}> not exist in this consumer"
                            ))
                    })
                    .into()
            }
        }
    }
}

/// The producer group of a CHECK_TRANSACTION_STATE's half message.
fn producer_group(request: &RemotingCommand) -> Option<String> {
    let msgs = MessageExt::decode_all(&request.body).ok()?;
    msgs.first()?
        .message
        .property(property::PRODUCER_GROUP)
        .map(str::to_string)
}
