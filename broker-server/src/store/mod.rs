//! The message store: a commit log on memory-mapped files, consume queues derived from it,
//! flushing, checkpointing, recovery and retention.
//!
//! It knows nothing of the network: the broker hands it [`PutMessage`]s and asks it for queue
//! ranges. Background work runs on a few named OS threads (dispatch, two flushers, retention,
//! file pre-allocation) because it is blocking file I/O; senders that must wait for the disk
//! wait asynchronously on a watch channel.
//!
//! # Layout on disk
//! ```text
//! {storePathRootDir}/commitlog/{20-digit offset}        see commit_log
//! {storePathRootDir}/consumequeue/{topic}/{queueId}/…   see consume_queue
//! {storePathRootDir}/checkpoint                         see checkpoint
//! {storePathRootDir}/abort    present while running: found at start means a crash
//! {storePathRootDir}/lock     exclusive lock against a second process
//! ```
//!
//! A slave's store is the same, filled by [`MessageStore::append_replica`] with its master's
//! commit-log bytes (see `replica`) instead of puts.

mod checkpoint;
mod commit_log;
mod config;
mod consume_queue;
mod dispatch;
mod error;
mod flush;
mod group;
mod index;
mod mapped_file;
mod mapped_file_queue;
mod os;
mod put;
mod read;
mod replica;
mod retention;

use std::collections::HashMap;
use std::fs::File;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::watch;

pub use commit_log::RawAppendError;
pub use config::{
    DEFAULT_DELAY_LEVELS, FlushDiskType, StoreConfig, parse_delay_levels, show_delay_levels,
};
pub use dispatch::ArrivalListener;
pub use error::StoreError;
pub(crate) use os::local_date;
pub use put::{AppendError, AppendResult, PutError, PutMessage, Stored};
pub use read::{GetMessageResult, GetStatus, QueueEntry};

use checkpoint::Checkpoint;
use commit_log::CommitLog;
use consume_queue::ConsumeQueueTable;

use rocketmq_client::protocol::message::MessageExt;
pub use rocketmq_client::protocol::now_millis;

/// A wake-up flag for a background thread.
#[derive(Debug, Default)]
pub(crate) struct Signal {
    flag: Mutex<bool>,
    cv: Condvar,
}

impl Signal {
    /// Wakes the waiter unless a wake-up is already pending: under load the thread is woken
    /// once per round of work, not once per message (a futex wake each time is expensive).
    pub(crate) fn notify(&self) {
        let mut flag = self.flag.lock().unwrap_or_else(|e| e.into_inner());
        if !*flag {
            *flag = true;
            drop(flag);
            self.cv.notify_all();
        }
    }

    /// Waits for a notification or the timeout, then clears the flag.
    pub(crate) fn wait(&self, timeout: Duration) {
        let guard = self.flag.lock().unwrap_or_else(|e| e.into_inner());
        let (mut guard, _) = self
            .cv
            .wait_timeout_while(guard, timeout, |set| !*set)
            .unwrap_or_else(|e| e.into_inner());
        *guard = false;
    }
}

/// How far the store's threads have got and how they wake each other: all that they share
/// besides the files. Each thread holds this and handles to the parts it works on (see
/// `dispatch::Dispatcher`, `flush::LogFlusher`, `flush::Checkpointer`, `retention::Retention`).
pub(crate) struct Progress {
    /// Commit-log offset up to which consume queues are built.
    dispatched: AtomicU64,
    /// Commit-log offset known to be on disk.
    flushed: watch::Sender<u64>,
    dispatch_signal: Signal,
    flush_signal: Signal,
    queue_flush_signal: Signal,
    retention_signal: Signal,
    stopping: AtomicBool,
}

/// The store. Dropping it shuts it down cleanly.
pub struct MessageStore {
    config: StoreConfig,
    log: Arc<CommitLog>,
    cqs: Arc<ConsumeQueueTable>,
    /// Keys → offsets (`messageIndexEnable`).
    index: Option<Arc<index::IndexService>>,
    progress: Arc<Progress>,
    checkpointer: flush::Checkpointer,
    retention: retention::Retention,
    threads: Mutex<Vec<JoinHandle<()>>>,
    lock_file: Mutex<Option<File>>,
}

