//! Apache RocketMQ's remoting protocol and a client for it.
//!
//! The protocol types here are used by both sides: this client and our name server and broker
//! (`rocketmq-broker-server`) encode and decode with the same code, so they cannot drift apart.
//!
//! # Layout
//! - [`protocol`]: frames, commands, codes, headers, JSON bodies, the message codec.
//! - [`remoting`]: a multiplexed connection per address, requests matched by opaque.
//! - [`instance`]: [`ClientInstance`], what a process's producers and consumers share:
//!   connections, client id, heartbeats, and requests from brokers.
//! - [`route`]: name-server lookups with fail-over; publish and subscribe queue lists.
//! - [`producer`]: [`Producer`], Apache's `DefaultMQProducer` semantics.
//! - [`admin`]: clusters, topics and statistics for tools and dashboards.
//! - [`consumer`]: the lite pull consumer.
//! - [`host`]: host name and local IP.
//! - [`error`]: the error type, [`ClientError`].

// The client is a library for others: everything public says what it is.
#![warn(missing_docs)]

pub mod admin;
pub mod consumer;
pub mod error;
pub mod host;
pub mod instance;
pub mod producer;
pub mod protocol;
pub mod remoting;
pub mod route;

pub use async_trait::async_trait;
pub use error::{ClientError, Result};
pub use instance::ClientInstance;
pub use producer::{Producer, SendResult, SendStatus};
pub use protocol::body::MessageQueue;
pub use protocol::message::{Message, MessageExt};
