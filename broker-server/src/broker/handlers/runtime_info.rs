//! GET_BROKER_RUNTIME_INFO (28): the KV table `mqadmin clusterList` / `brokerStatus` and
//! dashboards read, with Apache 4.9's keys (`AdminBrokerProcessor.prepareRuntimeInfo` and the
//! store's `getRuntimeInfo`). Apache's tools split and parse several of them (`putTps`,
//! `getTransferedTps`, `commitLogDiskRatio`, `earliestMessageTimeStamp`), so every key is
//! there from the first second, with a real value.

use rocketmq_client::protocol::body::{JsonBody, KvTable};
use rocketmq_client::protocol::{CURRENT_VERSION, RemotingCommand, ResponseCode};

use crate::broker::BrokerState;
use crate::broker::stats::java_double;
use crate::broker::topics::SCHEDULE_TOPIC;
use crate::net::{Handled, RequestQueue};

/// What Apache shows for a store without a transient buffer pool (`Integer.MAX_VALUE`).
const NO_TRANSIENT_POOL: i32 = i32::MAX;

pub(super) fn handle(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let mut table = std::collections::BTreeMap::new();
    let mut put = |k: &str, v: String| {
        table.insert(k.to_string(), v);
    };
    state.stats.runtime_info(&mut put);
    let store = &state.store;
    let cfg = &state.config;
    put("brokerVersionDesc", "V5_3_3".into());
    put("brokerVersion", CURRENT_VERSION.to_string());
    put("brokerActive", "true".into());
    let queues = &state.stats.queues;
    let mut pool = |name: &str, wait: &str, q: &RequestQueue, capacity: u64| {
        put(&format!("{name}QueueSize"), q.len().to_string());
        put(&format!("{name}QueueCapacity"), capacity.to_string());
        put(wait, q.head_wait_millis().to_string());
    };
    pool(
        "sendThreadPool",
        "sendThreadPoolQueueHeadWaitTimeMills",
        &queues.send,
        cfg.send_thread_pool_queue_capacity,
    );
    pool(
        "pullThreadPool",
        "pullThreadPoolQueueHeadWaitTimeMills",
        &queues.pull,
        cfg.pull_thread_pool_queue_capacity,
    );
    pool(
        "queryThreadPool",
        "queryThreadPoolQueueHeadWaitTimeMills",
        &queues.query,
        cfg.query_thread_pool_queue_capacity,
    );
    // Apache's spelling for the transaction pool differs.
    put(
        "EndTransactionQueueSize",
        queues.end_transaction.len().to_string(),
    );
    put(
        "EndTransactionThreadPoolQueueCapacity",
        cfg.end_transaction_pool_queue_capacity.to_string(),
    );
    put(
        "dispatchBehindBytes",
        store.dispatch_behind_bytes().to_string(),
    );
    put(
        "pageCacheLockTimeMills",
        store.lock_time_millis().to_string(),
    );
    put(
        "earliestMessageTimeStamp",
        store.earliest_message_time().to_string(),
    );
    put(
        "startAcceptSendRequestTimeStamp",
        cfg.start_accept_send_request_time_stamp.to_string(),
    );
    put(
        "remainTransientStoreBufferNumbs",
        NO_TRANSIENT_POOL.to_string(),
    );
    put(
        "remainHowManyDataToFlush",
        human_bytes(store.flush_behind_bytes()),
    );
    let (log_ratio, queue_ratio) = store.disk_ratios();
    let log_dir = store.config().commit_log_dir();
    put(
        &format!("commitLogDiskRatio_{}", log_dir.display()),
        java_double(log_ratio),
    );
    put("commitLogDiskRatio", java_double(log_ratio));
    put("consumeQueueDiskRatio", java_double(queue_ratio));
    put(
        "commitLogMinOffset",
        store.commit_log_min_offset().to_string(),
    );
    put(
        "commitLogMaxOffset",
        store.commit_log_max_offset().to_string(),
    );
    if let Some((total, free)) = store.disk_space() {
        put(
            "commitLogDirCapacity",
            format!(
                "Total : {}, Free : {}.",
                human_bytes(total),
                human_bytes(free)
            ),
        );
    }
    // Each delay level's progress: delivered up to, of the level's queue's end.
    for (level, delivered) in state.delay_offsets.snapshot().offset_table {
        let end = store.max_offset(SCHEDULE_TOPIC, level - 1);
        put(
            &format!("scheduleMessageOffset_{level}"),
            format!("{delivered},{end}"),
        );
    }
    Ok(RemotingCommand::response_to(req, ResponseCode::Success)
        .with_body(KvTable { table }.encode()))
}

/// Apache's `MixAll.humanReadableByteCount(bytes, false)`: `512 B`, `1.5 KiB`, `251.0 GiB`.
fn human_bytes(bytes: u64) -> String {
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let exp = ((bytes as f64).ln() / 1024f64.ln()) as i32;
    let unit = b"KMGTPE"[(exp - 1) as usize] as char;
    format!("{:.1} {unit}iB", bytes as f64 / 1024f64.powi(exp))
}

#[cfg(test)]
mod tests {
    use super::human_bytes;

    #[test]
    fn byte_counts_read_as_apaches() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(251 * 1024 * 1024 * 1024), "251.0 GiB");
    }
}
