//! Typed request and response headers, to and from `extFields`.
//!
//! Java fills `extFields` by reflection: every non-null field becomes `name -> toString()`. Here
//! each header is a plain struct declared with [`ext_header!`](crate::ext_header), which generates
//! [`CommandHeader`]: required fields (`String`, `i32`, `i64`, `bool`) must be present, `Option`
//! fields may be absent. Booleans parse like Java's `Boolean.parseBoolean` (anything but "true"
//! is false) with one deliberate difference: the C++ client writes booleans as `1`/`0` (its
//! `batch` flag among them), so `1` is true here. Numbers must parse, or the header is rejected
//! with the key's name.

mod broker_config;
mod broker_stats;
mod client_admin;
mod consumer_group;
mod consumer_offset;
mod kv_config;
mod namesrv_broker;
mod pull_message;
mod query_message;
mod queue_admin;
mod queue_offset;
mod reply;
mod send_back;
mod send_message;
mod topic;
mod transaction;
mod write_perm;

pub use broker_config::GetBrokerConfigResponseHeader;
pub use broker_stats::ViewBrokerStatsDataRequestHeader;
pub use client_admin::{
    GetConsumeStatsInBrokerHeader, GetConsumerRunningInfoRequestHeader, ProducerGroupHeader,
    ResetOffsetRequestHeader,
};
pub use consumer_group::{ConsumerGroupHeader, UnregisterClientRequestHeader};
pub use consumer_offset::{QueryConsumerOffsetRequestHeader, UpdateConsumerOffsetRequestHeader};
pub use kv_config::{GetKvConfigResponseHeader, KvConfigRequestHeader, NamespaceHeader};
pub use namesrv_broker::{
    BrokerIdentityHeader, QueryDataVersionResponseHeader, RegisterBrokerRequestHeader,
    RegisterBrokerResponseHeader,
};
pub use pull_message::{PullMessageRequestHeader, PullMessageResponseHeader, pull_sys_flag};
pub use query_message::{
    QueryMessageRequestHeader, QueryMessageResponseHeader, UNIQUE_KEY_QUERY,
    ViewMessageRequestHeader,
};
pub use queue_admin::{
    CloneGroupOffsetRequestHeader, QueryConsumeQueueRequestHeader,
    QueryConsumeTimeSpanRequestHeader,
};
pub use queue_offset::{
    EarliestMsgStoreTimeResponseHeader, OffsetResponseHeader, QueueHeader,
    SearchOffsetRequestHeader,
};
pub use reply::ReplyMessageRequestHeader;
pub use send_back::ConsumerSendMsgBackRequestHeader;
pub use send_message::{
    SendMessageRequestHeader, SendMessageRequestHeaderV2, SendMessageResponseHeader,
};
pub use topic::{ClusterHeader, CreateTopicRequestHeader, DeleteTopicInNamesrvHeader, TopicHeader};
pub use transaction::{CheckTransactionStateRequestHeader, EndTransactionRequestHeader};
pub use write_perm::{AddWritePermResponseHeader, BrokerNameHeader, WipeWritePermResponseHeader};

use super::command::ExtFields;

/// Why ext fields could not be read as a header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// A not-null field is absent.
    #[error("the request header field `{0}` is missing")]
    Missing(&'static str),
    /// A field is present but does not parse as its type.
    #[error("the request header field `{key}` has an invalid value `{value}`")]
    Invalid {
        /// The ext key.
        key: &'static str,
        /// The value found.
        value: String,
    },
}

/// A header that maps to and from `extFields`.
pub trait CommandHeader: Sized {
    /// Writes every present field.
    fn write_to(&self, ext: &mut ExtFields);
    /// Reads the header, failing on a missing required field or a malformed value.
    fn read_from(ext: &ExtFields) -> Result<Self, HeaderError>;
}

/// A scalar carried as a string in `extFields`.
pub trait ExtScalar: Sized {
    /// The string form (Java's `toString`).
    fn render(&self) -> String;
    /// Parses the string form.
    fn parse(s: &str) -> Option<Self>;
}

impl ExtScalar for String {
    fn render(&self) -> String {
        self.clone()
    }
    fn parse(s: &str) -> Option<Self> {
        Some(s.to_string())
    }
}

