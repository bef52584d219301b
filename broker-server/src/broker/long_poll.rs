//! Long polling: a pull that finds nothing new waits until a message for its queue is
//! dispatched or its suspend time runs out.
//!
//! The store's dispatch thread calls [`PullNotifier::arrived`] after building consume-queue
//! entries; a held pull registers for its queue *before* re-checking the store, so a message
//! that lands between the check and the wait still wakes it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

#[derive(Debug, Default)]
pub(crate) struct PullNotifier {
    queues: Mutex<HashMap<(String, i32), Arc<Notify>>>,
}

impl PullNotifier {
    /// The wake-up for one queue.
    pub(crate) fn waiter(&self, topic: &str, queue_id: i32) -> Arc<Notify> {
        self.queues
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((topic.to_string(), queue_id))
            .or_default()
            .clone()
    }

    /// Wakes every pull held on a queue.
    pub(crate) fn arrived(&self, topic: &str, queue_id: i32) {
        let notify = self
            .queues
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(topic.to_string(), queue_id))
            .cloned();
        if let Some(n) = notify {
            n.notify_waiters();
        }
    }
}
