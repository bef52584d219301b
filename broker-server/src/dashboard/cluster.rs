//! The landing page's data: every broker by cluster and name with its runtime status, and a
//! broker's config.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Console;
use super::reply::{Reply, ok, required};

/// `{clusterInfo, brokerServer: {brokerName: {brokerId: runtime table}}}`, as
/// rocketmq-dashboard's `/cluster/list.query`; a broker that does not answer gets an `error`
/// entry instead of its table.
pub(crate) async fn list(State(c): State<Arc<Console>>) -> Reply {
    let info = c.admin.cluster_info().await?;
    let mut servers: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
    for (name, data) in &info.broker_addr_table {
        for (id, addr) in &data.broker_addrs {
            let status = match c.admin.broker_runtime_info(addr).await {
                Ok(kv) => json!(kv.table),
                Err(e) => json!({ "error": e.to_string() }),
            };
            servers
                .entry(name.clone())
                .or_default()
                .insert(id.to_string(), status);
        }
    }
    ok(json!({ "clusterInfo": info, "brokerServer": servers }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BrokerAddr {
    broker_addr: Option<String>,
}

/// A broker's config, key to value.
pub(crate) async fn broker_config(
    State(c): State<Arc<Console>>,
    Query(q): Query<BrokerAddr>,
) -> Reply {
    let addr = required(&q.broker_addr, "brokerAddr")?;
    let config: BTreeMap<String, String> = c.admin.broker_config(addr).await?.into_iter().collect();
    ok(config)
}
