//! Retention: deleting old commit-log files and the queue files that pointed into them.
//!
//! Apache's rules: expired files (last modified more than `fileReservedTime` ago) are deleted at
//! the `deleteWhen` hours, or at any hour once disk usage passes `diskMaxUsedSpaceRatio`; past
//! the forcible ratio (85 %) the oldest files go even if they have not expired. At most ten
//! files go per round and the newest file is never deleted.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use super::Progress;
use super::commit_log::CommitLog;
use super::config::StoreConfig;
use super::consume_queue::ConsumeQueueTable;
use super::index::IndexService;
use super::os::{disk_used_ratio, local_hour};

const MAX_FILES_PER_ROUND: usize = 10;

/// Apache's retention settings.
#[derive(Debug, Clone)]
struct Rules {
    /// `deleteWhen`: the hours at which expired files go.
    delete_when: Vec<u32>,
    /// `fileReservedTime`.
    file_reserved_time: Duration,
    /// `diskMaxUsedSpaceRatio` (%).
    disk_max_used_space_ratio: u32,
    /// `diskSpaceCleanForciblyRatio` (%).
    disk_space_clean_forcibly_ratio: u32,
    /// `cleanResourceInterval`.
    interval: Duration,
    /// Whose disk usage counts.
    commit_log_dir: PathBuf,
}

/// What retention touches: the log's files, the queues and index that point into them.
#[derive(Clone)]
pub(crate) struct Retention {
    log: Arc<CommitLog>,
    cqs: Arc<ConsumeQueueTable>,
    index: Option<Arc<IndexService>>,
    progress: Arc<Progress>,
    rules: Rules,
}

impl Retention {
    pub(crate) fn new(
        config: &StoreConfig,
        log: Arc<CommitLog>,
        cqs: Arc<ConsumeQueueTable>,
        index: Option<Arc<IndexService>>,
        progress: Arc<Progress>,
    ) -> Self {
        Retention {
            log,
            cqs,
            index,
            progress,
            rules: Rules {
                delete_when: config.delete_when.clone(),
                file_reserved_time: config.file_reserved_time,
                disk_max_used_space_ratio: config.disk_max_used_space_ratio,
                disk_space_clean_forcibly_ratio: config.disk_space_clean_forcibly_ratio,
                interval: config.clean_resource_interval,
                commit_log_dir: config.commit_log_dir(),
            },
        }
    }

    /// A round every `cleanResourceInterval` until the store stops.
    pub(crate) fn spawn(self) -> std::io::Result<JoinHandle<()>> {
        std::thread::Builder::new()
            .name("store-retention".into())
            .spawn(move || {
                let stopping = || self.progress.stopping.load(Ordering::Acquire);
                while !stopping() {
                    self.progress.retention_signal.wait(self.rules.interval);
                    if !stopping() {
                        self.clean(false);
                    }
                }
            })
    }

    /// One retention round; `manual` deletes expired files whatever the hour. Returns how
    /// many commit-log files were deleted.
    pub(crate) fn clean(&self, manual: bool) -> usize {
        let rules = &self.rules;
        let now = SystemTime::now();
        let unix = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let usage = disk_used_ratio(&rules.commit_log_dir).unwrap_or(0.0) * 100.0;
        let at_hour = rules.delete_when.contains(&local_hour(unix));
        let disk_high = usage > f64::from(rules.disk_max_used_space_ratio);
        let forcibly = usage > f64::from(rules.disk_space_clean_forcibly_ratio);
        if !(manual || at_hour || disk_high) {
            return 0;
        }
        let deleted = self
            .log
            .files()
            .delete_front_while(MAX_FILES_PER_ROUND, |f| {
                let modified = std::fs::metadata(f.path())
                    .and_then(|m| m.modified())
                    .unwrap_or(now);
                let expired = now
                    .duration_since(modified)
                    .is_ok_and(|age| age >= rules.file_reserved_time);
                expired || forcibly
            });
        if deleted > 0 {
            let log_min = self.log.min_offset();
            tracing::info!(
                deleted,
                log_min,
                usage = format!("{usage:.1}%"),
                "deleted expired commit log files"
            );
            for (_, _, cq) in self.cqs.all() {
                cq.correct_min_offset(log_min);
            }
            if let Some(index) = &self.index {
                index.delete_below(log_min);
            }
        }
        deleted
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::store::commit_log;
    use crate::store::{GetStatus, MessageStore, PutMessage, StoreConfig};

    fn msg(i: usize) -> PutMessage {
        commit_log::tests::msg("Old", 0, format!("{i}-{}", "x".repeat(900)))
    }

    #[tokio::test]
    async fn expired_files_go_and_queues_start_later() {
        let dir = tempfile::tempdir().unwrap();
        let config = StoreConfig {
            mapped_file_size_commit_log: 64 * 1024,
            mapped_file_size_consume_queue: 100 * 20,
            file_reserved_time: Duration::ZERO,
            // never at this hour, so only the manual round deletes
            delete_when: vec![],
            ..StoreConfig::for_dir(dir.path())
        };
        let store = MessageStore::open(config, None).unwrap();
        for i in 0..300 {
            store.put_message(msg(i), true).await.unwrap();
        }
        assert!(store.wait_dispatched(Duration::from_secs(5)));
        let files_before = std::fs::read_dir(dir.path().join("commitlog"))
            .unwrap()
            .count();
        assert!(files_before >= 4);
        let deleted = store.clean_expired_files();
        assert!(deleted >= 1, "expired files are deleted");
        assert!(store.commit_log_min_offset() > 0);
        let min = store.min_offset("Old", 0);
        assert!(min > 0, "the queue now starts after the deleted messages");
        let gone = store.get_message("Old", 0, 0, 32, &|_| true);
        assert_eq!(
            (gone.status, gone.next_begin_offset),
            (GetStatus::OffsetTooSmall, min)
        );
        let kept = store.get_message("Old", 0, min, 32, &|_| true);
        assert_eq!(kept.status, GetStatus::Found);
        assert_eq!(store.max_offset("Old", 0), 300);
    }
}
