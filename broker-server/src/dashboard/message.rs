//! Messages: by key, by id (offset id or unique key) with who consumed it, by topic and time
//! range (newest first, paged), consumed again by a group's client; and a group's dead
//! letters: listed, resent to the group, exported as CSV.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use rocketmq_client::ClientError;
use rocketmq_client::protocol::body::MessageQueue;
use rocketmq_client::protocol::message::{MessageExt, decode_offset_msg_id};
use rocketmq_client::protocol::now_millis;
use rocketmq_client::protocol::topic::dlq_topic;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Console;
use super::reply::{ApiError, Reply, ok, required};

/// The most messages a time-range query reads (rocketmq-dashboard's cap).
const MAX_RANGE: usize = 2000;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MessageQuery {
    topic: Option<String>,
    key: Option<String>,
    msg_id: Option<String>,
    consumer_group: Option<String>,
    client_id: Option<String>,
    /// Epoch ms.
    begin: Option<i64>,
    end: Option<i64>,
    page_num: Option<usize>,
    page_size: Option<usize>,
}

/// A message as the pages show it: its ids, where it is, properties, and the body as text
/// (lossy UTF-8) and hex.
fn message_view(m: &MessageExt) -> Value {
    let props: BTreeMap<&String, &String> = m.message.properties.iter().collect();
    let body = &m.message.body;
    let hex: String = body
        .iter()
        .take(64 * 1024)
        .map(|b| format!("{b:02x}"))
        .collect();
    json!({
        "topic": m.message.topic,
        "msgId": m.message.unique_key().map_or_else(|| m.offset_msg_id(), str::to_string),
        "offsetMsgId": m.offset_msg_id(),
        "tags": m.message.tags(),
        "keys": m.message.keys(),
        "queueId": m.queue_id,
        "queueOffset": m.queue_offset,
        "bornTimestamp": m.born_timestamp,
        "storeTimestamp": m.store_timestamp,
        "bornHost": m.born_host.to_string(),
        "storeHost": m.store_host.to_string(),
        "reconsumeTimes": m.reconsume_times,
        "properties": props,
        "bodyLength": body.len(),
        "bodyText": String::from_utf8_lossy(body),
        "bodyHex": hex,
    })
}

/// Messages of a topic with a business key (the last three days, as Apache's page asks).
pub(crate) async fn by_key(State(c): State<Arc<Console>>, Query(q): Query<MessageQuery>) -> Reply {
    let topic = required(&q.topic, "topic")?;
    let key = required(&q.key, "key")?;
    let msgs = c.admin.query_message(topic, key, 64, 0, i64::MAX).await?;
    ok(msgs.iter().map(message_view).collect::<Vec<_>>())
}

/// One message, by its offset id or unique key, with whether each group consumed it.
async fn view_one(c: &Console, topic: Option<&str>, id: &str) -> Result<MessageExt, ApiError> {
    if let Some(topic) = topic
        && let Some(m) = c.admin.query_message_by_unique_key(topic, id).await?
    {
        return Ok(m);
    }
    if decode_offset_msg_id(id).is_some() {
        return Ok(c.admin.view_message(id).await?);
    }
    Err(ApiError::new(match topic {
        Some(t) => format!("no message {id} in topic {t}"),
        None => format!("{id} is not a message id (32 hex digits of address and offset)"),
    }))
}

pub(crate) async fn view(State(c): State<Arc<Console>>, Query(q): Query<MessageQuery>) -> Reply {
    let id = required(&q.msg_id, "msgId")?;
    let topic = q.topic.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let m = view_one(&c, topic, id).await?;
    let tracks = c.admin.message_tracks(&m).await.unwrap_or_default();
    ok(json!({ "messageView": message_view(&m), "messageTrackList": tracks }))
}

/// The messages of every queue of `topic` stored within `[begin, end)`, newest first, at
/// most [`MAX_RANGE`]; a topic that does not exist has none when `missing_ok` (a group's
/// dead-letter topic before its first dead letter), else is an error.
async fn in_range(
    c: &Console,
    topic: &str,
    (begin, end): (i64, i64),
    missing_ok: bool,
) -> Result<Vec<MessageExt>, ApiError> {
    let route = match c.admin.topic_route(topic).await {
        Ok(r) => r,
        Err(ClientError::NoRoute { .. }) if missing_ok => return Ok(Vec::new()),
        Err(ClientError::NoRoute { .. }) => {
            return Err(ApiError::new(format!("topic {topic} does not exist")));
        }
        Err(e) => return Err(e.into()),
    };
    let mut out = Vec::new();
    for broker in &route.broker_datas {
        let Some(addr) = broker
            .master_addr()
            .or_else(|| broker.broker_addrs.values().next().map(String::as_str))
        else {
            continue;
        };
        let queues = route
            .queues_of(&broker.broker_name)
            .map_or(0, |q| q.read_queue_nums);
        for queue_id in 0..queues {
            let mq = MessageQueue::new(topic, &broker.broker_name, queue_id);
            let (min, max) = c.admin.queue_range(addr, &mq).await?;
            if min >= max {
                continue;
            }
            let from = c
                .admin
                .queue_offset_at(addr, &mq, begin)
                .await?
                .clamp(min, max);
            let to = c
                .admin
                .queue_offset_at(addr, &mq, end)
                .await?
                .clamp(from, max);
            // Newest first: read the tail of a long range only.
            let from = from.max(to - MAX_RANGE as i64);
            out.extend(c.admin.read_queue(addr, &mq, from, to).await?);
        }
    }
    out.retain(|m| m.store_timestamp >= begin && m.store_timestamp < end);
    out.sort_by_key(|m| std::cmp::Reverse(m.store_timestamp));
    out.truncate(MAX_RANGE);
    Ok(out)
}

