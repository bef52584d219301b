//! Test harness: name servers and brokers on 127.0.0.1 with port 0 and temp stores, plus raw
//! protocol helpers (the tests pin the wire behaviour, independent of any high-level client).
//!
//! # Layout
//! - [`TestCluster`]: an in-process name server and broker, stopped on drop.
//! - [`BrokerProcess`]: the real `mqbroker` binary as a child process, for kill -9 tests.
//! - [`wire`]: send, pull, heartbeat and offset calls built from the protocol types.
//! - [`browser`]: headless Chromium over WebDriver, for the dashboard's pages.
//! - [`http`]: a blocking HTTP/1.1 client for `/metrics`, the dashboard and WebDriver.

pub mod browser;
pub mod http;
pub mod process;
pub mod wire;

use std::path::Path;
use std::time::Duration;

use broker_server::ServerHandle;
use broker_server::broker::{self, BrokerConfig};
use broker_server::namesrv::{self, NamesrvConfig};
use rocketmq_client::consumer::{ConsumeFromWhere, LitePullConsumer};
use rocketmq_client::remoting::RemotingClient;
use tempfile::TempDir;

pub use process::BrokerProcess;

/// Logs to the test output when `RUST_LOG` is set.
pub fn init_logging() {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_test_writer()
        .try_init();
}

/// A name server and a broker registered with it.
pub struct TestCluster {
    pub namesrv: ServerHandle,
    pub broker: ServerHandle,
    pub dir: TempDir,
    pub client: RemotingClient,
}

impl TestCluster {
    /// Starts both with defaults (plus `tweak`) and waits until the broker is registered.
    pub async fn start(tweak: impl FnOnce(&mut BrokerConfig)) -> Self {
        init_logging();
        let namesrv = start_namesrv().await;
        let dir = tempfile::tempdir().expect("temp dir");
        let broker = start_broker(&namesrv.addr().to_string(), dir.path(), tweak).await;
        let client = RemotingClient::new();
        let cluster = TestCluster {
            namesrv,
            broker,
            dir,
            client,
        };
        cluster.wait_registered().await;
        cluster
    }

    pub fn namesrv_addr(&self) -> String {
        self.namesrv.addr().to_string()
    }

    pub fn broker_addr(&self) -> String {
        self.broker.addr().to_string()
    }

    /// Stops the broker and starts a new one on the same store (on a new port), waiting until
    /// the name server routes to it.
    pub async fn restart_broker(self, tweak: impl FnOnce(&mut BrokerConfig)) -> Self {
        let TestCluster {
            namesrv,
            broker,
            dir,
            client,
        } = self;
        broker.shutdown().await;
        let broker = start_broker(&namesrv.addr().to_string(), dir.path(), tweak).await;
        let cluster = TestCluster {
            namesrv,
            broker,
            dir,
            client,
        };
        cluster.wait_registered().await;
        cluster
    }

    async fn wait_registered(&self) {
        let addr = self.broker_addr();
        for _ in 0..200 {
            if wire::cluster_info(&self.client, &self.namesrv_addr())
                .await
                .broker_addr_table
                .get("broker-a")
                .is_some_and(|b| b.broker_addrs.get(&0) == Some(&addr))
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("broker did not register with the name server");
    }

    /// Waits (up to 5 s) until the name server routes `topic` (a topic created by a send or
    /// UPDATE_AND_CREATE_TOPIC is routed when that request is answered; one created another
    /// way, such as a retry topic at a consumer's heartbeat, a moment later).
    pub async fn wait_route(&self, topic: &str) {
        let admin = rocketmq_client::admin::Admin::connect(Some(&self.namesrv_addr()))
            .expect("name server address");
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while admin.topic_route(topic).await.is_err() {
            assert!(std::time::Instant::now() < deadline, "no route for {topic}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// A lite pull consumer of `group` on every queue of `topic`, from the first offset, without
    /// auto-commit: a reader that sees everything stored.
    pub async fn reader(&self, group: &str, topic: &str) -> LitePullConsumer {
        self.wait_route(topic).await;
        let consumer = LitePullConsumer::builder(group)
            .namesrv_addr(self.namesrv_addr())
            .consume_from_where(ConsumeFromWhere::FirstOffset)
            .auto_commit(false)
            .start()
            .await
            .expect("consumer starts");
        consumer
            .assign(consumer.fetch_queues(topic).await.expect("topic route"))
            .await
            .expect("queues assigned");
        consumer
    }

    /// Stops the broker then the name server.
    pub async fn stop(self) {
        self.client.close_all();
        self.broker.shutdown().await;
        self.namesrv.shutdown().await;
    }
}

/// A name server on 127.0.0.1:0.
pub async fn start_namesrv() -> ServerHandle {
    let config = NamesrvConfig {
        scan_not_active_broker_interval: 200,
        ..Default::default()
    };
    namesrv::start("127.0.0.1:0".parse().expect("addr"), config)
        .await
        .expect("name server starts")
}

/// A broker on 127.0.0.1:0 storing under `dir`, registered with `namesrv`.
pub async fn start_broker(
    namesrv: &str,
    dir: &Path,
    tweak: impl FnOnce(&mut BrokerConfig),
) -> ServerHandle {
    let mut config = BrokerConfig::for_dir(dir);
    config.namesrv_addr = Some(namesrv.to_string());
    config.mapped_file_size_commit_log = 4 * 1024 * 1024;
    config.mapped_file_size_consume_queue = 1000 * 20;
    config.flush_consumer_offset_interval = 200;
    tweak(&mut config);
    broker::start(config).await.expect("broker starts")
}