impl std::fmt::Debug for MessageStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageStore")
            .field("root", &self.root())
            .finish_non_exhaustive()
    }
}

impl MessageStore {
    /// Opens (and if needed recovers) the store under `config.store_path_root_dir`.
    ///
    /// Recovery scans the commit log from the checkpoint, cuts a torn or corrupt tail, drops
    /// queue entries that point past the valid end, and re-dispatches what the queues missed,
    /// all before any put is accepted.
    pub fn open(config: StoreConfig, arrival: Option<ArrivalListener>) -> Result<Self, StoreError> {
        let root = config.store_path_root_dir.clone();
        std::fs::create_dir_all(&root).map_err(|e| StoreError::io(&root, e))?;
        let lock_path = root.join("lock");
        let lock_file = File::create(&lock_path).map_err(|e| StoreError::io(&lock_path, e))?;
        if lock_file.try_lock().is_err() {
            return Err(StoreError::Locked(root));
        }
        let abort_path = root.join("abort");
        let crashed = abort_path.exists();
        File::create(&abort_path).map_err(|e| StoreError::io(&abort_path, e))?;

        let log = CommitLog::load(
            &config.commit_log_dir(),
            config.mapped_file_size_commit_log,
            config.max_message_size,
        )?;
        let cqs = ConsumeQueueTable::load(
            &root.join("consumequeue"),
            config.mapped_file_size_consume_queue,
        )?;
        let index = if config.message_index_enable {
            Some(index::IndexService::load(
                &root.join("index"),
                config.max_hash_slot_num,
                config.max_index_num,
            )?)
        } else {
            None
        };
        let checkpoint = Checkpoint::read(&root.join("checkpoint"));
        let scan_from = checkpoint.map_or(0, |c| c.dispatched_offset.min(c.flushed_offset));
        let log_end = log.recover(scan_from, config.check_crc_on_recover)?;
        cqs.recover(log_end)?;
        let dispatch_from = checkpoint
            .map_or(0, |c| c.dispatched_offset)
            .min(log_end)
            .max(log.min_offset());
        let (reached, _) = dispatch::dispatch_range(
            &log,
            &cqs,
            index.as_ref(),
            &config.message_delay_level,
            dispatch_from,
            log_end,
        )?;
        let log_min = log.min_offset();
        let mut offsets: HashMap<String, HashMap<i32, i64>> = HashMap::new();
        for (topic, queue_id, cq) in cqs.all() {
            cq.correct_min_offset(log_min);
            offsets
                .entry(topic)
                .or_default()
                .insert(queue_id, cq.max_offset());
        }
        log.set_queue_offsets(offsets);
        tracing::info!(
            root = %root.display(),
            crashed,
            recovered_from = scan_from,
            log_end,
            redispatched = reached - dispatch_from,
            "message store opened"
        );

        let (flushed, _) = watch::channel(log_end);
        let progress = Arc::new(Progress {
            dispatched: AtomicU64::new(reached),
            flushed,
            dispatch_signal: Signal::default(),
            flush_signal: Signal::default(),
            queue_flush_signal: Signal::default(),
            retention_signal: Signal::default(),
            stopping: AtomicBool::new(false),
        });
        let (log, cqs, index) = (Arc::new(log), Arc::new(cqs), index.map(Arc::new));
        let checkpointer = flush::Checkpointer {
            cqs: cqs.clone(),
            index: index.clone(),
            progress: progress.clone(),
            path: root.join("checkpoint"),
        };
        checkpointer
            .write()
            .map_err(|e| StoreError::io(&checkpointer.path, e))?;
        let retention = retention::Retention::new(
            &config,
            log.clone(),
            cqs.clone(),
            index.clone(),
            progress.clone(),
        );
        let spawned = [
            dispatch::Dispatcher {
                log: log.clone(),
                cqs: cqs.clone(),
                index: index.clone(),
                delay_levels: config.message_delay_level.clone(),
                arrival,
                progress: progress.clone(),
            }
            .spawn(),
            flush::LogFlusher::new(&config, log.clone(), progress.clone()).spawn(),
            checkpointer
                .clone()
                .spawn(config.flush_interval_consume_queue),
            retention.clone().spawn(),
        ];
        let mut threads = Vec::new();
        for t in spawned {
            threads.push(t.map_err(|e| StoreError::io(&root, e))?);
        }
        Ok(MessageStore {
            config,
            log,
            cqs,
            index,
            progress,
            checkpointer,
            retention,
            threads: Mutex::new(threads),
            lock_file: Mutex::new(Some(lock_file)),
        })
    }

