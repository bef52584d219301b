//! The commit log: every message of every topic, appended to one sequence of mapped files.
//!
//! # Format
//!
//! Records are [`rocketmq_client::protocol::message::record`]'s stored layout, back to back.
//! When a record plus an 8-byte blank header would not fit in the current file, the rest of the
//! file is marked blank (`totalSize` = bytes left, magic `0xCBD43194`) and the record goes at
//! the start of the next file, so records never span files.
//!
//! Appends take one lock, which also guards the next consume-queue offset of every queue, so
//! offsets are handed out in log order. Records are encoded into a buffer kept with the lock
//! and written with one `pwrite` per file touched (see [`FileWriter::write_at`](super::mapped_file::FileWriter::write_at)); readers see
//! them through the mapping. Senders that find the lock taken hand their batch to its holder
//! ([`super::group`]), so one write carries every batch that queued up meanwhile. Consume
//! queues are built later by the dispatch thread.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use rocketmq_client::protocol::message::record::{
    MAGIC_BLANK, RecordFields, RecordHead, RecordView, crc32_masked, read_head,
};
use tokio::sync::watch;

use super::error::StoreError;
use super::group::{AppendQueue, RoundWriter};
use super::mapped_file::MappedFile;
use super::mapped_file_queue::{FileKind, MappedFileQueue};
use super::now_millis;
use super::put::{AppendError, AppendResult, PutMessage};

#[derive(Debug)]
pub(crate) struct CommitLog {
    files: MappedFileQueue,
    /// The append lock.
    writer: Mutex<Writer>,
    /// Batches left for the holder of `writer` to append.
    waiting: AppendQueue<(Vec<PutMessage>, Prepared)>,
    max_record_size: usize,
    /// The log's end after each append round: what replication waits on.
    appended: watch::Sender<u64>,
    /// When the append round in progress began (ms), 0 between rounds.
    round_began: AtomicI64,
}

/// Why replicated bytes were not appended.
#[derive(Debug, thiserror::Error)]
pub enum RawAppendError {
    /// The bytes do not continue this log.
    #[error("bytes for offset {at} do not continue this commit log, which ends at {end}")]
    NotAtEnd { at: u64, end: u64 },
    /// An empty log can only start at a file boundary.
    #[error("an empty commit log cannot start at {0}, which is not the start of a file")]
    NotAtFileStart(u64),
    /// The bytes would run past the end of the file they start in.
    #[error("{len} bytes at offset {at} run past the end of their file at {file_end}")]
    PastFileEnd { at: u64, len: usize, file_end: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A batch checked and measured outside the lock.
#[derive(Debug)]
pub(crate) struct Prepared {
    sizes: Vec<usize>,
    crcs: Vec<u32>,
    total: usize,
}

/// What only the appender touches.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    /// Next consume-queue offset per topic and queue.
    queue_offsets: HashMap<String, HashMap<i32, i64>>,
    /// The records of the append in progress, reused from append to append.
    buf: Vec<u8>,
}

impl CommitLog {
    pub(crate) fn load(
        dir: &Path,
        file_size: usize,
        max_message_size: usize,
    ) -> Result<Self, StoreError> {
        Ok(CommitLog {
            files: MappedFileQueue::load(dir, file_size, FileKind::Log)?,
            writer: Mutex::new(Writer::default()),
            waiting: AppendQueue::default(),
            appended: watch::Sender::new(0),
            // Apache allows the whole record up to the body limit plus 64 KiB of headers.
            max_record_size: (max_message_size + 64 * 1024).min(file_size - 8),
            round_began: AtomicI64::new(0),
        })
    }

    pub(crate) fn files(&self) -> &MappedFileQueue {
        &self.files
    }

    pub(crate) fn min_offset(&self) -> u64 {
        self.files.min_offset()
    }

    pub(crate) fn max_offset(&self) -> u64 {
        self.files.max_offset()
    }

