//! The slave side: connects to the master's HA port, reports its commit-log end, appends what
//! the master streams at the same offsets, and reports again after each frame and every
//! `haSendHeartbeatInterval`. On any failure it reconnects 5 s later (at once when the name
//! server names a different master).

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::{HEADER, HaConfig};
use crate::broker::register::Master;
use crate::store::MessageStore;

/// Replicates from the master's HA address in `master` until cancelled.
pub(crate) async fn run(
    store: Arc<MessageStore>,
    mut master: watch::Receiver<Master>,
    cfg: HaConfig,
    cancel: CancellationToken,
) {
    loop {
        let addr = master.borrow_and_update().ha.clone();
        let moved = |m: &Master| m.ha != addr;
        if let Some(addr) = &addr {
            let outcome = tokio::select! {
                r = session(&store, addr, &cfg) => r,
                _ = master.wait_for(moved) => Ok(()),
                _ = cancel.cancelled() => return,
            };
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

/// One connection: until it fails or the master closes it.
async fn session(store: &MessageStore, addr: &str, cfg: &HaConfig) -> Result<(), String> {
    let stream = tokio::time::timeout(Duration::from_secs(3), TcpStream::connect(addr))
        .await
        .map_err(|_| "connect timed out".to_string())?
        .map_err(|e| format!("connect: {e}"))?;
    let _ = stream.set_nodelay(true);
    let (rd, wr) = stream.into_split();
    let (applied_tx, applied_rx) = watch::channel(store.commit_log_max_offset());
    tracing::info!(master = %addr, from = *applied_rx.borrow(), "replicating from the master");
    tokio::select! {
        r = receive(store, rd, cfg, &applied_tx) => r,
        r = report(wr, applied_rx, cfg) => r,
    }
}

/// Reads frames and appends them; publishes the log end after each.
async fn receive(
    store: &MessageStore,
    rd: OwnedReadHalf,
    cfg: &HaConfig,
    applied: &watch::Sender<u64>,
) -> Result<(), String> {
    // Headers and bodies come back to back: one read takes several.
    let mut rd = BufReader::with_capacity(256 * 1024, rd);
    let mut head = [0u8; HEADER];
    let mut body = Vec::new();
    // A master may be configured with a larger batch than ours; a commit-log file bounds it.
    let limit = store.config().mapped_file_size_commit_log.max(cfg.batch);
    loop {
        read_exactly(&mut rd, &mut head, cfg.housekeeping).await?;
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
        read_exactly(&mut rd, &mut body, cfg.housekeeping).await?;
        store
            .append_replica(offset, &body)
            .map_err(|e| format!("refused the master's bytes: {e}"))?;
        applied.send_replace(store.commit_log_max_offset());
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

/// Reports the log end at once, after each applied frame, and every heartbeat interval.
async fn report(
    mut wr: OwnedWriteHalf,
    mut applied: watch::Receiver<u64>,
    cfg: &HaConfig,
) -> Result<(), String> {
    loop {
        let end = *applied.borrow_and_update();
        wr.write_all(&end.to_be_bytes())
            .await
            .map_err(|e| format!("report: {e}"))?;
        tokio::select! {
            changed = applied.changed() => {
                if changed.is_err() {
                    return Ok(());
                }
            }
            _ = tokio::time::sleep(cfg.heartbeat) => {}
        }
    }
}
