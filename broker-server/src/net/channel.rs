//! A handle to one client connection.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rocketmq_client::protocol::OutFrame;
use rocketmq_client::protocol::RemotingCommand;
use tokio::sync::{mpsc, oneshot};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

struct Inner {
    id: u64,
    remote: SocketAddr,
    local: SocketAddr,
    tx: mpsc::UnboundedSender<OutFrame>,
    pending: Mutex<HashMap<i32, oneshot::Sender<RemotingCommand>>>,
    closed: AtomicBool,
}

/// One connection, cheap to clone.
#[derive(Clone)]
pub struct Channel {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Channel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channel")
            .field("id", &self.inner.id)
            .field("remote", &self.inner.remote)
            .finish()
    }
}

impl PartialEq for Channel {
    fn eq(&self, other: &Self) -> bool {
        self.inner.id == other.inner.id
    }
}

impl Eq for Channel {}

impl Channel {
    pub(crate) fn new(
        remote: SocketAddr,
        local: SocketAddr,
        tx: mpsc::UnboundedSender<OutFrame>,
    ) -> Self {
        Channel {
            inner: Arc::new(Inner {
                id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
                remote,
                local,
                tx,
                pending: Mutex::new(HashMap::new()),
                closed: AtomicBool::new(false),
            }),
        }
    }

    /// Unique per connection for the life of the process.
    pub fn id(&self) -> u64 {
        self.inner.id
    }

    /// The peer's address.
    pub fn remote_addr(&self) -> SocketAddr {
        self.inner.remote
    }

    /// Our end's address.
    pub fn local_addr(&self) -> SocketAddr {
        self.inner.local
    }

    /// Whether the connection is gone.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.load(Ordering::Acquire)
    }

    pub(crate) fn mark_closed(&self) {
        self.inner.closed.store(true, Ordering::Release);
        self.inner
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Queues a command for writing; false if the connection is closed.
    pub fn send(&self, cmd: &RemotingCommand) -> bool {
        !self.is_closed() && self.inner.tx.send(OutFrame::new(cmd)).is_ok()
    }

    /// Sends a oneway request to the client (e.g. NOTIFY_CONSUMER_IDS_CHANGED).
    pub fn send_oneway(&self, request: RemotingCommand) -> bool {
        self.send(&request.oneway())
    }

    /// Sends a request to the client and waits for its answer.
    pub async fn invoke(
        &self,
        request: RemotingCommand,
        timeout: Duration,
    ) -> Option<RemotingCommand> {
        let (tx, rx) = oneshot::channel();
        let opaque = request.opaque;
        self.inner
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(opaque, tx);
        if !self.send(&request) {
            self.inner
                .pending
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&opaque);
            return None;
        }
        let answer = tokio::time::timeout(timeout, rx)
            .await
            .ok()
            .and_then(Result::ok);
        self.inner
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&opaque);
        answer
    }

    /// Routes a response from the client to the waiting [`invoke`](Self::invoke).
    pub(crate) fn complete(&self, response: RemotingCommand) {
        let waiter = self
            .inner
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&response.opaque);
        if let Some(w) = waiter {
            let _ = w.send(response);
        }
    }
}
