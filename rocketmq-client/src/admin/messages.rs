//! Looking messages up: by key, by unique key (what Java calls the message id), and by offset
//! message id — `mqadmin queryMsgByKey`, `queryMsgByUniqueKey`, `queryMsgById`.

use std::collections::BTreeSet;

use super::Admin;
use crate::error::{ClientError, Result};
use crate::protocol::body::ConsumeType;
use crate::protocol::header::{
    QueryMessageRequestHeader, UNIQUE_KEY_QUERY, ViewMessageRequestHeader,
};
use crate::protocol::message::{MessageExt, decode_offset_msg_id};
use crate::protocol::{RemotingCommand, RequestCode, ResponseCode};
use crate::route::master_addrs;

/// Whether one group consumed a message (`MessageTrack`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessageTrack {
    /// The group.
    pub consumer_group: String,
    /// CONSUMED, CONSUMED_BUT_FILTERED, NOT_CONSUME_YET, PULL, NOT_ONLINE or UNKNOWN.
    pub track_type: String,
    /// Why, when it could not be told (`null` otherwise, as Java prints it).
    pub exception_desc: String,
}

impl Admin {
    /// Messages of `topic` with business key `key` stored within `[begin, end]` (ms since the
    /// epoch), from every master, newest first, at most `max`.
    pub async fn query_message(
        &self,
        topic: &str,
        key: &str,
        max: usize,
        begin: i64,
        end: i64,
    ) -> Result<Vec<MessageExt>> {
        let found = self.query(topic, key, max, begin, end, false).await?;
        Ok(found
            .into_iter()
            .filter(|m| {
                m.message
                    .keys()
                    .is_some_and(|ks| ks.split(' ').any(|k| k == key))
            })
            .take(max)
            .collect())
    }

    /// The message of `topic` whose unique key (Java's `msgId`) is `unique_key`.
    pub async fn query_message_by_unique_key(
        &self,
        topic: &str,
        unique_key: &str,
    ) -> Result<Option<MessageExt>> {
        let found = self.query(topic, unique_key, 32, 0, i64::MAX, true).await?;
        Ok(found
            .into_iter()
            .find(|m| m.message.unique_key() == Some(unique_key)))
    }

    /// The message an offset message id (store address + commit-log offset) names.
    pub async fn view_message(&self, offset_msg_id: &str) -> Result<MessageExt> {
        let (addr, offset) = decode_offset_msg_id(offset_msg_id).ok_or_else(|| {
            ClientError::InvalidMessage(format!("`{offset_msg_id}` is not an offset message id"))
        })?;
        let addr = addr.to_string();
        let req = RemotingCommand::request_with(
            RequestCode::ViewMessageById,
            &ViewMessageRequestHeader {
                offset,
                topic: None,
            },
        );
        let resp = self.call(&addr, req).await?;
        let mut msgs = MessageExt::decode_all(&resp.body).map_err(|e| ClientError::Protocol {
            addr: addr.clone(),
            reason: e.to_string(),
        })?;
        let mut m = msgs.pop().ok_or_else(|| ClientError::Protocol {
            addr,
            reason: "empty VIEW_MESSAGE_BY_ID body".into(),
        })?;
        let _ = m.decompress_body();
        Ok(m)
    }

    /// Apache's `messageTrackDetail`: for each group consuming the message's topic, whether
    /// it consumed the message: CONSUMED, CONSUMED_BUT_FILTERED, NOT_CONSUME_YET, PULL (a pull
    /// consumer, not tracked) or NOT_ONLINE.
    pub async fn message_tracks(&self, msg: &MessageExt) -> Result<Vec<MessageTrack>> {
        let topic = &msg.message.topic;
        let groups = self
            .topic_consumed_by(&msg.store_host.to_string(), topic)
            .await?;
        let mut out = Vec::new();
        for group in groups {
            let track = |track_type: &str, exception_desc: String| MessageTrack {
                consumer_group: group.clone(),
                track_type: track_type.to_string(),
                exception_desc,
            };
            let conn = match self.consumer_connection(&group).await {
                Ok(c) => c,
                Err(ClientError::Remote { code, remark, .. }) => {
                    let kind = if code == ResponseCode::ConsumerNotOnline {
                        "NOT_ONLINE"
                    } else {
                        "UNKNOWN"
                    };
                    out.push(track(
                        kind,
                        format!("CODE:{} DESC:{remark}", i32::from(code)),
                    ));
                    continue;
                }
                Err(e) => {
                    out.push(track("UNKNOWN", e.to_string()));
                    continue;
                }
            };
            if conn.consume_type == ConsumeType::Actively {
                out.push(track("PULL", "null".into()));
                continue;
            }
            let stats = self.consume_stats(&group, Some(topic)).await?;
            let consumed = stats.offset_table.0.iter().any(|(mq, o)| {
                mq.topic == *topic
                    && mq.queue_id == msg.queue_id
                    && o.consumer_offset > msg.queue_offset
            });
            let kind = if !consumed {
                "NOT_CONSUME_YET"
            } else {
                let tag = msg.message.tags().unwrap_or_default();
                let filtered = conn
                    .subscription_table
                    .values()
                    .filter(|s| s.topic == *topic)
                    .any(|s| {
                        let tags: Vec<&str> = s.sub_string.split("||").map(str::trim).collect();
                        !(tags.contains(&tag)
                            || tags.contains(&"*")
                            || s.sub_string.trim().is_empty())
                    });
                if filtered {
                    "CONSUMED_BUT_FILTERED"
                } else {
                    "CONSUMED"
                }
            };
            out.push(track(kind, "null".into()));
        }
        Ok(out)
    }

    async fn query(
        &self,
        topic: &str,
        key: &str,
        max: usize,
        begin: i64,
        end: i64,
        unique: bool,
    ) -> Result<Vec<MessageExt>> {
        let route = self.topic_route(topic).await?;
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        for addr in master_addrs(std::iter::once(&route)) {
            let header = QueryMessageRequestHeader {
                topic: topic.to_string(),
                key: key.to_string(),
                max_num: i32::try_from(max).unwrap_or(i32::MAX),
                begin_timestamp: begin,
                end_timestamp: end,
            };
            let mut req = RemotingCommand::request_with(RequestCode::QueryMessage, &header);
            if unique {
                req.ext_fields
                    .insert(UNIQUE_KEY_QUERY.to_string(), "true".to_string());
            }
            let resp = self.client.invoke(&addr, req, super::TIMEOUT).await?;
            match resp.response_code() {
                ResponseCode::Success => {}
                ResponseCode::QueryNotFound => continue,
                code => {
                    return Err(ClientError::Remote {
                        addr,
                        code,
                        remark: resp.remark.unwrap_or_default(),
                    });
                }
            }
            let msgs = MessageExt::decode_all(&resp.body).map_err(|e| ClientError::Protocol {
                addr: addr.clone(),
                reason: e.to_string(),
            })?;
            for mut m in msgs {
                if m.message.topic == topic && seen.insert((m.store_host, m.commit_log_offset)) {
                    let _ = m.decompress_body();
                    out.push(m);
                }
            }
        }
        out.sort_by_key(|m| std::cmp::Reverse(m.store_timestamp));
        Ok(out)
    }
}
