//! Consume queues: per topic and queue id, a fixed-width index into the commit log.
//!
//! # Format
//!
//! `consumequeue/{topic}/{queueId}/{20-digit byte offset}`, each file holding
//! `mappedFileSizeConsumeQueue / 20` entries; entry *i* (logical offset *i*) is at byte `i * 20`:
//!
//! ```text
//! commitLogOffset i64 | size i32 | tagsCode i64      (big-endian)
//! ```
//!
//! Entries are written only by the dispatch thread, in commit-log order, so a queue's entries
//! are contiguous and their commit-log offsets increase. An all-zero entry is a hole (a queue
//! that starts past 0 after a topic was re-created) and reads as "removed".

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

use super::error::StoreError;
use super::mapped_file_queue::{FileKind, MappedFileQueue};

/// Bytes per entry.
pub(crate) const CQ_UNIT: usize = 20;

/// One entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CqEntry {
    pub(crate) phys: i64,
    pub(crate) size: i32,
    pub(crate) tag_code: i64,
}

impl CqEntry {
    fn decode(b: &[u8]) -> Self {
        CqEntry {
            phys: i64::from_be_bytes(b[0..8].try_into().expect("8")),
            size: i32::from_be_bytes(b[8..12].try_into().expect("4")),
            tag_code: i64::from_be_bytes(b[12..20].try_into().expect("8")),
        }
    }

    fn is_hole(&self) -> bool {
        self.size <= 0
    }
}

#[derive(Debug)]
pub(crate) struct ConsumeQueue {
    files: MappedFileQueue,
    /// Next logical offset (entries ever written, holes included).
    max_offset: AtomicI64,
    /// First logical offset still served.
    min_offset: AtomicI64,
}

impl ConsumeQueue {
    fn load(dir: &Path, file_size: usize) -> Result<Self, StoreError> {
        Ok(ConsumeQueue {
            files: MappedFileQueue::load(dir, file_size, FileKind::Entries)?,
            max_offset: AtomicI64::new(0),
            min_offset: AtomicI64::new(0),
        })
    }

    pub(crate) fn max_offset(&self) -> i64 {
        self.max_offset.load(Ordering::Acquire)
    }

    pub(crate) fn min_offset(&self) -> i64 {
        self.min_offset.load(Ordering::Acquire)
    }

    /// Writes entry `offset` if it is not there yet (re-dispatch after a restart is a no-op).
    pub(crate) fn put(&self, offset: i64, entry: CqEntry) -> Result<(), StoreError> {
        let max = self.max_offset();
        if offset < max {
            return Ok(());
        }
        let at = offset as u64 * CQ_UNIT as u64;
        let file_size = self.files.file_size() as u64;
        let file = match self.files.find(at) {
            Some(f) => f,
            None => self.files.create_file(at - at % file_size)?,
        };
        let pos = (at - file.from()) as usize;
        let writer = file.sole_writer()?;
        writer.write_with(pos, CQ_UNIT, |b| {
            b[0..8].copy_from_slice(&entry.phys.to_be_bytes());
            b[8..12].copy_from_slice(&entry.size.to_be_bytes());
            b[12..20].copy_from_slice(&entry.tag_code.to_be_bytes());
        });
        writer.set_wrote(pos + CQ_UNIT);
        if max == 0 && offset > 0 && self.min_offset() == 0 {
            self.min_offset.store(offset, Ordering::Release);
        }
        self.max_offset.store(offset + 1, Ordering::Release);
        Ok(())
    }

    /// Entry `offset`, if published and not a hole.
    pub(crate) fn get(&self, offset: i64) -> Option<CqEntry> {
        if offset < 0 || offset >= self.max_offset() {
            return None;
        }
        let at = offset as u64 * CQ_UNIT as u64;
        let file = self.files.find(at)?;
        let entry = CqEntry::decode(file.read((at - file.from()) as usize, CQ_UNIT)?);
        (!entry.is_hole()).then_some(entry)
    }

