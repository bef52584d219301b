//! A multiplexed remoting client: one TCP connection per address, shared by every caller,
//! with requests pipelined and matched to responses by `opaque`.
//!
//! Responses may arrive in any order (a held long-poll pull completes long after later
//! requests), so each connection has a reader task that routes responses to waiting callers
//! and hands server-initiated requests (NOTIFY_CONSUMER_IDS_CHANGED, CHECK_TRANSACTION_STATE …)
//! to a [`RequestHandler`]. A connection that fails is dropped from the table; the next call
//! reconnects.

use std::collections::HashMap;
use std::future::Future;
use std::io::IoSlice;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, watch};

use crate::protocol::{FrameBuffer, MAX_FRAME_LEN, OutFrame, RemotingCommand};

/// Writes `first` and whatever else is already queued (up to 256 KiB or 64 frames) with
/// vectored writes, so a busy connection makes one syscall for many frames and no frame's
/// body is copied on the way.
pub async fn write_frames<W: AsyncWrite + Unpin>(
    wr: &mut W,
    first: OutFrame,
    rx: &mut mpsc::UnboundedReceiver<OutFrame>,
) -> std::io::Result<()> {
    let mut frames = vec![first];
    let mut queued = frames[0].len();
    while queued < 256 * 1024 && frames.len() < 64 {
        match rx.try_recv() {
            Ok(more) => {
                queued += more.len();
                frames.push(more);
            }
            Err(_) => break,
        }
    }
    let mut slices: Vec<IoSlice<'_>> = frames
        .iter()
        .flat_map(|f| [&f.head, &f.body])
        .filter(|b| !b.is_empty())
        .map(|b| IoSlice::new(b))
        .collect();
    let mut rest = &mut slices[..];
    while !rest.is_empty() {
        let n = wr.write_vectored(rest).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        IoSlice::advance_slices(&mut rest, n);
    }
    Ok(())
}

/// Why a remote call failed.
#[derive(Debug, thiserror::Error)]
pub enum RemotingError {
    /// Could not connect.
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        /// The address.
        addr: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// No response in time.
    #[error("request {opaque} to {addr} timed out after {millis} ms")]
    Timeout {
        /// The address.
        addr: String,
        /// The request's opaque.
        opaque: i32,
        /// The timeout that passed.
        millis: u128,
    },
    /// The connection closed before the response arrived.
    #[error("connection to {addr} closed")]
    Closed {
        /// The address.
        addr: String,
    },
}

/// What a [`RequestHandler`] answers. Replies to oneway requests are not sent.
pub enum Reply {
    /// Nothing to send.
    None,
    /// This response, at once.
    Now(RemotingCommand),
    /// A response that takes work (the reader does not wait for it).
    Later(Pin<Box<dyn Future<Output = Option<RemotingCommand>> + Send>>),
}

impl From<Option<RemotingCommand>> for Reply {
    fn from(reply: Option<RemotingCommand>) -> Self {
        reply.map_or(Reply::None, Reply::Now)
    }
}

/// Serves requests a server sends on a client's connection.
pub trait RequestHandler: Send + Sync + 'static {
    /// Handles one request from `addr`.
    fn handle(&self, addr: &str, request: RemotingCommand) -> Reply;
}

type Pending = Arc<Mutex<HashMap<i32, oneshot::Sender<RemotingCommand>>>>;

struct Connection {
    tx: mpsc::UnboundedSender<OutFrame>,
    pending: Pending,
    closed: Arc<AtomicBool>,
    /// Tells both tasks to stop; they watch it while blocked on I/O.
    stop: watch::Sender<bool>,
}

impl Connection {
    fn shut(&self) {
        self.closed.store(true, Ordering::Release);
        let _ = self.stop.send(true);
    }
}

