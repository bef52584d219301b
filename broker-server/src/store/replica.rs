//! Replication's view of the store: a master reads raw commit-log ranges to stream them, a
//! slave appends them verbatim at the same offsets and dispatches its own consume queues and
//! index from them. The store does not know who is on the other end.

use bytes::Bytes;
use tokio::sync::watch;

use super::MessageStore;
use super::commit_log::RawAppendError;
use super::error::StoreError;
use std::sync::atomic::Ordering;

impl MessageStore {
    /// Up to `max` bytes of the commit log from `from`, within one file: empty at the end of
    /// the log, `None` when `from` is not on disk (deleted by retention, or past the end).
    pub fn log_bytes(&self, from: u64, max: usize) -> Option<Bytes> {
        self.log.read_raw(from, max)
    }

    /// The end of the commit log, updated after every append: what a master's stream to its
    /// slaves waits on.
    pub fn log_end(&self) -> watch::Receiver<u64> {
        self.log.appended()
    }

    /// Appends a master's commit-log bytes at `at`, which must be this log's end (an empty
    /// log takes the start of any file: a new slave starts at its master's newest file).
    /// Consume queues and the index follow by dispatch, as for puts.
    pub fn append_replica(&self, at: u64, bytes: &[u8]) -> Result<(), RawAppendError> {
        if self.progress.stopping.load(Ordering::Acquire) {
            return Err(RawAppendError::Store(StoreError::Config(
                "the store is shutting down".into(),
            )));
        }
        self.log.append_raw(at, bytes)?;
        self.progress.dispatch_signal.notify();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::store::commit_log::tests::msg;
    use crate::store::{MessageStore, RawAppendError, StoreConfig};

    fn store(dir: &std::path::Path, file_size: usize) -> MessageStore {
        MessageStore::open(
            StoreConfig {
                mapped_file_size_commit_log: file_size,
                ..StoreConfig::for_dir(dir)
            },
            None,
        )
        .unwrap()
    }

    /// Streams `master`'s log from `from` to `slave` in chunks of `chunk` bytes.
    fn copy(master: &MessageStore, slave: &MessageStore, mut from: u64, chunk: usize) {
        loop {
            let bytes = master.log_bytes(from, chunk).unwrap();
            if bytes.is_empty() {
                return;
            }
            slave.append_replica(from, &bytes).unwrap();
            from += bytes.len() as u64;
        }
    }

    #[tokio::test]
    async fn a_replica_fed_in_odd_chunks_holds_the_same_log_and_queues() {
        let (m, s) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let master = store(m.path(), 16 * 1024);
        for i in 0..200 {
            let r = master
                .put_message(
                    msg(
                        "Rep",
                        i % 3,
                        format!("message {i} {}", "x".repeat(i as usize)),
                    ),
                    false,
                )
                .await;
            assert!(r.is_ok());
        }
        assert!(master.commit_log_min_offset() == 0 && master.commit_log_max_offset() > 32 * 1024);
        assert!(master.wait_dispatched(Duration::from_secs(5)));
        let slave = store(s.path(), 16 * 1024);
        // 1000-byte chunks end inside records and at file ends.
        copy(&master, &slave, 0, 1000);
        assert_eq!(
            slave.commit_log_max_offset(),
            master.commit_log_max_offset()
        );
        assert!(slave.wait_dispatched(Duration::from_secs(5)));
        for q in 0..3 {
            assert_eq!(slave.max_offset("Rep", q), master.max_offset("Rep", q));
            for o in 0..slave.max_offset("Rep", q) {
                assert_eq!(
                    slave.queue_message("Rep", q, o).unwrap().message.body,
                    master.queue_message("Rep", q, o).unwrap().message.body
                );
            }
        }
        let log = |dir: &std::path::Path| {
            let mut files: Vec<_> = std::fs::read_dir(dir.join("commitlog"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            files.sort();
            files
                .iter()
                .flat_map(|f| std::fs::read(f).unwrap())
                .collect::<Vec<u8>>()
        };
        let end = master.commit_log_max_offset() as usize;
        assert_eq!(log(s.path())[..end], log(m.path())[..end], "byte-identical");
    }

    #[tokio::test]
    async fn a_replica_refuses_bytes_that_do_not_continue_it() {
        let (m, s) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let master = store(m.path(), 4096);
        for i in 0..40 {
            master
                .put_message(msg("Rep", 0, format!("m{i}")), false)
                .await
                .unwrap();
        }
        assert!(master.wait_dispatched(Duration::from_secs(5)));
        let slave = store(s.path(), 4096);
        assert!(matches!(
            slave.append_replica(100, b"abc"),
            Err(RawAppendError::NotAtFileStart(100))
        ));
        // A new slave starts at its master's newest file, as Apache's master streams it.
        let newest = master.commit_log_max_offset() / 4096 * 4096;
        assert!(newest > 0);
        copy(&master, &slave, newest, 512);
        assert_eq!(slave.commit_log_min_offset(), newest);
        assert!(slave.wait_dispatched(Duration::from_secs(5)));
        let last = master.max_offset("Rep", 0) - 1;
        assert_eq!(slave.max_offset("Rep", 0), last + 1);
        assert_eq!(
            slave.queue_message("Rep", 0, last).unwrap().message.body,
            "m39"
        );
        let end = slave.commit_log_max_offset();
        match slave.append_replica(end - 10, b"abc") {
            Err(RawAppendError::NotAtEnd { at, end: e }) => assert_eq!((at, e), (end - 10, end)),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            slave.append_replica(end, &vec![0u8; 8192]),
            Err(RawAppendError::PastFileEnd { .. })
        ));
        assert_eq!(master.log_bytes(end + 1, 10), None, "past the end");
        drop(slave);
        // Reopened, the slave goes on from where it was.
        let slave = store(s.path(), 4096);
        assert_eq!(slave.commit_log_max_offset(), end);
        assert_eq!(slave.max_offset("Rep", 0), last + 1);
    }
}
