//! The remoting protocol, shared by the client and the servers.
//!
//! # Layout
//! - [`frame`]: length-prefixed frames, JSON and ROCKETMQ binary headers.
//! - [`frame_buffer`]: a connection's read buffer, growing while the connection is busy.
//! - [`command`]: [`RemotingCommand`], flags, language and serialization types.
//! - [`code`]: request and response codes with an unknown-code fallback.
//! - [`code_names`]: Apache's constant names of every code (metric labels, tool output).
//! - [`header`]: typed headers to and from `extFields`, one family per file.
//! - [`body`]: JSON bodies (routes, registration, heartbeats, lists, locks, offsets).
//! - [`fastjson`]: the non-standard JSON Java emits and accepts.
//! - [`message`]: messages, properties, stored records, batches and ids.
//! - [`sql`]: SQL92 message selectors, evaluated against properties.
//! - [`hash`]: Java's `String.hashCode` for tags.
//! - [`time`]: calendar arithmetic for ids and admin output.
//! - [`topic`]: system topic names and the retry, DLQ and reply topics derived from groups.
//! - [`version`]: Apache's version ordinals and their names.

pub mod body;
pub mod code;
pub mod code_names;
pub mod command;
pub mod ext_fields;
pub mod fastjson;
pub mod frame;
pub mod frame_buffer;
pub mod hash;
pub mod header;
pub mod message;
pub mod sql;
pub mod time;
pub mod topic;
pub mod version;

pub use code::{RequestCode, ResponseCode};
pub use command::{CURRENT_VERSION, ExtFields, LanguageCode, RemotingCommand, SerializeType};
pub use frame::{FrameError, MAX_FRAME_LEN, OutFrame, decode_frame, encode_frame};
pub use frame_buffer::FrameBuffer;
pub use hash::{java_hash_code, java_hash_extend, tag_code};

/// Milliseconds since the UNIX epoch (the unit of every RocketMQ timestamp).
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
