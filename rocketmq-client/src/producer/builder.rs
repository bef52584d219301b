//! [`ProducerBuilder`]: a producer's settings, with Apache's defaults.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::{Inner, Producer, background};
use crate::error::Result;
use crate::host;
use crate::instance::{ClientInstance, Role};
use crate::protocol::message::UniqueIdGenerator;

/// Configures and starts a [`Producer`].
#[derive(Debug, Clone)]
pub struct ProducerBuilder {
    pub(super) group: String,
    pub(super) namesrv_addr: Option<String>,
    pub(super) send_timeout: Duration,
    pub(super) retry_times_when_send_failed: u32,
    pub(super) retry_times_when_send_async_failed: u32,
    pub(super) retry_another_broker_when_not_store_ok: bool,
    pub(super) max_message_size: usize,
    pub(super) compress_over: usize,
    pub(super) compress_level: u32,
    pub(super) default_topic_queue_nums: i32,
    pub(super) instance_name: Option<String>,
    pub(super) transaction_listener: Option<super::transaction::SharedListener>,
}

impl ProducerBuilder {
    /// Enables [`Producer::send_in_transaction`]: `listener` runs local transactions and
    /// answers the broker's checks.
    pub fn transaction_listener(mut self, listener: impl super::TransactionListener) -> Self {
        self.transaction_listener = Some(super::transaction::SharedListener(Arc::new(listener)));
        self
    }

    /// Bodies of at least this many bytes are zlib-compressed (4 KiB; Java's
    /// `compressMsgBodyOverHowmuch`).
    pub fn compress_over(mut self, bytes: usize) -> Self {
        self.compress_over = bytes;
        self
    }

    /// zlib level for compressed bodies (5, Java's default).
    pub fn compress_level(mut self, level: u32) -> Self {
        self.compress_level = level.min(9);
        self
    }

    /// Name servers, `;`-separated (default: `NAMESRV_ADDR`).
    pub fn namesrv_addr(mut self, addr: impl Into<String>) -> Self {
        self.namesrv_addr = Some(addr.into());
        self
    }

    /// Total time a send may take, retries included (3 s).
    pub fn send_timeout(mut self, timeout: Duration) -> Self {
        self.send_timeout = timeout;
        self
    }

    /// Extra attempts after a failed send (2).
    pub fn retry_times_when_send_failed(mut self, times: u32) -> Self {
        self.retry_times_when_send_failed = times;
        self
    }

    /// Extra attempts after a failed [`send_with_callback`](Producer::send_with_callback) (2).
    pub fn retry_times_when_send_async_failed(mut self, times: u32) -> Self {
        self.retry_times_when_send_async_failed = times;
        self
    }

    /// Also retry on another broker when a send is answered but not stored as asked
    /// (`FLUSH_DISK_TIMEOUT`, `SLAVE_NOT_AVAILABLE`, …) (false; Java's
    /// `retryAnotherBrokerWhenNotStoreOK`).
    pub fn retry_another_broker_when_not_store_ok(mut self, retry: bool) -> Self {
        self.retry_another_broker_when_not_store_ok = retry;
        self
    }

    /// Largest body accepted client-side (4 MiB).
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// Queues per broker for a topic created by sending to it (4).
    pub fn default_topic_queue_nums(mut self, n: i32) -> Self {
        self.default_topic_queue_nums = n;
        self
    }

    /// Instance name, part of the client id. Producers and consumers with the same instance
    /// name and name servers share connections (default: one instance per process).
    pub fn instance_name(mut self, name: impl Into<String>) -> Self {
        self.instance_name = Some(name.into());
        self
    }

    /// Starts the producer: background route refresh and heartbeats every 30 s.
    pub async fn start(self) -> Result<Producer> {
        let membership = ClientInstance::join(
            self.namesrv_addr.as_deref(),
            self.instance_name.as_deref(),
            Role::Producer,
            &self.group,
        )?;
        let inner = Arc::new(Inner {
            ids: UniqueIdGenerator::new(host::local_ip()),
            config: self,
            membership,
            routes: Mutex::new(HashMap::new()),
            next_queue: AtomicUsize::new(0),
            running: AtomicBool::new(true),
        });
        let weak: std::sync::Weak<Inner> = Arc::downgrade(&inner);
        inner.membership.attach(weak.clone());
        let task = tokio::spawn(background(weak));
        Ok(Producer {
            inner,
            task: Mutex::new(Some(task)),
        })
    }
}
