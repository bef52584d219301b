//! Orderly consumption's queue locks (`RebalanceLockManager`): per consumer group, which
//! client owns each queue. A lock is granted when free, expired (60 s without a renewal) or
//! already the requester's (which renews it); only the owner can unlock.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rocketmq_client::protocol::body::MessageQueue;

/// A lock not renewed for this long is free again.
pub(crate) const LOCK_MAX_LIVE: Duration = Duration::from_secs(60);

#[derive(Debug)]
struct Lock {
    client_id: String,
    renewed: Instant,
}

impl Lock {
    fn expired(&self) -> bool {
        self.renewed.elapsed() > LOCK_MAX_LIVE
    }
}

#[derive(Debug, Default)]
pub(crate) struct LockManager {
    groups: Mutex<HashMap<String, HashMap<MessageQueue, Lock>>>,
}

impl LockManager {
    /// Locks what it can of `queues` for `client_id`; the queues now held by it.
    pub(crate) fn lock_batch(
        &self,
        group: &str,
        queues: &BTreeSet<MessageQueue>,
        client_id: &str,
    ) -> BTreeSet<MessageQueue> {
        let mut groups = self.groups.lock().unwrap_or_else(|e| e.into_inner());
        let locks = groups.entry(group.to_string()).or_default();
        let mut granted = BTreeSet::new();
        for mq in queues {
            match locks.get_mut(mq) {
                Some(lock) if lock.client_id == client_id => lock.renewed = Instant::now(),
                Some(lock) if !lock.expired() => continue,
                Some(lock) => {
                    tracing::info!(group, queue = ?mq, old = %lock.client_id, new = client_id, "expired queue lock taken over");
                    *lock = Lock {
                        client_id: client_id.to_string(),
                        renewed: Instant::now(),
                    };
                }
                None => {
                    locks.insert(
                        mq.clone(),
                        Lock {
                            client_id: client_id.to_string(),
                            renewed: Instant::now(),
                        },
                    );
                }
            }
            granted.insert(mq.clone());
        }
        granted
    }

    /// Releases the queues `client_id` holds among `queues`.
    pub(crate) fn unlock_batch(
        &self,
        group: &str,
        queues: &BTreeSet<MessageQueue>,
        client_id: &str,
    ) {
        let mut groups = self.groups.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(locks) = groups.get_mut(group) {
            for mq in queues {
                if locks.get(mq).is_some_and(|l| l.client_id == client_id) {
                    locks.remove(mq);
                }
            }
        }
    }

    /// Whether any live lock of the group is held (a retry of such a group goes to its DLQ).
    pub(crate) fn group_holds_locks(&self, group: &str) -> bool {
        self.groups
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(group)
            .is_some_and(|locks| locks.values().any(|l| !l.expired()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_owner_per_queue_until_unlocked() {
        let m = LockManager::default();
        let qs: BTreeSet<MessageQueue> = (0..2).map(|i| MessageQueue::new("T", "b", i)).collect();
        assert_eq!(m.lock_batch("g", &qs, "c1").len(), 2);
        assert!(m.lock_batch("g", &qs, "c2").is_empty(), "held by c1");
        assert_eq!(m.lock_batch("other", &qs, "c2").len(), 2, "per group");
        m.unlock_batch("g", &qs, "c2");
        assert!(
            m.lock_batch("g", &qs, "c2").is_empty(),
            "only the owner unlocks"
        );
        m.unlock_batch("g", &BTreeSet::from([MessageQueue::new("T", "b", 0)]), "c1");
        assert_eq!(m.lock_batch("g", &qs, "c2").len(), 1);
        assert!(m.group_holds_locks("g"));
    }
}