/// One page of `msgs`: `{total, pageNum, pageSize, content}`.
fn page(msgs: &[MessageExt], q: &MessageQuery) -> Value {
    let size = q.page_size.unwrap_or(20).clamp(1, 500);
    let num = q.page_num.unwrap_or(1).max(1);
    let content: Vec<Value> = msgs
        .iter()
        .skip((num - 1) * size)
        .take(size)
        .map(message_view)
        .collect();
    json!({ "total": msgs.len(), "pageNum": num, "pageSize": size, "content": content })
}

fn range(q: &MessageQuery) -> Result<(i64, i64), ApiError> {
    let end = q.end.unwrap_or_else(|| now_millis() + 1);
    let begin = q.begin.unwrap_or(end - 3 * 24 * 3600 * 1000);
    if begin >= end {
        return Err(ApiError::new("begin must be before end"));
    }
    Ok((begin, end))
}

pub(crate) async fn by_topic(
    State(c): State<Arc<Console>>,
    Query(q): Query<MessageQuery>,
) -> Reply {
    let topic = required(&q.topic, "topic")?;
    let msgs = in_range(&c, topic, range(&q)?, false).await?;
    ok(page(&msgs, &q))
}

/// Has one of the group's clients (`clientId`, or the first connected) consume the message
/// again.
async fn consume_again(
    c: &Console,
    group: &str,
    client: Option<&str>,
    offset_msg_id: &str,
) -> Result<Value, ApiError> {
    let client = match client {
        Some(id) => id.to_string(),
        None => c
            .admin
            .consumer_connection(group)
            .await?
            .connection_set
            .first()
            .map(|m| m.client_id.clone())
            .ok_or_else(|| ApiError::new(format!("no consumer of {group} is online")))?,
    };
    let r = c
        .admin
        .consume_message_directly(group, &client, offset_msg_id)
        .await?;
    Ok(
        json!({ "clientId": client, "consumeResult": r.consume_result, "remark": r.remark, "spentTimeMills": r.spent_time_mills }),
    )
}

pub(crate) async fn consume_directly(
    State(c): State<Arc<Console>>,
    Query(q): Query<MessageQuery>,
) -> Reply {
    let group = required(&q.consumer_group, "consumerGroup")?;
    let id = required(&q.msg_id, "msgId")?;
    let topic = q.topic.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let m = view_one(&c, topic, id).await?;
    let client = q
        .client_id
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    ok(consume_again(&c, group, client, &m.offset_msg_id()).await?)
}

/// A page of the group's dead letters.
pub(crate) async fn dead_letters(
    State(c): State<Arc<Console>>,
    Query(q): Query<MessageQuery>,
) -> Reply {
    let group = required(&q.consumer_group, "consumerGroup")?;
    let msgs = in_range(&c, &dlq_topic(group), range(&q)?, true).await?;
    ok(page(&msgs, &q))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Resend {
    consumer_group: Option<String>,
    msg_id: Option<String>,
}

/// Resends dead letters to their group: each is consumed again by one of its clients, as
/// rocketmq-dashboard resends them.
pub(crate) async fn resend_dead_letters(
    State(c): State<Arc<Console>>,
    Json(list): Json<Vec<Resend>>,
) -> Reply {
    if list.is_empty() {
        return Err(ApiError::new("choose at least one message"));
    }
    let mut out = Vec::new();
    for r in &list {
        let group = required(&r.consumer_group, "consumerGroup")?;
        let id = required(&r.msg_id, "msgId")?;
        let m = view_one(&c, Some(&dlq_topic(group)), id).await?;
        let result = match consume_again(&c, group, None, &m.offset_msg_id()).await {
            Ok(v) => v,
            Err(e) => json!({ "error": e.message() }),
        };
        out.push(json!({ "msgId": id, "result": result }));
    }
    ok(out)
}

/// The group's dead letters in the range as CSV.
pub(crate) async fn export_dead_letters(
    State(c): State<Arc<Console>>,
    Query(q): Query<MessageQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let group = required(&q.consumer_group, "consumerGroup")?;
    let msgs = in_range(&c, &dlq_topic(group), range(&q)?, true).await?;
    let field = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut csv =
        String::from("msgId,offsetMsgId,topic,tags,keys,storeTimestamp,reconsumeTimes,body\n");
    for m in &msgs {
        let v = message_view(m);
        let cols = [
            field(v["msgId"].as_str().unwrap_or_default()),
            field(v["offsetMsgId"].as_str().unwrap_or_default()),
            field(&m.message.topic),
            field(m.message.tags().unwrap_or_default()),
            field(m.message.keys().unwrap_or_default()),
            m.store_timestamp.to_string(),
            m.reconsume_times.to_string(),
            field(&String::from_utf8_lossy(&m.message.body)),
        ];
        csv.push_str(&cols.join(","));
        csv.push('\n');
    }
    let name = format!("attachment; filename=\"dlq-{group}.csv\"");
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        csv,
    ))
}
