//! One handler per request code (or small family): each returns [`Handled`](crate::net::Handled), and a
//! [`Refusal`](crate::net::Refusal) becomes the answer here, in one place.

mod broker_config;
mod broker_stats;
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
mod queue_admin;
mod queue_offset;
mod reply_message;
mod reset_offset;
mod runtime_info;
mod send_back;
mod send_message;
mod stats;
mod subscription_group;
mod topic_admin;
mod topic_lists;
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
        SendMessage | SendMessageV2 => send_message::handle(state, channel, &req, false).await,
        SendBatchMessage => send_message::handle(state, channel, &req, true).await,
        // Apache's fast (VIP) port does not serve pulls.
        PullMessage | LitePullMessage if vip => Ok(RemotingCommand::not_supported(&req)),
        PullMessage | LitePullMessage => pull_message::handle(state, &req).await,
        QueryConsumerOffset => consumer_offset::query(state, &req),
        UpdateConsumerOffset => consumer_offset::update(state, &req),
        GetAllConsumerOffset => consumer_offset::all(state, &req),
        GetMaxOffset => queue_offset::max(state, &req),
        GetMinOffset => queue_offset::min(state, &req),
        GetEarliestMsgStoreTime => queue_offset::earliest_store_time(state, &req),
        SearchOffsetByTimestamp => queue_offset::search_by_time(state, &req),
        SendReplyMessage | SendReplyMessageV2 => reply_message::handle(state, channel, &req).await,
        ConsumerSendMsgBack => send_back::handle(state, &req).await,
        EndTransaction => end_transaction::handle(state, &req).await,
        HeartBeat => heartbeat::handle(state, channel, &req),
        UnregisterClient => unregister_client::handle(state, channel, &req),
        GetConsumerListByGroup => consumer_list::handle(state, &req),
        UpdateAndCreateTopic => topic_admin::create(state, &req).await,
        DeleteTopicInBroker => topic_admin::delete(state, &req).await,
        GetAllTopicConfig => topic_admin::all(state, &req),
        GetTopicConfig => topic_admin::get(state, &req),
        UpdateAndCreateSubscriptionGroup => subscription_group::update(state, &req),
        GetAllSubscriptionGroupConfig => subscription_group::all(state, &req),
        DeleteSubscriptionGroup => subscription_group::delete(state, &req),
        GetSubscriptionGroupConfig => subscription_group::get(state, &req),
        GetBrokerRuntimeInfo => runtime_info::handle(state, &req),
        GetBrokerConfig => broker_config::get(state, &req),
        UpdateBrokerConfig => broker_config::update(state, &req),
        GetBrokerHaStatus => ha_status::handle(state, &req),
        ViewMessageById => view_message::handle(state, &req),
        QueryMessage => query_message::handle(state, &req),
        GetTopicStatsInfo => stats::topic_stats(state, &req),
        GetConsumeStats => stats::consume_stats(state, &req),
        GetBrokerConsumeStats => stats::broker_consume_stats(state, &req),
        ViewBrokerStatsData => broker_stats::view(state, &req),
        GetConsumerConnectionList => connections::consumers(state, &req),
        GetProducerConnectionList => connections::producers(state, &req),
        GetConsumerRunningInfo => call_consumer::running_info(state, &req).await,
        ConsumeMessageDirectly => call_consumer::consume_directly(state, &req).await,
        InvokeBrokerToResetOffset => reset_offset::handle(state, &req),
        GetAllDelayOffset => delay_offset::handle(state, &req),
        QueryTopicConsumeByWho => topic_lists::consumed_by(state, &req),
        CloneGroupOffset => queue_admin::clone_offsets(state, &req),
        QueryConsumeTimeSpan => queue_admin::time_span(state, &req),
        QueryConsumeQueue => queue_admin::query_consume_queue(state, &req),
        CleanExpiredConsumeQueue => queue_admin::clean_expired_queues(state, &req),
        CleanUnusedTopic => queue_admin::clean_unused_topics(state, &req),
        GetSystemTopicListFromBroker => topic_lists::system(state, &req),
        CheckClientConfig => check_client::handle(state, &req),
        LockBatchMq => lock_batch::lock(state, &req),
        UnlockBatchMq => lock_batch::unlock(state, &req),
        _ => Ok(RemotingCommand::not_supported(&req)),
    };
    Some(resp.unwrap_or_else(|refusal| refusal.answer(&req)))
}
