//! Master/slave replication, Apache's classic HA (`DefaultHAService`): the master streams its
//! commit log to each slave over a plain TCP connection on `haListenPort`; the slave appends
//! the bytes at the same offsets and builds its own consume queues and index from them.
//! Metadata (topics, offsets, groups) is not part of this stream: see `sync`.
//!
//! # Format
//!
//! ```text
//! slave → master   i64 maxOffset                 big-endian; the slave's commit-log end, sent
//!                                                 at connect, after each applied frame and
//!                                                 every haSendHeartbeatInterval (5 s). The
//!                                                 master reads the last complete value.
//! master → slave   i64 startOffset | i32 size | size bytes of commit log
//!                                                 size ≤ haTransferBatchSize (32 KiB), within
//!                                                 one commit-log file; size 0 is a heartbeat
//!                                                 (every 5 s when idle).
//! ```
//!
//! The first frame starts at the slave's first report, or, when it reported 0 (an empty
//! slave), at the start of the master's newest commit-log file. A slave refuses a frame that
//! does not start at its own end (unless it is empty) by closing the connection; either side
//! closes a connection silent for `haHousekeepingInterval` (20 s). The slave reconnects every
//! 5 s, to the address the name server names as its master's `haServerAddr` at registration
//! (or `haMasterAddress`).
//!
//! # Layout
//! - `master`: the HA listener, one task pair per slave, and what SYNC_MASTER sends wait on.
//! - `slave`: the connection to the master and the appends.
//! - `sync`: a slave's metadata, read from its master every 10 s.

mod master;
mod slave;
mod sync;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

pub(crate) use master::{HaMaster, Replicated};
pub(crate) use slave::{HaSlave, run as run_slave};

/// A broker's side of replication.
#[derive(Debug)]
pub(crate) enum Role {
    /// Serves slaves; SYNC_MASTER sends wait on it.
    Master(Arc<HaMaster>),
    /// Follows a master.
    Slave(Arc<HaSlave>),
}

/// Bytes moved in the last whole second (Apache's `FlowMonitor`, for `haStatus`).
#[derive(Debug, Default)]
pub(crate) struct Flow {
    second: AtomicI64,
    current: AtomicU64,
    last: AtomicU64,
}

impl Flow {
    pub(crate) fn add(&self, bytes: usize) {
        let now = rocketmq_client::protocol::now_millis() / 1000;
        let was = self.second.load(Ordering::Acquire);
        if was != now
            && self
                .second
                .compare_exchange(was, now, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        {
            let finished = self.current.swap(0, Ordering::AcqRel);
            let whole = if now == was + 1 { finished } else { 0 };
            self.last.store(whole, Ordering::Release);
        }
        self.current.fetch_add(bytes as u64, Ordering::AcqRel);
    }

    /// Bytes of the last whole second.
    pub(crate) fn per_second(&self) -> u64 {
        let now = rocketmq_client::protocol::now_millis() / 1000;
        match now - self.second.load(Ordering::Acquire) {
            0 => self.last.load(Ordering::Acquire),
            1 => self.current.load(Ordering::Acquire),
            _ => 0,
        }
    }
}
pub(crate) use sync::{Metadata, run as sync_metadata};

/// Frame header: start offset and size.
const HEADER: usize = 12;

/// Replication's slice of the broker configuration.
#[derive(Debug, Clone)]
pub(crate) struct HaConfig {
    /// `haSendHeartbeatInterval`.
    pub(crate) heartbeat: Duration,
    /// `haHousekeepingInterval`.
    pub(crate) housekeeping: Duration,
    /// `haTransferBatchSize`.
    pub(crate) batch: usize,
    /// `haMaxGapNotInSync`.
    pub(crate) max_gap: u64,
    /// `syncFlushTimeout`: how long a SYNC_MASTER send waits for a slave.
    pub(crate) sync_timeout: Duration,
}

fn header(offset: u64, size: usize) -> [u8; HEADER] {
    let mut h = [0u8; HEADER];
    h[..8].copy_from_slice(&offset.to_be_bytes());
    h[8..].copy_from_slice(&(size as i32).to_be_bytes());
    h
}
