//! GET_BROKER_RUNTIME_INFO (28): the KV table `mqadmin brokerStatus` and dashboards read.

use std::sync::atomic::Ordering;

use rocketmq_client::protocol::body::{JsonBody, KvTable};
use rocketmq_client::protocol::{CURRENT_VERSION, RemotingCommand, ResponseCode};

use crate::broker::BrokerState;

pub(super) fn handle(state: &BrokerState, req: &RemotingCommand) -> RemotingCommand {
    let store = &state.store;
    let mut table = std::collections::BTreeMap::new();
    let mut put = |k: &str, v: String| {
        table.insert(k.to_string(), v);
    };
    put("brokerVersionDesc", "V5_3_3".into());
    put("brokerVersion", CURRENT_VERSION.to_string());
    put("bootTimestamp", state.stats.boot_timestamp.to_string());
    put(
        "msgPutTotalTodayNow",
        state.stats.put_total.load(Ordering::Relaxed).to_string(),
    );
    put(
        "msgGetTotalTodayNow",
        state.stats.get_total.load(Ordering::Relaxed).to_string(),
    );
    put(
        "commitLogMinOffset",
        store.commit_log_min_offset().to_string(),
    );
    put(
        "commitLogMaxOffset",
        store.commit_log_max_offset().to_string(),
    );
    put(
        "dispatchBehindBytes",
        store.dispatch_behind_bytes().to_string(),
    );
    put("brokerActive", "true".into());
    put(
        "runtime",
        format!(
            "[ {} ms ]",
            crate::store::now_millis() - state.stats.boot_timestamp
        ),
    );
    RemotingCommand::response_to(req, ResponseCode::Success).with_body(KvTable { table }.encode())
}
