//! The broker: stores messages, serves pulls, tracks clients, groups and offsets, and
//! registers itself with the name servers.
//!
//! [`Broker::open`] opens (and recovers) the store and the config files; [`Broker::run`] serves
//! until a shutdown future completes, then unregisters, persists offsets and closes the store
//! cleanly. [`start`] does both in the background for tests and embedded use.
//!
//! A master (`ASYNC_MASTER`, `SYNC_MASTER`) also serves its slaves on the HA port; a slave
//! replicates its master's commit log (see `ha`), refuses sends and serves reads.

mod clients;
pub mod config;
mod groups;
mod ha;
mod handlers;
mod live;
mod locks;
mod long_poll;
mod metrics;
mod offsets;
mod register;
mod schedule;
mod stats;
mod stats_items;
mod topics;
mod transaction;

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rocketmq_client::protocol::body::TopicConfig;
use rocketmq_client::protocol::header::ConsumerGroupHeader;
use rocketmq_client::protocol::message::UniqueIdGenerator;
use rocketmq_client::protocol::{RemotingCommand, RequestCode};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use config::{BrokerConfig, BrokerRole, DelayLevels};

use crate::handle::ServerHandle;
use crate::net::{Channel, RequestQueue, Service, serve};
use crate::store::{MessageStore, StoreError};
use clients::{ConsumerManager, ProducerManager};
use groups::SubscriptionGroupManager;
use long_poll::PullNotifier;
use offsets::ConsumerOffsetManager;
use register::Registrar;
use topics::{TopicConfigManager, TopicSettings};