/// A client for any number of remote addresses. Producers and consumers share one through
/// their [`ClientInstance`](crate::ClientInstance); use it directly for raw requests.
///
/// ```no_run
/// # async fn demo() -> Result<(), rocketmq_client::remoting::RemotingError> {
/// use std::time::Duration;
/// use rocketmq_client::protocol::{RemotingCommand, RequestCode};
/// use rocketmq_client::remoting::RemotingClient;
///
/// let client = RemotingClient::new();
/// let request = RemotingCommand::request(RequestCode::GetBrokerClusterInfo);
/// let response = client.invoke("127.0.0.1:9876", request, Duration::from_secs(3)).await?;
/// println!("{}", String::from_utf8_lossy(&response.body));
/// # Ok(()) }
/// ```
#[derive(Clone, Default)]
pub struct RemotingClient {
    conns: Arc<Mutex<HashMap<String, Arc<Connection>>>>,
    handler: Option<Arc<dyn RequestHandler>>,
}

impl std::fmt::Debug for RemotingClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemotingClient").finish_non_exhaustive()
    }
}

const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

impl RemotingClient {
    /// A client that ignores server-initiated requests.
    pub fn new() -> Self {
        Self::default()
    }

    /// A client that passes server-initiated requests to `handler`.
    pub fn with_handler(handler: Arc<dyn RequestHandler>) -> Self {
        RemotingClient {
            conns: Arc::default(),
            handler: Some(handler),
        }
    }

