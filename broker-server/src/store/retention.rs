//! Retention: deleting old commit-log files and the queue files that pointed into them.
//!
//! Apache's rules: expired files (last modified more than `fileReservedTime` ago) are deleted at
//! the `deleteWhen` hours, or at any hour once disk usage passes `diskMaxUsedSpaceRatio`; past
//! the forcible ratio (85 %) the oldest files go even if they have not expired. At most ten
//! files go per round and the newest file is never deleted.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::SystemTime;

use super::Shared;
use super::os::{disk_used_ratio, local_hour};

const MAX_FILES_PER_ROUND: usize = 10;

pub(crate) fn spawn(shared: Arc<Shared>) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("store-retention".into())
        .spawn(move || {
            while !shared.stopping.load(Ordering::Acquire) {
                shared
                    .retention_signal
                    .wait(shared.config.clean_resource_interval);
                if !shared.stopping.load(Ordering::Acquire) {
                    clean(&shared, false);
                }
            }
        })
}

/// One retention round; `manual` deletes expired files whatever the hour. Returns how many
/// commit-log files were deleted.
pub(crate) fn clean(shared: &Shared, manual: bool) -> usize {
    let cfg = &shared.config;
    let now = SystemTime::now();
    let unix = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let usage = disk_used_ratio(&cfg.commit_log_dir()).unwrap_or(0.0) * 100.0;
    let at_hour = cfg.delete_when.contains(&local_hour(unix));
    let disk_high = usage > f64::from(cfg.disk_max_used_space_ratio);
    let forcibly = usage > f64::from(cfg.disk_space_clean_forcibly_ratio);
    if !(manual || at_hour || disk_high) {
        return 0;
    }
    let deleted = shared
        .log
        .files()
        .delete_front_while(MAX_FILES_PER_ROUND, |f| {
            let modified = std::fs::metadata(f.path())
                .and_then(|m| m.modified())
                .unwrap_or(now);
            let expired = now
                .duration_since(modified)
                .is_ok_and(|age| age >= cfg.file_reserved_time);
            expired || forcibly
        });
    if deleted > 0 {
        let log_min = shared.log.min_offset();
        tracing::info!(
            deleted,
            log_min,
            usage = format!("{usage:.1}%"),
            "deleted expired commit log files"
        );
        for (_, _, cq) in shared.cqs.all() {
            cq.correct_min_offset(log_min);
        }
        if let Some(index) = &shared.index {
            index.delete_below(log_min);
        }
    }
    deleted
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
