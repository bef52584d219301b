//! The lite pull consumer as a member of its client instance. Only a subscribing consumer
//! joins its group in heartbeats; an assigning one just shares the connections.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::Inner;
use crate::instance::Member;
use crate::protocol::body::{
    ConsumeType, ConsumerData, ConsumerRunningInfo, HeartbeatData, JsonBody, MessageModel,
    ProcessQueueInfo, ResetOffsetBody, running_info_prop,
};
use crate::protocol::{RemotingCommand, RequestCode, ResponseCode};
use crate::remoting::Reply;

impl Member for Inner {
    fn heartbeat(&self, hb: &mut HeartbeatData) {
        if self.subscribing() && self.running.load(Ordering::Acquire) {
            hb.consumer_data_set.push(ConsumerData {
                group_name: self.config.group.clone(),
                consume_type: ConsumeType::Actively,
                message_model: MessageModel::Clustering,
                consume_from_where: self.config.consume_from_where,
                subscription_data_set: self.subscriptions.clone(),
                unit_mode: false,
            });
        }
    }

    fn broker_addrs(&self) -> Vec<String> {
        Inner::broker_addrs(self)
    }

    fn serve(self: Arc<Self>, _addr: &str, request: RemotingCommand) -> Reply {
        match request.request_code() {
            RequestCode::NotifyConsumerIdsChanged => {
                self.rebalance_due.store(true, Ordering::Release);
                Reply::None
            }
            RequestCode::GetConsumerRunningInfo => Reply::Now(
                RemotingCommand::response_to(&request, ResponseCode::Success)
                    .with_body(self.running_info().encode()),
            ),
            RequestCode::ResetConsumerClientOffset => {
                match ResetOffsetBody::decode(&request.body) {
                    Ok(body) => {
                        let mut state = self.lock();
                        for (mq, offset) in body.offset_table.0 {
                            if let Some(q) = state.queues.get_mut(&mq) {
                                q.offset = offset;
                                q.consumed = offset;
                                // Committed by the next commit, even if it equals the old one.
                                q.committed = -1;
                            }
                        }
                        Reply::Now(RemotingCommand::response_to(
                            &request,
                            ResponseCode::Success,
                        ))
                    }
                    Err(e) => Reply::Now(
                        RemotingCommand::response_to(&request, ResponseCode::SystemError)
                            .with_remark(format!("bad ResetOffsetBody: {e}")),
                    ),
                }
            }
            _ => Reply::Now(RemotingCommand::not_supported(&request)),
        }
    }
}

impl Inner {
    fn running_info(&self) -> ConsumerRunningInfo {
        let mut info = ConsumerRunningInfo::default();
        let instance = self.membership.instance();
        for (k, v) in [
            (
                running_info_prop::NAMESERVER_ADDR,
                instance.namesrv().addrs().join(";"),
            ),
            (running_info_prop::CONSUME_ORDERLY, "false".to_string()),
            (running_info_prop::CONSUME_TYPE, "CONSUME_ACTIVELY".into()),
            (
                running_info_prop::CLIENT_VERSION,
                concat!("rocketmq-rust-", env!("CARGO_PKG_VERSION")).into(),
            ),
            (
                running_info_prop::CONSUMER_START_TIMESTAMP,
                self.started_ms.to_string(),
            ),
            ("consumerGroup", self.config.group.clone()),
            ("pullBatchSize", self.config.pull_batch_size.to_string()),
            ("autoCommit", self.config.auto_commit.to_string()),
        ] {
            info.properties.insert(k.to_string(), v);
        }
        info.subscription_set = self.subscriptions.clone();
        for (mq, q) in &self.lock().queues {
            info.mq_table.0.insert(
                mq.clone(),
                ProcessQueueInfo {
                    commit_offset: q.committed,
                    ..Default::default()
                },
            );
        }
        info
    }
}
