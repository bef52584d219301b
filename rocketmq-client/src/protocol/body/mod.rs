//! JSON request and response bodies.
//!
//! Every body implements [`JsonBody`]: it decodes leniently (fastjson's dialect, see
//! the `fastjson` module) and encodes either as standard JSON or, for bodies whose Java
//! form has non-string map keys, in fastjson's form.

mod broker_stats;
mod cluster;
mod consumer_info;
mod ha;
mod heartbeat;
mod lists;
mod lock_batch;
mod offsets;
mod queue_admin;
mod route;
mod stats;
mod subscription_group;
mod topic_config;

pub use broker_stats::{BrokerStatsData, BrokerStatsItem};
pub use cluster::ClusterInfo;
pub use consumer_info::{
    Connection, ConsumeMessageDirectlyResult, ConsumeStatus, ConsumerConnection,
    ConsumerRunningInfo, ProcessQueueInfo, ProducerConnection, ResetOffsetBody, consume_result,
    running_info_prop,
};
pub use ha::{HaClientRuntimeInfo, HaConnectionRuntimeInfo, HaRuntimeInfo};
pub use heartbeat::{
    CheckClientRequestBody, ConsumeFromWhere, ConsumeType, ConsumerData, HeartbeatData,
    MessageModel, ProducerData, SubscriptionData,
};
pub use lists::{ConsumerListBody, GroupList, KvTable, TopicList};
pub use lock_batch::{LockBatchRequestBody, LockBatchResponseBody, MessageQueue};
pub use offsets::{ConsumerOffsetSerializeWrapper, DelayOffsetSerializeWrapper};
pub use queue_admin::{
    ConsumeQueueData, QueryConsumeQueueResponseBody, QueryConsumeTimeSpanBody, QueueTimeSpan,
};
pub use route::{BrokerData, QueueData, TopicRouteData};
pub use stats::{
    ConsumeStats, ConsumeStatsList, MqMap, OffsetWrapper, TopicOffset, TopicStatsTable,
};
pub use subscription_group::{SubscriptionGroupConfig, SubscriptionGroupWrapper};
pub use topic_config::{
    DataVersion, RegisterBrokerBody, TopicConfig, TopicConfigSerializeWrapper, perm,
};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::fastjson::{self, JsonError};

/// Why a body could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// Not JSON, not even fastjson's.
    #[error(transparent)]
    Syntax(#[from] JsonError),
    /// JSON, but not the expected document.
    #[error("unexpected JSON body: {0}")]
    Shape(String),
}

/// A JSON body.
pub trait JsonBody: Serialize + DeserializeOwned {
    /// Fields under which Java writes integer or object map keys unquoted.
    const FASTJSON_KEY_FIELDS: &'static [&'static str] = &[];

    /// Encodes the way Apache does (fastjson key forms where Java has non-string keys).
    fn encode(&self) -> Vec<u8> {
        if Self::FASTJSON_KEY_FIELDS.is_empty() {
            self.encode_standard()
        } else {
            let value = serde_json::to_value(self).expect("bodies serialize");
            fastjson::to_vec(&value, Self::FASTJSON_KEY_FIELDS)
        }
    }

    /// Encodes as Java's `toJson(true)` prints it (fastjson's tab-indented pretty form), as
    /// Apache's tools print bodies.
    fn encode_pretty(&self) -> String {
        let value = serde_json::to_value(self).expect("bodies serialize");
        String::from_utf8(fastjson::to_pretty_vec(&value, Self::FASTJSON_KEY_FIELDS))
            .expect("JSON text is UTF-8")
    }

    /// Encodes as standard JSON.
    fn encode_standard(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("bodies serialize")
    }

    /// Decodes standard or fastjson JSON.
    fn decode(bytes: &[u8]) -> Result<Self, BodyError> {
        let value = fastjson::parse(bytes)?;
        serde_json::from_value(value).map_err(|e| BodyError::Shape(e.to_string()))
    }
}

/// Serde helpers for values real clients send in more than one shape.
pub(crate) mod lenient {
    use serde::{Deserialize, Deserializer};

    /// An i64 given as a number or a string (the C++ client sends `subVersion` as a string).
    pub(crate) fn i64_any<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Any {
            N(i64),
            F(f64),
            S(String),
        }
        Ok(match Any::deserialize(d)? {
            Any::N(n) => n,
            Any::F(f) => f as i64,
            Any::S(s) => s.trim().parse().map_err(serde::de::Error::custom)?,
        })
    }
}

/// Declares a Java enum that serializes by name and deserializes from a name (any case) or an
/// ordinal, as fastjson does.
macro_rules! java_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vm])* #[doc = concat!("\n\nJava's `", $text, "`.")] $variant,)* }

        impl $name {
            const ALL: &'static [($name, &'static str)] = &[$(($name::$variant, $text),)*];

            /// Java's enum name.
            pub fn name(self) -> &'static str {
                Self::ALL.iter().find(|(v, _)| *v == self).map(|(_, n)| *n).unwrap_or("")
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.name())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let v = serde_json::Value::deserialize(d)?;
                let found = match &v {
                    serde_json::Value::String(s) => {
                        Self::ALL.iter().find(|(_, n)| n.eq_ignore_ascii_case(s)).map(|(v, _)| *v)
                    }
                    serde_json::Value::Number(n) => {
                        n.as_u64().and_then(|i| Self::ALL.get(i as usize)).map(|(v, _)| *v)
                    }
                    _ => None,
                };
                found.ok_or_else(|| serde::de::Error::custom(format!("invalid {}: {v}", stringify!($name))))
            }
        }
    };
}
pub(crate) use java_enum;
