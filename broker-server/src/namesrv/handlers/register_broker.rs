//! REGISTER_BROKER (103).

use rocketmq_client::protocol::body::{
    JsonBody, KvTable, RegisterBrokerBody, TopicConfigSerializeWrapper,
};
use rocketmq_client::protocol::header::{
    RegisterBrokerRequestHeader, RegisterBrokerResponseHeader,
};
use rocketmq_client::protocol::message::record::crc32_masked;
use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

use crate::namesrv::{NamesrvState, ORDER_TOPIC_CONFIG};
use crate::net::{Channel, Handled, refuse};

/// Brokers older than V3_0_11 sent a bare TopicConfigSerializeWrapper.
const REGISTER_BODY_MIN_VERSION: i32 = 37;

pub(super) fn handle(state: &NamesrvState, channel: &Channel, req: &RemotingCommand) -> Handled {
    let h: RegisterBrokerRequestHeader = req.decode_header()?;
    if h.body_crc32 != 0 && crc32_masked(&req.body) as i32 != h.body_crc32 {
        return refuse(ResponseCode::SystemError, "crc32 not match");
    }
    if h.compressed {
        return refuse(
            ResponseCode::SystemError,
            "compressed registration bodies are not supported",
        );
    }
    let wrapper = if req.body.is_empty() {
        TopicConfigSerializeWrapper::default()
    } else if req.version >= REGISTER_BODY_MIN_VERSION {
        match RegisterBrokerBody::decode(&req.body) {
            Ok(b) => b.topic_config_serialize_wrapper,
            Err(e) => {
                return refuse(ResponseCode::SystemError, format!("bad register body: {e}"));
            }
        }
    } else {
        match TopicConfigSerializeWrapper::decode(&req.body) {
            Ok(w) => w,
            Err(e) => {
                return refuse(ResponseCode::SystemError, format!("bad register body: {e}"));
            }
        }
    };
    match state.routes.register(&h, &wrapper, channel.id()) {
        Ok(r) => {
            tracing::debug!(broker = %h.broker_name, addr = %h.broker_addr, topics = wrapper.topic_config_table.len(), "broker registered");
            let mut resp = RemotingCommand::response_to(req, ResponseCode::Success).with_header(
                &RegisterBrokerResponseHeader {
                    ha_server_addr: r.ha_server_addr,
                    master_addr: r.master_addr,
                },
            );
            if let Some(table) = state.kv.list(ORDER_TOPIC_CONFIG) {
                resp.body = KvTable { table }.encode().into();
            }
            Ok(resp)
        }
        Err(e) => refuse(ResponseCode::SystemError, e.to_string()),
    }
}
