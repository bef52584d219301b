//! Listeners: `async fn`s marked `#[rocketmq_listener]` or `#[rocketmq_reply_listener]`.
//!
//! The attribute leaves the function as written and registers a [`ListenerDef`] through
//! `inventory`: constant data (the attribute's strings, unresolved) and a shim that decodes a
//! message, calls the function and reports an [`Outcome`]. At startup the application reads
//! every registration, resolves placeholders and configuration overrides ([`resolve`]), and
//! runs one push consumer per group ([`container`]).
//!
//! ```no_run
//! use rocketmq_starter::{Json, Received, rocketmq_listener};
//!
//! #[derive(serde::Deserialize)]
//! struct Order { id: u64 }
//!
//! #[rocketmq_listener(topic = "orders", group = "billing", selector = "created || paid")]
//! async fn bill(order: Received<Order>) -> anyhow::Result<()> {
//!     println!("order {} ({:?}), attempt {}", order.id, order.tags(), order.reconsume_times() + 1);
//!     Ok(())
//! }
//! ```
//!
//! Listeners in the binary crate are always registered; listeners in a library crate are
//! registered when the binary links that crate (refer to it, e.g. `use my_listeners as _;`).

pub(crate) mod container;
mod received;
pub mod resolve;

use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use rocketmq_client::MessageExt;
use rocketmq_client::consumer::ConsumeResult;

pub use received::Received;
pub use resolve::ListenerConfig;

use crate::payload::Rejection;

/// The boxed future a listener shim returns.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// Clustering or broadcasting (`messageModel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// The group shares the queues; each message goes to one member.
    Clustering,
    /// Every member gets every message.
    Broadcasting,
}

/// How `selector` is read (`selectorType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectorType {
    /// `"*"` or `"TagA || TagB"`.
    Tag,
    /// A SQL92 condition over properties (the broker needs `enablePropertyFilter=true`).
    Sql92,
}

/// Concurrently or in queue order (`consumeMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Concurrently,
    Orderly,
}

/// One listener, as registered by the attribute: constant data only (placeholders are resolved
/// at startup, not here).
#[derive(Debug)]
pub struct ListenerDef {
    /// The function's name.
    pub function: &'static str,
    /// Its module path.
    pub module: &'static str,
    /// Where the attribute is, for error messages.
    pub file: &'static str,
    pub line: u32,
    pub topic: &'static str,
    pub group: &'static str,
    pub selector: &'static str,
    pub model: Model,
    pub selector_type: SelectorType,
    pub consume_mode: Mode,
    /// Knobs set in the attribute, by configuration key (`max-reconsume-times`), raw text.
    pub knobs: &'static [(&'static str, &'static str)],
    /// Whether the return value is sent back as a reply.
    pub reply: bool,
    /// Decodes a message, calls the function, reports the outcome.
    pub handler: fn(MessageExt) -> BoxFuture<Outcome>,
}

inventory::collect!(ListenerDef);

impl ListenerDef {
    /// Every listener linked into this program, in a stable order (by module, then line).
    pub fn all() -> Vec<&'static ListenerDef> {
        let mut defs: Vec<&'static ListenerDef> = inventory::iter::<ListenerDef>().collect();
        defs.sort_by_key(|d| (d.module, d.line, d.function));
        defs
    }

    /// `module::function (file:line)`, how errors and logs name a listener.
    pub fn location(&self) -> String {
        format!(
            "{}::{} ({}:{})",
            self.module, self.function, self.file, self.line
        )
    }
}

/// What a listener call came to.
#[derive(Debug)]
pub enum Outcome {
    /// A `ConsumeResult` returned as such (or `()` / `Ok(())`: consumed).
    Done(ConsumeResult),
    /// A reply listener's encoded reply.
    Reply(Bytes),
    /// The function returned `Err`: retry later.
    Failed(String),
    /// The message could not be decoded into the argument: retrying will not help.
    Rejected(Rejection),
}

/// What a listener may return: `()`, `Result<(), E>`, `ConsumeResult`, or
/// `Result<ConsumeResult, E>`, with any displayable `E` (`anyhow::Error`, `Box<dyn Error>`, …).
#[diagnostic::on_unimplemented(
    message = "a listener cannot return `{Self}`",
    note = "return `()`, `Result<(), E>` (Err retries the message later), `ConsumeResult`, or `Result<ConsumeResult, E>`; a reply listener uses #[rocketmq_reply_listener]"
)]
pub trait IntoOutcome {
    /// The outcome for the consumer.
    fn into_outcome(self) -> Outcome;
}

impl IntoOutcome for () {
    fn into_outcome(self) -> Outcome {
        Outcome::Done(ConsumeResult::Success)
    }
}

impl IntoOutcome for ConsumeResult {
    fn into_outcome(self) -> Outcome {
        Outcome::Done(self)
    }
}

impl<E: Display> IntoOutcome for Result<(), E> {
    fn into_outcome(self) -> Outcome {
        match self {
            Ok(()) => Outcome::Done(ConsumeResult::Success),
            Err(e) => Outcome::Failed(format!("{e:#}")),
        }
    }
}

impl<E: Display> IntoOutcome for Result<ConsumeResult, E> {
    fn into_outcome(self) -> Outcome {
        match self {
            Ok(r) => Outcome::Done(r),
            Err(e) => Outcome::Failed(format!("{e:#}")),
        }
    }
}
