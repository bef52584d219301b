//! The master side: accepts slaves on `haListenPort`, streams each its commit log from where
//! it asked, and keeps the furthest offset any slave acknowledged, which SYNC_MASTER sends
//! wait on (group-committed: one acknowledgement wakes every send it covers, and only those).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Buf;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::{Flow, HaConfig, header};
use crate::store::MessageStore;
use rocketmq_client::protocol::body::{HaConnectionRuntimeInfo, HaRuntimeInfo};

/// What a SYNC_MASTER send learns about its slaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Replicated {
    /// A slave has the bytes.
    Yes,
    /// No slave acknowledged them within `syncFlushTimeout` (FLUSH_SLAVE_TIMEOUT).
    TimedOut,
    /// No slave is connected, or the nearest is more than `haMaxGapNotInSync` behind
    /// (SLAVE_NOT_AVAILABLE).
    NoSlave,
}

/// The master's HA service.
#[derive(Debug)]
pub(crate) struct HaMaster {
    store: Arc<MessageStore>,
    cfg: HaConfig,
    acks: Acks,
    /// Connected slaves.
    slaves: AtomicUsize,
    /// Each connected slave, for `haStatus`.
    connections: Mutex<BTreeMap<u64, Arc<SlaveView>>>,
    next_id: AtomicU64,
}

/// One connected slave as its master sees it.
#[derive(Debug)]
pub(crate) struct SlaveView {
    pub(crate) addr: SocketAddr,
    /// The furthest offset this slave acknowledged.
    pub(crate) acked: AtomicU64,
    /// Where its stream began.
    pub(crate) from: AtomicU64,
    pub(crate) flow: Flow,
}

/// The furthest offset a slave acknowledged, and the sends waiting for more. An
/// acknowledgement wakes exactly the sends it covers: with a watch every waiting send would
/// wake for every report (64 senders × thousands of reports a second).
#[derive(Debug, Default)]
struct Acks {
    acked: AtomicU64,
    /// (end offset, ticket) → the waiting send.
    waiting: Mutex<BTreeMap<(u64, u64), oneshot::Sender<()>>>,
    tickets: AtomicU64,
}

impl Acks {
    /// Takes a slave's report; wakes the sends it covers.
    fn ack(&self, offset: u64) {
        if self.acked.fetch_max(offset, Ordering::AcqRel) >= offset {
            return;
        }
        let covered = {
            let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
            let rest = waiting.split_off(&(offset + 1, 0));
            std::mem::replace(&mut *waiting, rest)
        };
        for (_, send) in covered {
            let _ = send.send(());
        }
    }

    /// Waits until `end` is acknowledged or `timeout` passes; true if acknowledged.
    async fn wait(&self, end: u64, timeout: Duration) -> bool {
        let ticket = self.tickets.fetch_add(1, Ordering::Relaxed);
        let rx = {
            let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
            // Checked under the lock `ack` takes after raising `acked`: no wake-up is lost.
            if self.acked.load(Ordering::Acquire) >= end {
                return true;
            }
            let (tx, rx) = oneshot::channel();
            waiting.insert((end, ticket), tx);
            rx
        };
        if let Ok(Ok(())) = tokio::time::timeout(timeout, rx).await {
            return true;
        }
        self.waiting
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&(end, ticket));
        self.acked.load(Ordering::Acquire) >= end
    }
}

impl HaMaster {
    pub(crate) fn new(store: Arc<MessageStore>, cfg: HaConfig) -> Self {
        HaMaster {
            store,
            cfg,
            acks: Acks::default(),
            slaves: AtomicUsize::new(0),
            connections: Mutex::default(),
            next_id: AtomicU64::new(0),
        }
    }

    /// What `haStatus` shows of a master.
    pub(crate) fn runtime_info(&self) -> HaRuntimeInfo {
        let end = self.store.commit_log_max_offset();
        let conns: Vec<Arc<SlaveView>> = self
            .connections
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect();
        let ha_connection_info: Vec<HaConnectionRuntimeInfo> = conns
            .iter()
            .map(|c| {
                let acked = c.acked.load(Ordering::Acquire);
                HaConnectionRuntimeInfo {
                    addr: c.addr.to_string(),
                    slave_ack_offset: acked as i64,
                    diff: end.saturating_sub(acked) as i64,
                    in_sync: end.saturating_sub(acked) < self.cfg.max_gap,
                    transferred_byte_in_second: c.flow.per_second() as i64,
                    transfer_from_where: c.from.load(Ordering::Acquire) as i64,
                }
            })
            .collect();
        HaRuntimeInfo {
            master: true,
            master_commit_log_max_offset: end as i64,
            in_sync_slave_nums: ha_connection_info.iter().filter(|c| c.in_sync).count() as i32,
            ha_connection_info,
            ha_client_runtime_info: Default::default(),
        }
    }

