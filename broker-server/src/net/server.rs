//! The accept loop and per-connection tasks.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rocketmq_client::protocol::{
    FrameBuffer, MAX_FRAME_LEN, OutFrame, RemotingCommand, ResponseCode,
};
use rocketmq_client::remoting::write_frames;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::{Channel, RequestQueue, error_response};
use crate::metrics::RpcLatency;

/// Connections with no traffic for this long are closed (`serverChannelMaxIdleTimeSeconds`).
const IDLE_TIMEOUT: Duration = Duration::from_secs(120);

/// Handles requests for one server.
pub trait Service: Send + Sync + 'static {
    /// Answers one request; `None` sends nothing (oneway requests are never answered anyway).
    fn handle(
        &self,
        channel: &Channel,
        request: RemotingCommand,
    ) -> impl Future<Output = Option<RemotingCommand>> + Send;

    /// Called once when a connection closes.
    fn on_close(&self, _channel: &Channel) {}

    /// Where requests with this code count while they wait for their handler, if anywhere.
    fn queue(&self, _code: i32) -> Option<&RequestQueue> {
        None
    }

    /// Where each request's latency is recorded, when metrics are exported.
    fn rpc_latency(&self) -> Option<&RpcLatency> {
        None
    }
}

tokio::task_local! {
    /// Set by a handler that held its request (a long-polling pull), for the latency label.
    static HELD: std::cell::Cell<bool>;
}

/// Marks the request being handled as held for long polling (`is_long_polling` in
/// `rocketmq_rpc_latency`); outside a request's task it does nothing.
pub fn mark_held() {
    let _ = HELD.try_with(|h| h.set(true));
}

/// Serves `listener` until `shutdown` completes, then stops accepting, closes every
/// connection and waits for their tasks.
pub async fn serve<S: Service>(
    listener: TcpListener,
    service: Arc<S>,
    shutdown: impl Future<Output = ()>,
) {
    let token = CancellationToken::new();
    let tracker = TaskTracker::new();
    let mut backoff = Duration::from_millis(10);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    backoff = Duration::from_millis(10);
                    let (service, token) = (service.clone(), token.clone());
                    tracker.spawn(connection(stream, service, token));
                }
                Err(e) => {
                    // Out of file descriptors and the like: back off rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(1));
                }
            },
        }
    }
    token.cancel();
    tracker.close();
    tracker.wait().await;
}

async fn connection<S: Service>(stream: TcpStream, service: Arc<S>, token: CancellationToken) {
    let (Ok(remote), Ok(local)) = (stream.peer_addr(), stream.local_addr()) else {
        return;
    };
    let _ = stream.set_nodelay(true);
    let (mut rd, mut wr) = stream.into_split();
    let (tx, mut rx) = mpsc::unbounded_channel::<OutFrame>();
    let channel = Channel::new(remote, local, tx);
    tracing::debug!(%remote, id = channel.id(), "connection opened");

    let writer = tokio::spawn(async move {
        while let Some(frame) = rx.recv().await {
            if write_frames(&mut wr, frame, &mut rx).await.is_err() {
                break;
            }
        }
        let _ = wr.shutdown().await;
    });

    let mut buf = FrameBuffer::default();
    'conn: loop {
        loop {
            match buf.next_frame(MAX_FRAME_LEN) {
                Ok(Some(cmd)) if cmd.is_response() => channel.complete(cmd),
                Ok(Some(cmd)) => {
                    let (service, channel) = (service.clone(), channel.clone());
                    let read_at = Instant::now();
                    let arrived = service.queue(cmd.code).map(|q| q.enter());
                    tokio::spawn(async move {
                        run_request(service, channel, cmd, read_at, arrived).await
                    });
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(%remote, error = %e, "closing connection after a bad frame");
                    break 'conn;
                }
            }
        }
        let read = tokio::select! {
            _ = token.cancelled() => break,
            read = tokio::time::timeout(IDLE_TIMEOUT, rd.read_buf(buf.for_read())) => read,
        };
        match read {
            Ok(Ok(n)) if n > 0 => buf.filled(n),
            Ok(Ok(_)) => break,
            Ok(Err(e)) => {
                tracing::debug!(%remote, error = %e, "read failed");
                break;
            }
            Err(_) => {
                tracing::info!(%remote, "closing idle connection");
                break;
            }
        }
    }
    channel.mark_closed();
    service.on_close(&channel);
    drop(channel);
    writer.abort();
    tracing::debug!(%remote, "connection closed");
}

async fn run_request<S: Service>(
    service: Arc<S>,
    channel: Channel,
    request: RemotingCommand,
    read_at: Instant,
    arrived: Option<Instant>,
) {
    if let (Some(at), Some(q)) = (arrived, service.queue(request.code)) {
        q.leave(at);
    }
    let oneway = request.is_oneway();
    let (code, opaque, kind) = (request.code, request.opaque, request.serialize_type);
    // A panicking handler must not take the connection down: answer SYSTEM_ERROR instead.
    // The long-polling mark is only kept where latencies are recorded.
    let (outcome, held) = if service.rpc_latency().is_some() {
        HELD.scope(std::cell::Cell::new(false), async {
            let outcome = CatchUnwind(Box::pin(service.handle(&channel, request))).await;
            (outcome, HELD.with(|h| h.get()))
        })
        .await
    } else {
        (
            CatchUnwind(Box::pin(service.handle(&channel, request))).await,
            false,
        )
    };
    let response = match outcome {
        Ok(r) => r,
        Err(()) => {
            tracing::error!(code, "request handler panicked");
            let mut stub = RemotingCommand::request(code.into());
            stub.opaque = opaque;
            stub.serialize_type = kind;
            Some(error_response(
                &stub,
                ResponseCode::SystemError,
                "internal error while handling the request",
            ))
        }
    };
    if let Some(rpc) = service.rpc_latency() {
        let answered = response.as_ref().filter(|_| !oneway).map(|r| r.code);
        rpc.record(code, answered, held, read_at.elapsed());
    }
    if let (Some(response), false) = (response, oneway) {
        channel.send(&response);
    }
}

/// Polls a future, turning a panic into `Err(())` (what `FutureExt::catch_unwind` does, without
/// a dependency for it).
struct CatchUnwind<F>(std::pin::Pin<Box<F>>);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, ()>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let inner = self.0.as_mut();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(std::task::Poll::Ready(v)) => std::task::Poll::Ready(Ok(v)),
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Err(_) => std::task::Poll::Ready(Err(())),
        }
    }
}
