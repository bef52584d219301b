//! Topics: the list with each one's kind, a topic's queues, route and consumer groups,
//! creating, updating and deleting one, and sending it a test message.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use rocketmq_client::Message;
use rocketmq_client::admin::Target;
use rocketmq_client::protocol::body::TopicConfig;
use serde::Deserialize;
use serde_json::json;

use super::Console;
use super::reply::{ApiError, Reply, ok, required};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TopicQuery {
    topic: Option<String>,
    cluster_name: Option<String>,
}

/// What kind a topic is, for the page's filters.
fn kind(topic: &str, system: &BTreeSet<String>) -> &'static str {
    if topic.starts_with("%RETRY%") {
        "RETRY"
    } else if topic.starts_with("%DLQ%") {
        "DLQ"
    } else if system.contains(topic)
        || rocketmq_client::protocol::topic::is_system_topic(topic)
        || topic.ends_with(rocketmq_client::protocol::topic::REPLY_TOPIC_SUFFIX)
    {
        "SYSTEM"
    } else {
        "NORMAL"
    }
}

/// `{topicList: [...], topics: [{name, kind}]}`.
pub(crate) async fn list(State(c): State<Arc<Console>>) -> Reply {
    let all = c.admin.topic_list().await?.topic_list;
    let system: BTreeSet<String> = c
        .admin
        .system_topic_list()
        .await
        .map(|l| l.topic_list.into_iter().collect())
        .unwrap_or_default();
    let mut names: Vec<String> = all.into_iter().collect();
    names.sort();
    let topics: Vec<_> = names
        .iter()
        .map(|t| json!({ "name": t, "kind": kind(t, &system) }))
        .collect();
    ok(json!({ "topicList": names, "topics": topics }))
}

/// Every queue's min and max offsets and last update.
pub(crate) async fn stats(State(c): State<Arc<Console>>, Query(q): Query<TopicQuery>) -> Reply {
    let topic = required(&q.topic, "topic")?;
    let table = c.admin.topic_stats(topic).await?;
    let queues: Vec<_> = table
        .offset_table
        .0
        .iter()
        .map(|(mq, o)| {
            json!({
                "brokerName": mq.broker_name,
                "queueId": mq.queue_id,
                "minOffset": o.min_offset,
                "maxOffset": o.max_offset,
                "lastUpdateTimestamp": o.last_update_timestamp,
            })
        })
        .collect();
    ok(json!({ "topic": topic, "queues": queues }))
}

/// The route as the name server gives it.
pub(crate) async fn route(State(c): State<Arc<Console>>, Query(q): Query<TopicQuery>) -> Reply {
    let topic = required(&q.topic, "topic")?;
    ok(c.admin.topic_route(topic).await?)
}

/// The groups consuming the topic, each with its backlog on it.
pub(crate) async fn consumers(State(c): State<Arc<Console>>, Query(q): Query<TopicQuery>) -> Reply {
    let topic = required(&q.topic, "topic")?;
    let route = c.admin.topic_route(topic).await?;
    let mut groups = BTreeSet::new();
    for addr in route.broker_datas.iter().filter_map(|b| b.master_addr()) {
        groups.extend(c.admin.topic_consumed_by(addr, topic).await?);
    }
    let mut out = Vec::new();
    for group in groups {
        let diff = match c.admin.consume_stats(&group, Some(topic)).await {
            Ok(s) => json!(s.diff_total()),
            Err(e) => json!(e.to_string()),
        };
        out.push(json!({ "group": group, "diffTotal": diff }));
    }
    ok(out)
}

/// rocketmq-dashboard's `TopicConfigInfo`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TopicForm {
    #[serde(default)]
    cluster_name_list: Vec<String>,
    #[serde(default)]
    broker_name_list: Vec<String>,
    topic_name: Option<String>,
    write_queue_nums: Option<i32>,
    read_queue_nums: Option<i32>,
    perm: Option<i32>,
    #[serde(default)]
    order: bool,
}

/// Creates or updates the topic on the named clusters' masters and brokers.
pub(crate) async fn create(State(c): State<Arc<Console>>, Json(f): Json<TopicForm>) -> Reply {
    let name = required(&f.topic_name, "topicName")?;
    rocketmq_client::protocol::topic::validate_topic_name(name)
        .map_err(|e| ApiError::new(e.to_string()))?;
    let (w, r) = (
        f.write_queue_nums.unwrap_or(8),
        f.read_queue_nums.unwrap_or(8),
    );
    if !(1..=1024).contains(&w) || !(1..=1024).contains(&r) {
        return Err(ApiError::new("queue numbers must be between 1 and 1024"));
    }
    let config = TopicConfig {
        read_queue_nums: r,
        write_queue_nums: w,
        perm: f.perm.unwrap_or(6),
        order: f.order,
        ..TopicConfig::new(name, 0)
    };
    let mut targets: Vec<Target> = f
        .cluster_name_list
        .iter()
        .map(|c| Target::Cluster(c.clone()))
        .collect();
    if !f.broker_name_list.is_empty() {
        let info = c.admin.cluster_info().await?;
        for name in &f.broker_name_list {
            let addr = info
                .broker_addr_table
                .get(name)
                .and_then(|b| b.master_addr())
                .ok_or_else(|| ApiError::new(format!("broker {name} has no master")))?;
            targets.push(Target::Broker(addr.to_string()));
        }
    }
    if targets.is_empty() {
        return Err(ApiError::new("choose a cluster or a broker"));
    }
    let mut created = Vec::new();
    for target in &targets {
        created.extend(c.admin.create_topic(target, &config).await?);
    }
    ok(json!({ "topic": name, "brokers": created }))
}

/// Deletes the topic from a cluster's masters and the name servers.
pub(crate) async fn delete(State(c): State<Arc<Console>>, Query(q): Query<TopicQuery>) -> Reply {
    let topic = required(&q.topic, "topic")?;
    let cluster = match q.cluster_name.as_deref() {
        Some(c) if !c.trim().is_empty() => c.trim().to_string(),
        _ => {
            let info = c.admin.cluster_info().await?;
            info.cluster_addr_table
                .keys()
                .next()
                .cloned()
                .ok_or_else(|| ApiError::new("no cluster is registered"))?
        }
    };
    c.admin.delete_topic(topic, &cluster).await?;
    ok(true)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SendForm {
    topic: Option<String>,
    key: Option<String>,
    tag: Option<String>,
    message_body: Option<String>,
}

/// Sends one message, as the topic page's "send message" does.
pub(crate) async fn send(State(c): State<Arc<Console>>, Json(f): Json<SendForm>) -> Reply {
    let topic = required(&f.topic, "topic")?;
    let mut msg = Message::new(topic, f.message_body.unwrap_or_default());
    if let Some(tag) = f.tag.filter(|t| !t.trim().is_empty()) {
        msg = msg.with_tags(tag.trim());
    }
    if let Some(key) = f.key.filter(|k| !k.trim().is_empty()) {
        msg = msg.with_keys(key.trim());
    }
    let r = c.producer().await?.send(msg).await?;
    ok(json!({
        "sendStatus": r.status.name(),
        "msgId": r.msg_id,
        "offsetMsgId": r.offset_msg_id,
        "messageQueue": r.message_queue,
        "queueOffset": r.queue_offset,
    }))
}
