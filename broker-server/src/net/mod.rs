//! The server side of the remoting protocol, shared by the name server and the broker.
//!
//! A [`Service`] turns a request into an optional response; [`serve`] runs the accept loop and
//! one reader and one writer task per connection. Each request runs in its own task, because a
//! held long-poll pull must not block the requests pipelined behind it on the same connection.
//! A [`Channel`] is a handle to one connection, for answering later and for requests the server
//! sends to the client.

mod channel;
mod server;

pub use channel::Channel;
pub use server::{Service, serve};

use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

/// A response with a code and remark.
pub fn error_response(
    request: &RemotingCommand,
    code: ResponseCode,
    remark: impl Into<String>,
) -> RemotingCommand {
    RemotingCommand::response_to(request, code).with_remark(remark)
}

/// The answer to a request whose header could not be read: SYSTEM_ERROR naming the field, as
/// Java answers a `RemotingCommandException`.
pub fn bad_header(request: &RemotingCommand, err: impl std::fmt::Display) -> RemotingCommand {
    error_response(request, ResponseCode::SystemError, err.to_string())
}
