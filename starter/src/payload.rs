//! Bodies in and out: what a template sends ([`Body`]) and what a listener's argument or a
//! reply is decoded into ([`FromMessage`]).
//!
//! Strings travel as UTF-8, bytes as they are, and [`Json<T>`] as JSON, the same conversions
//! as rocketmq-spring's default converter, so Java and Rust applications read each other's
//! messages.

use bytes::Bytes;
use rocketmq_client::MessageExt;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// JSON in either direction: `template.sync_send("orders", Json(&order))` sends `order` as
/// JSON; a listener taking `Json<Order>` (or `Order` itself) decodes it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Json<T>(pub T);

/// Why a message could not be turned into a listener's argument (or a reply into the caller's
/// type). Retrying will not help, so a concurrent listener sends it straight to the dead-letter
/// queue.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot decode the body as {target}: {reason}")]
pub struct Rejection {
    /// The type asked for.
    pub target: &'static str,
    pub reason: String,
}

impl Rejection {
    fn new<T>(reason: impl std::fmt::Display) -> Rejection {
        Rejection {
            target: std::any::type_name::<T>(),
            reason: reason.to_string(),
        }
    }
}

/// Why a body could not be produced (serialization failed).
#[derive(Debug, thiserror::Error)]
#[error("cannot encode the payload as JSON: {0}")]
pub struct EncodeError(#[from] serde_json::Error);

/// A message body: strings as UTF-8, bytes as they are, [`Json<T>`] as JSON.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sent as a message body",
    note = "send `&str`, `String`, `Vec<u8>`, `Bytes`, `Json(value)` for any `Serialize` value, or a `RocketMessage`"
)]
pub trait Body {
    /// The bytes to send.
    fn into_body(self) -> Result<Bytes, EncodeError>;
}

impl Body for &str {
    fn into_body(self) -> Result<Bytes, EncodeError> {
        Ok(Bytes::copy_from_slice(self.as_bytes()))
    }
}

impl Body for String {
    fn into_body(self) -> Result<Bytes, EncodeError> {
        Ok(Bytes::from(self))
    }
}

impl Body for &String {
    fn into_body(self) -> Result<Bytes, EncodeError> {
        self.as_str().into_body()
    }
}

impl Body for Vec<u8> {
    fn into_body(self) -> Result<Bytes, EncodeError> {
        Ok(Bytes::from(self))
    }
}

impl Body for &[u8] {
    fn into_body(self) -> Result<Bytes, EncodeError> {
        Ok(Bytes::copy_from_slice(self))
    }
}

impl Body for Bytes {
    fn into_body(self) -> Result<Bytes, EncodeError> {
        Ok(self)
    }
}

impl<T: Serialize> Body for Json<T> {
    fn into_body(self) -> Result<Bytes, EncodeError> {
        Ok(Bytes::from(serde_json::to_vec(&self.0)?))
    }
}

/// What a listener's argument (or a typed reply) can be decoded into. Any `Deserialize` type
/// works too, as JSON: the listener attribute falls back to it.
#[diagnostic::on_unimplemented(
    message = "a listener cannot receive `{Self}`",
    note = "take `String`, `Vec<u8>`, `Bytes`, `MessageExt`, `Json<T>`, `Received<T>`, or a type implementing `serde::Deserialize`"
)]
pub trait FromMessage: Sized {
    /// Decodes `msg`.
    fn from_message(msg: &MessageExt) -> Result<Self, Rejection>;
}

impl FromMessage for String {
    fn from_message(msg: &MessageExt) -> Result<Self, Rejection> {
        String::from_utf8(msg.message.body.to_vec()).map_err(Rejection::new::<String>)
    }
}

impl FromMessage for Vec<u8> {
    fn from_message(msg: &MessageExt) -> Result<Self, Rejection> {
        Ok(msg.message.body.to_vec())
    }
}

impl FromMessage for Bytes {
    fn from_message(msg: &MessageExt) -> Result<Self, Rejection> {
        Ok(msg.message.body.clone())
    }
}

impl FromMessage for MessageExt {
    fn from_message(msg: &MessageExt) -> Result<Self, Rejection> {
        Ok(msg.clone())
    }
}

impl<T: DeserializeOwned> FromMessage for Json<T> {
    fn from_message(msg: &MessageExt) -> Result<Self, Rejection> {
        serde_json::from_slice(&msg.message.body)
            .map(Json)
            .map_err(Rejection::new::<T>)
    }
}

/// Decodes `T` from JSON; for the listener attribute's fallback.
pub(crate) fn from_json<T: DeserializeOwned>(msg: &MessageExt) -> Result<T, Rejection> {
    serde_json::from_slice(&msg.message.body).map_err(Rejection::new::<T>)
}

/// Encodes any `Serialize` value as JSON; for the reply listener's fallback.
pub(crate) fn to_json<T: Serialize>(value: &T) -> Result<Bytes, EncodeError> {
    Ok(Bytes::from(serde_json::to_vec(value)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rocketmq_client::Message;

    fn ext(body: &[u8]) -> MessageExt {
        let host = std::net::SocketAddr::from(([127, 0, 0, 1], 10911));
        MessageExt {
            message: Message::new("t", body.to_vec()),
            queue_id: 0,
            store_size: 0,
            queue_offset: 0,
            sys_flag: 0,
            born_timestamp: 0,
            born_host: host,
            store_timestamp: 0,
            store_host: host,
            commit_log_offset: 0,
            body_crc: 0,
            reconsume_times: 0,
            prepared_transaction_offset: 0,
        }
    }

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Order {
        id: u32,
    }

    #[test]
    fn bodies_round_trip() {
        assert_eq!("hi".into_body().unwrap(), Bytes::from_static(b"hi"));
        assert_eq!(
            vec![0u8, 255].into_body().unwrap(),
            Bytes::from_static(&[0, 255])
        );
        let json = Json(Order { id: 7 }).into_body().unwrap();
        assert_eq!(json, Bytes::from_static(br#"{"id":7}"#));
        let Json(order) = Json::<Order>::from_message(&ext(&json)).unwrap();
        assert_eq!(order, Order { id: 7 });
        assert_eq!(
            String::from_message(&ext("我是一个简单的消息".as_bytes())).unwrap(),
            "我是一个简单的消息"
        );
    }

    #[test]
    fn undecodable_bodies_are_rejected_with_the_type() {
        let err = Json::<Order>::from_message(&ext(b"not json")).unwrap_err();
        assert!(err.target.ends_with("Order"), "{err}");
        assert!(String::from_message(&ext(&[0xff, 0xfe])).is_err());
    }
}
