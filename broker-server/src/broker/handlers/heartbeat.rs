//! HEART_BEAT (34): producers and consumers announce their groups and subscriptions.
//!
//! For each consumer group: the subscription group is found or auto-created, the group's
//! `%RETRY%` topic is created, the member is recorded, and on a membership change every member
//! is told to rebalance.

use rocketmq_client::protocol::body::{HeartbeatData, JsonBody, SubscriptionData};
use rocketmq_client::protocol::{RemotingCommand, ResponseCode, java_hash_code};

use crate::broker::BrokerState;
use crate::broker::clients::{ClientChannel, ConsumerRegistration};
use crate::net::{Channel, Handled, refuse};

pub(super) fn handle(state: &BrokerState, channel: &Channel, req: &RemotingCommand) -> Handled {
    let hb = match HeartbeatData::decode(&req.body) {
        Ok(hb) => hb,
        Err(e) => {
            return refuse(
                ResponseCode::SystemError,
                format!("bad heartbeat body: {e}"),
            );
        }
    };
    let client = || {
        ClientChannel::new(
            channel.clone(),
            hb.client_id.clone(),
            req.language,
            req.version,
        )
    };
    for consumer in hb.consumer_data_set {
        if let Some(group) = state.groups.find_or_create(&consumer.group_name) {
            let retry_topic = rocketmq_client::protocol::topic::retry_topic(&consumer.group_name);
            state.ensure_group_topic(&retry_topic, group.retry_queue_nums);
        }
        let subscriptions = consumer
            .subscription_data_set
            .into_iter()
            .map(with_tag_codes)
            .collect();
        let changed = state.consumers.register(
            &consumer.group_name,
            client(),
            ConsumerRegistration {
                consume_type: consumer.consume_type,
                message_model: consumer.message_model,
                consume_from_where: consumer.consume_from_where,
                subscriptions,
            },
        );
        if changed {
            tracing::info!(group = %consumer.group_name, client = %hb.client_id, "consumer joined");
            state.notify_consumer_ids_changed(&consumer.group_name);
        }
    }
    for producer in hb.producer_data_set {
        state.producers.register(&producer.group_name, client());
    }
    Ok(RemotingCommand::response_to(req, ResponseCode::Success))
}

/// Clients that omit the tag hash codes (C++ leaves empty sets out) still filter correctly.
fn with_tag_codes(mut sub: SubscriptionData) -> SubscriptionData {
    let is_tag = sub.expression_type.is_empty() || sub.expression_type.eq_ignore_ascii_case("TAG");
    if is_tag && sub.code_set.is_empty() && sub.sub_string.trim() != "*" {
        let tags: Vec<String> = sub
            .sub_string
            .split("||")
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect();
        sub.code_set = tags.iter().map(|t| java_hash_code(t)).collect();
        sub.tags_set = tags.into_iter().collect();
    }
    sub
}