    fn root(&self) -> &std::path::Path {
        &self.config.store_path_root_dir
    }

    /// The configuration the store runs with.
    pub fn config(&self) -> &StoreConfig {
        &self.config
    }

    /// Appends one message.
    pub async fn put_message(&self, msg: PutMessage, wait_store: bool) -> Result<Stored, PutError> {
        self.put_messages(vec![msg], wait_store).await
    }

    /// Appends a batch for one topic and queue, contiguously with consecutive queue offsets.
    /// With SYNC_FLUSH and `wait_store`, returns after the bytes are on disk (or the timeout).
    pub async fn put_messages(
        &self,
        batch: Vec<PutMessage>,
        wait_store: bool,
    ) -> Result<Stored, PutError> {
        if self.progress.stopping.load(Ordering::Acquire) {
            return Err(PutError::ServiceNotAvailable(
                "the store is shutting down".into(),
            ));
        }
        if self.config.replica {
            return Err(PutError::ServiceNotAvailable(
                "the broker is a slave: messages are put to its master".into(),
            ));
        }
        for m in &batch {
            if m.body.len() > self.config.max_message_size {
                let reason = format!(
                    "message body of {} bytes exceeds maxMessageSize {}",
                    m.body.len(),
                    self.config.max_message_size
                );
                return Err(PutError::MessageIllegal(reason));
            }
        }
        let append = match self.log.append_grouped(batch).await {
            Ok(a) => a,
            Err(
                e @ (AppendError::TooLarge { .. }
                | AppendError::PropertiesTooLarge(_)
                | AppendError::Empty),
            ) => return Err(PutError::MessageIllegal(e.to_string())),
            Err(AppendError::Store(e)) => {
                tracing::error!(error = %e, "append failed");
                return Err(PutError::ServiceNotAvailable(e.to_string()));
            }
        };
        self.progress.dispatch_signal.notify();
        let mut flush_timed_out = false;
        if wait_store && self.config.flush_disk_type == FlushDiskType::SyncFlush {
            let end = append.wrote_offset as u64 + append.wrote_bytes as u64;
            let mut rx = self.progress.flushed.subscribe();
            self.progress.flush_signal.notify();
            let waited =
                tokio::time::timeout(self.config.sync_flush_timeout, rx.wait_for(|f| *f >= end))
                    .await;
            flush_timed_out = !matches!(waited, Ok(Ok(_)));
        }
        Ok(Stored {
            append,
            flush_timed_out,
        })
    }

    /// Next logical offset of a queue (0 if unknown).
    pub fn max_offset(&self, topic: &str, queue_id: i32) -> i64 {
        self.cqs
            .get(topic, queue_id)
            .map_or(0, |cq| cq.max_offset())
    }

    /// First logical offset still served (0 if unknown).
    pub fn min_offset(&self, topic: &str, queue_id: i32) -> i64 {
        self.cqs
            .get(topic, queue_id)
            .map_or(0, |cq| cq.min_offset())
    }

    /// Queue ids that have a consume queue.
    pub fn queue_ids(&self, topic: &str) -> Vec<i32> {
        self.cqs.queue_ids(topic)
    }

