//! The Spring-Boot-style starter: what `rocketmq-spring-boot-starter` gives Java applications,
//! for Rust. Configure `rocketmq.name-server` and `rocketmq.producer.group` in
//! `application.yml`, send with a [`RocketTemplate`], consume with `async fn`s marked
//! [`rocketmq_listener`]:
//!
//! ```no_run
//! use rocketmq_starter::{RocketApplication, rocketmq_listener};
//!
//! #[rocketmq_listener(topic = "boot-test", group = "boot-test-consumer-group", model = "clustering")]
//! async fn on_message(msg: String) -> anyhow::Result<()> {
//!     tracing::info!(%msg, "received");
//!     Ok(())
//! }
//!
//! #[tokio::main]
//! async fn main() -> anyhow::Result<()> {
//!     let app = RocketApplication::builder().start().await?; // ./application.yml
//!     let result = app.template().sync_send("boot-test", "我是一个简单的消息").await?;
//!     tracing::info!(%result, "sent");
//!     app.run_until_signal().await; // Ctrl-C: drain, commit offsets, stop
//!     Ok(())
//! }
//! ```
//!
//! # Layout
//! - [`config`]: `application.yml`, profiles, environment and code overrides, relaxed keys,
//!   `${placeholders}`; typed views with rocketmq-spring's keys and defaults.
//! - [`payload`]: bodies in and out: strings, bytes, [`Json<T>`]; [`FromMessage`].
//! - [`template`]: [`RocketTemplate`] and [`RocketMessage`].
//! - [`listener`]: what the attributes register, how registrations become consumers.
//! - [`app`]: [`RocketApplication`]: start, run until a signal, drain and stop; [`run`].
//! - [`embedded`] (feature `embedded`, on by default): a name server and a broker in-process,
//!   started by `rocketmq.embedded: true`.
//! - `dashboard` (feature `dashboard`): the web console, started by
//!   `rocketmq.dashboard.enabled: true`.

pub mod app;
pub mod config;
mod dashboard;
#[cfg(feature = "embedded")]
pub mod embedded;
pub mod listener;
pub mod payload;
pub mod template;

pub use app::{ApplicationBuilder, RocketApplication, StartError, run};
pub use listener::Received;
pub use payload::{FromMessage, Json, Rejection};
pub use rocketmq_client::consumer::ConsumeResult;
pub use rocketmq_client::producer::{LocalTransactionState, TransactionListener};
pub use rocketmq_client::{MessageExt, SendResult, async_trait};
pub use rocketmq_macros::{rocketmq_listener, rocketmq_reply_listener};
pub use template::{Delay, RocketMessage, RocketTemplate, TemplateError};

/// What the listener attributes' generated code uses; not a public API.
#[doc(hidden)]
pub mod __private {
    use std::marker::PhantomData;

    pub use inventory;
    pub use rocketmq_client::MessageExt;

    pub use crate::listener::BoxFuture;
    use crate::listener::{IntoOutcome, Outcome};
    use crate::payload::{Body, FromMessage, Rejection};

    /// The outcome of a listener's return value.
    pub fn into_outcome<T: IntoOutcome>(value: T) -> Outcome {
        value.into_outcome()
    }

    /// A reply listener's `Err`.
    pub fn failed<E: std::fmt::Display>(error: E) -> Outcome {
        Outcome::Failed(format!("{error:#}"))
    }

    /// Picks how to decode `T`: `FromMessage` if `T` implements it, JSON otherwise (autoref
    /// specialization: the generated code names a concrete `T`).
    pub struct Extract<T>(PhantomData<T>);

    impl<T> Extract<T> {
        #[allow(clippy::new_without_default)]
        pub fn new() -> Self {
            Extract(PhantomData)
        }
    }

    pub trait ExtractRaw<T> {
        fn extract(&self, msg: &MessageExt) -> Result<T, Rejection>;
    }

    impl<T: FromMessage> ExtractRaw<T> for Extract<T> {
        fn extract(&self, msg: &MessageExt) -> Result<T, Rejection> {
            T::from_message(msg)
        }
    }

    pub trait ExtractJson<T> {
        fn extract(&self, msg: &MessageExt) -> Result<T, Rejection>;
    }

    impl<T: serde::de::DeserializeOwned> ExtractJson<T> for &Extract<T> {
        fn extract(&self, msg: &MessageExt) -> Result<T, Rejection> {
            crate::payload::from_json(msg)
        }
    }

    /// Picks how to encode a reply: as a `Body` if it is one (taken by value), JSON otherwise
    /// (through a reference, the autoref step). Called as `Encode(v).encode_reply()`.
    pub struct Encode<T>(pub T);

    pub trait EncodeRaw {
        fn encode_reply(self) -> Outcome;
    }

    impl<T: Body> EncodeRaw for Encode<T> {
        fn encode_reply(self) -> Outcome {
            match self.0.into_body() {
                Ok(b) => Outcome::Reply(b),
                Err(e) => Outcome::Failed(e.to_string()),
            }
        }
    }

    pub trait EncodeJson {
        fn encode_reply(self) -> Outcome;
    }

    impl<T: serde::Serialize> EncodeJson for &Encode<T> {
        fn encode_reply(self) -> Outcome {
            match crate::payload::to_json(&self.0) {
                Ok(b) => Outcome::Reply(b),
                Err(e) => Outcome::Failed(e.to_string()),
            }
        }
    }
}
