//! What a template sends: a destination (`"topic"` or `"topic:tag"`) and a payload, either a
//! bare body or a [`RocketMessage`] with keys, tag, properties and delay as first-class fields.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use rocketmq_client::Message;
use rocketmq_client::protocol::message::property;

use super::TemplateError;
use crate::payload::Body;

/// When a message becomes visible to consumers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delay {
    /// A level of the broker's `messageDelayLevel` table (1 = 1 s, 3 = 10 s, … 18 = 2 h).
    Level(i32),
    /// After a duration, up to the broker's `timerMaxDelaySec` (RocketMQ 5 timer).
    After(Duration),
    /// At a point in time (RocketMQ 5 timer).
    At(SystemTime),
}

/// A payload with headers: the body plus tag, keys, user properties and delay.
///
/// ```
/// use std::time::Duration;
/// use rocketmq_starter::{Json, RocketMessage};
///
/// let msg = RocketMessage::new(Json(serde_json::json!({"id": 7})))
///     .keys(["order-7"])
///     .tag("created")
///     .property("region", "eu")
///     .delay(Duration::from_secs(10));
/// ```
#[derive(Debug)]
pub struct RocketMessage {
    body: Result<Bytes, String>,
    tag: Option<String>,
    keys: Vec<String>,
    properties: Vec<(String, String)>,
    delay: Option<Delay>,
    flag: i32,
    wait_store_msg_ok: bool,
}

impl RocketMessage {
    /// A message with `body`: `&str`, `String`, bytes, or `Json(value)`.
    pub fn new(body: impl Body) -> Self {
        RocketMessage {
            body: body.into_body().map_err(|e| e.to_string()),
            tag: None,
            keys: Vec::new(),
            properties: Vec::new(),
            delay: None,
            flag: 0,
            wait_store_msg_ok: true,
        }
    }

    /// The tag (a tag in the destination, `"topic:tag"`, takes precedence).
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tag = Some(tag.into());
        self
    }

    /// Business keys, for lookups by key (`mqadmin queryMsgByKey`).
    pub fn keys<I, S>(mut self, keys: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.keys.extend(keys.into_iter().map(Into::into));
        self
    }

    /// A user property, visible to consumers and to SQL92 selectors. System property names
    /// (`TAGS`, `KEYS`, `DELAY`, …) are refused at send time; use the dedicated methods.
    pub fn property(mut self, name: impl Into<String>, value: impl ToString) -> Self {
        self.properties.push((name.into(), value.to_string()));
        self
    }

    /// Delays delivery by a level of the broker's table.
    pub fn delay_level(mut self, level: i32) -> Self {
        self.delay = Some(Delay::Level(level));
        self
    }

    /// Delays delivery by a duration (RocketMQ 5 timer).
    pub fn delay(mut self, after: Duration) -> Self {
        self.delay = Some(Delay::After(after));
        self
    }

    /// Delivers at a point in time (RocketMQ 5 timer).
    pub fn deliver_at(mut self, at: SystemTime) -> Self {
        self.delay = Some(Delay::At(at));
        self
    }

    /// The user flag (`Message.flag`).
    pub fn flag(mut self, flag: i32) -> Self {
        self.flag = flag;
        self
    }

    /// Whether the broker answers only once the message is stored as configured (true).
    pub fn wait_store_msg_ok(mut self, wait: bool) -> Self {
        self.wait_store_msg_ok = wait;
        self
    }

    /// The client message for `destination`.
    pub(crate) fn into_message(self, destination: &str) -> Result<Message, TemplateError> {
        let (topic, dest_tag) = parse_destination(destination)?;
        let body = self.body.map_err(TemplateError::Payload)?;
        if body.is_empty() {
            return Err(TemplateError::Payload(format!(
                "the body for {destination} is empty; RocketMQ does not store empty messages"
            )));
        }
        let mut msg = Message::new(topic, body);
        msg.flag = self.flag;
        if let Some(tag) = dest_tag.or(self.tag) {
            msg.put_property(property::TAGS, tag);
        }
        if !self.keys.is_empty() {
            msg.put_property(property::KEYS, self.keys.join(" "));
        }
        if !self.wait_store_msg_ok {
            msg.put_property(property::WAIT_STORE_MSG_OK, "false");
        }
        for (name, value) in self.properties {
            if SYSTEM_PROPERTIES.contains(&name.as_str()) {
                return Err(TemplateError::Payload(format!(
                    "`{name}` is a system property; set it with the RocketMessage method for it (tag, keys, delay_level, …)"
                )));
            }
            msg.put_property(name, value);
        }
        match self.delay {
            None => {}
            Some(Delay::Level(level)) if level > 0 => msg = msg.with_delay_level(level),
            Some(Delay::Level(_)) => {}
            Some(Delay::After(d)) if d.is_zero() => {}
            Some(Delay::After(d)) => msg = msg.with_delay(d),
            Some(Delay::At(at)) => {
                let ms = at
                    .duration_since(UNIX_EPOCH)
                    .map_err(|_| TemplateError::Payload("deliver_at is before 1970".into()))?
                    .as_millis();
                msg = msg.with_deliver_time(i64::try_from(ms).unwrap_or(i64::MAX));
            }
        }
        Ok(msg)
    }
}

