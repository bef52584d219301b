//! Moving a group's offsets to a point in time (`mqadmin resetOffsetByTime`, the dashboard's
//! "reset offset").
//!
//! ```no_run
//! # async fn demo() -> rocketmq_client::Result<()> {
//! use rocketmq_client::admin::Admin;
//!
//! let admin = Admin::connect(Some("127.0.0.1:9876"))?;
//! // Replay the last hour.
//! let an_hour_ago = rocketmq_client::protocol::now_millis() - 3_600_000;
//! let reset = admin
//!     .reset_offset_by_time("please_rename_unique_group_name_4", "TopicTest", an_hour_ago, true)
//!     .await?;
//! println!("{} queues moved", reset.offsets.len());
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;

use super::Admin;
use crate::consumer::queries::{committed_offset, offset_at};
use crate::error::{ClientError, Result};
use crate::protocol::body::{JsonBody, MessageQueue, ResetOffsetBody};
use crate::protocol::header::{ResetOffsetRequestHeader, UpdateConsumerOffsetRequestHeader};
use crate::protocol::{RemotingCommand, RequestCode, ResponseCode};

/// What a reset did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OffsetReset {
    /// The new offset of every queue of the topic.
    pub offsets: BTreeMap<MessageQueue, i64>,
    /// The queues of brokers where no consumer of the group was online: their offsets were
    /// written directly, and this is how each moved (Apache's `RollbackStats`). Empty when
    /// every broker told its online consumers.
    pub written: Vec<Rollback>,
}

/// One queue whose offset was written directly (`RollbackStats`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rollback {
    /// The queue.
    pub queue: MessageQueue,
    /// The queue's end when it was reset.
    pub broker_offset: i64,
    /// The group's offset before (−1 if it had none).
    pub consumer_offset: i64,
    /// The offset the timestamp points at.
    pub timestamp_offset: i64,
    /// The offset written.
    pub rollback_offset: i64,
}

impl Admin {
    /// Moves `group`'s offsets on `topic` to the first message stored at or after
    /// `timestamp` (ms; −1 for the end of each queue) on every broker of the topic.
    /// Without `force`, offsets only move back. Online consumers are told to move; on a
    /// broker where no one of the group is online the offsets are written directly, as
    /// Apache's `resetOffsetByTimestampOld` does.
    pub async fn reset_offset_by_time(
        &self,
        group: &str,
        topic: &str,
        timestamp: i64,
        force: bool,
    ) -> Result<OffsetReset> {
        let route = self.topic_route(topic).await?;
        let mut reset = OffsetReset::default();
        for broker in &route.broker_datas {
            let Some(addr) = broker.master_addr() else {
                continue;
            };
            let header = ResetOffsetRequestHeader {
                topic: topic.to_string(),
                group: group.to_string(),
                timestamp,
                is_force: force,
                queue_id: None,
                offset: None,
            };
            let req =
                RemotingCommand::request_with(RequestCode::InvokeBrokerToResetOffset, &header);
            match self.call(addr, req).await {
                Ok(resp) => {
                    let body = ResetOffsetBody::decode(&resp.body)
                        .map_err(|e| ClientError::body(addr, e))?;
                    reset.offsets.extend(body.offset_table.0);
                }
                Err(ClientError::Remote {
                    code: ResponseCode::ConsumerNotOnline,
                    ..
                }) => {
                    let queues = route
                        .queues_of(&broker.broker_name)
                        .map_or(0, |q| q.write_queue_nums);
                    for queue_id in 0..queues {
                        let mq = MessageQueue::new(topic, &broker.broker_name, queue_id);
                        let done = self
                            .reset_queue_offline(addr, group, mq, timestamp, force)
                            .await?;
                        reset
                            .offsets
                            .insert(done.queue.clone(), done.rollback_offset);
                        reset.written.push(done);
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Ok(reset)
    }

    /// Apache's fallback for a group with no one online: compute and write one offset.
    async fn reset_queue_offline(
        &self,
        addr: &str,
        group: &str,
        queue: MessageQueue,
        timestamp: i64,
        force: bool,
    ) -> Result<Rollback> {
        let target = offset_at(&self.client, addr, &queue, timestamp).await?;
        let end = offset_at(&self.client, addr, &queue, -1).await?;
        let current = committed_offset(&self.client, addr, group, &queue, false).await?;
        let offset = match current {
            Some(c) if !force && target >= c => c,
            _ => target,
        };
        let h = UpdateConsumerOffsetRequestHeader {
            consumer_group: group.to_string(),
            topic: queue.topic.clone(),
            queue_id: queue.queue_id,
            commit_offset: offset,
        };
        self.call(
            addr,
            RemotingCommand::request_with(RequestCode::UpdateConsumerOffset, &h),
        )
        .await?;
        Ok(Rollback {
            queue,
            broker_offset: end,
            consumer_offset: current.unwrap_or(-1),
            timestamp_offset: target,
            rollback_offset: offset,
        })
    }
}
