//! Apache RocketMQ's remoting protocol and a client for it.
//!
//! The protocol types here are used by both sides: our client and our name server and broker
//! (`rocketmq-broker-server`) encode and decode with the same code, so they cannot drift apart.
//!
//! # Layout
//! - [`protocol`]: frames, commands, codes, headers, JSON bodies, the message codec.
//! - [`remoting`]: a multiplexed connection per address, requests matched by opaque.

pub mod protocol;
pub mod remoting;
