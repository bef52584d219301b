//! Broker settings under Apache's property keys, and the slices handed to each component.

use rocketmq_client::host;
use std::path::PathBuf;
use std::time::Duration;

use super::ha::HaConfig;
use crate::config::ConfigValue;
use crate::metrics::ExporterType;
use crate::store::{FlushDiskType, StoreConfig};

/// `brokerRole`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrokerRole {
    /// Master answering sends once stored locally.
    AsyncMaster,
    /// Master that waits for a slave; with no slave attached sends report SLAVE_NOT_AVAILABLE.
    SyncMaster,
    /// Replica (needs HA replication).
    Slave,
}

impl ConfigValue for BrokerRole {
    fn parse_value(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_uppercase().as_str() {
            "ASYNC_MASTER" => Ok(BrokerRole::AsyncMaster),
            "SYNC_MASTER" => Ok(BrokerRole::SyncMaster),
            "SLAVE" => Ok(BrokerRole::Slave),
            other => Err(format!(
                "expected ASYNC_MASTER, SYNC_MASTER or SLAVE, got `{other}`"
            )),
        }
    }
    fn show(&self) -> String {
        match self {
            BrokerRole::AsyncMaster => "ASYNC_MASTER",
            BrokerRole::SyncMaster => "SYNC_MASTER",
            BrokerRole::Slave => "SLAVE",
        }
        .to_string()
    }
}

impl ConfigValue for FlushDiskType {
    fn parse_value(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_uppercase().as_str() {
            "ASYNC_FLUSH" => Ok(FlushDiskType::AsyncFlush),
            "SYNC_FLUSH" => Ok(FlushDiskType::SyncFlush),
            other => Err(format!("expected ASYNC_FLUSH or SYNC_FLUSH, got `{other}`")),
        }
    }
    fn show(&self) -> String {
        match self {
            FlushDiskType::AsyncFlush => "ASYNC_FLUSH",
            FlushDiskType::SyncFlush => "SYNC_FLUSH",
        }
        .to_string()
    }
}

/// `deleteWhen`: hours separated by `;`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteWhen(pub Vec<u32>);

