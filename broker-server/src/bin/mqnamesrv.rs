//! `mqnamesrv`: the name server, with Apache's flags.
//!
//! ```text
//! mqnamesrv                      # listens on 9876
//! mqnamesrv -c namesrv.conf      # Apache's keys: listenPort, kvConfigPath, ...
//! mqnamesrv -c namesrv.conf -p   # print the effective config and exit
//! ```

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use anyhow::Context;
use broker_server::config::{load_file, print_entries};
use broker_server::namesrv::{self, NamesrvConfig};
use clap::Parser;

#[derive(Parser)]
#[command(name = "mqnamesrv", about = "RocketMQ name server", version)]
struct Cli {
    /// Name server config file (Java properties, Apache's keys).
    #[arg(short = 'c', long = "configFile")]
    config_file: Option<PathBuf>,
    /// Print the effective configuration and exit.
    #[arg(short = 'p', long = "printConfigItem")]
    print_config: bool,
    /// Listen port (overrides the file).
    #[arg(long = "listenPort")]
    listen_port: Option<u16>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    broker_server::logging::init();
    let cli = Cli::parse();
    let mut config = NamesrvConfig {
        kv_config_path: std::env::var_os("HOME")
            .map(|h| PathBuf::from(h).join("namesrv").join("kvConfig.json")),
        ..NamesrvConfig::default()
    };
    if let Some(path) = &cli.config_file {
        load_file(&mut config, path)?;
    }
    if let Some(port) = cli.listen_port {
        config.listen_port = port;
    }
    if cli.print_config {
        print!("{}", print_entries(&config));
        return Ok(());
    }
    let addr = SocketAddr::from((Ipv4Addr::UNSPECIFIED, config.listen_port));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding the name server on {addr}"))?;
    println!("The Name Server boot success. serializeType=JSON, address {addr}");
    namesrv::run(listener, config, broker_server::logging::shutdown_signal()).await;
    println!("The Name Server shut down.");
    Ok(())
}