    /// The log's end, updated after every append (and at recovery).
    pub(crate) fn appended(&self) -> watch::Receiver<u64> {
        self.appended.subscribe()
    }

    /// Sets the next consume-queue offsets (after recovery).
    pub(crate) fn set_queue_offsets(&self, table: HashMap<String, HashMap<i32, i64>>) {
        self.writer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .queue_offsets = table;
        self.waiting.drain(self);
    }

    /// Forgets a topic's offsets (topic deleted).
    pub(crate) fn remove_topic(&self, topic: &str) {
        self.writer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .queue_offsets
            .remove(topic);
        // Senders that found the lock taken meanwhile left their batches to this holder.
        self.waiting.drain(self);
    }

    /// Appends one message, or a batch of messages for one topic and queue, contiguously.
    /// Blocks while another append holds the log; senders use [`append_grouped`] instead.
    ///
    /// [`append_grouped`]: Self::append_grouped
    #[cfg(test)]
    pub(crate) fn append(&self, batch: &[PutMessage]) -> Result<AppendResult, AppendError> {
        let queued = (batch.to_vec(), self.prepare(batch)?);
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let written = self.write_round(&mut writer, &[&queued]);
        drop(writer);
        self.waiting.drain(self);
        Ok(written?.remove(0))
    }

    /// Appends like [`append`](Self::append), but a sender that finds the log busy does not
    /// block its thread: it leaves the batch to whoever holds the log, who writes every batch
    /// waiting when it finishes in one go (see [`group`](super::group)).
    pub(crate) async fn append_grouped(
        &self,
        batch: Vec<PutMessage>,
    ) -> Result<AppendResult, AppendError> {
        let prepared = self.prepare(&batch)?;
        self.waiting.append(self, (batch, prepared)).await
    }

    /// Checks a batch and computes what needs no lock: record sizes and body CRCs.
    fn prepare(&self, batch: &[PutMessage]) -> Result<Prepared, AppendError> {
        if batch.is_empty() {
            return Err(AppendError::Empty);
        }
        let sizes: Vec<usize> = batch.iter().map(PutMessage::encoded_size).collect();
        let total: usize = sizes.iter().sum();
        for m in batch {
            if m.properties.len() > i16::MAX as usize {
                return Err(AppendError::PropertiesTooLarge(m.properties.len()));
            }
        }
        if total > self.max_record_size {
            return Err(AppendError::TooLarge {
                size: total,
                max: self.max_record_size,
            });
        }
        let crcs = batch.iter().map(|m| crc32_masked(&m.body)).collect();
        Ok(Prepared { sizes, crcs, total })
    }

    /// The append lock, if it is free.
    fn try_writer(&self) -> Option<MutexGuard<'_, Writer>> {
        match self.writer.try_lock() {
            Ok(w) => Some(w),
            Err(std::sync::TryLockError::Poisoned(e)) => Some(e.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => None,
        }
    }

    /// Writes prepared batches back to back, each contiguous, with one `pwrite` per file they
    /// land in; returns where each landed. Queue offsets advance only for what was written.
    fn write_round(
        &self,
        writer: &mut Writer,
        round: &[&(Vec<PutMessage>, Prepared)],
    ) -> Result<Vec<AppendResult>, StoreError> {
        let Writer { queue_offsets, buf } = writer;
        let file_size = self.files.file_size();
        let now = now_millis();
        let mut file = self.writable_file()?;
        // `pos`: where `buf` goes in `file`. Offsets handed out in `buf` but not yet written.
        let mut pos = file.wrote();
        let mut staged: Vec<(&str, i32, i64)> = Vec::new();
        let mut results = Vec::with_capacity(round.len());
        buf.clear();
        for (batch, prepared) in round.iter().copied() {
            if pos + buf.len() + prepared.total + 8 > file_size {
                write_out(&file, pos, buf, queue_offsets, &mut staged)?;
                write_blank(&file, pos + buf.len())?;
                file = self.files.create_file(file.from() + file_size as u64)?;
                pos = 0;
                buf.clear();
            }
            results.push(encode_batch(
                batch,
                prepared,
                file.from() + (pos + buf.len()) as u64,
                now,
                buf,
                queue_offsets,
                &mut staged,
            ));
        }
        write_out(&file, pos, buf, queue_offsets, &mut staged)?;
        self.appended
            .send_replace(file.from() + (pos + buf.len()) as u64);
        Ok(results)
    }

