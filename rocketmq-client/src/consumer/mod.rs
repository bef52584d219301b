//! Consumers: the push consumer (listener, rebalance, long polling) and the lite pull consumer
//! (assign and poll).

mod allocate;
mod lite_pull;
mod offset_store;
mod process_queue;
mod push;

pub use crate::protocol::body::{ConsumeFromWhere, MessageModel};
pub use allocate::allocate_averagely;
pub use lite_pull::{LitePullConsumer, LitePullConsumerBuilder};
pub use push::{ConsumeResult, PushConsumer, PushConsumerBuilder};
