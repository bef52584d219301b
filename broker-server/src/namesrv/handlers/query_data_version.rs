//! QUERY_DATA_VERSION (322) and BROKER_HEARTBEAT (904): liveness refreshes from brokers.

use rocketmq_client::protocol::body::DataVersion;
use rocketmq_client::protocol::header::QueryDataVersionResponseHeader;
use rocketmq_client::protocol::{RemotingCommand, RequestCode, ResponseCode};

use crate::namesrv::NamesrvState;
use crate::net::{bad_header, error_response};

pub(super) fn handle(state: &NamesrvState, req: &RemotingCommand) -> RemotingCommand {
    let Some(addr) = req.ext("brokerAddr") else {
        return bad_header(req, "the request header field `brokerAddr` is missing");
    };
    let version: DataVersion = if req.body.is_empty() {
        DataVersion::default()
    } else {
        match serde_json::from_slice(&req.body) {
            Ok(v) => v,
            Err(e) => {
                return error_response(
                    req,
                    ResponseCode::SystemError,
                    format!("bad DataVersion body: {e}"),
                );
            }
        }
    };
    let (changed, current) = state.routes.query_data_version(addr, &version);
    let resp = RemotingCommand::response_to(req, ResponseCode::Success);
    if req.request_code() == RequestCode::BrokerHeartbeat {
        return resp;
    }
    let mut resp = resp.with_header(&QueryDataVersionResponseHeader { changed });
    if let Some(v) = current {
        resp.body = serde_json::to_vec(&v)
            .expect("DataVersion serializes")
            .into();
    }
    resp
}