/// Why a broker could not start.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("invalid broker configuration: {0}")]
    Config(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// Everything the request handlers work with.
pub(crate) struct BrokerState {
    pub(crate) config: BrokerConfig,
    pub(crate) store: Arc<MessageStore>,
    pub(crate) topics: Arc<TopicConfigManager>,
    pub(crate) offsets: Arc<ConsumerOffsetManager>,
    pub(crate) groups: Arc<SubscriptionGroupManager>,
    pub(crate) consumers: ConsumerManager,
    pub(crate) producers: ProducerManager,
    pub(crate) pulls: Arc<PullNotifier>,
    pub(crate) registrar: Arc<Registrar>,
    pub(crate) store_host: SocketAddr,
    pub(crate) unique_ids: UniqueIdGenerator,
    pub(crate) stats: Arc<stats::Stats>,
    /// The settings UPDATE_BROKER_CONFIG changes while the broker runs.
    pub(crate) live: Arc<live::Live>,
    /// Level-delay progress (shared with GET_ALL_DELAY_OFFSET).
    pub(crate) delay_offsets: Arc<schedule::delay::DelayOffsets>,
    /// Orderly consumers' queue locks.
    pub(crate) locks: locks::LockManager,
    /// Which half messages are settled; held across END_TRANSACTION and check rounds.
    pub(crate) transactions: tokio::sync::Mutex<transaction::Book>,
    /// Replication: a master's slaves, or a slave's master.
    pub(crate) ha: ha::Role,
    /// What `/metrics` counts, when exported (`metricsExporterType=PROM`).
    pub(crate) metrics: Option<Arc<metrics::BrokerMetrics>>,
}

impl BrokerState {
    /// A group's retry or dead-letter topic: created read-write with `queues` queues when
    /// absent, and registered with the name servers at once when new.
    pub(crate) fn ensure_group_topic(&self, topic: &str, queues: i32) {
        let rw = rocketmq_client::protocol::body::perm::READ
            | rocketmq_client::protocol::body::perm::WRITE;
        if self.topics.create_if_absent(topic, queues, rw).1 {
            self.registrar.request_now();
        }
    }

    /// A topic to read: as configured, or on a slave that holds queues of a topic its master
    /// created too recently for the metadata sync, read-only with the queues it holds (so what
    /// was replicated can be read the moment its master is lost).
    pub(crate) fn topic_for_read(&self, topic: &str) -> Option<TopicConfig> {
        if let Some(cfg) = self.topics.get(topic) {
            return Some(cfg);
        }
        if self.config.broker_role != BrokerRole::Slave {
            return None;
        }
        let queues = self.store.queue_ids(topic).into_iter().max()? + 1;
        Some(TopicConfig {
            perm: rocketmq_client::protocol::body::perm::READ,
            ..TopicConfig::new(topic, queues)
        })
    }

    /// Tells a group's members that membership changed (they rebalance at once).
    pub(crate) fn notify_consumer_ids_changed(&self, group: &str) {
        if self
            .groups
            .get(group)
            .is_some_and(|g| !g.notify_consumer_ids_changed_enable)
        {
            return;
        }
        let header = ConsumerGroupHeader {
            consumer_group: group.to_string(),
        };
        for ch in self.consumers.channels(group) {
            let mut req =
                RemotingCommand::request_with(RequestCode::NotifyConsumerIdsChanged, &header);
            req.language = rocketmq_client::protocol::LanguageCode::Java;
            ch.send_oneway(req);
        }
    }
}

/// An opened broker, ready to serve.
pub struct Broker {
    state: Arc<BrokerState>,
    /// A slave dispatched messages of a topic it does not know (see `ha::sync`).
    unknown_topic: Arc<tokio::sync::Notify>,
}

impl Broker {
    /// Opens the store (recovering it if needed) and the config files under
    /// `storePathRootDir/config`.
    pub fn open(mut config: BrokerConfig) -> Result<Self, BrokerError> {
        config.settle().map_err(BrokerError::Config)?;
        let ip: IpAddr = config.broker_ip1.parse().map_err(|_| {
            BrokerError::Config(format!(
                "brokerIP1 `{}` is not an IP address",
                config.broker_ip1
            ))
        })?;
        let store_host = SocketAddr::new(ip, config.listen_port);
        let pulls = Arc::new(PullNotifier::default());
        let arrival_pulls = pulls.clone();
        // A slave that replicates messages of a topic it has not heard of reads its master's
        // metadata at once rather than at the next 10 s round, so the topic can be read.
        let unknown_topic = Arc::new(tokio::sync::Notify::new());
        let known_topics: Arc<OnceLock<Arc<TopicConfigManager>>> = Arc::default();
        let (slave, on_unknown, known) = (
            config.broker_role == BrokerRole::Slave,
            unknown_topic.clone(),
            known_topics.clone(),
        );
        let store = MessageStore::open(
            config.store_config(),
            Some(Arc::new(move |topic: &str, queue_id: i32, _max: i64| {
                arrival_pulls.arrived(topic, queue_id);
                if slave && known.get().is_some_and(|t| !t.contains(topic)) {
                    on_unknown.notify_one();
                }
            })),
        )?;
        let config_dir = config.store_path_root_dir.join("config");
        let live = Arc::new(live::Live::new(&config));
        let topics = TopicConfigManager::load(
            config_dir.join("topics.json"),
            TopicSettings {
                live: live.clone(),
                default_topic_queue_nums: config.default_topic_queue_nums,
                cluster_name: config.broker_cluster_name.clone(),
                broker_name: config.broker_name.clone(),
                cluster_topic_enable: config.cluster_topic_enable,
                broker_topic_enable: config.broker_topic_enable,
            },
        );
        let topics = Arc::new(topics);
        let _ = known_topics.set(topics.clone());
        let store = Arc::new(store);
        let ha = if config.broker_role == BrokerRole::Slave {
            ha::Role::Slave(Arc::new(ha::HaSlave::new(
                store.clone(),
                config.ha_config(),
            )))
        } else {
            ha::Role::Master(Arc::new(ha::HaMaster::new(
                store.clone(),
                config.ha_config(),
            )))
        };
        let state = BrokerState {
            ha,
            offsets: Arc::new(ConsumerOffsetManager::load(
                config_dir.join("consumerOffset.json"),
            )),
            groups: Arc::new(SubscriptionGroupManager::load(
                config_dir.join("subscriptionGroup.json"),
                live.clone(),
            )),
            live,
            consumers: ConsumerManager::default(),
            producers: ProducerManager::default(),
            registrar: Arc::new(Registrar::new(&config)),
            topics,
            store,
            pulls,
            store_host,
            unique_ids: UniqueIdGenerator::new(ip),
            locks: locks::LockManager::default(),
            transactions: tokio::sync::Mutex::default(),
            delay_offsets: Arc::new(schedule::delay::DelayOffsets::load(
                config_dir.join("delayOffset.json"),
            )),
            stats: Arc::default(),
            metrics: (config.metrics_exporter_type == crate::metrics::ExporterType::Prom)
                .then(Arc::default),
            config,
        };
        Ok(Broker {
            state: Arc::new(state),
            unknown_topic,
        })
    }

    /// The configuration the broker runs with.
    pub fn config(&self) -> &BrokerConfig {
        &self.state.config
    }

    /// Serves the listeners until `shutdown` completes; then unregisters, persists and closes
    /// the store.
    pub async fn run(self, listeners: Listeners, shutdown: impl Future<Output = ()>) {
        let Listeners {
            main: listener,
            vip,
            ha,
            metrics,
        } = listeners;
        let Broker {
            state,
            unknown_topic,
        } = self;
        let cancel = CancellationToken::new();
        let mut tasks = tokio::task::JoinSet::new();
        tasks.spawn(
            state
                .registrar
                .clone()
                .run(state.topics.clone(), cancel.clone()),
        );
        tasks.spawn(housekeeping(state.clone(), cancel.clone()));
        tasks.spawn(stats::run(state.stats.clone(), cancel.clone()));
        match &state.ha {
            // Delays, transaction checks and timers run where messages are put: on the
            // master, as with Apache.
            ha::Role::Master(master) => {
                if let Some(ha) = ha {
                    tasks.spawn(master.clone().serve(ha, cancel.clone()));
                }
                tasks.spawn(schedule::delay::run(
                    state.store.clone(),
                    state.delay_offsets.clone(),
                    state.config.message_delay_level.0.len(),
                    cancel.clone(),
                ));
                tasks.spawn(transaction::check::run(state.clone(), cancel.clone()));
                tasks.spawn(schedule::timer::run(
                    state.store.clone(),
                    state
                        .config
                        .store_path_root_dir
                        .join("config")
                        .join("timerCheckpoint.json"),
                    cancel.clone(),
                ));
            }
            ha::Role::Slave(slave) => {
                tasks.spawn(ha::run_slave(
                    slave.clone(),
                    state.registrar.master(),
                    cancel.clone(),
                ));
                let metadata = ha::Metadata {
                    topics: state.topics.clone(),
                    offsets: state.offsets.clone(),
                    groups: state.groups.clone(),
                    delay_offsets: state.delay_offsets.clone(),
                    unknown_topic,
                };
                tasks.spawn(ha::sync_metadata(
                    metadata,
                    state.registrar.master(),
                    cancel.clone(),
                ));
            }
        }
        match (metrics, &state.metrics) {
            (Some(listener), Some(counters)) => {
                let (scraped, counters, stop) = (state.clone(), counters.clone(), cancel.clone());
                tasks.spawn(crate::metrics::http::run(
                    listener,
                    move || metrics::render(&scraped, &counters),
                    stop.cancelled_owned(),
                ));
            }
            (None, Some(_)) => tracing::warn!(
                "metricsExporterType=PROM but no metrics listener was given: /metrics is not served"
            ),
            _ => {}
        }
        if let Some(vip) = vip {
            let service = Arc::new(BrokerService {
                state: state.clone(),
                vip: true,
            });
            let stop = cancel.clone();
            tasks.spawn(async move { serve(vip, service, stop.cancelled_owned()).await });
        }
        tracing::info!(
            broker = %state.config.broker_name,
            addr = %state.config.broker_addr(),
            namesrv = ?state.config.namesrv_addr,
            role = %crate::config::ConfigValue::show(&state.config.broker_role),
            "broker serving"
        );
        serve(
            listener,
            Arc::new(BrokerService {
                state: state.clone(),
                vip: false,
            }),
            shutdown,
        )
        .await;
        cancel.cancel();
        while tasks.join_next().await.is_some() {}
        state.registrar.unregister_all().await;
        state.offsets.persist();
        let store = state.store.clone();
        let _ = tokio::task::spawn_blocking(move || store.shutdown()).await;
        tracing::info!(broker = %state.config.broker_name, "broker shut down");
    }
}

/// Periodic chores: offsets to disk, silent clients out.
async fn housekeeping(state: Arc<BrokerState>, cancel: CancellationToken) {
    let mut persist = tokio::time::interval(Duration::from_millis(
        state.config.flush_consumer_offset_interval.max(100),
    ));
    let mut scan = tokio::time::interval(Duration::from_secs(10));
    let expiry = Duration::from_millis(state.config.channel_expired_timeout);
    loop {
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = persist.tick() => state.offsets.persist(),
            _ = scan.tick() => {
                for group in state.consumers.scan_expired(expiry) {
                    tracing::info!(group, "consumer expired");
                    state.notify_consumer_ids_changed(&group);
                }
                state.producers.remove_where(|c| c.is_expired(expiry));
            }
        }
    }
}

