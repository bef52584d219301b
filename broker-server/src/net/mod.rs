//! The server side of the remoting protocol, shared by the name server and the broker.
//!
//! A [`Service`] turns a request into an optional response; [`serve`] runs the accept loop and
//! one reader and one writer task per connection. Each request runs in its own task, because a
//! held long-poll pull must not block the requests pipelined behind it on the same connection.
//! A [`Channel`] is a handle to one connection, for answering later and for requests the server
//! sends to the client.

mod channel;
mod queue;
mod server;

pub use channel::Channel;
pub use queue::RequestQueue;
pub use server::{Service, mark_held, serve};

use rocketmq_client::protocol::header::HeaderError;
use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

/// A response with a code and remark.
pub fn error_response(
    request: &RemotingCommand,
    code: ResponseCode,
    remark: impl Into<String>,
) -> RemotingCommand {
    RemotingCommand::response_to(request, code).with_remark(remark)
}

/// Why a request is refused: the response code and remark it is answered with.
///
/// Handlers return [`Handled`]; the dispatcher answers a refusal with
/// [`answer`](Refusal::answer), so a handler writes `req.decode_header()?` and
/// `return refuse(code, remark)` and leaves the response's opaque and flags to one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: ResponseCode,
    pub remark: String,
}

/// What a handler returns: the response, or why the request is refused.
pub type Handled = Result<RemotingCommand, Refusal>;

impl Refusal {
    pub fn new(code: ResponseCode, remark: impl Into<String>) -> Self {
        Refusal {
            code,
            remark: remark.into(),
        }
    }

    /// The response that refuses `request`.
    pub fn answer(self, request: &RemotingCommand) -> RemotingCommand {
        error_response(request, self.code, self.remark)
    }
}

/// A header that cannot be read is SYSTEM_ERROR naming the field, as Java answers a
/// `RemotingCommandException`.
impl From<HeaderError> for Refusal {
    fn from(e: HeaderError) -> Self {
        Refusal::new(ResponseCode::SystemError, e.to_string())
    }
}

/// Refuses with `code` and `remark`.
pub fn refuse<T>(code: ResponseCode, remark: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal::new(code, remark))
}
