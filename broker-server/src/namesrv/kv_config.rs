//! Name server KV config (namespace → key → value), persisted like Apache's `kvConfig.json`.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::RwLock;

use serde::{Deserialize, Serialize};

use crate::persist::{read_with_backup, write_atomically};

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct KvFile {
    config_table: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Debug, Default)]
pub(crate) struct KvConfig {
    table: RwLock<HashMap<String, BTreeMap<String, String>>>,
    path: Option<PathBuf>,
}

impl KvConfig {
    /// Loads `path` if it exists; without a path the table lives in memory only.
    pub(crate) fn load(path: Option<PathBuf>) -> Self {
        let mut table = HashMap::new();
        if let Some(p) = &path {
            let parse = |bytes: &[u8]| {
                let value = rocketmq_client::protocol::fastjson::parse(bytes).ok()?;
                serde_json::from_value::<KvFile>(value).ok()
            };
            if let Some(file) = read_with_backup(p, parse) {
                table.extend(file.config_table);
            }
        }
        KvConfig {
            table: RwLock::new(table),
            path,
        }
    }

    pub(crate) fn put(&self, namespace: &str, key: &str, value: &str) {
        self.table
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(namespace.to_string())
            .or_default()
            .insert(key.to_string(), value.to_string());
        self.persist();
    }

    pub(crate) fn get(&self, namespace: &str, key: &str) -> Option<String> {
        self.table
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(namespace)?
            .get(key)
            .cloned()
    }

    pub(crate) fn delete(&self, namespace: &str, key: &str) {
        if let Some(ns) = self
            .table
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(namespace)
        {
            ns.remove(key);
        }
        self.persist();
    }

    pub(crate) fn list(&self, namespace: &str) -> Option<BTreeMap<String, String>> {
        self.table
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(namespace)
            .filter(|m| !m.is_empty())
            .cloned()
    }

    fn persist(&self) {
        let Some(path) = &self.path else { return };
        let file = KvFile {
            config_table: self
                .table
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        };
        let json = serde_json::to_vec_pretty(&file).expect("KV table serializes");
        if let Err(e) = write_atomically(path, || json) {
            tracing::warn!(path = %path.display(), error = %e, "could not persist KV config");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persists_and_reloads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kvConfig.json");
        let kv = KvConfig::load(Some(path.clone()));
        kv.put("ORDER_TOPIC_CONFIG", "T", "broker-a:4");
        kv.put("ns", "k", "v");
        kv.delete("ns", "k");
        let again = KvConfig::load(Some(path));
        assert_eq!(
            again.get("ORDER_TOPIC_CONFIG", "T").as_deref(),
            Some("broker-a:4")
        );
        assert_eq!(again.list("ns"), None);
    }
}
