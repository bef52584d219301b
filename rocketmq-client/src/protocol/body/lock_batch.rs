//! MessageQueue and the LOCK_BATCH_MQ / UNLOCK_BATCH_MQ bodies.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::JsonBody;

/// A queue of a topic on a broker. Fields are declared in fastjson's (alphabetical) order so a
/// queue used as a JSON map key looks exactly like Java's; ordering is Java's
/// (topic, broker name, queue id).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct MessageQueue {
    /// The broker holding the queue.
    pub broker_name: String,
    /// The queue's id within the topic.
    pub queue_id: i32,
    /// The topic.
    pub topic: String,
}

impl MessageQueue {
    /// A queue.
    pub fn new(topic: impl Into<String>, broker_name: impl Into<String>, queue_id: i32) -> Self {
        MessageQueue {
            broker_name: broker_name.into(),
            queue_id,
            topic: topic.into(),
        }
    }
}

impl Ord for MessageQueue {
    fn cmp(&self, other: &Self) -> Ordering {
        (&self.topic, &self.broker_name, self.queue_id).cmp(&(
            &other.topic,
            &other.broker_name,
            other.queue_id,
        ))
    }
}

impl PartialOrd for MessageQueue {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// `LockBatchRequestBody` (also the `UnlockBatchRequestBody`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct LockBatchRequestBody {
    /// The client asking.
    pub client_id: String,
    /// Its consumer group.
    pub consumer_group: String,
    /// The queues to lock or unlock.
    pub mq_set: BTreeSet<MessageQueue>,
    /// Whether to skip the broker's slaves.
    pub only_this_broker: bool,
}

impl JsonBody for LockBatchRequestBody {}

/// `LockBatchResponseBody`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct LockBatchResponseBody {
    /// The queues now locked by the asking client.
    #[serde(rename = "lockOKMQSet")]
    pub lock_ok_mq_set: BTreeSet<MessageQueue>,
}

impl JsonBody for LockBatchResponseBody {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_match_java() {
        let req = br#"{"clientId":"cid","consumerGroup":"cg","mqSet":[{"brokerName":"broker-a","queueId":0,"topic":"TopicTest"}],"onlyThisBroker":false}"#;
        let body = LockBatchRequestBody::decode(req).unwrap();
        assert_eq!(body.encode(), req);
        let resp = LockBatchResponseBody {
            lock_ok_mq_set: body.mq_set,
        };
        assert_eq!(
            resp.encode(),
            br#"{"lockOKMQSet":[{"brokerName":"broker-a","queueId":0,"topic":"TopicTest"}]}"#
        );
        let a = MessageQueue::new("A", "z", 0);
        let b = MessageQueue::new("B", "a", 0);
        assert!(a < b);
    }
}
