//! [`RemotingCommand`]: the unit of every request and response.

use std::sync::atomic::{AtomicI32, Ordering};

use bytes::Bytes;

use super::code::{RequestCode, ResponseCode};
use super::header::{CommandHeader, HeaderError};

pub use super::ext_fields::ExtFields;

/// Flag bit 0: this command is a response.
pub const FLAG_RESPONSE: i32 = 1;
/// Flag bit 1: a oneway request; the receiver must not answer.
pub const FLAG_ONEWAY: i32 = 2;

/// The version our commands carry: `MQVersion.V5_3_3`, so peers treat us as a current 5.x node
/// (standard route JSON, heartbeat v2 aware, SQL92 capable).
pub const CURRENT_VERSION: i32 = 479;

/// Header serialization: the high byte of the frame's second int.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SerializeType {
    /// fastjson-compatible JSON (the default of every client).
    #[default]
    Json,
    /// RocketMQ's binary header (`RocketMQSerializable`).
    RocketMq,
}

impl SerializeType {
    /// The type byte on the wire.
    pub fn code(self) -> u8 {
        match self {
            SerializeType::Json => 0,
            SerializeType::RocketMq => 1,
        }
    }
}

/// The sender's implementation language (`LanguageCode.java`); serialized by name in JSON and by
/// ordinal in the binary header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LanguageCode {
    #[default]
    /// Java.
    Java,
    /// C++ (also the Python and Node clients built on it).
    Cpp,
    /// .NET.
    Dotnet,
    /// Python.
    Python,
    /// Delphi.
    Delphi,
    /// Erlang.
    Erlang,
    /// Ruby.
    Ruby,
    /// Anything else.
    Other,
    /// HTTP proxy.
    Http,
    /// Go.
    Go,
    /// PHP.
    Php,
    /// OpenMessaging.
    Oms,
    /// Rust.
    Rust,
    /// Node.js.
    NodeJs,
}

const LANGUAGES: [(LanguageCode, &str); 14] = [
    (LanguageCode::Java, "JAVA"),
    (LanguageCode::Cpp, "CPP"),
    (LanguageCode::Dotnet, "DOTNET"),
    (LanguageCode::Python, "PYTHON"),
    (LanguageCode::Delphi, "DELPHI"),
    (LanguageCode::Erlang, "ERLANG"),
    (LanguageCode::Ruby, "RUBY"),
    (LanguageCode::Other, "OTHER"),
    (LanguageCode::Http, "HTTP"),
    (LanguageCode::Go, "GO"),
    (LanguageCode::Php, "PHP"),
    (LanguageCode::Oms, "OMS"),
    (LanguageCode::Rust, "RUST"),
    (LanguageCode::NodeJs, "NODE_JS"),
];

impl LanguageCode {
    /// Java's enum name.
    pub fn name(self) -> &'static str {
        LANGUAGES[self.ordinal() as usize].1
    }

    /// Java's enum ordinal.
    pub fn ordinal(self) -> u8 {
        LANGUAGES.iter().position(|(l, _)| *l == self).unwrap_or(7) as u8
    }

    /// By ordinal; unknown ordinals become `Other`.
    pub fn from_ordinal(ordinal: u8) -> Self {
        LANGUAGES
            .get(ordinal as usize)
            .map_or(LanguageCode::Other, |(l, _)| *l)
    }

    /// By name; unknown names become `Other`.
    pub fn from_name(name: &str) -> Self {
        LANGUAGES
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(name))
            .map_or(LanguageCode::Other, |(l, _)| *l)
    }
}

static NEXT_OPAQUE: AtomicI32 = AtomicI32::new(0);

/// One request or response.
///
/// Requests get a fresh `opaque` from a process-wide counter; a response copies the request's
/// `opaque` and serialization type (see [`RemotingCommand::response_to`]), which is what every
/// client, C++ included, can read.
#[derive(Debug, Clone, PartialEq)]
pub struct RemotingCommand {
    /// Request code for requests, response code for responses.
    pub code: i32,
    /// The sender's language.
    pub language: LanguageCode,
    /// The sender's version (`MQVersion` ordinal).
    pub version: i32,
    /// Request id; a response carries its request's.
    pub opaque: i32,
    /// Bit 0: response; bit 1: oneway.
    pub flag: i32,
    /// Human-readable detail, mostly on errors.
    pub remark: Option<String>,
    /// The custom header fields (see [`header`](crate::protocol::header)).
    pub ext_fields: ExtFields,
    /// The body, after the header.
    pub body: Bytes,
    /// How the header is serialized (JSON or RocketMQ's binary form).
    pub serialize_type: SerializeType,
}

