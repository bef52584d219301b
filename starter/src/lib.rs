//! The Spring-Boot-style starter: what `rocketmq-spring-boot-starter` gives Java applications,
//! for Rust. This increment provides the embedded cluster; the template, the listener
//! attribute and `application.yml` configuration build on it.
//!
//! # Layout
//! - [`embedded`] (feature `embedded`, on by default): a name server and a broker in-process.

#[cfg(feature = "embedded")]
pub mod embedded;
