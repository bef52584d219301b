//! Committed consumer offsets (`config/consumerOffset.json`): `topic@group` → queue → offset.
//! Written in Apache's form (integer queue keys) every `flushConsumerOffsetInterval` and at
//! shutdown.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, Ordering};

use rocketmq_client::protocol::body::{ConsumerOffsetSerializeWrapper, DataVersion, JsonBody};

use crate::persist::{read_with_backup, write_atomically};

#[derive(Debug)]
pub(crate) struct ConsumerOffsetManager {
    table: RwLock<BTreeMap<String, BTreeMap<i32, i64>>>,
    dirty: AtomicBool,
    path: PathBuf,
}

fn key(topic: &str, group: &str) -> String {
    format!("{topic}@{group}")
}

impl ConsumerOffsetManager {
    pub(crate) fn load(path: PathBuf) -> Self {
        let table = read_with_backup(&path, |b| ConsumerOffsetSerializeWrapper::decode(b).ok())
            .map(|w| w.offset_table)
            .unwrap_or_default();
        ConsumerOffsetManager {
            table: RwLock::new(table),
            dirty: AtomicBool::new(false),
            path,
        }
    }

    pub(crate) fn commit(&self, group: &str, topic: &str, queue_id: i32, offset: i64) {
        self.table
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key(topic, group))
            .or_default()
            .insert(queue_id, offset);
        self.dirty.store(true, Ordering::Release);
    }

    pub(crate) fn query(&self, group: &str, topic: &str, queue_id: i32) -> Option<i64> {
        self.table
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key(topic, group))?
            .get(&queue_id)
            .copied()
    }

    /// Forgets a group's offsets on every topic (DELETE_SUBSCRIPTIONGROUP with `removeOffset`).
    pub(crate) fn remove_group(&self, group: &str) {
        let suffix = format!("@{group}");
        self.table
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|k, _| !k.ends_with(&suffix));
        self.dirty.store(true, Ordering::Release);
    }

    /// Forgets every group's offsets of a topic.
    pub(crate) fn remove_topic(&self, topic: &str) {
        let prefix = format!("{topic}@");
        self.table
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|k, _| !k.starts_with(&prefix));
        self.dirty.store(true, Ordering::Release);
    }

    /// Topics a group has offsets for.
    pub(crate) fn topics_of_group(&self, group: &str) -> Vec<String> {
        let suffix = format!("@{group}");
        let table = self.table.read().unwrap_or_else(|e| e.into_inner());
        table
            .keys()
            .filter_map(|k| k.strip_suffix(&suffix).map(str::to_string))
            .collect()
    }

    /// Copies `src`'s offsets on `topic` to `dest` (CLONE_GROUP_OFFSET); false if `src` has none.
    pub(crate) fn clone_offsets(&self, src: &str, dest: &str, topic: &str) -> bool {
        let mut table = self.table.write().unwrap_or_else(|e| e.into_inner());
        let Some(offsets) = table.get(&key(topic, src)).cloned() else {
            return false;
        };
        table.insert(key(topic, dest), offsets);
        drop(table);
        self.dirty.store(true, Ordering::Release);
        true
    }

    /// Groups that have offsets on `topic`.
    pub(crate) fn groups_of_topic(&self, topic: &str) -> Vec<String> {
        let prefix = format!("{topic}@");
        let table = self.table.read().unwrap_or_else(|e| e.into_inner());
        table
            .keys()
            .filter_map(|k| k.strip_prefix(&prefix).map(str::to_string))
            .collect()
    }

    /// Takes a master's offsets over ours (Apache's slave `putAll`s them: the master's
    /// word wins; offsets only this slave has, committed while the master was down, stay).
    pub(crate) fn merge_from(&self, master: BTreeMap<String, BTreeMap<i32, i64>>) {
        let mut table = self.table.write().unwrap_or_else(|e| e.into_inner());
        for (key, queues) in master {
            table.insert(key, queues);
        }
        drop(table);
        self.dirty.store(true, Ordering::Release);
    }

    pub(crate) fn snapshot(&self) -> ConsumerOffsetSerializeWrapper {
        ConsumerOffsetSerializeWrapper {
            data_version: DataVersion::now(),
            offset_table: self.table.read().unwrap_or_else(|e| e.into_inner()).clone(),
        }
    }

    /// Writes the file if anything changed since the last write.
    pub(crate) fn persist(&self) {
        if !self.dirty.swap(false, Ordering::AcqRel) {
            return;
        }
        if let Err(e) = write_atomically(&self.path, || self.snapshot().encode()) {
            self.dirty.store(true, Ordering::Release);
            tracing::error!(path = %self.path.display(), error = %e, "could not persist consumer offsets");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_survive_a_reload() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("consumerOffset.json");
        let m = ConsumerOffsetManager::load(path.clone());
        m.commit("cg", "T", 0, 250);
        m.commit("cg", "T", 1, 249);
        m.commit("other", "U", 0, 1);
        m.persist();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(r#""T@cg":{0:250,1:249}"#), "{text}");
        let m = ConsumerOffsetManager::load(path);
        assert_eq!(m.query("cg", "T", 1), Some(249));
        m.remove_topic("T");
        assert_eq!(m.query("cg", "T", 1), None);
    }
}
