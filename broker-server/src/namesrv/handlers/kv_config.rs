//! PUT_KV_CONFIG (100), GET_KV_CONFIG (101), DELETE_KV_CONFIG (102), GET_KVLIST_BY_NAMESPACE (219).

use rocketmq_client::protocol::body::{JsonBody, KvTable};
use rocketmq_client::protocol::header::{
    GetKvConfigResponseHeader, KvConfigRequestHeader, NamespaceHeader,
};
use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

use crate::namesrv::NamesrvState;
use crate::net::{Handled, refuse};

pub(super) fn list(state: &NamesrvState, req: &RemotingCommand) -> Handled {
    let h: NamespaceHeader = req.decode_header()?;
    match state.kv.list(&h.namespace) {
        Some(table) => Ok(RemotingCommand::response_to(req, ResponseCode::Success)
            .with_body(KvTable { table }.encode())),
        None => refuse(
            ResponseCode::QueryNotFound,
            format!("No config item, Namespace: {}", h.namespace),
        ),
    }
}

pub(super) fn put(state: &NamesrvState, req: &RemotingCommand) -> Handled {
    let h: KvConfigRequestHeader = req.decode_header()?;
    let Some(value) = &h.value else {
        return refuse(
            ResponseCode::SystemError,
            "the request header field `value` is missing",
        );
    };
    state.kv.put(&h.namespace, &h.key, value);
    Ok(RemotingCommand::response_to(req, ResponseCode::Success))
}

pub(super) fn get(state: &NamesrvState, req: &RemotingCommand) -> Handled {
    let h: KvConfigRequestHeader = req.decode_header()?;
    match state.kv.get(&h.namespace, &h.key) {
        Some(value) => Ok(RemotingCommand::response_to(req, ResponseCode::Success)
            .with_header(&GetKvConfigResponseHeader { value: Some(value) })),
        None => refuse(
            ResponseCode::QueryNotFound,
            format!("No config item, Namespace: {} Key: {}", h.namespace, h.key),
        ),
    }
}

pub(super) fn delete(state: &NamesrvState, req: &RemotingCommand) -> Handled {
    let h: KvConfigRequestHeader = req.decode_header()?;
    state.kv.delete(&h.namespace, &h.key);
    Ok(RemotingCommand::response_to(req, ResponseCode::Success))
}
