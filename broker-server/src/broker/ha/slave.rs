//! The slave side: connects to the master's HA port, reports its commit-log end, appends what
//! the master streams at the same offsets, and reports again after each frame and every
//! `haSendHeartbeatInterval`. On any failure it reconnects 5 s later (at once when the name
//! server names a different master).

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rocketmq_client::protocol::body::{HaClientRuntimeInfo, HaRuntimeInfo};
use rocketmq_client::protocol::now_millis;

use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::{Flow, HEADER, HaConfig};
use crate::broker::register::Master;
use crate::store::MessageStore;

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

    /// Reads frames and appends them; publishes the log end after each.
    async fn receive(&self, rd: OwnedReadHalf, applied: &watch::Sender<u64>) -> Result<(), String> {
        // Headers and bodies come back to back: one read takes several.
        let mut rd = BufReader::with_capacity(256 * 1024, rd);
        let mut head = [0u8; HEADER];
        let mut body = Vec::new();
        // A master may be configured with a larger batch than ours; a commit-log file bounds it.
        let limit = self
            .store
            .config()
            .mapped_file_size_commit_log
            .max(self.cfg.batch);
        loop {
            read_exactly(&mut rd, &mut head, self.cfg.housekeeping).await?;
            self.last_read.store(now_millis(), Ordering::Release);
            let offset = u64::from_be_bytes(head[..8].try_into().expect("8 bytes"));
            let size = i32::from_be_bytes(head[8..].try_into().expect("4 bytes"));
            let size = usize::try_from(size)
                .ok()
                .filter(|s| *s <= limit)
                .ok_or_else(|| format!("the master sent a frame of {size} bytes"))?;
            if size == 0 {
                continue;
            }
            body.resize(size, 0);
            read_exactly(&mut rd, &mut body, self.cfg.housekeeping).await?;
            self.store
                .append_replica(offset, &body)
                .map_err(|e| format!("refused the master's bytes: {e}"))?;
            self.flow.add(size);
            applied.send_replace(self.store.commit_log_max_offset());
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

async fn read_exactly(
    rd: &mut BufReader<OwnedReadHalf>,
    buf: &mut [u8],
    silence: Duration,
) -> Result<(), String> {
    match tokio::time::timeout(silence, rd.read_exact(buf)).await {
        Err(_) => Err(format!(
            "nothing from the master for {silence:?} (haHousekeepingInterval)"
        )),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            Err("the master closed the connection".into())
        }
        Ok(Err(e)) => Err(e.to_string()),
        Ok(Ok(_)) => Ok(()),
    }
}
