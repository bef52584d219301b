//! The name server: brokers register their topics here, clients ask it where topics live.
//!
//! Start it with [`run`] on a listener you bound (port 0 in tests) and a shutdown future, or
//! with [`start`] for a handle that stops it.

mod handlers;
mod kv_config;
mod route_table;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rocketmq_client::protocol::RemotingCommand;
use tokio::net::TcpListener;

use crate::handle::ServerHandle;
use crate::metrics::{ExporterType, Kind, RpcLatency, Text, write_process};
use crate::net::{Channel, Service, serve};
use kv_config::KvConfig;
use route_table::RouteTable;

/// KV namespace of ordered-topic configs (`NamesrvUtil.NAMESPACE_ORDER_TOPIC_CONFIG`).
pub(crate) const ORDER_TOPIC_CONFIG: &str = "ORDER_TOPIC_CONFIG";

/// Name server settings (Apache's `NamesrvConfig` / `NettyServerConfig` keys).
#[derive(Debug, Clone)]
pub struct NamesrvConfig {
    /// `listenPort` (9876).
    pub listen_port: u16,
    /// `kvConfigPath`; `None` keeps KV config in memory.
    pub kv_config_path: Option<PathBuf>,
    /// `orderMessageEnable`: add `orderTopicConf` to routes.
    pub order_message_enable: bool,
    /// `enableAllTopicList`.
    pub enable_all_topic_list: bool,
    /// `scanNotActiveBrokerInterval`, milliseconds (5000).
    pub scan_not_active_broker_interval: u64,
    /// `metricsExporterType` (the broker's key): `PROM` serves `/metrics` for the name
    /// server's own counters.
    pub metrics_exporter_type: ExporterType,
    /// `metricsPromExporterHost`; blank: every interface.
    pub metrics_prom_exporter_host: String,
    /// `metricsPromExporterPort` (5557; 0 picks a free port).
    pub metrics_prom_exporter_port: u16,
}

crate::config_keys!(NamesrvConfig, apache_keys = include_str!("../config/apache_namesrv_keys.txt"), {
    "listenPort" => listen_port,
    "kvConfigPath" => kv_config_path,
    "orderMessageEnable" => order_message_enable,
    "enableAllTopicList" => enable_all_topic_list,
    "scanNotActiveBrokerInterval" => scan_not_active_broker_interval,
    "metricsExporterType" => metrics_exporter_type,
    "metricsPromExporterHost" => metrics_prom_exporter_host,
    "metricsPromExporterPort" => metrics_prom_exporter_port,
});

impl Default for NamesrvConfig {
    fn default() -> Self {
        NamesrvConfig {
            listen_port: 9876,
            kv_config_path: None,
            order_message_enable: false,
            enable_all_topic_list: true,
            scan_not_active_broker_interval: 5000,
            metrics_exporter_type: ExporterType::Disable,
            metrics_prom_exporter_host: String::new(),
            metrics_prom_exporter_port: 5557,
        }
    }
}

impl NamesrvConfig {
    /// Where `/metrics` is served, when `metricsExporterType=PROM`.
    pub fn metrics_addr(&self) -> Option<String> {
        (self.metrics_exporter_type == ExporterType::Prom).then(|| {
            crate::metrics::prom_addr(
                &self.metrics_prom_exporter_host,
                "0.0.0.0",
                self.metrics_prom_exporter_port,
            )
        })
    }
}

pub(crate) struct NamesrvState {
    config: NamesrvConfig,
    /// The settings UPDATE_NAMESRV_CONFIG changes while the name server runs.
    live: LiveNamesrv,
    routes: RouteTable,
    kv: KvConfig,
}

/// Name-server settings read on every use, so changeable at run time (the rest of
/// [`NamesrvConfig`] is fixed at start).
#[derive(Debug)]
pub(crate) struct LiveNamesrv {
    pub(crate) order_message_enable: std::sync::atomic::AtomicBool,
    pub(crate) enable_all_topic_list: std::sync::atomic::AtomicBool,
}

/// The keys [`LiveNamesrv`] holds.
pub(crate) const LIVE_NAMESRV_KEYS: &[&str] = &["orderMessageEnable", "enableAllTopicList"];

impl LiveNamesrv {
    fn new(c: &NamesrvConfig) -> Self {
        LiveNamesrv {
            order_message_enable: c.order_message_enable.into(),
            enable_all_topic_list: c.enable_all_topic_list.into(),
        }
    }

