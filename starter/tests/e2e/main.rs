//! End-to-end tests of the starter against an embedded name server and broker: every template
//! method and payload, listeners and their failures, configuration, and shutdown. One binary,
//! so the broker is compiled and linked once; each module starts only its own listeners
//! (`listeners_where` on the module path).

mod common;
mod config;
mod drain;
mod patterns;
mod retry;
mod template;
