//! Consumers: the push consumer (listener, rebalance, long polling) and the lite pull consumer
//! (assign and poll).

mod allocate;
mod lite_pull;
mod offset_store;
mod process_queue;
mod push;
pub(crate) mod queries;
mod selector;
mod stats;

pub use crate::protocol::body::{ConsumeFromWhere, MessageModel};
pub use allocate::allocate_averagely;
pub use lite_pull::{LitePullConsumer, LitePullConsumerBuilder};
pub use push::{ConsumeMode, ConsumeResult, PushConsumer, PushConsumerBuilder};
pub use selector::MessageSelector;

use std::collections::BTreeSet;

use crate::protocol::body::SubscriptionData;
use crate::protocol::message::MessageExt;

/// The tags of a tag expression (`TagA || TagB`); empty for `*`, which matches everything.
pub(crate) fn expression_tags(expression: &str) -> BTreeSet<String> {
    expression
        .split("||")
        .map(str::trim)
        .filter(|t| !t.is_empty() && *t != "*")
        .map(str::to_string)
        .collect()
}

/// What the application sees of pulled messages: only subscribed tags (the broker filters by
/// tag hash, and hashes collide), with compressed bodies inflated.
pub(crate) fn deliverable(
    msgs: Vec<MessageExt>,
    tags: &BTreeSet<String>,
) -> impl Iterator<Item = MessageExt> + '_ {
    msgs.into_iter()
        .filter(move |m| tags.is_empty() || m.message.tags().is_some_and(|t| tags.contains(t)))
        .map(|mut m| {
            if let Err(e) = m.decompress_body() {
                tracing::warn!(msg_id = %m.msg_id(), error = %e, "delivering a body that does not inflate as is");
            }
            m
        })
}

/// A tag subscription as heartbeats carry it.
pub(crate) fn subscription(topic: &str, expression: &str, sub_version: i64) -> SubscriptionData {
    MessageSelector::by_tag(expression).subscription(topic, sub_version)
}
