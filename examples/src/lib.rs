//! Shared set-up for the examples in `examples/`: the servers (embedded, or yours through
//! `NAMESRV_ADDR`) and a reader that shows what a topic holds.

use std::time::Duration;

use rocketmq_client::MessageExt;
use rocketmq_client::consumer::{ConsumeFromWhere, LitePullConsumer};
use rocketmq_starter::embedded::{EmbeddedCluster, EmbeddedOptions};

/// Logs to stderr, filtered by `RUST_LOG` (default `warn`, so the tutorial output stands out).
pub fn init_logging() {
    init_logging_or("warn");
}

/// Logs to stderr, filtered by `RUST_LOG`, else by `default` (the starter examples show what
/// started with `warn,rocketmq_starter=info`).
pub fn init_logging_or(default: &str) {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| default.into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// The name server an example talks to.
pub struct Servers {
    namesrv: String,
    embedded: Option<EmbeddedCluster>,
}

impl Servers {
    /// With `NAMESRV_ADDR` set, your servers (configure the broker with `broker_properties`
    /// yourself); otherwise an embedded name server and broker with those settings.
    pub async fn start(broker_properties: &[(&str, &str)]) -> anyhow::Result<Self> {
        init_logging();
        if let Ok(addr) = std::env::var("NAMESRV_ADDR")
            && !addr.is_empty()
        {
            if !broker_properties.is_empty() {
                println!("This example expects the broker to run with {broker_properties:?}");
            }
            return Ok(Servers {
                namesrv: addr,
                embedded: None,
            });
        }
        let cluster = EmbeddedCluster::start_with(EmbeddedOptions {
            broker_properties: broker_properties
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        })
        .await?;
        println!(
            "Started an embedded name server at {} and broker at {}",
            cluster.namesrv_addr(),
            cluster.broker_addr()
        );
        Ok(Servers {
            namesrv: cluster.namesrv_addr(),
            embedded: Some(cluster),
        })
    }

    /// `host:port` of the name server.
    pub fn namesrv_addr(&self) -> String {
        self.namesrv.clone()
    }

    /// Stops the embedded servers, if any.
    pub async fn shutdown(self) {
        if let Some(cluster) = self.embedded {
            cluster.shutdown().await;
        }
    }
}

/// Reads `topic` from its first offset until `expect` messages arrived or `within` passed.
pub async fn read_all(
    namesrv: &str,
    topic: &str,
    expect: usize,
    within: Duration,
) -> anyhow::Result<Vec<MessageExt>> {
    let group = format!("example-reader-{}", std::process::id());
    let reader = LitePullConsumer::builder(group)
        .namesrv_addr(namesrv)
        .consume_from_where(ConsumeFromWhere::FirstOffset)
        .auto_commit(false)
        .start()
        .await?;
    reader.assign(reader.fetch_queues(topic).await?).await?;
    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + within;
    while seen.len() < expect && std::time::Instant::now() < deadline {
        seen.extend(reader.poll(Duration::from_millis(200)).await?);
    }
    // Anything beyond what was expected shows up here too.
    seen.extend(reader.poll(Duration::from_millis(300)).await?);
    reader.shutdown().await;
    Ok(seen)
}
