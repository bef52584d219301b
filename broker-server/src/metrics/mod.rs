//! Prometheus metrics under Apache 5.x's names and labels (`metricsExporterType=PROM`), so
//! the Grafana dashboards written for Apache's brokers read ours.
//!
//! # Layout
//! - `text`: the text exposition format (HELP, TYPE, escaped labels, histogram series).
//! - `shards`: counters kept per thread, added up when scraped.
//! - `histogram`: fixed buckets, and the snapshot a scrape adds them into.
//! - `rpc`: `rocketmq_rpc_latency` by request and response code, kept by both servers.
//! - `process`: the process basics (CPU, memory, descriptors, start time) from `/proc`.
//! - `http`: the `/metrics` endpoint, `run(listener, render, shutdown)`.

mod histogram;
pub mod http;
mod process;
mod rpc;
mod shards;
mod text;

pub use histogram::{Histogram, Snapshot};
pub use process::write_process;
pub use rpc::RpcLatency;
pub use shards::Shards;
pub use text::{Kind, Text};

use crate::config::ConfigValue;

/// `metricsExporterType`. Only `PROM` exports here; `OTLP_GRPC` and `LOG` are read so an
/// Apache config starts, and are reported as not exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExporterType {
    #[default]
    Disable,
    OtlpGrpc,
    Prom,
    Log,
}

impl ConfigValue for ExporterType {
    fn parse_value(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_uppercase().as_str() {
            "DISABLE" => Ok(ExporterType::Disable),
            "OTLP_GRPC" => Ok(ExporterType::OtlpGrpc),
            "PROM" => Ok(ExporterType::Prom),
            "LOG" => Ok(ExporterType::Log),
            other => Err(format!(
                "expected DISABLE, OTLP_GRPC, PROM or LOG, got `{other}`"
            )),
        }
    }
    fn show(&self) -> String {
        match self {
            ExporterType::Disable => "DISABLE",
            ExporterType::OtlpGrpc => "OTLP_GRPC",
            ExporterType::Prom => "PROM",
            ExporterType::Log => "LOG",
        }
        .to_string()
    }
}

/// Where `/metrics` is served: `metricsPromExporterHost`, or `fallback` when it is blank (a
/// broker's `brokerIP1`, as Apache's), and `metricsPromExporterPort` (5557; 0 picks a free
/// port).
pub fn prom_addr(host: &str, fallback: &str, port: u16) -> String {
    let host = if host.trim().is_empty() {
        fallback
    } else {
        host.trim()
    };
    format!("{host}:{port}")
}
