//! Consumer groups: the list with members, model, TPS and Diff Total; a group's progress per
//! queue (Broker Offset, Consumer Offset, Diff, last time) and its clients; resetting its
//! offsets by time; creating and deleting it. And a producer group's connections.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use rocketmq_client::protocol::body::{Connection, SubscriptionGroupConfig};
use rocketmq_client::protocol::version::version_desc;
use serde::Deserialize;
use serde_json::json;

use super::Console;
use super::reply::{ApiError, Reply, ok, required};

/// Groups every broker keeps for itself (`MixAll`'s system groups).
const SYSTEM_GROUPS: &[&str] = &[
    "TOOLS_CONSUMER",
    "FILTERSRV_CONSUMER",
    "SELF_TEST_C_GROUP",
    "SELF_TEST_P_GROUP",
    "CID_ONS-HTTP-PROXY",
    "CID_ONSAPI_PERMISSION",
    "CID_ONSAPI_OWNER",
    "CID_ONSAPI_PULL",
    "CID_RMQ_SYS_TRANS",
    "CID_SYS_RMQ_TRANS",
    "__MONITOR_CONSUMER",
    "DEFAULT_CONSUMER",
    "CLIENT_INNER_PRODUCER",
    "rocketmq-dashboard",
];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GroupQuery {
    consumer_group: Option<String>,
    producer_group: Option<String>,
    topic: Option<String>,
}

/// Every subscription group of every master, with rocketmq-dashboard's `GroupConsumeInfo`.
pub(crate) async fn groups(State(c): State<Arc<Console>>) -> Reply {
    let info = c.admin.cluster_info().await?;
    let mut names = BTreeSet::new();
    for addr in info
        .broker_addr_table
        .values()
        .filter_map(|b| b.master_addr())
    {
        names.extend(
            c.admin
                .subscription_groups(addr)
                .await?
                .subscription_group_table
                .into_keys(),
        );
    }
    let mut out = Vec::new();
    for group in names {
        let stats = c.admin.consume_stats(&group, None).await.ok();
        let conn = c.admin.consumer_connection(&group).await.ok();
        out.push(json!({
            "group": group,
            "system": SYSTEM_GROUPS.contains(&group.as_str()) || group.starts_with("CID_RMQ_SYS_"),
            "count": conn.as_ref().map_or(0, |c| c.connection_set.len()),
            "version": conn.as_ref().and_then(|c| c.connection_set.first()).map(|c| version_desc(c.version)),
            "consumeType": conn.as_ref().map(|c| c.consume_type.name()),
            "messageModel": conn.as_ref().map(|c| c.message_model.name()),
            "consumeTps": stats.as_ref().map_or(0.0, |s| s.consume_tps),
            "diffTotal": stats.as_ref().map_or(0, |s| s.diff_total()),
        }));
    }
    ok(out)
}

/// The group's progress, topic by topic, queue by queue (`TopicConsumerInfo`).
pub(crate) async fn progress(State(c): State<Arc<Console>>, Query(q): Query<GroupQuery>) -> Reply {
    let group = required(&q.consumer_group, "consumerGroup")?;
    let stats = c.admin.consume_stats(group, None).await?;
    // Which client holds each queue, from the members' own reports.
    let mut holders = BTreeMap::new();
    if let Ok(conn) = c.admin.consumer_connection(group).await {
        for member in &conn.connection_set {
            if let Ok(info) = c
                .admin
                .consumer_running_info(group, &member.client_id, false)
                .await
            {
                for mq in info.mq_table.0.keys() {
                    holders.insert(mq.clone(), member.client_id.clone());
                }
            }
        }
    }
    let mut topics: BTreeMap<String, Vec<serde_json::Value>> = BTreeMap::new();
    for (mq, o) in &stats.offset_table.0 {
        topics.entry(mq.topic.clone()).or_default().push(json!({
            "brokerName": mq.broker_name,
            "queueId": mq.queue_id,
            "brokerOffset": o.broker_offset,
            "consumerOffset": o.consumer_offset,
            "diff": o.broker_offset - o.consumer_offset,
            "clientInfo": holders.get(mq),
            "lastTimestamp": o.last_timestamp,
        }));
    }
    let out: Vec<_> = topics
        .into_iter()
        .map(|(topic, queues)| {
            let diff: i64 = queues.iter().map(|q| q["diff"].as_i64().unwrap_or(0)).sum();
            let last = queues.iter().filter_map(|q| q["lastTimestamp"].as_i64()).max();
            json!({ "topic": topic, "diffTotal": diff, "lastTimestamp": last, "queueStatInfoList": queues })
        })
        .collect();
    ok(
        json!({ "group": group, "consumeTps": stats.consume_tps, "diffTotal": stats.diff_total(), "topics": out }),
    )
}