    /// Cuts entries that point at or past `log_end` or were never written, and sets the
    /// offsets. Recovery only.
    fn recover(&self, log_end: u64) -> Result<(), StoreError> {
        let files = self.files.files();
        let mut end_bytes = files.first().map_or(0, |f| f.from());
        'files: for f in &files {
            let w = f.sole_writer()?;
            for pos in (0..f.size()).step_by(CQ_UNIT) {
                let e = CqEntry::decode(w.read_unpublished(pos, CQ_UNIT));
                if e.is_hole() {
                    continue;
                }
                if (e.phys + i64::from(e.size)) as u64 > log_end {
                    break 'files;
                }
                end_bytes = f.from() + (pos + CQ_UNIT) as u64;
            }
        }
        drop(files);
        self.files.truncate_to(end_bytes)?;
        self.max_offset
            .store((end_bytes / CQ_UNIT as u64) as i64, Ordering::Release);
        self.min_offset.store(
            self.files.min_offset() as i64 / CQ_UNIT as i64,
            Ordering::Release,
        );
        Ok(())
    }

    /// Raises the min offset past entries whose messages are gone from the commit log, and
    /// deletes files that hold only such entries.
    pub(crate) fn correct_min_offset(&self, log_min: u64) {
        self.files.delete_front_while(usize::MAX, |f| {
            let last = f.read(f.size() - CQ_UNIT, CQ_UNIT).map(CqEntry::decode);
            last.is_some_and(|e| !e.is_hole() && ((e.phys + i64::from(e.size)) as u64) <= log_min)
        });
        let mut min = self
            .min_offset()
            .max(self.files.min_offset() as i64 / CQ_UNIT as i64);
        let max = self.max_offset();
        while min < max {
            match self.get(min) {
                Some(e) if e.phys as u64 >= log_min => break,
                _ => min += 1,
            }
        }
        self.min_offset.store(min, Ordering::Release);
    }
}

/// Dirty queue files from which [`ConsumeQueueTable::flush`] syncs the filesystem instead.
const SYNC_FILESYSTEM_FROM: usize = 16;

/// Every consume queue, by topic and queue id.
#[derive(Debug)]
pub(crate) struct ConsumeQueueTable {
    root: PathBuf,
    file_size: usize,
    queues: RwLock<HashMap<String, HashMap<i32, Arc<ConsumeQueue>>>>,
}

impl ConsumeQueueTable {
    /// Opens every queue under `root` (`consumequeue/`).
    pub(crate) fn load(root: &Path, file_size: usize) -> Result<Self, StoreError> {
        let mut queues: HashMap<String, HashMap<i32, Arc<ConsumeQueue>>> = HashMap::new();
        if root.exists() {
            for topic_dir in std::fs::read_dir(root).map_err(|e| StoreError::io(root, e))? {
                let topic_dir = topic_dir.map_err(|e| StoreError::io(root, e))?;
                let Some(topic) = topic_dir.file_name().to_str().map(str::to_string) else {
                    continue;
                };
                if !topic_dir.path().is_dir() {
                    continue;
                }
                let path = topic_dir.path();
                for qdir in std::fs::read_dir(&path).map_err(|e| StoreError::io(&path, e))? {
                    let qdir = qdir.map_err(|e| StoreError::io(&path, e))?;
                    let Some(qid) = qdir
                        .file_name()
                        .to_str()
                        .and_then(|s| s.parse::<i32>().ok())
                    else {
                        continue;
                    };
                    let cq = ConsumeQueue::load(&qdir.path(), file_size)?;
                    queues
                        .entry(topic.clone())
                        .or_default()
                        .insert(qid, Arc::new(cq));
                }
            }
        }
        Ok(ConsumeQueueTable {
            root: root.to_path_buf(),
            file_size,
            queues: RwLock::new(queues),
        })
    }

    pub(crate) fn get(&self, topic: &str, queue_id: i32) -> Option<Arc<ConsumeQueue>> {
        self.queues
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(topic)?
            .get(&queue_id)
            .cloned()
    }

    pub(crate) fn get_or_create(
        &self,
        topic: &str,
        queue_id: i32,
    ) -> Result<Arc<ConsumeQueue>, StoreError> {
        if let Some(cq) = self.get(topic, queue_id) {
            return Ok(cq);
        }
        let mut queues = self.queues.write().unwrap_or_else(|e| e.into_inner());
        let per_topic = queues.entry(topic.to_string()).or_default();
        if let Some(cq) = per_topic.get(&queue_id) {
            return Ok(cq.clone());
        }
        let dir = self.root.join(topic).join(queue_id.to_string());
        let cq = Arc::new(ConsumeQueue::load(&dir, self.file_size)?);
        per_topic.insert(queue_id, cq.clone());
        Ok(cq)
    }

    /// Every queue with its topic and id.
    pub(crate) fn all(&self) -> Vec<(String, i32, Arc<ConsumeQueue>)> {
        let queues = self.queues.read().unwrap_or_else(|e| e.into_inner());
        queues
            .iter()
            .flat_map(|(t, qs)| qs.iter().map(move |(q, cq)| (t.clone(), *q, cq.clone())))
            .collect()
    }

    /// Queue ids of a topic.
    pub(crate) fn queue_ids(&self, topic: &str) -> Vec<i32> {
        let queues = self.queues.read().unwrap_or_else(|e| e.into_inner());
        let mut ids: Vec<i32> = queues
            .get(topic)
            .map(|q| q.keys().copied().collect())
            .unwrap_or_default();
        ids.sort_unstable();
        ids
    }