    /// Sends `request` to `addr` and waits for its response.
    pub async fn invoke(
        &self,
        addr: &str,
        request: RemotingCommand,
        timeout: Duration,
    ) -> Result<RemotingCommand, RemotingError> {
        let opaque = request.opaque;
        let deadline = tokio::time::Instant::now() + timeout;
        let conn = tokio::time::timeout_at(deadline, self.connection(addr))
            .await
            .map_err(|_| RemotingError::Timeout {
                addr: addr.to_string(),
                opaque,
                millis: timeout.as_millis(),
            })??;
        let (tx, rx) = oneshot::channel();
        conn.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(opaque, tx);
        if conn.tx.send(OutFrame::new(&request)).is_err() {
            self.forget(addr, &conn);
            return Err(RemotingError::Closed {
                addr: addr.to_string(),
            });
        }
        match tokio::time::timeout_at(deadline, rx).await {
            Ok(Ok(resp)) => Ok(resp),
            Ok(Err(_)) => Err(RemotingError::Closed {
                addr: addr.to_string(),
            }),
            Err(_) => {
                conn.pending
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&opaque);
                Err(RemotingError::Timeout {
                    addr: addr.to_string(),
                    opaque,
                    millis: timeout.as_millis(),
                })
            }
        }
    }

    /// Sends a oneway request (no response is expected).
    pub async fn invoke_oneway(
        &self,
        addr: &str,
        request: RemotingCommand,
    ) -> Result<(), RemotingError> {
        let request = request.oneway();
        let conn = tokio::time::timeout(CONNECT_TIMEOUT, self.connection(addr))
            .await
            .map_err(|_| RemotingError::Timeout {
                addr: addr.to_string(),
                opaque: request.opaque,
                millis: CONNECT_TIMEOUT.as_millis(),
            })??;
        conn.tx
            .send(OutFrame::new(&request))
            .map_err(|_| RemotingError::Closed {
                addr: addr.to_string(),
            })
    }

    /// Closes the connection to `addr`, if any.
    pub fn close(&self, addr: &str) {
        if let Some(conn) = self
            .conns
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(addr)
        {
            conn.shut();
        }
    }

    /// Closes every connection.
    pub fn close_all(&self) {
        let all: Vec<_> = self
            .conns
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
            .collect();
        for (_, conn) in all {
            conn.shut();
        }
    }

    fn forget(&self, addr: &str, conn: &Arc<Connection>) {
        let mut conns = self.conns.lock().unwrap_or_else(|e| e.into_inner());
        if conns.get(addr).is_some_and(|c| Arc::ptr_eq(c, conn)) {
            conns.remove(addr);
        }
    }

    async fn connection(&self, addr: &str) -> Result<Arc<Connection>, RemotingError> {
        if let Some(conn) = self
            .conns
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(addr)
            && !conn.closed.load(Ordering::Acquire)
        {
            return Ok(conn.clone());
        }
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|source| RemotingError::Connect {
                addr: addr.to_string(),
                source,
            })?;
        let _ = stream.set_nodelay(true);
        let conn = self.spawn_connection(addr.to_string(), stream);
        let mut conns = self.conns.lock().unwrap_or_else(|e| e.into_inner());
        // Another caller may have connected meanwhile; keep the first live one.
        if let Some(existing) = conns.get(addr)
            && !existing.closed.load(Ordering::Acquire)
        {
            conn.shut();
            return Ok(existing.clone());
        }
        conns.insert(addr.to_string(), conn.clone());
        Ok(conn)
    }

    fn spawn_connection(&self, addr: String, stream: TcpStream) -> Arc<Connection> {
        let (mut rd, mut wr) = stream.into_split();
        let (tx, mut rx) = mpsc::unbounded_channel::<OutFrame>();
        let pending: Pending = Arc::default();
        let closed = Arc::new(AtomicBool::new(false));
        let (stop, mut writer_stop) = watch::channel(false);
        let mut reader_stop = stop.subscribe();
        let conn = Arc::new(Connection {
            tx: tx.clone(),
            pending: pending.clone(),
            closed: closed.clone(),
            stop,
        });

        let writer_closed = closed;
        tokio::spawn(async move {
            loop {
                let frame = tokio::select! {
                    frame = rx.recv() => frame,
                    _ = writer_stop.changed() => None,
                };
                let Some(frame) = frame else { break };
                if write_frames(&mut wr, frame, &mut rx).await.is_err() {
                    break;
                }
            }
            writer_closed.store(true, Ordering::Release);
            let _ = wr.shutdown().await;
        });

        let handler = self.handler.clone();
        let conns = self.conns.clone();
        let reader_conn = conn.clone();
        tokio::spawn(async move {
            let mut buf = FrameBuffer::default();
            'read: loop {
                loop {
                    match buf.next_frame(MAX_FRAME_LEN) {
                        Ok(Some(cmd)) if cmd.is_response() => {
                            let waiter = pending
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .remove(&cmd.opaque);
                            if let Some(w) = waiter {
                                let _ = w.send(cmd);
                            }
                        }
                        Ok(Some(cmd)) => {
                            let oneway = cmd.is_oneway();
                            let Some(handler) = &handler else { continue };
                            match handler.handle(&addr, cmd) {
                                Reply::None => {}
                                Reply::Now(reply) => {
                                    if !oneway {
                                        let _ = tx.send(OutFrame::new(&reply));
                                    }
                                }
                                Reply::Later(work) => {
                                    let tx = tx.clone();
                                    tokio::spawn(async move {
                                        if let Some(reply) = work.await
                                            && !oneway
                                        {
                                            let _ = tx.send(OutFrame::new(&reply));
                                        }
                                    });
                                }
                            }
                        }
                        Ok(None) => break,
                        Err(e) => {
                            tracing::warn!(%addr, error = %e, "bad frame from server, closing connection");
                            break 'read;
                        }
                    }
                }
                let read = tokio::select! {
                    read = rd.read_buf(buf.for_read()) => read,
                    _ = reader_stop.changed() => break,
                };
                match read {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buf.filled(n),
                }
            }
            reader_conn.shut();
            pending.lock().unwrap_or_else(|e| e.into_inner()).clear();
            let mut table = conns.lock().unwrap_or_else(|e| e.into_inner());
            if table
                .get(&addr)
                .is_some_and(|c| Arc::ptr_eq(c, &reader_conn))
            {
                table.remove(&addr);
            }
        });
        conn
    }
}