impl ExtScalar for bool {
    fn render(&self) -> String {
        self.to_string()
    }
    fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Some(s.eq_ignore_ascii_case("true") || s == "1")
    }
}

macro_rules! numeric_scalar {
    ($($t:ty),*) => {$(
        impl ExtScalar for $t {
            fn render(&self) -> String {
                self.to_string()
            }
            fn parse(s: &str) -> Option<Self> {
                s.trim().parse().ok()
            }
        }
    )*};
}
numeric_scalar!(i32, i64);

/// A header field: a required scalar or an optional one.
pub trait ExtValue: Sized {
    /// Writes the field if present.
    fn put(&self, key: &'static str, ext: &mut ExtFields);
    /// Reads the field.
    fn get(ext: &ExtFields, key: &'static str) -> Result<Self, HeaderError>;
}

impl<T: ExtScalar> ExtValue for T {
    fn put(&self, key: &'static str, ext: &mut ExtFields) {
        ext.insert(key.to_string(), self.render());
    }
    fn get(ext: &ExtFields, key: &'static str) -> Result<Self, HeaderError> {
        let raw = ext.get(key).ok_or(HeaderError::Missing(key))?;
        T::parse(raw).ok_or_else(|| HeaderError::Invalid {
            key,
            value: raw.clone(),
        })
    }
}

impl<T: ExtScalar> ExtValue for Option<T> {
    fn put(&self, key: &'static str, ext: &mut ExtFields) {
        if let Some(v) = self {
            ext.insert(key.to_string(), v.render());
        }
    }
    fn get(ext: &ExtFields, key: &'static str) -> Result<Self, HeaderError> {
        match ext.get(key) {
            None => Ok(None),
            Some(raw) => T::parse(raw).map(Some).ok_or_else(|| HeaderError::Invalid {
                key,
                value: raw.clone(),
            }),
        }
    }
}

/// Declares a header struct whose fields map to ext keys.
///
/// ```
/// rocketmq_client::ext_header! {
///     /// Example.
///     pub struct Example {
///         /// The topic.
///         pub topic: String => "topic",
///         pub queue_id: Option<i32> => "queueId",
///     }
/// }
/// ```
#[macro_export]
macro_rules! ext_header {
    (
        $(#[$m:meta])*
        pub struct $name:ident {
            $( $(#[$fm:meta])* pub $field:ident : $ty:ty => $key:literal ),* $(,)?
        }
    ) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub struct $name {
            $( $(#[$fm])* #[doc = concat!("\n\nExt key `", $key, "`.")] pub $field: $ty, )*
        }

        impl $crate::protocol::header::CommandHeader for $name {
            fn write_to(&self, ext: &mut $crate::protocol::ExtFields) {
                $( $crate::protocol::header::ExtValue::put(&self.$field, $key, ext); )*
            }
            fn read_from(
                ext: &$crate::protocol::ExtFields,
            ) -> ::std::result::Result<Self, $crate::protocol::header::HeaderError> {
                Ok(Self { $( $field: $crate::protocol::header::ExtValue::get(ext, $key)?, )* })
            }
        }
    };
}

#[cfg(test)]
pub(crate) fn round_trip<H: CommandHeader + PartialEq + std::fmt::Debug>(header: &H) -> ExtFields {
    let mut ext = ExtFields::new();
    header.write_to(&mut ext);
    assert_eq!(&H::read_from(&ext).unwrap(), header);
    ext
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_and_malformed_fields_name_the_key() {
        let mut ext = ExtFields::new();
        assert_eq!(
            QueueHeader::read_from(&ext),
            Err(HeaderError::Missing("topic"))
        );
        ext.insert("topic".into(), "T".into());
        ext.insert("queueId".into(), "x1".into());
        assert_eq!(
            QueueHeader::read_from(&ext),
            Err(HeaderError::Invalid {
                key: "queueId",
                value: "x1".into()
            })
        );
    }

    #[test]
    fn booleans_parse_like_java() {
        assert_eq!(bool::parse("TRUE"), Some(true));
        assert_eq!(bool::parse("yes"), Some(false));
        assert_eq!(bool::parse("1"), Some(true), "the C++ client's batch flag");
        assert_eq!(bool::parse("0"), Some(false));
    }
}
