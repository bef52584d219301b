//! PUT_KV_CONFIG (100), GET_KV_CONFIG (101), DELETE_KV_CONFIG (102), GET_KVLIST_BY_NAMESPACE (219).

use rocketmq_client::protocol::body::{JsonBody, KvTable};
use rocketmq_client::protocol::header::{
    GetKvConfigResponseHeader, KvConfigRequestHeader, NamespaceHeader,
};
use rocketmq_client::protocol::{RemotingCommand, RequestCode, ResponseCode};

use crate::namesrv::NamesrvState;
use crate::net::{bad_header, error_response};

pub(super) fn handle(state: &NamesrvState, req: &RemotingCommand) -> RemotingCommand {
    if req.request_code() == RequestCode::GetKvListByNamespace {
        let h: NamespaceHeader = match req.decode_header() {
            Ok(h) => h,
            Err(e) => return bad_header(req, e),
        };
        return match state.kv.list(&h.namespace) {
            Some(table) => RemotingCommand::response_to(req, ResponseCode::Success)
                .with_body(KvTable { table }.encode()),
            None => error_response(
                req,
                ResponseCode::QueryNotFound,
                format!("No config item, Namespace: {}", h.namespace),
            ),
        };
    }
    let h: KvConfigRequestHeader = match req.decode_header() {
        Ok(h) => h,
        Err(e) => return bad_header(req, e),
    };
    match req.request_code() {
        RequestCode::PutKvConfig => match &h.value {
            Some(v) => {
                state.kv.put(&h.namespace, &h.key, v);
                RemotingCommand::response_to(req, ResponseCode::Success)
            }
            None => bad_header(req, "the request header field `value` is missing"),
        },
        RequestCode::GetKvConfig => match state.kv.get(&h.namespace, &h.key) {
            Some(value) => RemotingCommand::response_to(req, ResponseCode::Success)
                .with_header(&GetKvConfigResponseHeader { value: Some(value) }),
            None => error_response(
                req,
                ResponseCode::QueryNotFound,
                format!("No config item, Namespace: {} Key: {}", h.namespace, h.key),
            ),
        },
        _ => {
            state.kv.delete(&h.namespace, &h.key);
            RemotingCommand::response_to(req, ResponseCode::Success)
        }
    }
}
