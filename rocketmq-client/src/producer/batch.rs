//! Batch sends: many messages of one topic in one request, stored with consecutive offsets.

use bytes::Bytes;

use super::{Inner, Outgoing, Producer};
use crate::error::{ClientError, Result};
use crate::producer::SendResult;
use crate::protocol::message::{BATCH_ENTRY_OVERHEAD, BatchBody, Message, properties, property};

/// The encoded size of one message in a batch.
fn entry_size(msg: &Message) -> usize {
    // UNIQ_KEY is added when sending: 8 + 1 + 32 + 1 bytes
    BATCH_ENTRY_OVERHEAD + msg.body.len() + properties::encode(&msg.properties).len() + 42
}

/// Splits messages into batches of at most `max_bytes` encoded bytes each (Java's
/// `ListSplitter` example). A single message larger than the limit gets a batch of its own,
/// which the send then refuses.
///
/// ```no_run
/// # async fn demo(producer: rocketmq_client::Producer) -> rocketmq_client::Result<()> {
/// use rocketmq_client::Message;
/// use rocketmq_client::producer::split_batch;
///
/// let messages: Vec<Message> = (0..10_000)
///     .map(|i| Message::new("BatchTest", format!("Hello world {i}")))
///     .collect();
/// for batch in split_batch(messages, 1024 * 1024) {
///     producer.send_batch(batch).await?;
/// }
/// # Ok(()) }
/// ```
pub fn split_batch(messages: Vec<Message>, max_bytes: usize) -> Vec<Vec<Message>> {
    let mut out: Vec<Vec<Message>> = Vec::new();
    let mut current: Vec<Message> = Vec::new();
    let mut size = 0;
    for m in messages {
        let s = entry_size(&m);
        if !current.is_empty() && size + s > max_bytes {
            out.push(std::mem::take(&mut current));
            size = 0;
        }
        size += s;
        current.push(m);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

impl Producer {
    /// Sends messages of one topic as one batch: same topic, no delay, no retry topic, at most
    /// `max_message_size` encoded bytes (use [`split_batch`] for more). Batches are not
    /// compressed. The result's `msg_id` joins every message's unique key with commas.
    ///
    /// ```no_run
    /// # async fn demo(producer: rocketmq_client::Producer) -> rocketmq_client::Result<()> {
    /// use rocketmq_client::Message;
    ///
    /// let batch = vec![
    ///     Message::new("BatchTest", "Hello world 0").with_keys("OrderID001"),
    ///     Message::new("BatchTest", "Hello world 1").with_keys("OrderID002"),
    /// ];
    /// let result = producer.send_batch(batch).await?;
    /// println!("stored from queue offset {}", result.queue_offset);
    /// # Ok(()) }
    /// ```
    pub async fn send_batch(&self, messages: Vec<Message>) -> Result<SendResult> {
        let out = self.inner.prepare_batch(messages)?;
        self.send_outgoing(out).await
    }
}

impl Inner {
    pub(super) fn prepare_batch(&self, messages: Vec<Message>) -> Result<Outgoing> {
        let first = messages
            .first()
            .ok_or_else(|| ClientError::InvalidMessage("the batch is empty".into()))?;
        self.check(first)?;
        let topic = first.topic.clone();
        if crate::protocol::topic::is_retry_topic(&topic) {
            return Err(ClientError::InvalidMessage(
                "a batch cannot go to a retry topic".into(),
            ));
        }
        let wait = first.wait_store_msg_ok();
        // Room for the bodies and, per message, the entry header, a generated unique key and
        // a few properties; the buffer grows if that is short.
        let room: usize = messages.iter().map(|m| m.body.len() + 128).sum();
        let mut body = BatchBody::with_capacity(room);
        // Every message's unique key, comma-separated (the result's msg id), and one buffer
        // for the keys generated here.
        let mut msg_id = String::with_capacity(messages.len() * 33);
        let mut id = String::new();
        for m in messages {
            if m.topic != topic {
                return Err(ClientError::InvalidMessage(
                    "every message of a batch must have the same topic".into(),
                ));
            }
            self.check_body(&m)?;
            // One pass over the properties instead of a lookup each: this runs per message.
            let (mut delayed, mut this_wait, mut unique) = (false, true, None);
            for (name, value) in &m.properties {
                match name.as_str() {
                    property::DELAY_TIME_LEVEL => {
                        delayed |= value.parse::<i32>().is_ok_and(|level| level > 0);
                    }
                    property::TIMER_DELAY_MS
                    | property::TIMER_DELAY_SEC
                    | property::TIMER_DELIVER_MS => delayed = true,
                    property::WAIT_STORE_MSG_OK => this_wait = value.eq_ignore_ascii_case("true"),
                    property::UNIQ_CLIENT_MESSAGE_ID_KEYIDX => unique = Some(value),
                    _ => {}
                }
            }
            if delayed {
                return Err(ClientError::InvalidMessage(
                    "a batch cannot carry delayed messages".into(),
                ));
            }
            if this_wait != wait {
                return Err(ClientError::InvalidMessage(
                    "every message of a batch must have the same WAIT flag".into(),
                ));
            }
            if !msg_id.is_empty() {
                msg_id.push(',');
            }
            match unique {
                Some(unique) => msg_id.push_str(unique),
                None => {
                    id.clear();
                    self.ids.push_next_id(&mut id);
                    msg_id.push_str(&id);
                }
            }
            body.push(m.flag, &m.body, |out| {
                properties::encode_into(&m.properties, out);
                if unique.is_none() {
                    properties::put_entry(out, property::UNIQ_CLIENT_MESSAGE_ID_KEYIDX, &id);
                }
            });
        }
        let body = body.finish();
        if body.len() > self.config.max_message_size {
            return Err(ClientError::InvalidMessage(format!(
                "the batch is {} bytes, over the {} byte limit; split it with split_batch",
                body.len(),
                self.config.max_message_size
            )));
        }
        let mut outer = Message {
            topic,
            flag: 0,
            properties: Default::default(),
            body: Bytes::new(),
        };
        outer.put_property(property::UNIQ_CLIENT_MESSAGE_ID_KEYIDX, self.ids.next_id());
        if !wait {
            outer.put_property(property::WAIT_STORE_MSG_OK, "false");
        }
        Ok(Outgoing {
            msg: outer,
            body,
            sys_flag: 0,
            batch: true,
            msg_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_order_and_respects_the_limit() {
        let msgs: Vec<Message> = (0..10)
            .map(|i| Message::new("T", format!("{i:0>100}")))
            .collect();
        let one = entry_size(&msgs[0]);
        let batches = split_batch(msgs, one * 3 + 20);
        assert_eq!(
            batches.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![3, 3, 3, 1]
        );
        assert_eq!(&batches[1][0].body[97..], b"003");
        assert!(split_batch(Vec::new(), 10).is_empty());
    }
}