impl ConfigValue for DeleteWhen {
    fn parse_value(s: &str) -> Result<Self, String> {
        s.split(';')
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(|h| match h.parse::<u32>() {
                Ok(v) if v < 24 => Ok(v),
                _ => Err(format!("`{h}` is not an hour 00-23")),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(DeleteWhen)
    }
    fn show(&self) -> String {
        self.0
            .iter()
            .map(|h| format!("{h:02}"))
            .collect::<Vec<_>>()
            .join(";")
    }
}

/// `messageDelayLevel`: durations separated by spaces (`1s 5s 10s … 2h`), kept in ms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelayLevels(pub Vec<i64>);

impl ConfigValue for DelayLevels {
    fn parse_value(s: &str) -> Result<Self, String> {
        crate::store::parse_delay_levels(s).map(DelayLevels)
    }
    fn show(&self) -> String {
        crate::store::show_delay_levels(&self.0)
    }
}

/// Broker configuration (Apache's `BrokerConfig` + `MessageStoreConfig` keys that apply here).
#[derive(Debug, Clone)]
pub struct BrokerConfig {
    /// The file the broker was started from (`mqbroker -c`), where UPDATE_BROKER_CONFIG
    /// persists what it changes, as Apache's broker writes its `brokerConfigPath`. Not a key.
    pub config_file: Option<PathBuf>,
    pub broker_cluster_name: String,
    pub broker_name: String,
    pub broker_id: i64,
    /// `host:port;host:port`.
    pub namesrv_addr: Option<String>,
    pub listen_port: u16,
    /// Advertised address (routes, store host, msg ids).
    pub broker_ip1: String,
    /// HA address; defaults to `brokerIP1`.
    pub broker_ip2: Option<String>,
    /// `haListenPort`; unset: `listenPort + 1` (see [`settle`](Self::settle)).
    pub ha_listen_port: Option<u16>,
    pub broker_role: BrokerRole,
    pub broker_permission: i32,
    pub auto_create_topic_enable: bool,
    pub auto_create_subscription_group: bool,
    pub default_topic_queue_nums: i32,
    pub cluster_topic_enable: bool,
    pub broker_topic_enable: bool,
    pub region_id: String,
    pub trace_on: bool,
    pub long_polling_enable: bool,
    pub short_polling_time_mills: u64,
    pub register_name_server_period: u64,
    pub register_broker_timeout_mills: u64,
    pub channel_expired_timeout: u64,
    pub flush_consumer_offset_interval: u64,
    /// Apache's pool queue capacities, reported in runtime info (requests here are tasks, not
    /// queued for a fixed pool, so nothing is refused at these sizes).
    pub send_thread_pool_queue_capacity: u64,
    pub pull_thread_pool_queue_capacity: u64,
    pub query_thread_pool_queue_capacity: u64,
    pub end_transaction_pool_queue_capacity: u64,
    /// Sends are refused before this time (ms), as Apache refuses them (0: at once).
    pub start_accept_send_request_time_stamp: u64,
    pub store_path_root_dir: PathBuf,
    pub store_path_commit_log: Option<PathBuf>,
    pub mapped_file_size_commit_log: usize,
    pub mapped_file_size_consume_queue: usize,
    pub flush_disk_type: FlushDiskType,
    pub sync_flush_timeout: u64,
    pub flush_interval_commit_log: u64,
    pub flush_interval_consume_queue: u64,
    pub max_message_size: usize,
    pub delete_when: DeleteWhen,
    /// Hours.
    pub file_reserved_time: u64,
    pub disk_max_used_space_ratio: u32,
    /// `checkCRCOnRecover`.
    pub check_crc_on_recover: bool,
    /// `messageDelayLevel`: the delay of each level.
    pub message_delay_level: DelayLevels,
    /// `timerWheelEnable`: arbitrary delays (TIMER_* properties) accepted.
    pub timer_wheel_enable: bool,
    /// `timerMaxDelaySec`: the longest arbitrary delay (3 days).
    pub timer_max_delay_sec: u64,
    /// `transactionTimeOut` (ms): a half message this old without an outcome is checked.
    pub transaction_timeout: u64,
    /// `transactionCheckMax`: checks before a half message is given up.
    pub transaction_check_max: i32,
    /// `transactionCheckInterval` (ms) between check rounds.
    pub transaction_check_interval: u64,
    /// `enablePropertyFilter`: SQL92 subscriptions allowed.
    pub enable_property_filter: bool,
    /// `storeReplyMessageEnable`: replies are also stored in the reply topic.
    pub store_reply_message_enable: bool,
    /// `messageIndexEnable`: keys and unique keys are indexed for lookups.
    pub message_index_enable: bool,
    /// `maxHashSlotNum` per index file.
    pub max_hash_slot_num: usize,
    /// `maxIndexNum` entries per index file.
    pub max_index_num: usize,
    /// `commitLogCacheWindow` bytes (ours; see [`StoreConfig::commit_log_cache_window`]).
    pub commit_log_cache_window: u64,
    /// `haMasterAddress`: a slave's master HA address, instead of the one the name server
    /// reports at registration.
    pub ha_master_address: Option<String>,
    /// `haSendHeartbeatInterval` (ms): a slave reports its offset, and a master sends an empty
    /// frame, at least this often.
    pub ha_send_heartbeat_interval: u64,
    /// `haHousekeepingInterval` (ms): an HA connection silent this long is closed.
    pub ha_housekeeping_interval: u64,
    /// `haTransferBatchSize`: the most commit-log bytes in one HA frame.
    pub ha_transfer_batch_size: usize,
    /// `haMaxGapNotInSync`: a SYNC_MASTER's slave further behind than this many bytes does not
    /// count (sends get SLAVE_NOT_AVAILABLE instead of waiting for it).
    pub ha_max_gap_not_in_sync: u64,
    /// `slaveReadEnable`: a master steers a consumer that reads far behind (see
    /// `accessMessageInMemoryMaxRatio`) to its slave (`suggestWhichBrokerId`).
    pub slave_read_enable: bool,
    /// `accessMessageInMemoryMaxRatio` (% of memory), see [`StoreConfig`].
    pub access_message_in_memory_max_ratio: u32,
    /// `metricsExporterType`: `PROM` serves Prometheus text at `/metrics`.
    pub metrics_exporter_type: ExporterType,
    /// `metricsPromExporterHost`; blank: `brokerIP1`.
    pub metrics_prom_exporter_host: String,
    /// `metricsPromExporterPort` (5557; 0 picks a free port).
    pub metrics_prom_exporter_port: u16,
}

crate::config_keys!(BrokerConfig, apache_keys = include_str!("../config/apache_broker_keys.txt"), {
    "brokerClusterName" => broker_cluster_name,
    "brokerName" => broker_name,
    "brokerId" => broker_id,
    "namesrvAddr" => namesrv_addr,
    "listenPort" => listen_port,
    "brokerIP1" => broker_ip1,
    "brokerIP2" => broker_ip2,
    "haListenPort" => ha_listen_port,
    "brokerRole" => broker_role,
    "brokerPermission" => broker_permission,
    "autoCreateTopicEnable" => auto_create_topic_enable,
    "autoCreateSubscriptionGroup" => auto_create_subscription_group,
    "defaultTopicQueueNums" => default_topic_queue_nums,
    "clusterTopicEnable" => cluster_topic_enable,
    "brokerTopicEnable" => broker_topic_enable,
    "regionId" => region_id,
    "traceOn" => trace_on,
    "longPollingEnable" => long_polling_enable,
    "shortPollingTimeMills" => short_polling_time_mills,
    "registerNameServerPeriod" => register_name_server_period,
    "registerBrokerTimeoutMills" => register_broker_timeout_mills,
    "channelExpiredTimeout" => channel_expired_timeout,
    "flushConsumerOffsetInterval" => flush_consumer_offset_interval,
    "sendThreadPoolQueueCapacity" => send_thread_pool_queue_capacity,
    "pullThreadPoolQueueCapacity" => pull_thread_pool_queue_capacity,
    "queryThreadPoolQueueCapacity" => query_thread_pool_queue_capacity,
    "endTransactionPoolQueueCapacity" => end_transaction_pool_queue_capacity,
    "startAcceptSendRequestTimeStamp" => start_accept_send_request_time_stamp,
    "storePathRootDir" => store_path_root_dir,
    "storePathCommitLog" => store_path_commit_log,
    "mappedFileSizeCommitLog" | "mapedFileSizeCommitLog" => mapped_file_size_commit_log,
    "mappedFileSizeConsumeQueue" | "mapedFileSizeConsumeQueue" => mapped_file_size_consume_queue,
    "flushDiskType" => flush_disk_type,
    "syncFlushTimeout" => sync_flush_timeout,
    "flushIntervalCommitLog" => flush_interval_commit_log,
    "flushIntervalConsumeQueue" => flush_interval_consume_queue,
    "maxMessageSize" => max_message_size,
    "deleteWhen" => delete_when,
    "fileReservedTime" => file_reserved_time,
    "diskMaxUsedSpaceRatio" => disk_max_used_space_ratio,
    "checkCRCOnRecover" => check_crc_on_recover,
    "messageDelayLevel" => message_delay_level,
    "timerWheelEnable" => timer_wheel_enable,
    "timerMaxDelaySec" => timer_max_delay_sec,
    "transactionTimeOut" => transaction_timeout,
    "transactionCheckMax" => transaction_check_max,
    "transactionCheckInterval" => transaction_check_interval,
    "enablePropertyFilter" => enable_property_filter,
    "storeReplyMessageEnable" => store_reply_message_enable,
    "messageIndexEnable" => message_index_enable,
    "maxHashSlotNum" => max_hash_slot_num,
    "maxIndexNum" => max_index_num,
    "commitLogCacheWindow" => commit_log_cache_window,
    "haMasterAddress" => ha_master_address,
    "haSendHeartbeatInterval" => ha_send_heartbeat_interval,
    "haHousekeepingInterval" => ha_housekeeping_interval,
    "haTransferBatchSize" => ha_transfer_batch_size,
    "haMaxGapNotInSync" => ha_max_gap_not_in_sync,
    "slaveReadEnable" => slave_read_enable,
    "accessMessageInMemoryMaxRatio" => access_message_in_memory_max_ratio,
    "metricsExporterType" => metrics_exporter_type,
    "metricsPromExporterHost" => metrics_prom_exporter_host,
    "metricsPromExporterPort" => metrics_prom_exporter_port,
});

impl Default for BrokerConfig {
    fn default() -> Self {
        let store = StoreConfig::default();
        BrokerConfig {
            config_file: None,
            broker_cluster_name: "DefaultCluster".into(),
            broker_name: host::hostname().unwrap_or_else(|| "DEFAULT_BROKER".into()),
            broker_id: 0,
            namesrv_addr: std::env::var("NAMESRV_ADDR").ok().filter(|s| !s.is_empty()),
            listen_port: 10911,
            broker_ip1: host::local_ip().to_string(),
            broker_ip2: None,
            ha_listen_port: None,
            broker_role: BrokerRole::AsyncMaster,
            broker_permission: 6,
            auto_create_topic_enable: true,
            auto_create_subscription_group: true,
            default_topic_queue_nums: 8,
            cluster_topic_enable: true,
            broker_topic_enable: true,
            region_id: "DefaultRegion".into(),
            trace_on: true,
            long_polling_enable: true,
            short_polling_time_mills: 1000,
            register_name_server_period: 30_000,
            register_broker_timeout_mills: 24_000,
            channel_expired_timeout: 120_000,
            flush_consumer_offset_interval: 5000,
            send_thread_pool_queue_capacity: 10_000,
            pull_thread_pool_queue_capacity: 100_000,
            query_thread_pool_queue_capacity: 20_000,
            end_transaction_pool_queue_capacity: 100_000,
            start_accept_send_request_time_stamp: 0,
            store_path_root_dir: store.store_path_root_dir,
            store_path_commit_log: None,
            mapped_file_size_commit_log: store.mapped_file_size_commit_log,
            mapped_file_size_consume_queue: store.mapped_file_size_consume_queue,
            flush_disk_type: FlushDiskType::AsyncFlush,
            sync_flush_timeout: 5000,
            flush_interval_commit_log: 500,
            flush_interval_consume_queue: 1000,
            max_message_size: store.max_message_size,
            delete_when: DeleteWhen(vec![4]),
            file_reserved_time: 72,
            disk_max_used_space_ratio: 75,
            check_crc_on_recover: true,
            message_delay_level: DelayLevels(store.message_delay_level),
            timer_wheel_enable: true,
            timer_max_delay_sec: 3 * 24 * 3600,
            transaction_timeout: 6000,
            transaction_check_max: 15,
            transaction_check_interval: 30_000,
            enable_property_filter: false,
            store_reply_message_enable: true,
            message_index_enable: true,
            max_hash_slot_num: store.max_hash_slot_num,
            max_index_num: store.max_index_num,
            commit_log_cache_window: store.commit_log_cache_window,
            ha_master_address: None,
            ha_send_heartbeat_interval: 5000,
            ha_housekeeping_interval: 20_000,
            ha_transfer_batch_size: 32 * 1024,
            ha_max_gap_not_in_sync: 256 * 1024 * 1024,
            slave_read_enable: false,
            access_message_in_memory_max_ratio: 40,
            metrics_exporter_type: ExporterType::Disable,
            metrics_prom_exporter_host: String::new(),
            metrics_prom_exporter_port: 5557,
        }
    }
}

impl BrokerConfig {
    /// A broker on loopback storing under `dir` with small files: tests and embedded use.
    pub fn for_dir(dir: impl Into<PathBuf>) -> Self {
        let store = StoreConfig::for_dir(dir);
        BrokerConfig {
            broker_name: "broker-a".into(),
            broker_ip1: "127.0.0.1".into(),
            listen_port: 0,
            store_path_root_dir: store.store_path_root_dir,
            mapped_file_size_commit_log: store.mapped_file_size_commit_log,
            mapped_file_size_consume_queue: store.mapped_file_size_consume_queue,
            max_hash_slot_num: store.max_hash_slot_num,
            max_index_num: store.max_index_num,
            namesrv_addr: None,
            ..Default::default()
        }
    }

    /// `brokerIP1:listenPort`, the address clients use.
    pub fn broker_addr(&self) -> String {
        format!("{}:{}", self.broker_ip1, self.listen_port)
    }

    /// Where `/metrics` is served, when `metricsExporterType=PROM`.
    pub fn metrics_addr(&self) -> Option<String> {
        (self.metrics_exporter_type == ExporterType::Prom).then(|| {
            crate::metrics::prom_addr(
                &self.metrics_prom_exporter_host,
                &self.broker_ip1,
                self.metrics_prom_exporter_port,
            )
        })
    }

    /// Apache's start-up rules (`BrokerStartup`), applied once the file and flags are read: a
    /// master's brokerId is 0 whatever the file says, a slave's must be above 0, and the HA
    /// port defaults to the one after `listenPort` (an ephemeral `listenPort=0` keeps it
    /// ephemeral). `Err` is the reason the broker must not start.
    pub fn settle(&mut self) -> Result<(), String> {
        match self.broker_role {
            BrokerRole::Slave if self.broker_id <= 0 => {
                return Err("Slave's brokerId must be > 0".into());
            }
            BrokerRole::Slave => {}
            BrokerRole::AsyncMaster | BrokerRole::SyncMaster => {
                if self.broker_id != 0 {
                    tracing::warn!(
                        broker_id = self.broker_id,
                        role = %self.broker_role.show(),
                        "a master's brokerId is 0; the configured one is ignored"
                    );
                    self.broker_id = 0;
                }
            }
        }
        self.ha_listen_port = Some(self.ha_port());
        Ok(())
    }

    /// `haListenPort`, or the port after `listenPort` (0 stays 0: both ephemeral).
    pub fn ha_port(&self) -> u16 {
        self.ha_listen_port.unwrap_or(match self.listen_port {
            0 => 0,
            port => port.saturating_add(1),
        })
    }

    /// `brokerIP2:haListenPort`.
    pub fn ha_server_addr(&self) -> String {
        format!(
            "{}:{}",
            self.broker_ip2.as_deref().unwrap_or(&self.broker_ip1),
            self.ha_port()
        )
    }

    /// The configured name servers.
    pub fn namesrv_list(&self) -> Vec<String> {
        self.namesrv_addr
            .as_deref()
            .unwrap_or_default()
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// Replication's slice.
    pub(crate) fn ha_config(&self) -> HaConfig {
        HaConfig {
            heartbeat: Duration::from_millis(self.ha_send_heartbeat_interval.max(10)),
            housekeeping: Duration::from_millis(self.ha_housekeeping_interval.max(100)),
            batch: self.ha_transfer_batch_size.clamp(1024, 64 * 1024 * 1024),
            max_gap: self.ha_max_gap_not_in_sync,
            sync_timeout: Duration::from_millis(self.sync_flush_timeout),
        }
    }

    /// The store's slice.
    pub fn store_config(&self) -> StoreConfig {
        StoreConfig {
            store_path_root_dir: self.store_path_root_dir.clone(),
            store_path_commit_log: self.store_path_commit_log.clone(),
            mapped_file_size_commit_log: self.mapped_file_size_commit_log,
            mapped_file_size_consume_queue: self.mapped_file_size_consume_queue,
            flush_disk_type: self.flush_disk_type,
            sync_flush_timeout: Duration::from_millis(self.sync_flush_timeout),
            flush_interval_commit_log: Duration::from_millis(self.flush_interval_commit_log.max(1)),
            flush_interval_consume_queue: Duration::from_millis(
                self.flush_interval_consume_queue.max(1),
            ),
            max_message_size: self.max_message_size,
            delete_when: self.delete_when.0.clone(),
            file_reserved_time: Duration::from_secs(self.file_reserved_time * 3600),
            disk_max_used_space_ratio: self.disk_max_used_space_ratio.clamp(10, 95),
            check_crc_on_recover: self.check_crc_on_recover,
            message_delay_level: self.message_delay_level.0.clone(),
            message_index_enable: self.message_index_enable,
            max_hash_slot_num: self.max_hash_slot_num,
            max_index_num: self.max_index_num,
            commit_log_cache_window: self.commit_log_cache_window,
            replica: self.broker_role == BrokerRole::Slave,
            access_message_in_memory_max_ratio: self.access_message_in_memory_max_ratio.min(100),
            ..StoreConfig::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{apply, parse_properties, print_entries};

    #[test]
    fn reads_the_tutorial_broker_conf() {
        let text = "brokerClusterName = DefaultCluster\nbrokerName = broker-a\nbrokerId = 0\ndeleteWhen = 04\nfileReservedTime = 48\nbrokerRole = ASYNC_MASTER\nflushDiskType = SYNC_FLUSH\nmapedFileSizeCommitLog=1048576\nnamesrvAddr=a:9876;b:9876\n";
        let mut c = BrokerConfig::default();
        apply(&mut c, &parse_properties(text), "broker.conf").unwrap();
        assert_eq!(c.flush_disk_type, FlushDiskType::SyncFlush);
        assert_eq!(c.mapped_file_size_commit_log, 1_048_576);
        assert_eq!(c.namesrv_list(), vec!["a:9876", "b:9876"]);
        assert_eq!(
            c.store_config().file_reserved_time,
            Duration::from_secs(48 * 3600)
        );
        assert!(print_entries(&c).contains("brokerRole=ASYNC_MASTER\n"));
        let err = apply(
            &mut c,
            &parse_properties("flushDiskType=SOMETIMES"),
            "broker.conf",
        )
        .unwrap_err();
        assert!(err.to_string().contains("flushDiskType"));
        assert!(apply(&mut c, &parse_properties("deleteWhen=25"), "broker.conf").is_err());
    }

    fn settled(text: &str) -> Result<BrokerConfig, String> {
        let mut c = BrokerConfig::default();
        apply(&mut c, &parse_properties(text), "broker.conf").map_err(|e| e.to_string())?;
        c.settle()?;
        Ok(c)
    }

    #[test]
    fn roles_follow_apaches_start_up_rules() {
        let err = settled("brokerRole=SLAVE\nbrokerId=0\n").unwrap_err();
        assert_eq!(err, "Slave's brokerId must be > 0");
        assert!(
            settled("brokerRole=SLAVE\n").is_err(),
            "brokerId defaults to 0"
        );
        let slave = settled("brokerRole=SLAVE\nbrokerId=1\nlistenPort=11011\n").unwrap();
        assert_eq!((slave.broker_id, slave.ha_listen_port), (1, Some(11012)));
        let master = settled("brokerRole=SYNC_MASTER\nbrokerId=3\nhaListenPort=30000\n").unwrap();
        assert_eq!((master.broker_id, master.ha_listen_port), (0, Some(30000)));
        assert_eq!(settled("listenPort=0").unwrap().ha_listen_port, Some(0));
        assert!(print_entries(&master).contains("haListenPort=30000\n"));
    }

    #[test]
    fn the_misspellings_of_tutorial_configs_stop_the_start_by_name() {
        for (line, meant) in [
            ("brokerld=1", "brokerId"),
            (
                "storrPathConsumeQueue=/data/store/consumequeue",
                "storePathConsumeQueue",
            ),
            ("maxMessageBiz=65536", "maxMessageSize"),
            ("brokerRoel=SLAVE", "brokerRole"),
        ] {
            let key = line.split('=').next().unwrap();
            assert_eq!(
                settled(line).unwrap_err(),
                format!("unknown key '{key}' (did you mean '{meant}'?) in broker.conf")
            );
        }
        // Keys tutorials copy from Apache's broker.conf that this broker does not read are
        // skipped, not refused.
        settled(
            "storePathConsumeQueue=/s/cq\nstorePathIndex=/s/index\nstoreCheckpoint=/s/checkpoint\nabortFile=/s/abort\nsendMessageThreadPoolNums=128\npullMessageThreadPoolNums=128\nflushCommitLogLeastPages=4\naclEnable=false\nwaitTimeMillsInSendQueue=200\n",
        )
        .unwrap();
    }

    #[test]
    fn the_shipped_deployment_layouts_start_as_their_roles_say() {
        let conf = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("conf");
        let mut ports = std::collections::HashSet::new();
        let mut count = 0;
        for layout in ["2m-2s-async", "2m-2s-sync", "2m-noslave"] {
            for entry in std::fs::read_dir(conf.join(layout)).unwrap() {
                let path = entry.unwrap().path();
                let name = path.file_stem().unwrap().to_string_lossy().into_owned();
                let mut c = BrokerConfig::default();
                crate::config::load_file(&mut c, &path).unwrap();
                c.settle().unwrap();
                let slave = name.ends_with("-s");
                assert_eq!(c.broker_role == BrokerRole::Slave, slave, "{layout}/{name}");
                assert_eq!(c.broker_id > 0, slave, "{layout}/{name}");
                assert_eq!(
                    c.broker_name,
                    name.trim_end_matches("-s"),
                    "{layout}/{name}"
                );
                let sync = c.broker_role == BrokerRole::SyncMaster;
                assert_eq!(sync, layout == "2m-2s-sync" && !slave, "{layout}/{name}");
                assert!(c.store_path_root_dir.ends_with(&name), "{layout}/{name}");
                // On one machine every broker of a layout needs its own ports.
                for port in [c.listen_port, c.ha_port(), c.listen_port - 2] {
                    assert!(
                        ports.insert((layout, port)),
                        "{layout}/{name} reuses {port}"
                    );
                }
                count += 1;
            }
        }
        assert_eq!(count, 10);
    }
}
