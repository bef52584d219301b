//! The index: message keys and unique keys → commit-log offsets, for QUERY_MESSAGE.
//!
//! # Format
//!
//! `index/{begin ms, 20 digits}`, Apache's IndexFile layout (big-endian):
//!
//! ```text
//! header   40 bytes  beginTimestamp i64 | endTimestamp i64 | beginPhyOffset i64 |
//!                    endPhyOffset i64 | hashSlotCount i32 | indexCount i32
//! slots    maxHashSlotNum × 4 bytes: number of the newest entry in the slot's chain (0: none)
//! entries  maxIndexNum × 20 bytes: keyHash i32 | phyOffset i64 | timeDiff i32 (seconds after
//!          beginTimestamp) | prevIndex i32 (the chain's next-older entry; 0 ends it)
//! ```
//!
//! Entry numbers start at 1. A key is `{topic}#{key}` for each of the message's `KEYS`
//! (space-separated) and `{topic}#{UNIQ_KEY}`, hashed with Java's `String.hashCode`. Hashes
//! collide, so readers check the keys of what they find. Entries are written by the dispatch
//! thread; a record below the newest file's `endPhyOffset` is already indexed (re-dispatch
//! after a restart skips it). A full file is followed by a new one.
#![allow(unsafe_code)]

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use memmap2::MmapMut;
use rocketmq_client::protocol::{java_hash_code, java_hash_extend};

use super::error::StoreError;

const HEADER: usize = 40;
const SLOT: usize = 4;
const ENTRY: usize = 20;

/// Java's `String.hashCode` of `{topic}#{key}`, without building the string.
fn key_hash(topic: &str, key: &str) -> i32 {
    java_hash_extend(java_hash_extend(java_hash_code(topic), "#"), key)
}

struct IndexFile {
    map: MmapMut,
    path: PathBuf,
    slots: usize,
    max_entries: usize,
}

impl IndexFile {
    fn open(path: PathBuf, slots: usize, max_entries: usize) -> std::io::Result<Self> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)?;
        let size = (HEADER + slots * SLOT + max_entries * ENTRY) as u64;
        if file.metadata()?.len() < size {
            file.set_len(size)?;
        }
        // SAFETY: the store's lock file keeps other processes out of this directory, and this
        // process maps each index file once, behind the service's mutex.
        let map = unsafe { MmapMut::map_mut(&file)? };
        // A file in use knows its own geometry (the configuration may have changed since).
        let (slots, max_entries) = match i32_at(&map, 32) {
            n if n > 0 => {
                let slots = n as usize;
                let entries = (map.len().saturating_sub(HEADER + slots * SLOT)) / ENTRY;
                (slots, entries)
            }
            _ => (slots, max_entries),
        };
        Ok(IndexFile {
            map,
            path,
            slots,
            max_entries,
        })
    }

    fn i64_at(&self, at: usize) -> i64 {
        i64::from_be_bytes(self.map[at..at + 8].try_into().expect("8 bytes"))
    }

    fn put_i64(&mut self, at: usize, v: i64) {
        self.map[at..at + 8].copy_from_slice(&v.to_be_bytes());
    }

    fn put_i32(&mut self, at: usize, v: i32) {
        self.map[at..at + 4].copy_from_slice(&v.to_be_bytes());
    }

    fn begin_ts(&self) -> i64 {
        self.i64_at(0)
    }

    fn end_ts(&self) -> i64 {
        self.i64_at(8)
    }

    fn end_phy(&self) -> i64 {
        self.i64_at(24)
    }

    /// Entries written (entry numbers run 1..=count).
    fn count(&self) -> usize {
        (i32_at(&self.map, 36).max(1) - 1) as usize
    }

    fn is_full(&self) -> bool {
        self.count() >= self.max_entries
    }

    fn entry_at(&self, n: usize) -> usize {
        HEADER + self.slots * SLOT + (n - 1) * ENTRY
    }

    fn add(&mut self, hash: i32, phy: i64, ts: i64) {
        if self.count() == 0 {
            self.put_i64(0, ts);
            self.put_i64(16, phy);
            self.put_i32(32, self.slots as i32);
        }
        let n = self.count() + 1;
        let slot_at = HEADER + (hash.unsigned_abs() as usize % self.slots) * SLOT;
        let prev = i32_at(&self.map, slot_at);
        let at = self.entry_at(n);
        let diff = ((ts - self.begin_ts()) / 1000).clamp(0, i64::from(i32::MAX)) as i32;
        self.put_i32(at, hash);
        self.put_i64(at + 4, phy);
        self.put_i32(at + 12, diff);
        self.put_i32(at + 16, prev);
        self.put_i32(slot_at, n as i32);
        self.put_i64(8, ts);
        self.put_i64(24, phy);
        self.put_i32(36, n as i32 + 1);
    }

    /// Offsets of entries with `hash` stored within `[begin, end]` ms, newest first.
    fn find(&self, hash: i32, begin: i64, end: i64, max: usize, out: &mut Vec<i64>) {
        let count = self.count();
        let mut n = i32_at(
            &self.map,
            HEADER + (hash.unsigned_abs() as usize % self.slots) * SLOT,
        );
        let mut steps = 0;
        while n > 0 && (n as usize) <= count && out.len() < max && steps <= count {
            let at = self.entry_at(n as usize);
            let ts = self.begin_ts() + i64::from(i32_at(&self.map, at + 12)) * 1000;
            if i32_at(&self.map, at) == hash && ts >= begin - 1000 && ts <= end {
                out.push(self.i64_at(at + 4));
            }
            let prev = i32_at(&self.map, at + 16);
            if prev >= n {
                break;
            }
            n = prev;
            steps += 1;
        }
    }
}

