//! The web console: what rocketmq-dashboard shows (cluster, topics, consumers, producers,
//! messages, dead letters, TPS charts), served by one axum router over the admin client, so
//! it works against any RocketMQ 4.9/5.x name server, ours or Apache's.
//!
//! # Layout
//! - `reply`: the JSON envelope (rocketmq-dashboard's `{status, data, errMsg}`) and errors.
//! - `guard`: read-only mode and basic auth for everything that changes state.
//! - `cluster`, `topic`, `consumer`, `message`: the API, under rocketmq-dashboard's paths.
//! - `charts`: broker and topic TPS sampled every few seconds for the last hour.
//! - `assets/`: the page (plain HTML, JS and CSS, compiled in; no CDN, works offline).
//!
//! Start it with [`run`] on a bound listener and a shutdown future (`mqdashboard` does), or
//! [`start`] for a handle.

mod charts;
mod cluster;
mod consumer;
mod guard;
mod message;
mod reply;
mod topic;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use rocketmq_client::admin::Admin;
use rocketmq_client::{ClientError, Producer};
use tokio::net::TcpListener;
use tokio::sync::OnceCell;

use crate::handle::ServerHandle;

/// How the console runs.
#[derive(Debug, Clone)]
pub struct DashboardConfig {
    /// `host:port;host:port` of the name servers (rocketmq-dashboard's
    /// `rocketmq.config.namesrvAddr`).
    pub namesrv_addr: String,
    /// Who may change things (`user`, `password`); empty: anyone who can reach the page.
    pub users: Vec<(String, String)>,
    /// Nothing can be changed, by anyone.
    pub read_only: bool,
    /// How often TPS is sampled for the charts.
    pub sample_every: Duration,
}

impl DashboardConfig {
    /// A console for these name servers, open, sampling every 5 s.
    pub fn new(namesrv_addr: impl Into<String>) -> Self {
        DashboardConfig {
            namesrv_addr: namesrv_addr.into(),
            users: Vec::new(),
            read_only: false,
            sample_every: Duration::from_secs(5),
        }
    }
}

/// What the handlers share.
pub(crate) struct Console {
    admin: Admin,
    namesrv_addr: String,
    /// Sends test messages; started on first use.
    producer: OnceCell<Producer>,
    charts: charts::Charts,
}

impl Console {
    async fn producer(&self) -> Result<&Producer, ClientError> {
        self.producer
            .get_or_try_init(|| {
                Producer::builder("rocketmq-dashboard")
                    .namesrv_addr(&self.namesrv_addr)
                    .start()
            })
            .await
    }
}

/// Serves the console on `listener` until `shutdown` completes.
pub async fn run(
    listener: TcpListener,
    config: DashboardConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let admin = Admin::connect(Some(&config.namesrv_addr))
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let console = Arc::new(Console {
        admin,
        namesrv_addr: config.namesrv_addr.clone(),
        producer: OnceCell::new(),
        charts: charts::Charts::default(),
    });
    let stop = tokio_util::sync::CancellationToken::new();
    let sampler = tokio::spawn(charts::sample(
        console.clone(),
        config.sample_every,
        stop.clone(),
    ));
    let app = router(console.clone(), guard::Guard::new(&config));
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    stop.cancel();
    let _ = sampler.await;
    if let Some(p) = console.producer.get() {
        p.shutdown().await;
    }
    served
}

/// Binds `addr` and serves the console in the background.
pub async fn start(addr: SocketAddr, config: DashboardConfig) -> std::io::Result<ServerHandle> {
    let listener = TcpListener::bind(addr).await?;
    Ok(ServerHandle::spawn(listener, move |l, stop| async move {
        if let Err(e) = run(l, config, stop).await {
            tracing::error!(error = %e, "dashboard stopped");
        }
    }))
}

fn router(console: Arc<Console>, guard: guard::Guard) -> Router {
    let reads = Router::new()
        .route("/cluster/list.query", get(cluster::list))
        .route("/cluster/brokerConfig.query", get(cluster::broker_config))
        .route("/topic/list.query", get(topic::list))
        .route("/topic/stats.query", get(topic::stats))
        .route("/topic/route.query", get(topic::route))
        .route("/topic/queryConsumerByTopic.query", get(topic::consumers))
        .route("/consumer/groupList.query", get(consumer::groups))
        .route(
            "/consumer/queryTopicByConsumer.query",
            get(consumer::progress),
        )
        .route(
            "/consumer/consumerConnection.query",
            get(consumer::connection),
        )
        .route(
            "/producer/producerConnection.query",
            get(consumer::producers),
        )
        .route(
            "/message/queryMessageByTopicAndKey.query",
            get(message::by_key),
        )
        .route("/message/viewMessage.query", get(message::view))
        .route("/message/queryMessageByTopic.query", get(message::by_topic))
        .route(
            "/dlqMessage/queryDlqMessageByConsumerGroup.query",
            get(message::dead_letters),
        )
        .route(
            "/dlqMessage/exportDlqMessage.do",
            get(message::export_dead_letters),
        )
        .route("/dashboard/tps.query", get(charts::tps))
        .route("/dashboard/mode.query", get(guard::mode));
    let writes = Router::new()
        .route("/topic/createOrUpdate.do", post(topic::create))
        .route("/topic/deleteTopic.do", post(topic::delete))
        .route("/topic/sendTopicMessage.do", post(topic::send))
        .route("/consumer/resetOffset.do", post(consumer::reset_offset))
        .route("/consumer/createOrUpdate.do", post(consumer::create_group))
        .route("/consumer/deleteSubGroup.do", post(consumer::delete_group))
        .route(
            "/message/consumeMessageDirectly.do",
            post(message::consume_directly),
        )
        .route(
            "/dlqMessage/batchResendDlqMessage.do",
            post(message::resend_dead_letters),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            guard.clone(),
            guard::check,
        ));
    Router::new()
        .route(
            "/",
            get(|| {
                asset(
                    "text/html; charset=utf-8",
                    include_str!("assets/index.html"),
                )
            }),
        )
        .route(
            "/app.js",
            get(|| {
                asset(
                    "text/javascript; charset=utf-8",
                    include_str!("assets/app.js"),
                )
            }),
        )
        .route(
            "/chart.js",
            get(|| {
                asset(
                    "text/javascript; charset=utf-8",
                    include_str!("assets/chart.js"),
                )
            }),
        )
        .route(
            "/style.css",
            get(|| asset("text/css; charset=utf-8", include_str!("assets/style.css"))),
        )
        .merge(reads)
        .merge(writes)
        .fallback(reply::not_found)
        .with_state(console)
        .layer(axum::Extension(guard))
}

async fn asset(kind: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}