struct BrokerService {
    state: Arc<BrokerState>,
    vip: bool,
}

impl Service for BrokerService {
    async fn handle(&self, channel: &Channel, request: RemotingCommand) -> Option<RemotingCommand> {
        handlers::dispatch(&self.state, channel, request, self.vip).await
    }

    fn on_close(&self, channel: &Channel) {
        let id = channel.id();
        for group in self.state.consumers.remove_channel(id) {
            tracing::info!(group, remote = %channel.remote_addr(), "consumer connection closed");
            self.state.notify_consumer_ids_changed(&group);
        }
        self.state.producers.remove_where(|c| c.channel.id() == id);
    }

    /// Apache's pools: sends (and consumers' send-backs), pulls, message queries, and
    /// transaction ends.
    fn queue(&self, code: i32) -> Option<&RequestQueue> {
        use RequestCode::*;
        let queues = &self.state.stats.queues;
        match RequestCode::from(code) {
            SendMessage | SendMessageV2 | SendBatchMessage | ConsumerSendMsgBack => {
                Some(&queues.send)
            }
            PullMessage | LitePullMessage => Some(&queues.pull),
            QueryMessage | ViewMessageById => Some(&queues.query),
            EndTransaction => Some(&queues.end_transaction),
            _ => None,
        }
    }

