//! GET_ROUTEINFO_BY_TOPIC (105).

use rocketmq_client::protocol::body::JsonBody;
use rocketmq_client::protocol::header::TopicHeader;
use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

use crate::namesrv::{NamesrvState, ORDER_TOPIC_CONFIG};
use crate::net::{Handled, refuse};

/// Clients at V4_9_4 or later get standard JSON (quoted broker id keys), as from Apache.
const STANDARD_JSON_MIN_VERSION: i32 = 401;

pub(super) fn handle(state: &NamesrvState, req: &RemotingCommand) -> Handled {
    let h: TopicHeader = req.decode_header()?;
    let Some(mut route) = state.routes.route(&h.topic) else {
        return refuse(
            ResponseCode::TopicNotExist,
            format!(
                "No topic route info in name server for the topic: {}",
                h.topic
            ),
        );
    };
    if state.live.order_message_enable() {
        route.order_topic_conf = state.kv.get(ORDER_TOPIC_CONFIG, &h.topic);
    }
    let standard =
        req.version >= STANDARD_JSON_MIN_VERSION || h.accept_standard_json_only == Some(true);
    let body = if standard {
        route.encode_standard()
    } else {
        route.encode()
    };
    Ok(RemotingCommand::response_to(req, ResponseCode::Success).with_body(body))
}
