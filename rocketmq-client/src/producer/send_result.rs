//! What a send returns.

use std::fmt;

use crate::protocol::body::MessageQueue;

/// How the broker stored the message. Anything but `SendOk` still means stored, with a caveat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendStatus {
    /// Stored (and flushed or replicated, if the broker waits for that).
    SendOk,
    /// SYNC_FLUSH did not finish in time.
    FlushDiskTimeout,
    /// SYNC_MASTER's slave did not confirm in time.
    FlushSlaveTimeout,
    /// SYNC_MASTER has no slave to replicate to.
    SlaveNotAvailable,
}

impl SendStatus {
    /// Java's enum name.
    pub fn name(self) -> &'static str {
        match self {
            SendStatus::SendOk => "SEND_OK",
            SendStatus::FlushDiskTimeout => "FLUSH_DISK_TIMEOUT",
            SendStatus::FlushSlaveTimeout => "FLUSH_SLAVE_TIMEOUT",
            SendStatus::SlaveNotAvailable => "SLAVE_NOT_AVAILABLE",
        }
    }
}

/// The outcome of a send (`SendResult`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendResult {
    /// How it was stored.
    pub status: SendStatus,
    /// The client-generated unique key (what Java calls `msgId`).
    pub msg_id: String,
    /// The broker's id: store address + commit-log offset.
    pub offset_msg_id: String,
    /// The queue it went to.
    pub message_queue: MessageQueue,
    /// Its offset in that queue.
    pub queue_offset: i64,
    /// The transaction id the broker reports (the unique key for transactional sends).
    pub transaction_id: Option<String>,
    /// The broker's region (`DefaultRegion` unless configured).
    pub region_id: String,
}

impl fmt::Display for SendResult {
    /// Java's `toString`, which the tutorial prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SendResult [sendStatus={}, msgId={}, offsetMsgId={}, messageQueue=MessageQueue [topic={}, brokerName={}, queueId={}], queueOffset={}]",
            self.status.name(),
            self.msg_id,
            self.offset_msg_id,
            self.message_queue.topic,
            self.message_queue.broker_name,
            self.message_queue.queue_id,
            self.queue_offset
        )
    }
}