    /// Copies the stored record at a commit-log offset.
    pub fn lookup_message(&self, commit_log_offset: i64) -> Option<Bytes> {
        let offset = u64::try_from(commit_log_offset).ok()?;
        let size = self
            .log
            .read_i64(offset, 0)
            .map(|v| ((v >> 32) as i32).max(0) as usize)?;
        self.log.read(offset, size)
    }

    /// Commit-log offsets of messages of `topic` whose key or unique key is `key`, stored in
    /// `[begin, end]` ms, newest first (index hashes collide: check the keys). Empty with
    /// `messageIndexEnable=false`.
    pub fn query_index(
        &self,
        topic: &str,
        key: &str,
        begin: i64,
        end: i64,
        max: usize,
    ) -> Vec<i64> {
        self.index
            .as_ref()
            .map_or_else(Vec::new, |i| i.query(topic, key, begin, end, max))
    }

    /// (newest store time, newest commit-log offset) in the index.
    pub fn index_last_update(&self) -> (i64, i64) {
        self.index.as_ref().map_or((0, 0), |i| i.last_update())
    }

    /// The stored message at a commit-log offset, decoded (body as stored, maybe compressed).
    pub fn message_at(&self, commit_log_offset: i64) -> Option<MessageExt> {
        let bytes = self.lookup_message(commit_log_offset)?;
        MessageExt::decode_all(&bytes).ok()?.pop()
    }

    /// The stored message at a queue offset, decoded.
    pub fn queue_message(&self, topic: &str, queue_id: i32, offset: i64) -> Option<MessageExt> {
        self.message_at(self.queue_entry(topic, queue_id, offset)?.commit_log_offset)
    }

    /// Forgets a topic: its queues, their files and its offsets. Its records stay in the
    /// commit log until retention removes them.
    pub fn delete_topic(&self, topic: &str) {
        self.cqs.remove_topic(topic);
        self.log.remove_topic(topic);
    }

    /// Topics that have consume queues.
    pub fn queue_topics(&self) -> Vec<String> {
        let mut topics: Vec<String> = self.cqs.all().into_iter().map(|(t, _, _)| t).collect();
        topics.sort();
        topics.dedup();
        topics
    }

    /// Drops the consume queues of topics `keep` says no to (Apache's `cleanUnusedTopic`,
    /// given the broker's topics); returns how many topics went. Their records stay in the
    /// commit log until retention removes them.
    pub fn clean_unused_topics(&self, keep: impl Fn(&str) -> bool) -> usize {
        let gone: Vec<String> = self
            .queue_topics()
            .into_iter()
            .filter(|t| !keep(t))
            .collect();
        for topic in &gone {
            tracing::info!(topic, "cleaning an unused topic's consume queues");
            self.delete_topic(topic);
        }
        gone.len()
    }

    /// Drops the consume queues all of whose messages retention has removed from the commit
    /// log (Apache's `cleanExpiredConsumerQueue`); returns how many went.
    pub fn clean_expired_queues(&self) -> usize {
        let log_min = self.log.min_offset();
        let mut cleaned = 0;
        for (topic, queue_id, cq) in self.cqs.all() {
            let max = cq.max_offset();
            let Some(last) = (max > 0).then(|| cq.get(max - 1)).flatten() else {
                continue;
            };
            if ((last.phys + i64::from(last.size)) as u64) <= log_min {
                tracing::info!(topic, queue_id, "cleaning an expired consume queue");
                self.cqs.remove_queue(&topic, queue_id);
                cleaned += 1;
            }
        }
        cleaned
    }

    /// First byte of the commit log still on disk.
    pub fn commit_log_min_offset(&self) -> u64 {
        self.log.min_offset()
    }

    /// End of the commit log.
    pub fn commit_log_max_offset(&self) -> u64 {
        self.log.max_offset()
    }

    /// Bytes written but not yet dispatched to consume queues.
    pub fn dispatch_behind_bytes(&self) -> u64 {
        self.log
            .max_offset()
            .saturating_sub(self.progress.dispatched.load(Ordering::Acquire))
    }