    /// Drops the cached pages of `[from, to)` (flushed bytes; see [`MappedFile::release`]) and
    /// returns how far that got: `to`, or less if a file is gone.
    pub(crate) fn release(&self, from: u64, to: u64) -> u64 {
        let mut at = from.max(self.files.min_offset());
        while at < to {
            let Some(f) = self.files.find(at) else { break };
            let end = to.min(f.from() + f.size() as u64);
            f.release((at - f.from()) as usize, (end - at) as usize);
            at = end;
        }
        at
    }

    /// The file to append to, creating the first or next one when needed.
    fn writable_file(&self) -> Result<Arc<MappedFile>, StoreError> {
        match self.files.last() {
            Some(f) if !f.is_full() => Ok(f),
            Some(f) => self.files.create_file(f.from() + f.size() as u64),
            None => self.files.create_file(0),
        }
    }

    /// Copies up to `max` published bytes from `from`, within the file holding it (what a
    /// master streams to its slaves); empty at the end of the log, `None` if `from` is not on
    /// disk (before the first file, or past the end).
    pub(crate) fn read_raw(&self, from: u64, max: usize) -> Option<Bytes> {
        if from == self.max_offset() {
            return Some(Bytes::new());
        }
        let f = self.files.find(from)?;
        let pos = (from - f.from()) as usize;
        let len = f.wrote().checked_sub(pos)?.min(max);
        f.read(pos, len).map(Bytes::copy_from_slice)
    }

    /// Appends bytes of another broker's commit log verbatim at `at`, which must be this log's
    /// end (or, for an empty log, the start of a file: a new slave starts at its master's
    /// last file). The bytes stay within one file, as the master sends them; they may end in
    /// the middle of a record, which dispatch picks up once the rest has come.
    pub(crate) fn append_raw(&self, at: u64, bytes: &[u8]) -> Result<(), RawAppendError> {
        let _writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        let file_size = self.files.file_size() as u64;
        let file = match self.files.last() {
            None if at.is_multiple_of(file_size) => self.files.create_file(at)?,
            None => return Err(RawAppendError::NotAtFileStart(at)),
            Some(f) => {
                let end = f.from() + f.wrote() as u64;
                if at != end {
                    return Err(RawAppendError::NotAtEnd { at, end });
                }
                if f.is_full() {
                    self.files.create_file(end)?
                } else {
                    f
                }
            }
        };
        let pos = (at - file.from()) as usize;
        let writer = file.sole_writer()?;
        if pos + bytes.len() > file.size() {
            return Err(RawAppendError::PastFileEnd {
                at,
                len: bytes.len(),
                file_end: file.from() + file.size() as u64,
            });
        }
        writer
            .write_at(pos, bytes)
            .map_err(|e| StoreError::io(file.path(), e))?;
        writer.set_wrote(pos + bytes.len());
        self.appended.send_replace(at + bytes.len() as u64);
        Ok(())
    }

    /// Copies `size` bytes at `offset` (one stored record), if published and still on disk.
    pub(crate) fn read(&self, offset: u64, size: usize) -> Option<Bytes> {
        let f = self.files.find(offset)?;
        f.read((offset - f.from()) as usize, size)
            .map(Bytes::copy_from_slice)
    }

    /// Appends the record at `offset` to `out`; false if it is not there.
    pub(crate) fn read_into(&self, offset: u64, size: usize, out: &mut Vec<u8>) -> bool {
        let Some(f) = self.files.find(offset) else {
            return false;
        };
        match f.read((offset - f.from()) as usize, size) {
            Some(bytes) => {
                out.extend_from_slice(bytes);
                true
            }
            None => false,
        }
    }

