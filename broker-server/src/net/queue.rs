//! Requests read off their connections and not yet taken up by their handler: what Apache
//! reports of each thread pool as its queue size and the wait of the queue's head. Here a
//! request's handler runs as a task of its own, so the queue is tokio's run queue and the wait
//! is how long the task took to start.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Instant;

/// One kind of request's queue.
#[derive(Debug, Default)]
pub struct RequestQueue {
    waiting: AtomicI64,
    /// The longest wait (ms) seen this second, and in the last whole second.
    wait_now: AtomicU64,
    wait_last: AtomicU64,
}

impl RequestQueue {
    /// A request joins the queue; returns when.
    pub fn enter(&self) -> Instant {
        self.waiting.fetch_add(1, Ordering::Relaxed);
        Instant::now()
    }

    /// The request that joined at `at` is taken up.
    pub fn leave(&self, at: Instant) {
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        self.wait_now
            .fetch_max(at.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    /// Requests waiting now.
    pub fn len(&self) -> i64 {
        self.waiting.load(Ordering::Relaxed).max(0)
    }

    /// Whether none is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The longest any request waited in the last whole second or since.
    pub fn head_wait_millis(&self) -> u64 {
        self.wait_last
            .load(Ordering::Relaxed)
            .max(self.wait_now.load(Ordering::Relaxed))
    }

    /// Starts the next second (called once a second).
    pub fn roll_second(&self) {
        let now = self.wait_now.swap(0, Ordering::Relaxed);
        self.wait_last.store(now, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::RequestQueue;
    use std::time::{Duration, Instant};

    #[test]
    fn waits_are_kept_for_a_second_and_the_queue_counts_who_waits() {
        let q = RequestQueue::default();
        let at = q.enter();
        let _other = q.enter();
        assert_eq!(q.len(), 2);
        q.leave(at - Duration::from_millis(40));
        assert_eq!(q.len(), 1);
        assert!(q.head_wait_millis() >= 40);
        q.roll_second();
        assert!(q.head_wait_millis() >= 40, "the last second's longest wait");
        q.roll_second();
        assert_eq!(q.head_wait_millis(), 0);
        q.leave(Instant::now());
        assert!(q.is_empty());
    }
}
