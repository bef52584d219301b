//! `mqdashboard`: the web console (rocketmq-dashboard's pages) for any RocketMQ cluster.
//!
//! ```text
//! mqdashboard -n 127.0.0.1:9876 [--port 8080] [--auth admin:secret] [--read-only]
//! NAMESRV_ADDR=127.0.0.1:9876 mqdashboard
//! mqdashboard -Drocketmq.config.namesrvAddr=127.0.0.1:9876 -Dserver.port=8080
//! mqdashboard --rocketmq.config.namesrvAddr=127.0.0.1:9876 --server.port=8080   # as Spring Boot reads them
//! ```

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, bail};
use broker_server::dashboard::{self, DashboardConfig};
use clap::Parser;

#[derive(Parser)]
#[command(name = "mqdashboard", about = "RocketMQ web console", version)]
struct Cli {
    /// Name servers, `host:port;host:port` (else NAMESRV_ADDR, else 127.0.0.1:9876).
    #[arg(
        short = 'n',
        long = "namesrvAddr",
        alias = "rocketmq.config.namesrvAddr"
    )]
    namesrv: Option<String>,
    /// HTTP port (rocketmq-dashboard's `server.port`, also `--server.port=`).
    #[arg(short = 'p', long = "port", alias = "server.port")]
    port: Option<u16>,
    /// Address to listen on.
    #[arg(long = "host", default_value = "0.0.0.0")]
    host: String,
    /// Who may change things, `user:password` (repeat for several).
    #[arg(long = "auth")]
    auth: Vec<String>,
    /// A file of `user:password` lines (`#` comments), as `--auth` each.
    #[arg(long = "users-file")]
    users_file: Option<std::path::PathBuf>,
    /// Nothing can be changed from the pages.
    #[arg(long = "read-only")]
    read_only: bool,
    /// Seconds between TPS samples for the charts.
    #[arg(long = "sample-seconds", default_value_t = 5)]
    sample_seconds: u64,
    /// Spring-style properties: `-Drocketmq.config.namesrvAddr=…`, `-Dserver.port=…`.
    #[arg(short = 'D', value_name = "KEY=VALUE")]
    defines: Vec<String>,
}

fn user(line: &str) -> anyhow::Result<(String, String)> {
    match line.split_once(':') {
        Some((u, p)) if !u.trim().is_empty() && !p.is_empty() => Ok((u.trim().into(), p.into())),
        _ => bail!("`{line}` is not user:password"),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    broker_server::logging::init();
    let cli = Cli::parse();
    let mut namesrv = cli.namesrv.clone();
    let mut port = cli.port;
    for d in &cli.defines {
        match d.split_once('=') {
            Some(("rocketmq.config.namesrvAddr", v)) => namesrv = namesrv.or(Some(v.to_string())),
            Some(("server.port", v)) => {
                port = port.or(Some(
                    v.parse().with_context(|| format!("server.port `{v}`"))?,
                ))
            }
            _ => bail!("unknown -D{d}: rocketmq.config.namesrvAddr and server.port are read"),
        }
    }
    let namesrv = namesrv
        .or_else(|| std::env::var("NAMESRV_ADDR").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "127.0.0.1:9876".into());
    let mut users = cli
        .auth
        .iter()
        .map(|a| user(a))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if let Some(path) = &cli.users_file {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        for line in text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            users.push(user(line)?);
        }
    }
    let addr: SocketAddr = format!("{}:{}", cli.host, port.unwrap_or(8080))
        .parse()
        .context("--host and --port")?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    tracing::info!(addr = %listener.local_addr()?, %namesrv, "dashboard serving");
    let config = DashboardConfig {
        users,
        read_only: cli.read_only,
        sample_every: Duration::from_secs(cli.sample_seconds.max(1)),
        ..DashboardConfig::new(namesrv)
    };
    dashboard::run(listener, config, broker_server::logging::shutdown_signal()).await?;
    Ok(())
}
