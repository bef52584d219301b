//! Client errors.

use crate::protocol::ResponseCode;
use crate::protocol::body::BodyError;
use crate::protocol::header::HeaderError;
use crate::remoting::RemotingError;

/// What a client call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Network trouble: connect, timeout, closed connection.
    #[error(transparent)]
    Remoting(#[from] RemotingError),
    /// The server answered with an error code. Shown as Apache's client shows an
    /// `MQBrokerException`, so scripts that look for `CODE: 17` keep working.
    #[error("CODE: {}  DESC: {remark} BROKER: {addr}", i32::from(*code))]
    Remote {
        /// Who answered.
        addr: String,
        /// Apache's response code.
        code: ResponseCode,
        /// The server's explanation.
        remark: String,
    },
    /// The server's answer could not be read.
    #[error("malformed answer from {addr}: {reason}")]
    Protocol {
        /// Who answered.
        addr: String,
        /// What could not be read.
        reason: String,
    },
    /// No name server knows the topic (and no template topic either).
    #[error("no route for topic {topic}")]
    NoRoute {
        /// The topic.
        topic: String,
    },
    /// No name server knows a cluster of this name.
    #[error(
        "cluster {0} not found: make sure the cluster name exists and the name server is the one it registers with"
    )]
    NoCluster(String),
    /// No name server address is configured.
    #[error("no name server address configured (set it, or NAMESRV_ADDR)")]
    NoNameServer,
    /// The message breaks a client-side rule.
    #[error("invalid message: {0}")]
    InvalidMessage(String),
    /// A subscription's expression does not compile, or a broker cannot serve it.
    #[error("invalid subscription: {0}")]
    InvalidSubscription(String),
    /// A group joined a named client instance twice.
    #[error("{0}")]
    DuplicateGroup(String),
    /// No reply arrived within the request's timeout.
    #[error("no reply within {timeout:?} (correlation id {correlation_id})")]
    RequestTimeout {
        /// The request's correlation id.
        correlation_id: String,
        /// How long the requester waited.
        timeout: std::time::Duration,
    },
    /// The client is not started or already shut down.
    #[error("the client is not running")]
    NotRunning,
}

impl ClientError {
    pub(crate) fn header(addr: &str, e: HeaderError) -> Self {
        ClientError::Protocol {
            addr: addr.to_string(),
            reason: e.to_string(),
        }
    }

    pub(crate) fn body(addr: &str, e: BodyError) -> Self {
        ClientError::Protocol {
            addr: addr.to_string(),
            reason: e.to_string(),
        }
    }

    /// The error code, when the server answered with one.
    pub fn code(&self) -> Option<ResponseCode> {
        match self {
            ClientError::Remote { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// Client results.
pub type Result<T, E = ClientError> = std::result::Result<T, E>;