fn i32_at(map: &[u8], at: usize) -> i32 {
    i32::from_be_bytes(map[at..at + 4].try_into().expect("4 bytes"))
}

/// Every index file, oldest first.
pub(crate) struct IndexService {
    dir: PathBuf,
    slots: usize,
    max_entries: usize,
    files: Mutex<Vec<IndexFile>>,
}

impl std::fmt::Debug for IndexService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexService")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl IndexService {
    pub(crate) fn load(dir: &Path, slots: usize, max_entries: usize) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
        let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| StoreError::io(dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
            })
            .collect();
        names.sort();
        let mut files = Vec::new();
        for path in names {
            let file = IndexFile::open(path.clone(), slots.max(1), max_entries.max(1))
                .map_err(|e| StoreError::io(&path, e))?;
            files.push(file);
        }
        Ok(IndexService {
            dir: dir.to_path_buf(),
            slots: slots.max(1),
            max_entries: max_entries.max(1),
            files: Mutex::new(files),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<IndexFile>> {
        self.files.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Indexes one stored message's unique key and keys (`KEYS`, space-separated).
    pub(crate) fn add(
        &self,
        topic: &str,
        uniq: Option<&str>,
        keys: Option<&str>,
        phy: i64,
        store_ts: i64,
    ) -> Result<(), StoreError> {
        if uniq.is_none() && keys.is_none() {
            return Ok(());
        }
        let mut files = self.lock();
        if files
            .last()
            .is_some_and(|f| phy < f.end_phy() && f.count() > 0)
        {
            return Ok(()); // indexed before a restart
        }
        for key in uniq
            .into_iter()
            .chain(keys.into_iter().flat_map(|k| k.split(' ')))
        {
            if key.is_empty() {
                continue;
            }
            if files.last().is_none_or(IndexFile::is_full) {
                let mut name = store_ts;
                while self.dir.join(format!("{name:020}")).exists() {
                    name += 1;
                }
                let path = self.dir.join(format!("{name:020}"));
                let file = IndexFile::open(path.clone(), self.slots, self.max_entries)
                    .map_err(|e| StoreError::io(&path, e))?;
                files.push(file);
            }
            files
                .last_mut()
                .expect("a file")
                .add(key_hash(topic, key), phy, store_ts);
        }
        Ok(())
    }

    /// Commit-log offsets of messages of `topic` with `key` stored in `[begin, end]` ms,
    /// newest first, at most `max` (hash matches: check the keys).
    pub(crate) fn query(
        &self,
        topic: &str,
        key: &str,
        begin: i64,
        end: i64,
        max: usize,
    ) -> Vec<i64> {
        let hash = key_hash(topic, key);
        let mut out = Vec::new();
        for f in self.lock().iter().rev() {
            if f.count() == 0 || f.end_ts() < begin || f.begin_ts() > end {
                continue;
            }
            f.find(hash, begin, end, max, &mut out);
            if out.len() >= max {
                break;
            }
        }
        out
    }

    /// (newest store time, newest offset) indexed: QUERY_MESSAGE's response header.
    pub(crate) fn last_update(&self) -> (i64, i64) {
        self.lock()
            .last()
            .map_or((0, 0), |f| (f.end_ts(), f.end_phy()))
    }

    /// Flushes every file.
    pub(crate) fn flush(&self) -> std::io::Result<()> {
        for f in self.lock().iter() {
            f.map.flush()?;
        }
        Ok(())
    }

    /// Deletes files whose every entry points below `log_min` (retention removed them).
    pub(crate) fn delete_below(&self, log_min: u64) {
        let mut files = self.lock();
        while files.len() > 1 && files[0].end_phy() < log_min as i64 {
            let f = files.remove(0);
            let _ = std::fs::remove_file(&f.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_by_topic_key_and_time_and_files_roll_over() {
        let dir = tempfile::tempdir().unwrap();
        let idx = IndexService::load(dir.path(), 8, 4).unwrap();
        idx.add("T", Some("U1"), Some("order-1 shared"), 100, 1_000_000)
            .unwrap();
        idx.add("T", Some("U2"), Some("order-2 shared"), 200, 1_002_000)
            .unwrap();
        idx.add("T", Some("U3"), Some("order-3"), 300, 1_005_000)
            .unwrap();
        assert_eq!(idx.query("T", "shared", 0, i64::MAX, 10), vec![200, 100]);
        assert_eq!(idx.query("T", "U3", 0, i64::MAX, 10), vec![300]);
        assert!(idx.query("Other", "U3", 0, i64::MAX, 10).is_empty());
        assert_eq!(idx.query("T", "shared", 1_001_500, i64::MAX, 10), vec![200]);
        assert_eq!(idx.query("T", "shared", 0, i64::MAX, 1), vec![200]);
        assert!(
            std::fs::read_dir(dir.path()).unwrap().count() >= 2,
            "4 entries a file"
        );
        drop(idx);
        let idx = IndexService::load(dir.path(), 8, 4).unwrap();
        assert_eq!(
            idx.query("T", "order-1", 0, i64::MAX, 10),
            vec![100],
            "survives reopening"
        );
        idx.add("T", Some("U1"), Some("order-1 shared"), 100, 1_000_000)
            .unwrap();
        assert_eq!(
            idx.query("T", "order-1", 0, i64::MAX, 10),
            vec![100],
            "re-dispatch is a no-op"
        );
        assert_eq!(
            key_hash("T", "k"),
            rocketmq_client::protocol::java_hash_code("T#k")
        );
        assert_eq!(key_hash("主题", "键"), java_hash_code("主题#键"));
    }
}
