//! The slave side: connects to the master's HA port, reports its commit-log end, appends what
//! the master streams at the same offsets, and reports again after each frame and every
//! `haSendHeartbeatInterval`. On any failure it reconnects 5 s later (at once when the name
//! server names a different master).

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rocketmq_client::protocol::body::{HaClientRuntimeInfo, HaRuntimeInfo};
use rocketmq_client::protocol::now_millis;

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::{Flow, HEADER, HaConfig};
use crate::broker::register::Master;
use crate::store::MessageStore;

/// How much one read of the master's stream takes at most.
const READ_BUFFER: usize = 1024 * 1024;

/// A slave's replication: its store, settings and what `haStatus` shows of it.
#[derive(Debug)]
pub(crate) struct HaSlave {
    store: Arc<MessageStore>,
    cfg: HaConfig,
    /// The master's HA address last tried.
    master: Mutex<Option<String>>,
    connected: AtomicBool,
    /// When the master last sent something, and when this slave last reported (ms).
    last_read: AtomicI64,
    last_write: AtomicI64,
    flow: Flow,
}

impl HaSlave {
    pub(crate) fn new(store: Arc<MessageStore>, cfg: HaConfig) -> Self {
        HaSlave {
            store,
            cfg,
            master: Mutex::new(None),
            connected: AtomicBool::new(false),
            last_read: AtomicI64::new(0),
            last_write: AtomicI64::new(0),
            flow: Flow::default(),
        }
    }

    /// What `haStatus` shows of a slave.
    pub(crate) fn runtime_info(&self) -> HaRuntimeInfo {
        HaRuntimeInfo {
            master: false,
            ha_client_runtime_info: HaClientRuntimeInfo {
                master_addr: self
                    .master
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .clone(),
                transferred_byte_in_second: self.flow.per_second() as i64,
                max_offset: self.store.commit_log_max_offset() as i64,
                last_read_timestamp: self.last_read.load(Ordering::Acquire),
                last_write_timestamp: self.last_write.load(Ordering::Acquire),
                master_flush_offset: 0,
                activated: self.connected.load(Ordering::Acquire),
            },
            ..Default::default()
        }
    }
}

/// Replicates from the master's HA address in `master` until cancelled.
pub(crate) async fn run(
    slave: Arc<HaSlave>,
    mut master: watch::Receiver<Master>,
    cancel: CancellationToken,
) {
    loop {
        let addr = master.borrow_and_update().ha.clone();
        let moved = |m: &Master| m.ha != addr;
        if let Some(addr) = &addr {
            *slave.master.lock().unwrap_or_else(|e| e.into_inner()) = Some(addr.clone());
            let outcome = tokio::select! {
                r = slave.session(addr) => r,
                _ = master.wait_for(moved) => Ok(()),
                _ = cancel.cancelled() => return,
            };
            slave.connected.store(false, Ordering::Release);
            if let Err(reason) = outcome {
                tracing::warn!(master = %addr, %reason, "replication stopped; reconnecting in 5 s");
            }
        }
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = master.wait_for(moved) => {}
            _ = tokio::time::sleep(Duration::from_secs(5)) => {}
        }
    }
}

impl HaSlave {
    /// One connection: until it fails or the master closes it.
    async fn session(&self, addr: &str) -> Result<(), String> {
        let stream = tokio::time::timeout(Duration::from_secs(3), TcpStream::connect(addr))
            .await
            .map_err(|_| "connect timed out".to_string())?
            .map_err(|e| format!("connect: {e}"))?;
        let _ = stream.set_nodelay(true);
        let (rd, wr) = stream.into_split();
        let (applied_tx, applied_rx) = watch::channel(self.store.commit_log_max_offset());
        self.connected.store(true, Ordering::Release);
        tracing::info!(master = %addr, from = *applied_rx.borrow(), "replicating from the master");
        tokio::select! {
            r = self.receive(rd, &applied_tx) => r,
            r = self.report(wr, applied_rx) => r,
        }
    }

    /// Reads frames and appends them; publishes the log end after each read. Every complete
    /// frame a read brings is applied at once: their bodies, contiguous in the log, go to the
    /// store in one append per commit-log file, and the master hears of them in one report.
    async fn receive(
        &self,
        mut rd: OwnedReadHalf,
        applied: &watch::Sender<u64>,
    ) -> Result<(), String> {
        // A master may be configured with a larger batch than ours; a commit-log file bounds it.
        let file_size = self.store.config().mapped_file_size_commit_log;
        let limit = file_size.max(self.cfg.batch);
        let mut frames = Frames::new(limit);
        loop {
            frames.fill(&mut rd, self.cfg.housekeeping).await?;
            self.last_read.store(now_millis(), Ordering::Release);
            let mut moved = 0;
            while let Some(run) = frames.next_run(file_size as u64)? {
                self.store
                    .append_replica(run.at, run.bytes)
                    .map_err(|e| format!("refused the master's bytes: {e}"))?;
                moved += run.bytes.len();
            }
            if moved > 0 {
                self.flow.add(moved);
                applied.send_replace(self.store.commit_log_max_offset());
            }
        }
    }

