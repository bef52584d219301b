//! What a put hands the store, and what it gets back.

use std::net::SocketAddr;

use bytes::Bytes;
use rocketmq_client::protocol::message::sys_flag;

use super::error::StoreError;

/// One message to store.
#[derive(Debug, Clone)]
pub struct PutMessage {
    pub topic: String,
    pub queue_id: i32,
    pub flag: i32,
    pub sys_flag: i32,
    pub born_timestamp: i64,
    pub born_host: SocketAddr,
    pub store_host: SocketAddr,
    pub reconsume_times: i32,
    pub prepared_transaction_offset: i64,
    pub body: Bytes,
    /// Encoded properties.
    pub properties: String,
    /// Keeps the original store time (re-puts of delayed or committed messages); `None` = now.
    pub store_timestamp: Option<i64>,
}

impl PutMessage {
    pub(crate) fn encoded_size(&self) -> usize {
        rocketmq_client::protocol::message::record::record_size(
            self.topic.len(),
            self.body.len(),
            self.properties.len(),
            &self.born_host,
            &self.store_host,
        )
    }

    /// Whether the record gets a consume-queue offset (prepared and rolled-back transaction
    /// records do not).
    pub(crate) fn takes_queue_offset(&self) -> bool {
        matches!(
            sys_flag::transaction_type(self.sys_flag),
            sys_flag::TRANSACTION_NOT_TYPE | sys_flag::TRANSACTION_COMMIT_TYPE
        )
    }
}

/// Where an append landed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendResult {
    /// Commit-log offset of the first record.
    pub wrote_offset: i64,
    /// Bytes written (all records).
    pub wrote_bytes: usize,
    /// Consume-queue offset of the first record.
    pub queue_offset: i64,
    pub store_timestamp: i64,
    /// Commit-log offset of each record.
    pub record_offsets: Vec<i64>,
}

/// A put that was stored, and where.
#[derive(Debug, Clone)]
pub struct Stored {
    pub append: AppendResult,
    /// SYNC_FLUSH did not reach the disk within `syncFlushTimeout` (the message is stored;
    /// Apache answers FLUSH_DISK_TIMEOUT).
    pub flush_timed_out: bool,
}

/// Why a put stored nothing (Apache's `PutMessageStatus` failures).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PutError {
    /// Too large, bad properties (MESSAGE_ILLEGAL).
    #[error("{0}")]
    MessageIllegal(String),
    /// The store is shutting down, is a slave's, or failed to write (SERVICE_NOT_AVAILABLE).
    #[error("{0}")]
    ServiceNotAvailable(String),
}

/// Why an append was refused.
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    #[error("message of {size} bytes exceeds the limit of {max} bytes")]
    TooLarge { size: usize, max: usize },
    #[error("properties of {0} bytes exceed 32767 bytes")]
    PropertiesTooLarge(usize),
    #[error("empty batch")]
    Empty,
    #[error(transparent)]
    Store(#[from] StoreError),
}