impl RemotingCommand {
    /// A request with a fresh opaque and no header fields.
    pub fn request(code: RequestCode) -> Self {
        RemotingCommand {
            code: code.into(),
            language: LanguageCode::Rust,
            version: CURRENT_VERSION,
            opaque: NEXT_OPAQUE.fetch_add(1, Ordering::Relaxed),
            flag: 0,
            remark: None,
            ext_fields: ExtFields::new(),
            body: Bytes::new(),
            serialize_type: SerializeType::Json,
        }
    }

    /// A request carrying `header` in its ext fields.
    pub fn request_with<H: CommandHeader>(code: RequestCode, header: &H) -> Self {
        let mut cmd = Self::request(code);
        header.write_to(&mut cmd.ext_fields);
        cmd
    }

    /// A response to `request`: same opaque and serialization type, response flag set. Servers
    /// answer as `JAVA` like Apache's do, so every client recognises the language.
    pub fn response_to(request: &RemotingCommand, code: ResponseCode) -> Self {
        RemotingCommand {
            code: code.into(),
            language: LanguageCode::Java,
            version: CURRENT_VERSION,
            opaque: request.opaque,
            flag: FLAG_RESPONSE,
            remark: None,
            ext_fields: ExtFields::new(),
            body: Bytes::new(),
            serialize_type: request.serialize_type,
        }
    }

    /// REQUEST_CODE_NOT_SUPPORTED for `request`, with Apache's remark.
    pub fn not_supported(request: &RemotingCommand) -> Self {
        Self::response_to(request, ResponseCode::RequestCodeNotSupported)
            .with_remark(format!(" request type {} not supported", request.code))
    }

    /// Sets the remark (builder style).
    pub fn with_remark(mut self, remark: impl Into<String>) -> Self {
        self.remark = Some(remark.into());
        self
    }

    /// Sets the body (builder style).
    pub fn with_body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Writes `header` into the ext fields (builder style).
    pub fn with_header<H: CommandHeader>(mut self, header: &H) -> Self {
        header.write_to(&mut self.ext_fields);
        self
    }

    /// Marks the request oneway (builder style).
    pub fn oneway(mut self) -> Self {
        self.flag |= FLAG_ONEWAY;
        self
    }

    /// Decodes the ext fields into a typed header.
    pub fn decode_header<H: CommandHeader>(&self) -> Result<H, HeaderError> {
        H::read_from(&self.ext_fields)
    }

    /// Whether this is a response.
    pub fn is_response(&self) -> bool {
        self.flag & FLAG_RESPONSE != 0
    }

    /// Whether this is a oneway request.
    pub fn is_oneway(&self) -> bool {
        self.flag & FLAG_ONEWAY != 0
    }

    /// The code read as a request code.
    pub fn request_code(&self) -> RequestCode {
        RequestCode::from(self.code)
    }

    /// The code read as a response code.
    pub fn response_code(&self) -> ResponseCode {
        ResponseCode::from(self.code)
    }

    /// One ext field.
    pub fn ext(&self, key: &str) -> Option<&str> {
        self.ext_fields.get(key).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_names_and_ordinals_match_java() {
        assert_eq!(LanguageCode::Rust.ordinal(), 12);
        assert_eq!(LanguageCode::from_name("GO"), LanguageCode::Go);
        assert_eq!(LanguageCode::from_ordinal(1), LanguageCode::Cpp);
        assert_eq!(LanguageCode::from_name("COBOL"), LanguageCode::Other);
        assert_eq!(LanguageCode::NodeJs.name(), "NODE_JS");
    }

    #[test]
    fn response_copies_opaque_and_serialization() {
        let mut req = RemotingCommand::request(RequestCode::HeartBeat);
        req.serialize_type = SerializeType::RocketMq;
        let resp = RemotingCommand::response_to(&req, ResponseCode::Success);
        assert_eq!(resp.opaque, req.opaque);
        assert!(resp.is_response());
        assert_eq!(resp.serialize_type, SerializeType::RocketMq);
    }
}
