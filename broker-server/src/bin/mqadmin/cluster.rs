//! `clusterList` as Apache's `ClusterListSubCommand` prints it, and the topic-config line
//! `updateTopic` ends with.

use rocketmq_client::admin::Admin;
use rocketmq_client::protocol::body::{TopicConfig, perm};
use rocketmq_client::protocol::now_millis;

/// Every broker of every cluster, one line each: Apache's base layout (TPS in and out with
/// the send and pull queues, page-cache lock wait, hours of messages kept, disk use), or with
/// `more` its totals of yesterday and today.
pub(crate) async fn print(admin: &Admin, more: bool) -> anyhow::Result<()> {
    let info = admin.cluster_info().await?;
    if more {
        println!(
            "{:<16}  {:<32} {:>14} {:>14} {:>14} {:>14}",
            "#Cluster Name",
            "#Broker Name",
            "#InTotalYest",
            "#OutTotalYest",
            "#InTotalToday",
            "#OutTotalToday"
        );
    } else {
        println!(
            "{:<16}  {:<22}  {:<4}  {:<22} {:<16} {:>19} {:>19} {:>10} {:>5} {:>6}",
            "#Cluster Name",
            "#Broker Name",
            "#BID",
            "#Addr",
            "#Version",
            "#InTPS(LOAD)",
            "#OutTPS(LOAD)",
            "#PCWait(ms)",
            "#Hour",
            "#SPACE"
        );
    }
    for (cluster, names) in &info.cluster_addr_table {
        let mut names: Vec<&String> = names.iter().collect();
        names.sort();
        for name in names {
            let Some(data) = info.broker_addr_table.get(name) else {
                continue;
            };
            for (id, addr) in &data.broker_addrs {
                let kv = match admin.broker_runtime_info(addr).await {
                    Ok(t) => t.table,
                    Err(e) => {
                        eprintln!("{addr}: {e}");
                        Default::default()
                    }
                };
                let get = |k: &str| kv.get(k).cloned().unwrap_or_default();
                let num = |k: &str| get(k).parse::<i64>().unwrap_or(0);
                if more {
                    println!(
                        "{cluster:<16}  {name:<32} {:>14} {:>14} {:>14} {:>14}",
                        num("msgPutTotalTodayMorning") - num("msgPutTotalYesterdayMorning"),
                        num("msgGetTotalTodayMorning") - num("msgGetTotalYesterdayMorning"),
                        num("msgPutTotalTodayNow") - num("msgPutTotalTodayMorning"),
                        num("msgGetTotalTodayNow") - num("msgGetTotalTodayMorning"),
                    );
                    continue;
                }
                let first = |k: &str| {
                    get(k)
                        .split(' ')
                        .next()
                        .and_then(|t| t.parse::<f64>().ok())
                        .unwrap_or(0.0)
                };
                let hour = match get("earliestMessageTimeStamp").parse::<i64>() {
                    Ok(t) => (now_millis() - t) as f64 / 1000.0 / 60.0 / 60.0,
                    Err(_) => 0.0,
                };
                let space = get("commitLogDiskRatio").parse::<f64>().unwrap_or(0.0);
                println!(
                    "{cluster:<16}  {name:<22}  {id:<4}  {addr:<22} {:<16} {:>19} {:>19} {:>10} {:>5} {:>6}",
                    get("brokerVersionDesc"),
                    format!(
                        "{:9.2}({},{}ms)",
                        first("putTps"),
                        get("sendThreadPoolQueueSize"),
                        get("sendThreadPoolQueueHeadWaitTimeMills")
                    ),
                    format!(
                        "{:9.2}({},{}ms)",
                        first("getTransferedTps"),
                        get("pullThreadPoolQueueSize"),
                        get("pullThreadPoolQueueHeadWaitTimeMills")
                    ),
                    get("pageCacheLockTimeMills"),
                    format!("{hour:2.2}"),
                    format!("{space:.4}"),
                );
            }
        }
    }
    Ok(())
}

/// Apache's `TopicConfig.toString()`.
pub(crate) fn topic_config_line(c: &TopicConfig) -> String {
    let mut p = *b"---";
    if perm::is_readable(c.perm) {
        p[0] = b'R';
    }
    if perm::is_writeable(c.perm) {
        p[1] = b'W';
    }
    if perm::is_inherited(c.perm) {
        p[2] = b'X';
    }
    format!(
        "TopicConfig [topicName={}, readQueueNums={}, writeQueueNums={}, perm={}, topicFilterType={}, topicSysFlag={}, order={}]",
        c.topic_name,
        c.read_queue_nums,
        c.write_queue_nums,
        String::from_utf8_lossy(&p),
        c.topic_filter_type,
        c.topic_sys_flag,
        c.order
    )
}
