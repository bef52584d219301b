//! QUERY_DATA_VERSION (322) and BROKER_HEARTBEAT (904): liveness refreshes from brokers.

use rocketmq_client::protocol::body::DataVersion;
use rocketmq_client::protocol::header::QueryDataVersionResponseHeader;
use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

use crate::namesrv::NamesrvState;
use crate::net::{Handled, Refusal, refuse};

pub(super) fn query(state: &NamesrvState, req: &RemotingCommand) -> Handled {
    let (changed, current) = refresh(state, req)?;
    let mut resp = RemotingCommand::response_to(req, ResponseCode::Success)
        .with_header(&QueryDataVersionResponseHeader { changed });
    if let Some(v) = current {
        resp.body = serde_json::to_vec(&v)
            .expect("DataVersion serializes")
            .into();
    }
    Ok(resp)
}

pub(super) fn heartbeat(state: &NamesrvState, req: &RemotingCommand) -> Handled {
    refresh(state, req)?;
    Ok(RemotingCommand::response_to(req, ResponseCode::Success))
}

/// Refreshes the broker's liveness; whether its data version changed, and the one held.
fn refresh(
    state: &NamesrvState,
    req: &RemotingCommand,
) -> Result<(bool, Option<DataVersion>), Refusal> {
    let Some(addr) = req.ext("brokerAddr") else {
        return refuse(
            ResponseCode::SystemError,
            "the request header field `brokerAddr` is missing",
        );
    };
    let version: DataVersion = if req.body.is_empty() {
        DataVersion::default()
    } else {
        serde_json::from_slice(&req.body).or_else(|e| {
            refuse(
                ResponseCode::SystemError,
                format!("bad DataVersion body: {e}"),
            )
        })?
    };
    Ok(state.routes.query_data_version(addr, &version))
}