    /// Recovers every queue against the commit log end.
    pub(crate) fn recover(&self, log_end: u64) -> Result<(), StoreError> {
        for (_, _, cq) in self.all() {
            cq.recover(log_end)?;
        }
        Ok(())
    }

    /// Drops one queue and its files.
    pub(crate) fn remove_queue(&self, topic: &str, queue_id: i32) {
        let mut queues = self.queues.write().unwrap_or_else(|e| e.into_inner());
        let Some(per_topic) = queues.get_mut(topic) else {
            return;
        };
        if let Some(cq) = per_topic.remove(&queue_id) {
            cq.files.destroy();
        }
        if per_topic.is_empty() {
            queues.remove(topic);
            drop(queues);
            let _ = std::fs::remove_dir_all(self.root.join(topic));
        } else {
            drop(queues);
            let _ = std::fs::remove_dir_all(self.root.join(topic).join(queue_id.to_string()));
        }
    }

    /// Drops a topic's queues and their files.
    pub(crate) fn remove_topic(&self, topic: &str) {
        let removed = self
            .queues
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(topic);
        if let Some(qs) = removed {
            for cq in qs.values() {
                cq.files.destroy();
            }
        }
        let _ = std::fs::remove_dir_all(self.root.join(topic));
    }

    /// Puts every entry written so far on disk.
    ///
    /// A busy broker has a dirty file in each of its queues (1,024 for `BenchmarkTest`), and
    /// each file's `msync` costs a journal commit, a device flush and a sleep. From
    /// [`SYNC_FILESYSTEM_FROM`] dirty files on, one sync of the whole filesystem does it with a
    /// single commit and flush instead (5% more batched sends with 1,024 queues). Fewer files
    /// are synced one by one, so a quiet broker does not write out its neighbours' data.
    pub(crate) fn flush(&self) -> std::io::Result<()> {
        let dirty: Vec<_> = self
            .all()
            .iter()
            .flat_map(|(_, _, cq)| cq.files.unflushed())
            .collect();
        if dirty.len() >= SYNC_FILESYSTEM_FROM && super::os::sync_filesystem(&self.root)? {
            for (file, wrote) in dirty {
                file.mark_flushed_to(wrote);
            }
            return Ok(());
        }
        for (file, _) in dirty {
            file.flush()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(phys: i64) -> CqEntry {
        CqEntry {
            phys,
            size: 10,
            tag_code: 7,
        }
    }

    #[test]
    fn put_get_recover() {
        let dir = tempfile::tempdir().unwrap();
        let table = ConsumeQueueTable::load(dir.path(), 100).unwrap();
        let cq = table.get_or_create("T", 1).unwrap();
        for i in 0..12 {
            cq.put(i, e(i * 10)).unwrap();
        }
        cq.put(3, e(999)).unwrap(); // already there: ignored
        assert_eq!(cq.get(3), Some(e(30)));
        assert_eq!(cq.max_offset(), 12);
        drop((cq, table));

        let table = ConsumeQueueTable::load(dir.path(), 100).unwrap();
        table.recover(75).unwrap(); // entries ending past 75 are cut
        let cq = table.get("T", 1).unwrap();
        assert_eq!(cq.max_offset(), 7);
        assert_eq!(cq.get(6), Some(e(60)));
        assert_eq!(cq.get(7), None);
    }

    #[test]
    fn queues_may_start_past_zero_and_shrink_from_the_front() {
        let dir = tempfile::tempdir().unwrap();
        let table = ConsumeQueueTable::load(dir.path(), 100).unwrap();
        let cq = table.get_or_create("T", 0).unwrap();
        cq.put(7, e(100)).unwrap();
        cq.put(8, e(110)).unwrap();
        assert_eq!((cq.min_offset(), cq.max_offset()), (7, 9));
        assert_eq!(cq.get(6), None);
        cq.correct_min_offset(105);
        assert_eq!(cq.min_offset(), 8);
        assert_eq!(table.queue_ids("T"), vec![0]);
        table.remove_topic("T");
        assert!(table.get("T", 0).is_none());
    }

    #[test]
    fn flush_covers_every_dirty_file_one_by_one_or_all_at_once() {
        for queues in [3, SYNC_FILESYSTEM_FROM as i32 + 4] {
            let dir = tempfile::tempdir().unwrap();
            let table = ConsumeQueueTable::load(dir.path(), 100).unwrap();
            for q in 0..queues {
                let cq = table.get_or_create("T", q).unwrap();
                for i in 0..7 {
                    cq.put(i, e(i * 10)).unwrap();
                }
            }
            table.flush().unwrap();
            for (_, _, cq) in table.all() {
                assert!(cq.files.unflushed().is_empty(), "{queues} queues");
                assert_eq!(cq.files.flush().unwrap(), 140, "{queues} queues");
            }
        }
    }
}
