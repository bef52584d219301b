//! One handler per request code (or small family).

mod call_consumer;
mod check_client;
mod connections;
mod consumer_list;
mod consumer_offset;
mod delay_offset;
mod end_transaction;
mod ha_status;
mod heartbeat;
mod lock_batch;
mod pull_message;
mod query_message;
mod queue_offset;
mod reply_message;
mod reset_offset;
mod runtime_info;
mod send_back;
mod send_message;
mod stats;
mod subscription_group;
mod topic_admin;
mod unregister_client;
mod view_message;

use rocketmq_client::protocol::{RemotingCommand, RequestCode};

use super::BrokerState;
use crate::net::Channel;

pub(super) async fn dispatch(
    state: &BrokerState,
    channel: &Channel,
    req: RemotingCommand,
    vip: bool,
) -> Option<RemotingCommand> {
    use RequestCode::*;
    tracing::trace!(code = req.code, language = ?req.language, version = req.version, ext = ?req.ext_fields, "request");
    let resp = match req.request_code() {
        SendMessage | SendMessageV2 | SendBatchMessage => {
            send_message::handle(state, channel, &req).await
        }
        // Apache's fast (VIP) port does not serve pulls.
        PullMessage | LitePullMessage if vip => RemotingCommand::not_supported(&req),
        PullMessage | LitePullMessage => pull_message::handle(state, &req).await,
        QueryConsumerOffset | UpdateConsumerOffset | GetAllConsumerOffset => {
            consumer_offset::handle(state, &req)
        }
        GetMaxOffset | GetMinOffset | GetEarliestMsgStoreTime | SearchOffsetByTimestamp => {
            queue_offset::handle(state, &req)
        }
        SendReplyMessage | SendReplyMessageV2 => reply_message::handle(state, channel, &req).await,
        ConsumerSendMsgBack => send_back::handle(state, &req).await,
        EndTransaction => end_transaction::handle(state, &req).await,
        HeartBeat => heartbeat::handle(state, channel, &req),
        UnregisterClient => unregister_client::handle(state, channel, &req),
        GetConsumerListByGroup => consumer_list::handle(state, &req),
        UpdateAndCreateTopic | DeleteTopicInBroker | GetAllTopicConfig | GetTopicConfig => {
            topic_admin::handle(state, &req).await
        }
        UpdateAndCreateSubscriptionGroup
        | GetAllSubscriptionGroupConfig
        | DeleteSubscriptionGroup
        | GetSubscriptionGroupConfig => subscription_group::handle(state, &req),
        GetBrokerRuntimeInfo => runtime_info::handle(state, &req),
        GetBrokerHaStatus => ha_status::handle(state, &req),
        ViewMessageById => view_message::handle(state, &req),
        QueryMessage => query_message::handle(state, &req),
        GetTopicStatsInfo | GetConsumeStats | GetBrokerConsumeStats => stats::handle(state, &req),
        GetConsumerConnectionList | GetProducerConnectionList => connections::handle(state, &req),
        GetConsumerRunningInfo | ConsumeMessageDirectly => call_consumer::handle(state, &req).await,
        InvokeBrokerToResetOffset => reset_offset::handle(state, &req),
        GetAllDelayOffset => delay_offset::handle(state, &req),
        CheckClientConfig => check_client::handle(state, &req),
        LockBatchMq | UnlockBatchMq => lock_batch::handle(state, &req),
        _ => RemotingCommand::not_supported(&req),
    };
    Some(resp)
}
