//! CHECK_CLIENT_CONFIG (46): before starting, a consumer with a SQL92 subscription asks
//! whether this broker can serve it: property filtering must be on and the expression must
//! compile.

use rocketmq_client::protocol::body::{CheckClientRequestBody, JsonBody};
use rocketmq_client::protocol::sql::SqlExpression;
use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

use crate::broker::BrokerState;
use crate::net::{Handled, refuse};

pub(super) fn handle(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let body = match CheckClientRequestBody::decode(&req.body) {
        Ok(b) => b,
        Err(e) => {
            return refuse(
                ResponseCode::SystemError,
                format!("bad CheckClientRequestBody: {e}"),
            );
        }
    };
    let sub = &body.subscription_data;
    if !sub.expression_type.eq_ignore_ascii_case("SQL92") {
        return Ok(RemotingCommand::response_to(req, ResponseCode::Success));
    }
    if !state.config.enable_property_filter {
        return refuse(
            ResponseCode::SystemError,
            "The broker does not support consumer to filter message by SQL92",
        );
    }
    match SqlExpression::parse(&sub.sub_string) {
        Ok(_) => Ok(RemotingCommand::response_to(req, ResponseCode::Success)),
        Err(e) => refuse(
            ResponseCode::SubscriptionParseFailed,
            format!(
                "Parameter check error, expression: {}, error: {e}",
                sub.sub_string
            ),
        ),
    }
}
