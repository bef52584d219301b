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
    /// `messageDelayLevel`, in milliseconds: level *n* waits `message_delay_level[n - 1]`. The
    /// store needs it because a delayed message's consume-queue entry holds its due time.
    pub message_delay_level: Vec<i64>,
    /// `messageIndexEnable`: keys and unique keys are indexed for QUERY_MESSAGE.
    pub message_index_enable: bool,
    /// `maxHashSlotNum` per index file (5,000,000).
    pub max_hash_slot_num: usize,
    /// `maxIndexNum` entries per index file (20,000,000).
    pub max_index_num: usize,
    /// `commitLogCacheWindow` (ours; 1 GiB, 0 = off): how many bytes of the commit log behind
    /// the position that is both flushed and dispatched stay in the page cache. The flush
    /// thread drops older pages, so the log keeps writing into pages it has just given back
    /// instead of claiming memory it has never touched. Claiming is what a write costs most
    /// where the host reclaims a VM's free memory (virtio-balloon free page reporting): on the
    /// 2-vCPU dev VM, `mqbench producer -b 32` went from ~340k to ~490k msg/s with broker CPU
    /// per message 3.5 → 2.4 µs. Apache's broker leaves all of it to the kernel (0 here); a
    /// consumer reading further back than the window reads from disk, as Apache assumes past
    /// `accessMessageInMemoryMaxRatio` anyway.
    pub commit_log_cache_window: u64,
    /// A slave's store: puts are refused (Apache: "broke role is slave, so putMessage is
    /// forbidden"); its log grows only by [`MessageStore::append_replica`].
    ///
    /// [`MessageStore::append_replica`]: super::MessageStore::append_replica
    pub replica: bool,
    /// `accessMessageInMemoryMaxRatio` (% of physical memory): a pull reading further behind
    /// the log's end than this is told a slave would serve it better (see
    /// [`GetMessageResult::suggest_pulling_from_slave`](super::GetMessageResult)).
    pub access_message_in_memory_max_ratio: u32,
}

/// Apache's default `messageDelayLevel`.
pub const DEFAULT_DELAY_LEVELS: &str = "1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h";

/// Parses a `messageDelayLevel` value: durations separated by spaces, each a number and a
/// unit `s`, `m`, `h` or `d`.
pub fn parse_delay_levels(s: &str) -> Result<Vec<i64>, String> {
    let levels = s
        .split_whitespace()
        .map(|level| {
            let (n, unit) = level.split_at(level.len().saturating_sub(1));
            let ms = match unit {
                "s" => 1000,
                "m" => 60_000,
                "h" => 3_600_000,
                "d" => 86_400_000,
                _ => return Err(format!("`{level}` does not end in s, m, h or d")),
            };
            match n.parse::<i64>() {
                Ok(v) if v >= 0 => Ok(v * ms),
                _ => Err(format!("`{level}` is not a duration like 5s or 2h")),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    if levels.is_empty() {
        return Err("no delay levels".into());
    }
    Ok(levels)
}

/// Writes delay levels back in `messageDelayLevel` form, largest exact unit first.
pub fn show_delay_levels(levels: &[i64]) -> String {
    levels
        .iter()
        .map(|&ms| {
            for (unit, size) in [("d", 86_400_000), ("h", 3_600_000), ("m", 60_000)] {
                if ms > 0 && ms % size == 0 {
                    return format!("{}{unit}", ms / size);
                }
            }
            format!("{}s", ms / 1000)
        })
        .collect::<Vec<_>>()
        .join(" ")
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
            message_delay_level: parse_delay_levels(DEFAULT_DELAY_LEVELS)
                .expect("the default delay levels parse"),
            message_index_enable: true,
            max_hash_slot_num: 5_000_000,
            max_index_num: 20_000_000,
            commit_log_cache_window: 1024 * 1024 * 1024,
            replica: false,
            access_message_in_memory_max_ratio: 40,
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
            max_hash_slot_num: 50_000,
            max_index_num: 200_000,
            ..Default::default()
        }
    }

    /// How long level `level` waits (levels past the last are clamped to it).
    pub fn delay_of_level(&self, level: i32) -> i64 {
        delay_of(&self.message_delay_level, level)
    }

    pub(crate) fn commit_log_dir(&self) -> PathBuf {
        self.store_path_commit_log
            .clone()
            .unwrap_or_else(|| self.store_path_root_dir.join("commitlog"))
    }
}

/// How long level `level` of `levels` (ms) waits: levels past the last are clamped to it.
pub(crate) fn delay_of(levels: &[i64], level: i32) -> i64 {
    let last = levels.len() as i32;
    let idx = level.clamp(1, last.max(1)) - 1;
    levels.get(idx as usize).copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_levels_parse_and_show_like_apache() {
        let levels = parse_delay_levels(DEFAULT_DELAY_LEVELS).unwrap();
        assert_eq!(levels.len(), 18);
        assert_eq!(levels[0], 1000);
        assert_eq!(levels[17], 7_200_000);
        assert_eq!(show_delay_levels(&levels), DEFAULT_DELAY_LEVELS);
        assert!(parse_delay_levels("1s 5x").is_err());
        assert!(parse_delay_levels("").is_err());
        let cfg = StoreConfig::default();
        assert_eq!(cfg.delay_of_level(3), 10_000);
        assert_eq!(cfg.delay_of_level(99), 7_200_000);
    }
}