    pub(crate) fn order_message_enable(&self) -> bool {
        self.order_message_enable
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(crate) fn enable_all_topic_list(&self) -> bool {
        self.enable_all_topic_list
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Sets a live key; `Err` for another key or a bad value.
    pub(crate) fn check_and_set(&self, key: &str, value: &str, apply: bool) -> Result<(), String> {
        let flag = match key {
            "orderMessageEnable" => &self.order_message_enable,
            "enableAllTopicList" => &self.enable_all_topic_list,
            _ => return Err(format!("{key} is not changeable at run time")),
        };
        let v = <bool as crate::config::ConfigValue>::parse_value(value)?;
        if apply {
            flag.store(v, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    }

    /// `config` with the live values written over its start-up ones.
    pub(crate) fn current(&self, config: &NamesrvConfig) -> NamesrvConfig {
        NamesrvConfig {
            order_message_enable: self.order_message_enable(),
            enable_all_topic_list: self.enable_all_topic_list(),
            ..config.clone()
        }
    }
}

struct NameServer {
    state: Arc<NamesrvState>,
    /// Request latencies, when `/metrics` is served.
    rpc: Option<Arc<RpcLatency>>,
}

impl Service for NameServer {
    async fn handle(&self, channel: &Channel, request: RemotingCommand) -> Option<RemotingCommand> {
        Some(handlers::dispatch(&self.state, channel, &request))
    }

    fn on_close(&self, channel: &Channel) {
        for addr in self.state.routes.on_channel_closed(channel.id()) {
            tracing::info!(broker = %addr, "broker connection closed; removed from routes");
        }
    }

    fn rpc_latency(&self) -> Option<&RpcLatency> {
        self.rpc.as_deref()
    }
}

/// The name server's scrape: its request latencies, what it routes, and the process.
fn render(state: &NamesrvState, rpc: &RpcLatency, node: &str) -> String {
    let mut t = Text::new(&[("node_type", "nameserver"), ("node_id", node)]);
    t.single(
        "rocketmq_topic_number",
        Kind::Gauge,
        "Topics routed",
        state.routes.all_topics().topic_list.len(),
    );
    t.single(
        "rocketmq_broker_number",
        Kind::Gauge,
        "Brokers registered and alive",
        state.routes.live_count(),
    );
    rpc.write(&mut t);
    write_process(&mut t);
    t.finish()
}

/// Serves the name server on `listener` until `shutdown` completes; with
/// `metricsExporterType=PROM` it also binds and serves `/metrics`.
pub async fn run(listener: TcpListener, config: NamesrvConfig, shutdown: impl Future<Output = ()>) {
    let metrics = match config.metrics_addr() {
        Some(addr) => match TcpListener::bind(&addr).await {
            Ok(l) => Some(l),
            Err(e) => {
                tracing::error!(%addr, error = %e, "cannot serve /metrics");
                None
            }
        },
        None => None,
    };
    run_with(listener, metrics, config, shutdown).await
}

/// [`run`] with the `/metrics` listener bound by the caller.
pub async fn run_with(
    listener: TcpListener,
    metrics: Option<TcpListener>,
    config: NamesrvConfig,
    shutdown: impl Future<Output = ()>,
) {
    let kv = KvConfig::load(config.kv_config_path.clone());
    let scan_every = Duration::from_millis(config.scan_not_active_broker_interval.max(100));
    let state = Arc::new(NamesrvState {
        live: LiveNamesrv::new(&config),
        config,
        routes: RouteTable::default(),
        kv,
    });
    let scanner_state = state.clone();
    let scanner = tokio::spawn(async move {
        let mut tick = tokio::time::interval(scan_every);
        loop {
            tick.tick().await;
            for addr in scanner_state.routes.scan_expired() {
                tracing::warn!(broker = %addr, "broker registration expired; removed from routes");
            }
        }
    });
    let stop = tokio_util::sync::CancellationToken::new();
    let rpc = metrics.as_ref().map(|_| Arc::new(RpcLatency::default()));
    let exporter = match (metrics, &rpc) {
        (Some(l), Some(rpc)) => {
            let node = listener
                .local_addr()
                .map_or_else(|_| "nameserver".to_string(), |a| a.to_string());
            let (scraped, rpc) = (state.clone(), rpc.clone());
            Some(tokio::spawn(crate::metrics::http::run(
                l,
                move || render(&scraped, &rpc, &node),
                stop.clone().cancelled_owned(),
            )))
        }
        _ => None,
    };
    serve(listener, Arc::new(NameServer { state, rpc }), shutdown).await;
    stop.cancel();
    if let Some(exporter) = exporter {
        let _ = exporter.await;
    }
    scanner.abort();
}

/// Binds `addr` (and `/metrics`' address when exported) and runs the name server in the
/// background.
pub async fn start(addr: SocketAddr, config: NamesrvConfig) -> std::io::Result<ServerHandle> {
    let listener = TcpListener::bind(addr).await?;
    let metrics = match config.metrics_addr() {
        Some(addr) => Some(TcpListener::bind(addr).await?),
        None => None,
    };
    let metrics_addr = metrics.as_ref().and_then(|l| l.local_addr().ok());
    Ok(
        ServerHandle::spawn(listener, move |l, stop| run_with(l, metrics, config, stop))
            .with_metrics_addr(metrics_addr),
    )
}