    /// Waits until a slave has the commit log up to `end`, as Apache's `GroupTransferService`
    /// does for a SYNC_MASTER send.
    pub(crate) async fn wait_replicated(&self, end: u64) -> Replicated {
        let acked = self.acks.acked.load(Ordering::Acquire);
        if acked >= end {
            return Replicated::Yes;
        }
        if self.slaves.load(Ordering::Acquire) == 0 || end - acked >= self.cfg.max_gap {
            return Replicated::NoSlave;
        }
        if self.acks.wait(end, self.cfg.sync_timeout).await {
            Replicated::Yes
        } else {
            Replicated::TimedOut
        }
    }

    /// Accepts slaves until cancelled; their connections end with it.
    pub(crate) async fn serve(self: Arc<Self>, listener: TcpListener, cancel: CancellationToken) {
        let mut connections = tokio::task::JoinSet::new();
        loop {
            tokio::select! {
                _ = cancel.cancelled() => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        let (me, stop) = (self.clone(), cancel.clone());
                        connections.spawn(async move { me.connection(stream, peer, stop).await });
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "HA accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
        connections.shutdown().await;
    }

    async fn connection(&self, stream: TcpStream, peer: SocketAddr, cancel: CancellationToken) {
        let _ = stream.set_nodelay(true);
        let (rd, wr) = stream.into_split();
        let view = Arc::new(SlaveView {
            addr: peer,
            acked: AtomicU64::new(0),
            from: AtomicU64::new(0),
            flow: Flow::default(),
        });
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.connections
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, view.clone());
        self.slaves.fetch_add(1, Ordering::AcqRel);
        tracing::info!(slave = %peer, "slave connected");
        let (first_tx, first_rx) = oneshot::channel();
        let outcome = tokio::select! {
            r = self.read_acks(rd, first_tx, &view) => r,
            r = self.stream(wr, first_rx, &view) => r,
            _ = cancel.cancelled() => Ok(()),
        };
        self.slaves.fetch_sub(1, Ordering::AcqRel);
        self.connections
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
        match outcome {
            Ok(()) => tracing::info!(slave = %peer, "slave disconnected"),
            Err(reason) => tracing::warn!(slave = %peer, %reason, "slave connection closed"),
        }
    }

    /// Reads the slave's offset reports: the first says where to start, each acknowledges.
    async fn read_acks(
        &self,
        rd: OwnedReadHalf,
        first: oneshot::Sender<u64>,
        view: &SlaveView,
    ) -> Result<(), String> {
        let mut rd = BufReader::new(rd);
        let mut first = Some(first);
        let mut buf = [0u8; 8];
        loop {
            match tokio::time::timeout(self.cfg.housekeeping, rd.read_exact(&mut buf)).await {
                Err(_) => {
                    return Err(format!(
                        "no report from the slave for {:?} (haHousekeepingInterval)",
                        self.cfg.housekeeping
                    ));
                }
                Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
                Ok(Err(e)) => return Err(e.to_string()),
                Ok(Ok(_)) => {}
            }
            let offset = u64::from_be_bytes(buf);
            if let Some(tx) = first.take() {
                let _ = tx.send(offset);
            }
            view.acked.fetch_max(offset, Ordering::AcqRel);
            self.acks.ack(offset);
        }
    }

    /// Streams the commit log from where the slave asked, as it grows; a heartbeat frame
    /// when there is nothing to send for `haSendHeartbeatInterval`.
    async fn stream(
        &self,
        mut wr: OwnedWriteHalf,
        first: oneshot::Receiver<u64>,
        view: &SlaveView,
    ) -> Result<(), String> {
        let Ok(asked) = first.await else {
            return Ok(());
        };
        let mut next = if asked == 0 {
            let end = self.store.commit_log_max_offset();
            end - end % self.store.config().mapped_file_size_commit_log as u64
        } else {
            asked
        };
        view.from.store(next, Ordering::Release);
        tracing::info!(from = next, asked, "streaming the commit log to a slave");
        let mut grown = self.store.log_end();
        let mut last_write = Instant::now();
        loop {
            let Some(bytes) = self.store.log_bytes(next, self.cfg.batch) else {
                return Err(format!(
                    "the slave needs offset {next}, which this master does not hold (it holds {}..{})",
                    self.store.commit_log_min_offset(),
                    self.store.commit_log_max_offset()
                ));
            };
            if !bytes.is_empty() {
                // Header and bytes in one vectored write, without copying the bytes again.
                let head = header(next, bytes.len());
                let mut frame = Buf::chain(&head[..], &bytes[..]);
                wr.write_all_buf(&mut frame)
                    .await
                    .map_err(|e| e.to_string())?;
                next += bytes.len() as u64;
                view.flow.add(bytes.len());
                last_write = Instant::now();
                continue;
            }
            tokio::select! {
                changed = grown.changed() => {
                    if changed.is_err() {
                        return Ok(());
                    }
                }
                _ = tokio::time::sleep_until(last_write + self.cfg.heartbeat) => {
                    wr.write_all(&header(next, 0)).await.map_err(|e| e.to_string())?;
                    last_write = Instant::now();
                }
            }
        }
    }
}
