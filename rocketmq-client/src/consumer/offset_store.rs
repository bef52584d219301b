//! Where consumption progress lives: on the broker (clustering) or in a local file
//! (broadcasting, `~/.rocketmq_offsets/{clientId}/{group}/offsets.json`, Apache's layout with
//! MessageQueue object keys).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

use crate::error::Result;
use crate::protocol::body::MessageQueue;
use crate::protocol::fastjson;
use crate::protocol::header::UpdateConsumerOffsetRequestHeader;
use crate::protocol::{RemotingCommand, RequestCode};
use crate::remoting::RemotingClient;

/// Offsets kept in memory and persisted to the broker or to a file.
#[derive(Debug)]
pub(crate) struct OffsetStore {
    table: Mutex<BTreeMap<MessageQueue, i64>>,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Remote { group: String },
    Local { path: PathBuf },
}

impl OffsetStore {
    pub(crate) fn remote(group: &str) -> Self {
        OffsetStore {
            table: Mutex::default(),
            kind: Kind::Remote {
                group: group.to_string(),
            },
        }
    }

    /// A local store for `group` of client `client_id` under `dir` (default:
    /// `ROCKETMQ_OFFSETS_DIR`, else `~/.rocketmq_offsets`), loading what a previous run saved.
    pub(crate) fn local(dir: Option<&std::path::Path>, client_id: &str, group: &str) -> Self {
        let base = dir
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("ROCKETMQ_OFFSETS_DIR").map(PathBuf::from))
            .unwrap_or_else(|| {
                std::env::var_os("HOME")
                    .map_or_else(|| PathBuf::from("."), PathBuf::from)
                    .join(".rocketmq_offsets")
            });
        Self::local_at(
            base.join(client_id.replace([':', '/'], "_"))
                .join(group)
                .join("offsets.json"),
        )
    }

    /// A local store in the file at `path`.
    pub(crate) fn local_at(path: PathBuf) -> Self {
        let mut table = BTreeMap::new();
        if let Ok(bytes) = std::fs::read(&path)
            && let Ok(value) = fastjson::parse(&bytes)
            && let Some(obj) = value.get("offsetTable").and_then(|t| t.as_object())
        {
            for (key, offset) in obj {
                if let (Ok(mq), Some(off)) =
                    (serde_json::from_str::<MessageQueue>(key), offset.as_i64())
                {
                    table.insert(mq, off);
                }
            }
        }
        OffsetStore {
            table: Mutex::new(table),
            kind: Kind::Local { path },
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<MessageQueue, i64>> {
        self.table.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records progress in memory.
    pub(crate) fn update(&self, mq: &MessageQueue, offset: i64) {
        self.lock().insert(mq.clone(), offset);
    }

    /// The offset in memory, if any.
    pub(crate) fn get(&self, mq: &MessageQueue) -> Option<i64> {
        self.lock().get(mq).copied()
    }

    pub(crate) fn forget(&self, mq: &MessageQueue) {
        self.lock().remove(mq);
    }

    /// The stored offset: memory, else the broker (remote) or the file (local). With
    /// `zero_if_young`, a broker answers 0 for a group without an offset on a queue that still
    /// starts at 0 (Java's `setZeroIfNotFound` default).
    pub(crate) async fn read(
        &self,
        client: &RemotingClient,
        addr: &str,
        mq: &MessageQueue,
        zero_if_young: bool,
    ) -> Result<Option<i64>> {
        if let Some(o) = self.lock().get(mq) {
            return Ok(Some(*o));
        }
        let Kind::Remote { group } = &self.kind else {
            return Ok(None);
        };
        let offset =
            super::queries::committed_offset(client, addr, group, mq, zero_if_young).await?;
        if let Some(o) = offset {
            self.update(mq, o);
        }
        Ok(offset)
    }

    /// Sends one queue's offset to its broker (remote; oneway, like Java's periodic persist).
    pub(crate) async fn persist_queue(
        &self,
        client: &RemotingClient,
        addr: &str,
        mq: &MessageQueue,
    ) {
        let Kind::Remote { group } = &self.kind else {
            return;
        };
        let Some(offset) = self.lock().get(mq).copied() else {
            return;
        };
        let header = UpdateConsumerOffsetRequestHeader {
            consumer_group: group.clone(),
            topic: mq.topic.clone(),
            queue_id: mq.queue_id,
            commit_offset: offset,
        };
        let req = RemotingCommand::request_with(RequestCode::UpdateConsumerOffset, &header);
        if let Err(e) = client.invoke_oneway(addr, req).await {
            tracing::debug!(broker = %addr, error = %e, "offset commit failed");
        }
    }

    /// Writes the local file (local stores only).
    pub(crate) fn persist_local(&self) {
        let Kind::Local { path } = &self.kind else {
            return;
        };
        let table: serde_json::Map<String, serde_json::Value> = self
            .lock()
            .iter()
            .map(|(mq, o)| {
                (
                    serde_json::to_string(mq).expect("queue serializes"),
                    (*o).into(),
                )
            })
            .collect();
        let mut doc = serde_json::Map::new();
        doc.insert("offsetTable".into(), table.into());
        let bytes = fastjson::to_vec(&doc.into(), &["offsetTable"]);
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Err(e) = std::fs::write(path, bytes) {
            tracing::warn!(path = %path.display(), error = %e, "could not save local offsets");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_offsets_round_trip_in_apaches_form() {
        let dir = std::env::temp_dir().join(format!("rmq-offsets-test-{}", std::process::id()));
        let path = dir.join("offsets.json");
        let mq = MessageQueue::new("T", "broker-a", 1);
        let store = OffsetStore::local_at(path.clone());
        store.update(&mq, 42);
        store.persist_local();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains(
                r#"{"offsetTable":{{"brokerName":"broker-a","queueId":1,"topic":"T"}:42}}"#
            ),
            "{text}"
        );
        let again = OffsetStore::local_at(path);
        assert_eq!(again.lock().get(&mq), Some(&42));
        let _ = std::fs::remove_dir_all(dir);
    }
}
