//! A name server and a broker in the current process, for demos, tests and local development:
//! the same servers as `mqnamesrv` and `mqbroker`, on loopback.
//!
//! ```no_run
//! # async fn demo() -> Result<(), rocketmq_starter::embedded::EmbeddedError> {
//! use rocketmq_starter::embedded::EmbeddedCluster;
//!
//! let cluster = EmbeddedCluster::start().await?;
//! println!("name server at {}", cluster.namesrv_addr());
//! cluster.shutdown().await;
//! # Ok(()) }
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use broker_server::ServerHandle;
use broker_server::broker::{self, BrokerConfig, BrokerError};
use broker_server::namesrv::{self, NamesrvConfig};
use rocketmq_client::protocol::body::{ClusterInfo, JsonBody};
use rocketmq_client::protocol::{RemotingCommand, RequestCode};
use rocketmq_client::remoting::RemotingClient;

/// Why the embedded cluster did not start.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error("embedded name server: {0}")]
    Namesrv(#[source] std::io::Error),
    #[error("embedded broker: {0}")]
    Broker(#[from] BrokerError),
    #[error("embedded store directory: {0}")]
    StoreDir(#[source] std::io::Error),
    #[error("the embedded broker did not register with the embedded name server")]
    NotRegistered,
    #[error("embedded broker settings: {0}")]
    Config(String),
}

/// Where and how to run the embedded servers.
#[derive(Debug, Clone, Default)]
pub struct EmbeddedOptions {
    /// Name server port; 0 picks a free one.
    pub namesrv_port: u16,
    /// Broker port; 0 picks a free one.
    pub broker_port: u16,
    /// Store directory; `None` uses a temporary directory removed at shutdown.
    pub store_dir: Option<PathBuf>,
    /// Broker settings under Apache's keys, as in `broker.conf` (`enablePropertyFilter`,
    /// `messageDelayLevel`, `transactionTimeOut`, …).
    pub broker_properties: Vec<(String, String)>,
}

/// A running name server and broker.
pub struct EmbeddedCluster {
    namesrv: ServerHandle,
    broker: ServerHandle,
    store: PathBuf,
    _temp: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for EmbeddedCluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedCluster")
            .field("namesrv", &self.namesrv.addr())
            .field("broker", &self.broker.addr())
            .finish()
    }
}

impl EmbeddedCluster {
    /// Free ports and a temporary store.
    pub async fn start() -> Result<Self, EmbeddedError> {
        Self::start_with(EmbeddedOptions::default()).await
    }

    /// Starts both servers and waits until the broker is registered, so clients find it at once.
    pub async fn start_with(options: EmbeddedOptions) -> Result<Self, EmbeddedError> {
        let ns_addr = SocketAddr::from(([127, 0, 0, 1], options.namesrv_port));
        let namesrv = namesrv::start(ns_addr, NamesrvConfig::default())
            .await
            .map_err(EmbeddedError::Namesrv)?;
        let (store, temp) = match options.store_dir {
            Some(dir) => (dir, None),
            None => {
                let t = tempfile::Builder::new()
                    .prefix("rocketmq-embedded")
                    .tempdir()
                    .map_err(EmbeddedError::StoreDir)?;
                (t.path().to_path_buf(), Some(t))
            }
        };
        let mut config = BrokerConfig::for_dir(store.clone());
        broker_server::config::apply(&mut config, &options.broker_properties, "embedded options")
            .map_err(|e| EmbeddedError::Config(e.to_string()))?;
        config.listen_port = options.broker_port;
        config.namesrv_addr = Some(namesrv.addr().to_string());
        let broker = broker::start(config).await?;
        let cluster = EmbeddedCluster {
            namesrv,
            broker,
            store,
            _temp: temp,
        };
        cluster.wait_registered().await?;
        Ok(cluster)
    }

    async fn wait_registered(&self) -> Result<(), EmbeddedError> {
        let client = RemotingClient::new();
        for _ in 0..250 {
            let req = RemotingCommand::request(RequestCode::GetBrokerClusterInfo);
            if let Ok(resp) = client
                .invoke(&self.namesrv_addr(), req, Duration::from_secs(1))
                .await
                && ClusterInfo::decode(&resp.body).is_ok_and(|c| !c.broker_addr_table.is_empty())
            {
                client.close_all();
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Err(EmbeddedError::NotRegistered)
    }

    /// `127.0.0.1:port` of the name server, what clients are configured with.
    pub fn namesrv_addr(&self) -> String {
        self.namesrv.addr().to_string()
    }

    /// The broker's address.
    pub fn broker_addr(&self) -> String {
        self.broker.addr().to_string()
    }

    /// The broker's store directory (temporary unless `store_dir` was given).
    pub fn store_dir(&self) -> &std::path::Path {
        &self.store
    }

    /// Stops the broker (flushing its store) and then the name server.
    pub async fn shutdown(self) {
        self.broker.shutdown().await;
        self.namesrv.shutdown().await;
    }
}
