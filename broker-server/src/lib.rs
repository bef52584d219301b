//! An Apache RocketMQ compatible name server and broker, as libraries first and binaries
//! (`mqnamesrv`, `mqbroker`) second, so tests, embedded use and the binaries share one path.
//!
//! # Layout
//! - [`store`]: the commit log on mapped files, consume queues, flush, recovery, retention.
pub mod store;