/// Connected clients as the pages list them.
fn client_list(set: &[Connection]) -> Vec<serde_json::Value> {
    set.iter()
        .map(|m| {
            json!({
                "clientId": m.client_id,
                "clientAddr": m.client_addr,
                "language": m.language,
                "version": version_desc(m.version),
            })
        })
        .collect()
}

/// The group's connected clients and subscriptions.
pub(crate) async fn connection(
    State(c): State<Arc<Console>>,
    Query(q): Query<GroupQuery>,
) -> Reply {
    let group = required(&q.consumer_group, "consumerGroup")?;
    let conn = c.admin.consumer_connection(group).await?;
    let clients = client_list(&conn.connection_set);
    let subscriptions: Vec<_> = conn
        .subscription_table
        .values()
        .map(|s| json!({ "topic": s.topic, "subString": s.sub_string, "expressionType": s.expression_type }))
        .collect();
    ok(json!({
        "connectionSet": clients,
        "subscriptionTable": subscriptions,
        "consumeType": conn.consume_type.name(),
        "messageModel": conn.message_model.name(),
        "consumeFromWhere": conn.consume_from_where.name(),
    }))
}

/// A producer group's connections (the broker answers for every topic).
pub(crate) async fn producers(State(c): State<Arc<Console>>, Query(q): Query<GroupQuery>) -> Reply {
    let group = required(&q.producer_group, "producerGroup")?;
    let _ = &q.topic;
    let conn = c.admin.producer_connection(group).await?;
    let clients = client_list(&conn.connection_set);
    ok(json!({ "connectionSet": clients }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResetForm {
    #[serde(default)]
    consumer_group_list: Vec<String>,
    topic: Option<String>,
    /// Epoch ms.
    reset_time: Option<i64>,
    #[serde(default = "yes")]
    force: bool,
}

fn yes() -> bool {
    true
}

/// Moves each group's offsets on the topic to `resetTime`.
pub(crate) async fn reset_offset(State(c): State<Arc<Console>>, Json(f): Json<ResetForm>) -> Reply {
    let topic = required(&f.topic, "topic")?;
    let time = f
        .reset_time
        .ok_or_else(|| ApiError::new("resetTime is required"))?;
    if f.consumer_group_list.is_empty() {
        return Err(ApiError::new("consumerGroupList is required"));
    }
    let mut out = BTreeMap::new();
    for group in &f.consumer_group_list {
        let reset = c
            .admin
            .reset_offset_by_time(group, topic, time, f.force)
            .await?;
        let queues: Vec<_> = reset
            .offsets
            .iter()
            .map(|(mq, o)| json!({ "brokerName": mq.broker_name, "queueId": mq.queue_id, "offset": o }))
            .collect();
        out.insert(
            group.clone(),
            json!({ "status": true, "queues": queues, "written": !reset.written.is_empty() }),
        );
    }
    ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GroupForm {
    group_name: Option<String>,
    #[serde(default)]
    cluster_name_list: Vec<String>,
    retry_max_times: Option<i32>,
    #[serde(default)]
    consume_broadcast_enable: bool,
}

/// The masters of the named clusters, or of every cluster.
async fn masters(c: &Console, clusters: &[String]) -> Result<Vec<String>, ApiError> {
    if clusters.is_empty() {
        let info = c.admin.cluster_info().await?;
        return Ok(info
            .broker_addr_table
            .values()
            .filter_map(|b| b.master_addr().map(str::to_string))
            .collect());
    }
    let mut out = Vec::new();
    for cluster in clusters {
        out.extend(c.admin.cluster_masters(cluster).await?);
    }
    Ok(out)
}

/// Creates or updates a subscription group on the masters.
pub(crate) async fn create_group(State(c): State<Arc<Console>>, Json(f): Json<GroupForm>) -> Reply {
    let name = required(&f.group_name, "groupName")?;
    let config = SubscriptionGroupConfig {
        retry_max_times: f.retry_max_times.unwrap_or(16),
        consume_broadcast_enable: f.consume_broadcast_enable,
        ..SubscriptionGroupConfig::new(name)
    };
    let addrs = masters(&c, &f.cluster_name_list).await?;
    for addr in &addrs {
        c.admin.create_subscription_group(addr, &config).await?;
    }
    ok(json!({ "group": name, "brokers": addrs }))
}

/// Deletes a subscription group (and its offsets) from the masters.
pub(crate) async fn delete_group(State(c): State<Arc<Console>>, Json(f): Json<GroupForm>) -> Reply {
    let name = required(&f.group_name, "groupName")?;
    let addrs = masters(&c, &f.cluster_name_list).await?;
    for addr in &addrs {
        c.admin.delete_subscription_group(addr, name, true).await?;
    }
    ok(true)
}
