//! An Apache RocketMQ compatible name server and broker, as libraries first and binaries
//! (`mqnamesrv`, `mqbroker`) second, so tests, embedded use and the binaries share one path.
//!
//! # Layout
//! - [`store`]: the commit log on mapped files, consume queues, flush, recovery, retention.
//! - [`net`]: the remoting server: accept loop, connections, [`net::Channel`] handles.
//! - [`namesrv`]: the name server (route table, KV config, one handler file per request).
//! - [`broker`]: the broker (topics, offsets, groups, clients, long polling, registration).
//! - [`metrics`]: Prometheus text at `/metrics` under Apache 5.x's names, for both servers.
//! - [`dashboard`]: the web console over the admin client (feature `dashboard`).
//! - [`config`]: Java `.properties` files and the `-c`/`-p` handling both binaries share.
//! - `persist`: config files written atomically with a `.bak` copy, read with fallback.
//! - [`handle`]: a server running in the background, stopped on demand.
//! - `logging`: tracing setup and the SIGINT/SIGTERM future for the binaries (feature `cli`).

pub mod broker;
pub mod config;
#[cfg(feature = "dashboard")]
pub mod dashboard;
pub mod handle;
#[cfg(feature = "cli")]
pub mod logging;
pub mod metrics;
pub mod namesrv;
pub mod net;
mod persist;
pub mod store;

pub use handle::ServerHandle;