    fn rpc_latency(&self) -> Option<&crate::metrics::RpcLatency> {
        self.state.metrics.as_deref().map(|m| &m.rpc)
    }
}

/// Binds the broker's port (and the VIP port, listenPort − 2, when the port is fixed, and a
/// master's HA port), opens the broker and serves it in the background. With `listenPort` 0 the bound port is used.
pub async fn start(mut config: BrokerConfig) -> Result<ServerHandle, BrokerError> {
    // Before the bound port replaces an ephemeral `listenPort=0`: the HA port stays ephemeral.
    config.settle().map_err(BrokerError::Config)?;
    let bind_ip = match config.broker_ip1.parse::<IpAddr>() {
        Ok(ip) if ip.is_loopback() => ip,
        _ => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
    };
    let addr = SocketAddr::new(bind_ip, config.listen_port);
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|source| BrokerError::Bind { addr, source })?;
    let vip = if config.listen_port > 2 {
        let vip_addr = SocketAddr::new(bind_ip, config.listen_port - 2);
        match TcpListener::bind(vip_addr).await {
            Ok(l) => Some(l),
            Err(e) => {
                tracing::warn!(addr = %vip_addr, error = %e, "VIP port unavailable; serving the main port only");
                None
            }
        }
    } else {
        None
    };
    config.listen_port = listener
        .local_addr()
        .map_err(|source| BrokerError::Bind { addr, source })?
        .port();
    let ha = if config.broker_role == BrokerRole::Slave {
        None
    } else {
        let ha_addr = SocketAddr::new(bind_ip, config.ha_port());
        let ha = TcpListener::bind(ha_addr)
            .await
            .map_err(|source| BrokerError::Bind {
                addr: ha_addr,
                source,
            })?;
        config.ha_listen_port = Some(
            ha.local_addr()
                .map_err(|source| BrokerError::Bind {
                    addr: ha_addr,
                    source,
                })?
                .port(),
        );
        Some(ha)
    };
    let metrics = match config.metrics_addr() {
        Some(addr) => {
            let listener = bind_metrics(&addr).await?;
            config.metrics_prom_exporter_port = listener
                .local_addr()
                .map_err(|e| BrokerError::Config(format!("metrics listener: {e}")))?
                .port();
            Some(listener)
        }
        None => None,
    };
    let metrics_addr = metrics.as_ref().and_then(|l| l.local_addr().ok());
    let broker = Broker::open(config)?;
    Ok(ServerHandle::spawn(listener, move |main, stop| {
        broker.run(
            Listeners {
                main,
                vip,
                ha,
                metrics,
            },
            stop,
        )
    })
    .with_metrics_addr(metrics_addr))
}

/// Binds `/metrics`' address (`metricsPromExporterHost:metricsPromExporterPort`).
pub async fn bind_metrics(addr: &str) -> Result<TcpListener, BrokerError> {
    let parsed: SocketAddr = addr.parse().map_err(|_| {
        BrokerError::Config(format!(
            "metricsPromExporterHost:metricsPromExporterPort `{addr}` is not an IP address and port"
        ))
    })?;
    TcpListener::bind(parsed)
        .await
        .map_err(|source| BrokerError::Bind {
            addr: parsed,
            source,
        })
}

/// What a broker serves: clients on `listenPort`, the VIP port (`listenPort - 2`, no pulls,
/// as Apache's fast port), a master's slaves on `haListenPort`, and Prometheus on
/// `metricsPromExporterPort` when `metricsExporterType=PROM`.
#[derive(Debug)]
pub struct Listeners {
    pub main: TcpListener,
    pub vip: Option<TcpListener>,
    pub ha: Option<TcpListener>,
    pub metrics: Option<TcpListener>,
}