    /// Bytes appended but not yet known to be on disk.
    pub fn flush_behind_bytes(&self) -> u64 {
        self.log
            .max_offset()
            .saturating_sub(*self.progress.flushed.borrow())
    }

    /// How long the append in progress has held the commit log (ms), 0 between appends:
    /// Apache's `pageCacheLockTimeMills`, which shows a stalled disk.
    pub fn lock_time_millis(&self) -> i64 {
        self.log.lock_time_millis()
    }

    /// When the oldest message still in the commit log was stored (ms), -1 for an empty log.
    pub fn earliest_message_time(&self) -> i64 {
        let min = self.log.min_offset();
        if min >= self.log.max_offset() {
            return -1;
        }
        self.message_at(min as i64)
            .map_or(-1, |m| m.store_timestamp)
    }

    /// Used share (0.0–1.0) of the disk holding the commit log, and of the one holding the
    /// consume queues.
    pub fn disk_ratios(&self) -> (f64, f64) {
        let ratio = |p: &std::path::Path| {
            os::disk_used_ratio(p)
                .or_else(|| os::disk_used_ratio(self.root()))
                .unwrap_or(0.0)
        };
        (
            ratio(&self.config.commit_log_dir()),
            ratio(&self.root().join("consumequeue")),
        )
    }

    /// (total, usable) bytes of the disk holding the store.
    pub fn disk_space(&self) -> Option<(u64, u64)> {
        os::disk_space(self.root())
    }

    /// Used share of the disks holding the commit log, consume queues and index, as Apache's
    /// broker reports it in a SERVICE_NOT_AVAILABLE remark (`CL:  0.42 CQ:  0.42 INDEX:  0.42`).
    pub fn disk_util(&self) -> String {
        let root = self.root();
        let ratio = |p: &std::path::Path| {
            os::disk_used_ratio(p)
                .or_else(|| os::disk_used_ratio(root))
                .unwrap_or(0.0)
        };
        format!(
            "CL: {:5.2} CQ: {:5.2} INDEX: {:5.2}",
            ratio(&self.config.commit_log_dir()),
            ratio(&root.join("consumequeue")),
            ratio(&root.join("index"))
        )
    }

    /// Runs one retention round now, ignoring `deleteWhen` (expiry still applies).
    pub fn clean_expired_files(&self) -> usize {
        self.retention.clean(true)
    }

    /// Waits (briefly) until everything appended so far is dispatched.
    pub fn wait_dispatched(&self, timeout: Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        while self.dispatch_behind_bytes() > 0 {
            if std::time::Instant::now() > deadline {
                return false;
            }
            self.progress.dispatch_signal.notify();
            std::thread::sleep(Duration::from_millis(1));
        }
        true
    }

    /// Stops the threads, flushes everything, writes the checkpoint and removes the abort
    /// marker. Idempotent.
    pub fn shutdown(&self) {
        if self.progress.stopping.swap(true, Ordering::AcqRel) {
            return;
        }
        for s in [
            &self.progress.dispatch_signal,
            &self.progress.flush_signal,
            &self.progress.queue_flush_signal,
            &self.progress.retention_signal,
        ] {
            s.notify();
        }
        for t in self
            .threads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            let _ = t.join();
        }
        let result = self.log.flush().map(|f| {
            self.progress.flushed.send_replace(f);
        });
        let result = result.and_then(|_| self.checkpointer.write());
        match result {
            Ok(()) => {
                let _ = std::fs::remove_file(self.root().join("abort"));
                tracing::info!(root = %self.root().display(), "message store shut down cleanly");
            }
            Err(e) => {
                tracing::error!(error = %e, "final flush failed; the next start will recover")
            }
        }
        if let Some(f) = self
            .lock_file
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            let _ = f.unlock();
        }
    }
}

impl Drop for MessageStore {
    fn drop(&mut self) {
        self.shutdown();
    }
}