    /// Reads the 8-byte value at `at` within the record at `offset` (e.g. its store timestamp).
    pub(crate) fn read_i64(&self, offset: u64, at: usize) -> Option<i64> {
        let f = self.files.find(offset)?;
        let bytes = f.read((offset - f.from()) as usize + at, 8)?;
        Some(i64::from_be_bytes(bytes.try_into().ok()?))
    }

    /// Visits the published records in `[from, to)` in order, stepping over end-of-file
    /// blanks, until `to`, an invalid or unpublished record, or an error from `f`; returns the
    /// offset after the last record visited.
    pub(crate) fn walk<E>(
        &self,
        mut from: u64,
        to: u64,
        mut f: impl FnMut(&RecordView<'_>) -> Result<(), E>,
    ) -> Result<u64, E> {
        // One file lookup per file, not per record.
        while from < to {
            let Some(file) = self.files.find(from) else {
                break;
            };
            while from < to {
                let pos = (from - file.from()) as usize;
                let Some(head) = file.read(pos, 8) else {
                    return Ok(from);
                };
                match read_head(head) {
                    RecordHead::Blank => {
                        from = file.from() + file.size() as u64;
                        break;
                    }
                    RecordHead::End => return Ok(from),
                    RecordHead::Message(size) => {
                        match file.read(pos, size).map(RecordView::parse) {
                            Some(Ok(view)) => {
                                f(&view)?;
                                from += size as u64;
                            }
                            _ => return Ok(from),
                        }
                    }
                }
            }
        }
        Ok(from)
    }

    /// Whether the log ends inside the record at `offset`: replicated bytes arrive in chunks
    /// that need not end at a record boundary, and the rest is still to come.
    pub(crate) fn ends_mid_record(&self, offset: u64) -> bool {
        let Some(f) = self.files.find(offset) else {
            return false;
        };
        let pos = (offset - f.from()) as usize;
        match f.read(pos, 8).map(read_head) {
            None => f.wrote() > pos,
            Some(RecordHead::Message(size)) => pos + size > f.wrote(),
            Some(_) => false,
        }
    }

    /// Finds the end of valid data scanning from `start`, then cuts everything after it.
    /// A record is valid if its magic, size and layout check out, it says it lives where it
    /// is, its tail is intact (see `RecordView::tail_ok`), and (with `check_crc`) its body CRC
    /// matches.
    pub(crate) fn recover(&self, start: u64, check_crc: bool) -> Result<u64, StoreError> {
        let files = self.files.files();
        let Some(first) = files.first() else {
            return Ok(0);
        };
        let start = start.max(first.from());
        let mut idx = files
            .partition_point(|f| f.from() <= start)
            .saturating_sub(1);
        let mut pos = (start - files[idx].from()) as usize;
        let valid_end = loop {
            let f = &files[idx];
            let size = f.size();
            if pos + 8 > size {
                break f.from() + pos as u64;
            }
            let w = f.sole_writer()?;
            match read_head(w.read_unpublished(pos, 8)) {
                RecordHead::Message(len) if pos + len <= size => {
                    let ok = RecordView::parse(w.read_unpublished(pos, len)).is_ok_and(|v| {
                        v.physical_offset == (f.from() + pos as u64) as i64
                            && v.tail_ok()
                            && (!check_crc || v.crc_ok())
                    });
                    if !ok {
                        break f.from() + pos as u64;
                    }
                    pos += len;
                }
                RecordHead::Blank
                    if idx + 1 < files.len() && files[idx + 1].from() == f.from() + size as u64 =>
                {
                    idx += 1;
                    pos = 0;
                }
                RecordHead::Blank => break f.from() + size as u64,
                _ => break f.from() + pos as u64,
            }
        };
        drop(files);
        self.files.truncate_to(valid_end)?;
        self.appended.send_replace(valid_end);
        Ok(valid_end)
    }

    /// How long the append round in progress has taken so far (ms), 0 between rounds.
    pub(crate) fn lock_time_millis(&self) -> i64 {
        match self.round_began.load(Ordering::Relaxed) {
            0 => 0,
            began => (now_millis() - began).max(0),
        }
    }

    pub(crate) fn flush(&self) -> std::io::Result<u64> {
        self.files.flush()
    }
}

impl RoundWriter for CommitLog {
    type Batch = (Vec<PutMessage>, Prepared);
    type Guard<'a> = MutexGuard<'a, Writer>;

