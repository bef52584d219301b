//! Consumers. This increment has the lite pull consumer in assign mode; the push consumer and
//! subscription with rebalancing build on the same pieces.

mod lite_pull;

pub use crate::protocol::body::{ConsumeFromWhere, MessageModel};
pub use lite_pull::{LitePullConsumer, LitePullConsumerBuilder};
