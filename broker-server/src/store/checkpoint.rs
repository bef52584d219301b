//! The `checkpoint` file: where recovery may start.
//!
//! # Format
//!
//! 4096 bytes, big-endian i64s:
//!
//! ```text
//! @0  physicMsgTimestamp   store time of the last flushed message   (as Apache)
//! @8  logicsMsgTimestamp   same, for the consume queues             (as Apache)
//! @16 indexMsgTimestamp    0                                         (as Apache)
//! @24 flushedOffset        commit-log bytes known to be on disk
//! @32 dispatchedOffset     commit-log offset up to which every consume-queue entry is on disk
//! ```
//!
//! It is replaced atomically (write, fsync, rename), so a crash leaves the old or the new one.

use std::io::Write;
use std::path::Path;

/// Recovery points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Checkpoint {
    pub(crate) physic_timestamp: i64,
    pub(crate) logics_timestamp: i64,
    pub(crate) flushed_offset: u64,
    pub(crate) dispatched_offset: u64,
}

impl Checkpoint {
    pub(crate) fn read(path: &Path) -> Option<Self> {
        let bytes = std::fs::read(path).ok()?;
        let at = |i: usize| {
            bytes
                .get(i..i + 8)
                .map(|b| i64::from_be_bytes(b.try_into().expect("8")))
        };
        Some(Checkpoint {
            physic_timestamp: at(0)?,
            logics_timestamp: at(8)?,
            flushed_offset: at(24)?.max(0) as u64,
            dispatched_offset: at(32)?.max(0) as u64,
        })
    }

    pub(crate) fn write(&self, path: &Path) -> std::io::Result<()> {
        let mut buf = vec![0u8; 4096];
        buf[0..8].copy_from_slice(&self.physic_timestamp.to_be_bytes());
        buf[8..16].copy_from_slice(&self.logics_timestamp.to_be_bytes());
        buf[24..32].copy_from_slice(&(self.flushed_offset as i64).to_be_bytes());
        buf[32..40].copy_from_slice(&(self.dispatched_offset as i64).to_be_bytes());
        let tmp = path.with_extension("tmp");
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&buf)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("checkpoint");
        assert_eq!(Checkpoint::read(&path), None);
        let c = Checkpoint {
            physic_timestamp: 5,
            logics_timestamp: 6,
            flushed_offset: 1024,
            dispatched_offset: 512,
        };
        c.write(&path).unwrap();
        assert_eq!(Checkpoint::read(&path), Some(c));
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 4096);
    }
}