    fn try_lock(&self) -> Option<MutexGuard<'_, Writer>> {
        self.try_writer()
    }

    fn write_round(
        &self,
        guard: &mut MutexGuard<'_, Writer>,
        round: &[&Self::Batch],
    ) -> Result<Vec<AppendResult>, StoreError> {
        self.round_began.store(now_millis(), Ordering::Relaxed);
        let written = CommitLog::write_round(self, guard, round);
        self.round_began.store(0, Ordering::Relaxed);
        written
    }
}

/// Encodes one batch at log offset `wrote_offset` onto `buf`, numbering its records after
/// the queue's offsets staged earlier in the round, or else its committed ones.
fn encode_batch<'a>(
    batch: &'a [PutMessage],
    prepared: &Prepared,
    wrote_offset: u64,
    now: i64,
    buf: &mut Vec<u8>,
    queue_offsets: &HashMap<String, HashMap<i32, i64>>,
    staged: &mut Vec<(&'a str, i32, i64)>,
) -> AppendResult {
    let first = &batch[0];
    let takes_offset = first.takes_queue_offset();
    let base = if takes_offset {
        staged
            .iter()
            .rev()
            .find(|(t, q, _)| *q == first.queue_id && *t == first.topic)
            .map(|s| s.2)
            .or_else(|| {
                queue_offsets
                    .get(&first.topic)
                    .and_then(|q| q.get(&first.queue_id))
                    .copied()
            })
            .unwrap_or(0)
    } else {
        0
    };
    let mut record_offsets = Vec::with_capacity(batch.len());
    let mut store_timestamp = now;
    let mut phys = wrote_offset as i64;
    buf.reserve(prepared.total);
    for (i, m) in batch.iter().enumerate() {
        store_timestamp = m.store_timestamp.unwrap_or(now);
        RecordFields {
            topic: &m.topic,
            queue_id: m.queue_id,
            flag: m.flag,
            queue_offset: if takes_offset { base + i as i64 } else { 0 },
            physical_offset: phys,
            sys_flag: m.sys_flag,
            born_timestamp: m.born_timestamp,
            born_host: m.born_host,
            store_timestamp,
            store_host: m.store_host,
            reconsume_times: m.reconsume_times,
            prepared_transaction_offset: m.prepared_transaction_offset,
            body_crc: prepared.crcs[i],
            body: &m.body,
            properties: &m.properties,
        }
        .encode(buf);
        record_offsets.push(phys);
        phys += prepared.sizes[i] as i64;
    }
    if takes_offset {
        staged.push((&first.topic, first.queue_id, base + batch.len() as i64));
    }
    AppendResult {
        wrote_offset: wrote_offset as i64,
        wrote_bytes: prepared.total,
        queue_offset: base,
        store_timestamp,
        record_offsets,
    }
}

/// Writes `buf` at `pos` and publishes it, then commits the queue offsets it used.
fn write_out(
    file: &MappedFile,
    pos: usize,
    buf: &[u8],
    queue_offsets: &mut HashMap<String, HashMap<i32, i64>>,
    staged: &mut Vec<(&str, i32, i64)>,
) -> Result<(), StoreError> {
    if !buf.is_empty() {
        let writer = file.sole_writer()?;
        writer
            .write_at(pos, buf)
            .map_err(|e| StoreError::io(file.path(), e))?;
        writer.set_wrote(pos + buf.len());
    }
    for (topic, queue_id, next) in staged.drain(..) {
        match queue_offsets.get_mut(topic) {
            Some(queues) => {
                queues.insert(queue_id, next);
            }
            None => {
                queue_offsets.insert(topic.to_string(), HashMap::from([(queue_id, next)]));
            }
        }
    }
    Ok(())
}

fn write_blank(file: &MappedFile, pos: usize) -> Result<(), StoreError> {
    let writer = file.sole_writer()?;
    let rest = file.size() - pos;
    if rest >= 8 {
        writer.write_with(pos, 8, |b| {
            b[..4].copy_from_slice(&(rest as i32).to_be_bytes());
            b[4..].copy_from_slice(&MAGIC_BLANK.to_be_bytes());
        });
    }
    writer.set_wrote(file.size());
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A plain message with tag `A` (the store's tests share it).
    pub(crate) fn msg(topic: &str, queue_id: i32, body: impl Into<Bytes>) -> PutMessage {
        PutMessage {
            topic: topic.into(),
            queue_id,
            flag: 0,
            sys_flag: 0,
            born_timestamp: 1,
            born_host: "127.0.0.1:5000".parse().unwrap(),
            store_host: "127.0.0.1:10911".parse().unwrap(),
            reconsume_times: 0,
            prepared_transaction_offset: 0,
            body: body.into(),
            properties: "TAGS\u{1}A\u{2}".into(),
            store_timestamp: None,
        }
    }

    #[test]
    fn appends_roll_over_with_a_blank_and_recover() {
        let dir = tempfile::tempdir().unwrap();
        let log = CommitLog::load(dir.path(), 1024, 4096).unwrap();
        let mut offsets = Vec::new();
        for i in 0..20 {
            let r = log
                .append(&[msg(
                    "T",
                    i % 2,
                    &b"0123456789012345678901234567890123456789"[..],
                )])
                .unwrap();
            assert_eq!(r.queue_offset, i64::from(i / 2));
            offsets.push(r.wrote_offset as u64);
        }
        assert!(log.files().files().len() > 1, "rolled over");
        let first_in_second = offsets.iter().position(|o| *o >= 1024).unwrap();
        assert_eq!(
            offsets[first_in_second], 1024,
            "a record that does not fit starts the next file"
        );
        let end = log.max_offset();
        let mut seen = Vec::new();
        let reached = log.walk::<()>(offsets[first_in_second - 1], end, |v| {
            seen.push(v.physical_offset as u64);
            Ok(())
        });
        assert_eq!(reached, Ok(end));
        assert_eq!(
            seen,
            offsets[first_in_second - 1..],
            "the blank is stepped over"
        );
        drop(log);

        let log = CommitLog::load(dir.path(), 1024, 4096).unwrap();
        assert_eq!(log.recover(0, true).unwrap(), end);
        let mut topics = Vec::new();
        let reached = log.walk::<()>(offsets[5], offsets[6], |v| {
            topics.push(v.topic.to_string());
            Ok(())
        });
        assert_eq!(
            (reached, &topics[..]),
            (Ok(offsets[6]), &["T".to_string()][..])
        );
        assert_eq!(
            log.walk(offsets[5], end + 100, |_| Err("stop")),
            Err("stop")
        );
    }

    #[test]
    fn batches_are_contiguous_and_too_large_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let log = CommitLog::load(dir.path(), 4096, 100).unwrap();
        let r = log
            .append(&[msg("T", 0, &b"a"[..]), msg("T", 0, &b"b"[..])])
            .unwrap();
        assert_eq!(r.record_offsets.len(), 2);
        assert_eq!(
            r.record_offsets[1] - r.record_offsets[0],
            (r.wrote_bytes / 2) as i64
        );
        let big: &'static [u8] = Box::leak(vec![0u8; 4000].into_boxed_slice());
        assert!(matches!(
            log.append(&[msg("T", 0, big)]),
            Err(AppendError::TooLarge { .. })
        ));
    }
}
