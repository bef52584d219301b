//! The push consumer as a member of its client instance: its heartbeat part, and what it
//! answers when a broker asks — rebalance now (NOTIFY_CONSUMER_IDS_CHANGED), report yourself
//! (GET_CONSUMER_RUNNING_INFO), move your offsets (RESET_CONSUMER_CLIENT_OFFSET), consume
//! this one message (CONSUME_MESSAGE_DIRECTLY).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use super::{ConsumeResult, Inner};
use crate::instance::Member;
use crate::protocol::body::{
    ConsumeMessageDirectlyResult, ConsumerData, ConsumerRunningInfo, HeartbeatData, JsonBody,
    MessageQueue, ResetOffsetBody, consume_result, running_info_prop,
};
use crate::protocol::message::MessageExt;
use crate::protocol::{RemotingCommand, RequestCode, ResponseCode};
use crate::remoting::Reply;

impl Member for Inner {
    fn heartbeat(&self, hb: &mut HeartbeatData) {
        if self.is_running() {
            hb.consumer_data_set.push(self.consumer_data());
        }
    }

    fn broker_addrs(&self) -> Vec<String> {
        Inner::broker_addrs(self)
    }

    fn serve(self: Arc<Self>, addr: &str, request: RemotingCommand) -> Reply {
        match request.request_code() {
            RequestCode::NotifyConsumerIdsChanged => {
                self.rebalance_now.notify_one();
                Reply::None
            }
            RequestCode::GetConsumerRunningInfo => Reply::Now(
                RemotingCommand::response_to(&request, ResponseCode::Success)
                    .with_body(self.running_info().encode()),
            ),
            RequestCode::ResetConsumerClientOffset => {
                let body = match ResetOffsetBody::decode(&request.body) {
                    Ok(b) => b,
                    Err(e) => {
                        return Reply::Now(
                            RemotingCommand::response_to(&request, ResponseCode::SystemError)
                                .with_remark(format!("bad ResetOffsetBody: {e}")),
                        );
                    }
                };
                tracing::info!(broker = %addr, queues = body.offset_table.0.len(), "offsets reset by the broker");
                Reply::Later(Box::pin(async move {
                    self.reset_offsets(body.offset_table.0).await;
                    Some(RemotingCommand::response_to(
                        &request,
                        ResponseCode::Success,
                    ))
                }))
            }
            RequestCode::ConsumeMessageDirectly => Reply::Later(Box::pin(async move {
                Some(self.consume_directly(&request).await)
            })),
            _ => Reply::Now(RemotingCommand::not_supported(&request)),
        }
    }
}

impl Inner {
    pub(super) fn consumer_data(&self) -> ConsumerData {
        ConsumerData {
            group_name: self.config.group.clone(),
            consume_type: crate::protocol::body::ConsumeType::Passively,
            message_model: self.config.message_model,
            consume_from_where: self.config.consume_from_where,
            subscription_data_set: self.subscriptions.clone(),
            unit_mode: false,
        }
    }

    /// What Apache's `mqadmin consumerStatus` and the dashboard show of a consumer.
    pub(super) fn running_info(&self) -> ConsumerRunningInfo {
        let mut info = ConsumerRunningInfo::default();
        let config = &self.config;
        let props = [
            (
                running_info_prop::NAMESERVER_ADDR,
                self.namesrv().addrs().join(";"),
            ),
            (
                running_info_prop::THREADPOOL_CORE_SIZE,
                config.consume_concurrency.to_string(),
            ),
            (running_info_prop::CONSUME_ORDERLY, "false".into()),
            (running_info_prop::CONSUME_TYPE, "CONSUME_PASSIVELY".into()),
            (
                running_info_prop::CLIENT_VERSION,
                concat!("rocketmq-rust-", env!("CARGO_PKG_VERSION")).into(),
            ),
            (
                running_info_prop::CONSUMER_START_TIMESTAMP,
                self.started_ms.to_string(),
            ),
            ("consumerGroup", config.group.clone()),
            ("messageModel", config.message_model.name().into()),
            ("consumeFromWhere", config.consume_from_where.name().into()),
            ("consumeThreadMin", config.consume_concurrency.to_string()),
            ("consumeThreadMax", config.consume_concurrency.to_string()),
            ("pullBatchSize", config.pull_batch_size.to_string()),
            (
                "consumeMessageBatchMaxSize",
                config.consume_batch_size.to_string(),
            ),
            (
                "pullThresholdForQueue",
                config.pull_threshold_for_queue.to_string(),
            ),
            (
                "pullThresholdSizeForQueue",
                (config.pull_threshold_size_for_queue / (1024 * 1024)).to_string(),
            ),
        ];
        for (k, v) in props {
            info.properties.insert(k.to_string(), v);
        }
        info.subscription_set = self.subscriptions.clone();
        let queues: Vec<_> = self
            .assigned
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(mq, a)| (mq.clone(), a.pq.clone()))
            .collect();
        for (mq, pq) in queues {
            let mut q = pq.info();
            q.commit_offset = self.offsets.get(&mq).unwrap_or(-1);
            info.mq_table.0.insert(mq, q);
        }
        info.status_table = self.stats.status().into_iter().collect();
        info
    }

    /// Moves queues to new offsets: each named queue this consumer holds is released, its
    /// offset replaced and committed, and the next rebalance takes it up from there.
    pub(super) async fn reset_offsets(self: &Arc<Self>, table: BTreeMap<MessageQueue, i64>) {
        let _rebalancing = self.rebalance_lock.lock().await;
        for (mq, offset) in table {
            let released = self
                .assigned
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&mq);
            let addr = match released {
                Some(a) => {
                    a.stop();
                    a.addr
                }
                None => continue,
            };
            self.offsets.update(&mq, offset);
            if !self.broadcasting() {
                self.offsets.persist_queue(self.client(), &addr, &mq).await;
            }
            tracing::info!(queue = ?mq, offset, "offset reset");
        }
        if self.broadcasting() {
            self.offsets.persist_local();
        }
        drop(_rebalancing);
        self.rebalance_now.notify_one();
    }

    /// Hands one message to the listener outside the normal flow (the dashboard's "resend to
    /// this consumer"); the offset is not touched.
    async fn consume_directly(&self, request: &RemotingCommand) -> RemotingCommand {
        let msg = match MessageExt::decode_all(&request.body) {
            Ok(mut msgs) if !msgs.is_empty() => {
                let mut m = msgs.swap_remove(0);
                let _ = m.decompress_body();
                m
            }
            _ => {
                return RemotingCommand::response_to(request, ResponseCode::SystemError)
                    .with_remark("CONSUME_MESSAGE_DIRECTLY carries no readable message");
            }
        };
        let started = Instant::now();
        let listener = self.listener.clone();
        let outcome = tokio::spawn(async move { listener(vec![msg]).await }).await;
        let (result, remark) = match outcome {
            Ok(ConsumeResult::Success) => (consume_result::SUCCESS, None),
            Ok(ConsumeResult::ReconsumeLater | ConsumeResult::ReconsumeLaterAtLevel(_)) => {
                (consume_result::LATER, None)
            }
            Err(e) => (consume_result::THROW_EXCEPTION, Some(e.to_string())),
        };
        let body = ConsumeMessageDirectlyResult {
            order: false,
            auto_commit: true,
            consume_result: result.to_string(),
            remark,
            spent_time_mills: started.elapsed().as_millis() as i64,
        };
        RemotingCommand::response_to(request, ResponseCode::Success).with_body(body.encode())
    }
}
