//! Reading a queue's messages through admin requests (its consume-queue entries, then each
//! message by offset id), without registering a consumer: `mqadmin printMsg` and the
//! dashboard's "messages by topic and time".

use super::Admin;
use crate::consumer::queries::offset_at;
use crate::error::{ClientError, Result};
use crate::protocol::body::MessageQueue;
use crate::protocol::message::{MessageExt, offset_msg_id};

/// Entries asked for per QUERY_CONSUME_QUEUE.
const BATCH: i32 = 32;

impl Admin {
    /// A queue's first and end offsets on the broker at `addr` ((0, 0) for a queue nothing was
    /// sent to yet).
    pub async fn queue_range(&self, addr: &str, mq: &MessageQueue) -> Result<(i64, i64)> {
        match self
            .query_consume_queue(addr, &mq.topic, mq.queue_id, 0, 0, None)
            .await
        {
            Ok(first) => Ok((first.min_queue_index, first.max_queue_index)),
            // A queue nothing was ever sent to has no consume queue yet: it is empty.
            Err(ClientError::Remote { remark, .. }) if remark.ends_with("is not exist!") => {
                Ok((0, 0))
            }
            Err(e) => Err(e),
        }
    }

    /// The first offset of a queue stored at or after `timestamp` (ms; −1: the queue's end).
    pub async fn queue_offset_at(
        &self,
        addr: &str,
        mq: &MessageQueue,
        timestamp: i64,
    ) -> Result<i64> {
        offset_at(&self.client, addr, mq, timestamp).await
    }

    /// The messages at offsets `[from, to)` of a queue, oldest first, bodies decompressed.
    pub async fn read_queue(
        &self,
        addr: &str,
        mq: &MessageQueue,
        from: i64,
        to: i64,
    ) -> Result<Vec<MessageExt>> {
        let store: std::net::SocketAddr = addr.parse().map_err(|_| {
            ClientError::InvalidMessage(format!("broker address `{addr}` is not ip:port"))
        })?;
        let mut out = Vec::new();
        let mut offset = from;
        while offset < to {
            let count = (to - offset).min(i64::from(BATCH)) as i32;
            let cq = self
                .query_consume_queue(addr, &mq.topic, mq.queue_id, offset, count, None)
                .await?;
            if cq.queue_data.is_empty() {
                break;
            }
            for e in &cq.queue_data {
                out.push(
                    self.view_message(&offset_msg_id(&store, e.physic_offset))
                        .await?,
                );
            }
            offset += cq.queue_data.len() as i64;
        }
        Ok(out)
    }
}
