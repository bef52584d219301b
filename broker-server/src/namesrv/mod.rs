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
}

crate::config_keys!(NamesrvConfig, apache_keys = include_str!("../config/apache_namesrv_keys.txt"), {
    "listenPort" => listen_port,
    "kvConfigPath" => kv_config_path,
    "orderMessageEnable" => order_message_enable,
    "enableAllTopicList" => enable_all_topic_list,
    "scanNotActiveBrokerInterval" => scan_not_active_broker_interval,
});

impl Default for NamesrvConfig {
    fn default() -> Self {
        NamesrvConfig {
            listen_port: 9876,
            kv_config_path: None,
            order_message_enable: false,
            enable_all_topic_list: true,
            scan_not_active_broker_interval: 5000,
        }
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
}

/// Serves the name server on `listener` until `shutdown` completes.
pub async fn run(listener: TcpListener, config: NamesrvConfig, shutdown: impl Future<Output = ()>) {
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
    serve(listener, Arc::new(NameServer { state }), shutdown).await;
    scanner.abort();
}

/// Binds `addr` and runs the name server in the background.
pub async fn start(addr: SocketAddr, config: NamesrvConfig) -> std::io::Result<ServerHandle> {
    let listener = TcpListener::bind(addr).await?;
    Ok(ServerHandle::spawn(listener, move |l, stop| {
        run(l, config, stop)
    }))
}