/// Property names the client and broker own; a user property with one of these names would be
/// misread (rocketmq-spring drops them silently, issues #364, #411, #716).
const SYSTEM_PROPERTIES: [&str; 27] = [
    property::KEYS,
    property::TAGS,
    property::WAIT_STORE_MSG_OK,
    property::DELAY_TIME_LEVEL,
    property::RETRY_TOPIC,
    property::REAL_TOPIC,
    property::REAL_QUEUE_ID,
    property::TRANSACTION_PREPARED,
    property::PRODUCER_GROUP,
    property::MIN_OFFSET,
    property::MAX_OFFSET,
    property::ORIGIN_MESSAGE_ID,
    property::RECONSUME_TIME,
    property::MAX_RECONSUME_TIMES,
    property::MSG_REGION,
    property::TRACE_SWITCH,
    property::UNIQ_CLIENT_MESSAGE_ID_KEYIDX,
    property::CONSUME_START_TIMESTAMP,
    property::TRANSACTION_ID,
    property::CORRELATION_ID,
    property::MESSAGE_REPLY_TO_CLIENT,
    property::MESSAGE_TTL,
    property::MSG_TYPE,
    property::CLUSTER,
    property::TIMER_DELAY_SEC,
    property::TIMER_DELAY_MS,
    property::TIMER_DELIVER_MS,
];

/// Splits `"topic:tag"` at the first colon, as rocketmq-spring does (`"t:a:b"` is topic `t`,
/// tag `a:b`); an empty tag counts as none.
pub(crate) fn parse_destination(
    destination: &str,
) -> Result<(&str, Option<String>), TemplateError> {
    let (topic, tag) = match destination.split_once(':') {
        Some((t, tag)) => (t, Some(tag)),
        None => (destination, None),
    };
    let topic = topic.trim();
    if topic.is_empty() {
        return Err(TemplateError::Destination(destination.to_string()));
    }
    Ok((
        topic,
        tag.map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string),
    ))
}

/// What the template's send methods accept: any [`Body`] or a [`RocketMessage`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sent by a RocketTemplate",
    note = "send `&str`, `String`, `Vec<u8>`, `Bytes`, `Json(value)` for any `Serialize` value, or a `RocketMessage` for keys, tag, properties and delay"
)]
pub trait Payload {
    /// The payload as a message builder.
    fn into_rocket_message(self) -> RocketMessage;
}

impl<B: Body> Payload for B {
    fn into_rocket_message(self) -> RocketMessage {
        RocketMessage::new(self)
    }
}

impl Payload for RocketMessage {
    fn into_rocket_message(self) -> RocketMessage {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_split_at_the_first_colon() {
        assert_eq!(parse_destination("boot-test").unwrap(), ("boot-test", None));
        assert_eq!(
            parse_destination("orders:created").unwrap(),
            ("orders", Some("created".to_string()))
        );
        assert_eq!(
            parse_destination("t:a:b").unwrap(),
            ("t", Some("a:b".to_string()))
        );
        assert_eq!(parse_destination("t:").unwrap(), ("t", None));
        assert!(parse_destination(":tag").is_err());
        assert!(parse_destination("").is_err());
    }

    #[test]
    fn headers_are_first_class() {
        let msg = RocketMessage::new("hi")
            .tag("ignored")
            .keys(["k1", "k2"])
            .property("a", 1)
            .delay_level(3)
            .into_message("t:TagA")
            .unwrap();
        assert_eq!(msg.topic, "t");
        assert_eq!(msg.tags(), Some("TagA"));
        assert_eq!(msg.keys(), Some("k1 k2"));
        assert_eq!(msg.property("a"), Some("1"));
        assert_eq!(msg.delay_level(), 3);
        let timed = RocketMessage::new("x")
            .delay(Duration::from_secs(5))
            .into_message("t")
            .unwrap();
        assert_eq!(timed.property(property::TIMER_DELAY_MS), Some("5000"));
    }

    #[test]
    fn system_properties_and_empty_bodies_are_refused() {
        let err = RocketMessage::new("x")
            .property("DELAY", 3)
            .into_message("t")
            .unwrap_err();
        assert!(err.to_string().contains("system property"), "{err}");
        assert!(RocketMessage::new("").into_message("t").is_err());
    }
}
