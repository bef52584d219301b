//! The store's slice of the broker configuration.

use std::path::PathBuf;
use std::time::Duration;

/// How sends wait for the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FlushDiskType {
    /// A background thread flushes every `flush_interval_commit_log`; sends return at once.
    #[default]
    AsyncFlush,
    /// A send with `WAIT=true` returns after its bytes are flushed; one flush serves every
    /// sender waiting at that moment (group commit).
    SyncFlush,
}

/// Store settings (Apache's `MessageStoreConfig` keys, the ones this store uses).
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// `storePathRootDir`.
    pub store_path_root_dir: PathBuf,
    /// `storePathCommitLog`; default `{root}/commitlog`.
    pub store_path_commit_log: Option<PathBuf>,
    /// `mappedFileSizeCommitLog` (1 GiB).
    pub mapped_file_size_commit_log: usize,
    /// `mappedFileSizeConsumeQueue` (300,000 entries × 20 bytes).
    pub mapped_file_size_consume_queue: usize,
    /// `flushDiskType`.
    pub flush_disk_type: FlushDiskType,
    /// `syncFlushTimeout` (5 s).
    pub sync_flush_timeout: Duration,
    /// `flushIntervalCommitLog` (500 ms).
    pub flush_interval_commit_log: Duration,
    /// `flushIntervalConsumeQueue` (1 s); also how often the checkpoint is written.
    pub flush_interval_consume_queue: Duration,
    /// `maxMessageSize` (4 MiB).
    pub max_message_size: usize,
    /// `deleteWhen`: local hours at which expired files are deleted (`04`).
    pub delete_when: Vec<u32>,
    /// `fileReservedTime` (72 h).
    pub file_reserved_time: Duration,
    /// `diskMaxUsedSpaceRatio` (75 %): above it, expired files go at any hour.
    pub disk_max_used_space_ratio: u32,
    /// Above this disk usage (85 %) files go even if not expired.
    pub disk_space_clean_forcibly_ratio: u32,
    /// How often retention runs (10 s).
    pub clean_resource_interval: Duration,
    /// `checkCRCOnRecover`.
    pub check_crc_on_recover: bool,
    /// Per pull: at most this many bytes (256 KiB) …
    pub max_transfer_bytes_on_message_in_memory: usize,
    /// … and this many messages (32).
    pub max_transfer_count_on_message_in_memory: usize,
}

impl Default for StoreConfig {
    fn default() -> Self {
        let home = std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from);
        StoreConfig {
            store_path_root_dir: home.join("store"),
            store_path_commit_log: None,
            mapped_file_size_commit_log: 1024 * 1024 * 1024,
            mapped_file_size_consume_queue: 300_000 * 20,
            flush_disk_type: FlushDiskType::AsyncFlush,
            sync_flush_timeout: Duration::from_secs(5),
            flush_interval_commit_log: Duration::from_millis(500),
            flush_interval_consume_queue: Duration::from_secs(1),
            max_message_size: 4 * 1024 * 1024,
            delete_when: vec![4],
            file_reserved_time: Duration::from_secs(72 * 3600),
            disk_max_used_space_ratio: 75,
            disk_space_clean_forcibly_ratio: 85,
            clean_resource_interval: Duration::from_secs(10),
            check_crc_on_recover: true,
            max_transfer_bytes_on_message_in_memory: 256 * 1024,
            max_transfer_count_on_message_in_memory: 32,
        }
    }
}

impl StoreConfig {
    /// A configuration rooted at `dir` with small files, for tests and embedded use.
    pub fn for_dir(dir: impl Into<PathBuf>) -> Self {
        StoreConfig {
            store_path_root_dir: dir.into(),
            mapped_file_size_commit_log: 64 * 1024 * 1024,
            mapped_file_size_consume_queue: 30_000 * 20,
            ..Default::default()
        }
    }

    pub(crate) fn commit_log_dir(&self) -> PathBuf {
        self.store_path_commit_log
            .clone()
            .unwrap_or_else(|| self.store_path_root_dir.join("commitlog"))
    }
}
