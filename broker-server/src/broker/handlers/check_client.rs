//! CHECK_CLIENT_CONFIG (46): before starting, a consumer with a SQL92 subscription asks
//! whether this broker can serve it: property filtering must be on and the expression must
//! compile.

use rocketmq_client::protocol::body::{CheckClientRequestBody, JsonBody};
use rocketmq_client::protocol::sql::SqlExpression;
use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

use crate::broker::BrokerState;
use crate::net::error_response;

pub(super) fn handle(state: &BrokerState, req: &RemotingCommand) -> RemotingCommand {
    let body = match CheckClientRequestBody::decode(&req.body) {
        Ok(b) => b,
        Err(e) => {
            return error_response(
                req,
                ResponseCode::SystemError,
                format!("bad CheckClientRequestBody: {e}"),
            );
        }
    };
    let sub = &body.subscription_data;
    if !sub.expression_type.eq_ignore_ascii_case("SQL92") {
        return RemotingCommand::response_to(req, ResponseCode::Success);
    }
    if !state.config.enable_property_filter {
        return error_response(
            req,
            ResponseCode::SystemError,
            "The broker does not support consumer to filter message by SQL92",
        );
    }
    match SqlExpression::parse(&sub.sub_string) {
        Ok(_) => RemotingCommand::response_to(req, ResponseCode::Success),
        Err(e) => error_response(
            req,
            ResponseCode::SubscriptionParseFailed,
            format!(
                "Parameter check error, expression: {}, error: {e}",
                sub.sub_string
            ),
        ),
    }
}