    /// Reports the log end at once, after each applied frame, and every heartbeat interval.
    async fn report(
        &self,
        mut wr: OwnedWriteHalf,
        mut applied: watch::Receiver<u64>,
    ) -> Result<(), String> {
        loop {
            let end = *applied.borrow_and_update();
            wr.write_all(&end.to_be_bytes())
                .await
                .map_err(|e| format!("report: {e}"))?;
            self.last_write.store(now_millis(), Ordering::Release);
            tokio::select! {
                changed = applied.changed() => {
                    if changed.is_err() {
                        return Ok(());
                    }
                }
                _ = tokio::time::sleep(self.cfg.heartbeat) => {}
            }
        }
    }
}

/// The master's frames as they arrive: what one read brought, parsed into runs of
/// contiguous log bytes.
struct Frames {
    /// Bytes read and not yet parsed.
    buf: BytesMut,
    /// Bodies of the frames parsed so far, back to back.
    run: Vec<u8>,
    /// The largest frame accepted.
    limit: usize,
}

/// Log bytes to append at `at`.
struct Run<'a> {
    at: u64,
    bytes: &'a [u8],
}

impl Frames {
    fn new(limit: usize) -> Self {
        Frames {
            buf: BytesMut::with_capacity(READ_BUFFER),
            run: Vec::with_capacity(READ_BUFFER),
            limit,
        }
    }

    /// Reads what the socket has (at least one byte), or fails after `silence` with nothing.
    async fn fill(&mut self, rd: &mut OwnedReadHalf, silence: Duration) -> Result<(), String> {
        self.buf.reserve(READ_BUFFER);
        match tokio::time::timeout(silence, rd.read_buf(&mut self.buf)).await {
            Err(_) => Err(format!(
                "nothing from the master for {silence:?} (haHousekeepingInterval)"
            )),
            Ok(Ok(0)) => Err("the master closed the connection".into()),
            Ok(Err(e)) => Err(e.to_string()),
            Ok(Ok(_)) => Ok(()),
        }
    }

    /// The next run of complete frames, contiguous and within one commit-log file (a frame
    /// that starts a file starts a run); `None` when no complete frame is left.
    fn next_run(&mut self, file_size: u64) -> Result<Option<Run<'_>>, String> {
        self.run.clear();
        let mut at = None::<u64>;
        while self.buf.len() >= HEADER {
            let offset = u64::from_be_bytes(self.buf[..8].try_into().expect("8 bytes"));
            let size = i32::from_be_bytes(self.buf[8..HEADER].try_into().expect("4 bytes"));
            let size = usize::try_from(size)
                .ok()
                .filter(|s| *s <= self.limit)
                .ok_or_else(|| format!("the master sent a frame of {size} bytes"))?;
            if self.buf.len() < HEADER + size {
                // Room for the rest of this frame, then read again.
                self.buf.reserve(HEADER + size - self.buf.len());
                break;
            }
            if let Some(start) = at {
                let end = start + self.run.len() as u64;
                if size > 0 && (offset != end || offset.is_multiple_of(file_size)) {
                    break;
                }
            }
            if size > 0 {
                at.get_or_insert(offset);
                self.run.extend_from_slice(&self.buf[HEADER..HEADER + size]);
            }
            self.buf.advance(HEADER + size);
        }
        Ok(at.map(|at| Run {
            at,
            bytes: &self.run,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::{Frames, HEADER};
    use crate::broker::ha::header;

    fn frame(offset: u64, body: &[u8]) -> Vec<u8> {
        let mut f = header(offset, body.len()).to_vec();
        f.extend_from_slice(body);
        f
    }

    fn runs(frames: &mut Frames, file_size: u64) -> Vec<(u64, Vec<u8>)> {
        let mut out = Vec::new();
        while let Some(run) = frames.next_run(file_size).unwrap() {
            out.push((run.at, run.bytes.to_vec()));
        }
        out
    }

    #[test]
    fn contiguous_frames_make_one_run_per_file_and_a_split_frame_waits() {
        let mut f = Frames::new(1024);
        let mut wire = frame(90, b"0123456789");
        wire.extend(frame(100, b"")); // a heartbeat between two frames
        wire.extend(frame(100, b"abcdefghij")); // starts the next 100-byte file
        wire.extend(frame(110, b"klm"));
        let tail = frame(113, b"nopq");
        wire.extend(&tail[..HEADER + 1]);
        f.buf.extend_from_slice(&wire);
        assert_eq!(
            runs(&mut f, 100),
            vec![
                (90, b"0123456789".to_vec()),
                (100, b"abcdefghijklm".to_vec())
            ]
        );
        // The rest of the split frame arrives with the next read.
        f.buf.extend_from_slice(&tail[HEADER + 1..]);
        assert_eq!(runs(&mut f, 100), vec![(113, b"nopq".to_vec())]);
        assert!(f.buf.is_empty());
    }

    #[test]
    fn a_gap_ends_a_run_and_an_oversized_frame_is_refused() {
        let mut f = Frames::new(8);
        f.buf.extend_from_slice(&frame(0, b"ab"));
        f.buf.extend_from_slice(&frame(5, b"cd"));
        assert_eq!(
            runs(&mut f, 100),
            vec![(0, b"ab".to_vec()), (5, b"cd".to_vec())]
        );
        f.buf.extend_from_slice(&frame(7, &[0; 9]));
        assert!(f.next_run(100).is_err());
    }
}
