//! `consumerStatus`: what each consumer of a group reports about itself, as Apache's tool
//! prints it (`ConsumerRunningInfo.formatString` and its analysis of the group).

use std::collections::BTreeMap;
use std::fmt::Write;

use anyhow::Context;
use clap::Args;
use rocketmq_client::admin::Admin;
use rocketmq_client::protocol::body::{ConsumerRunningInfo, MessageQueue, running_info_prop};
use rocketmq_client::protocol::now_millis;
use rocketmq_client::protocol::version::version_desc;

#[derive(Args)]
pub(crate) struct ConsumerStatus {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    #[arg(short = 'g', long = "consumerGroup")]
    group: String,
    /// One consumer: print its report instead of writing every member's to a file.
    #[arg(short = 'i', long = "clientId")]
    client_id: Option<String>,
    /// Ask this broker for the group's members.
    #[arg(short = 'b', long = "brokerAddr")]
    broker: Option<String>,
    /// Ask Java consumers for a thread dump too.
    #[arg(short = 's', long = "jstack")]
    jstack: bool,
}

/// With `-i`, that consumer's report. Without, as Apache's tool: each member's report goes to
/// the file `<now>/<clientId>` under the working directory, one index line per member, then
/// whether the group's subscriptions agree and which queues look stuck.
pub(crate) async fn run(args: ConsumerStatus) -> anyhow::Result<()> {
    let admin = Admin::connect(args.namesrv.as_deref())?;
    let group = args.group.trim();
    let conn = match args.broker.as_deref() {
        Some(addr) => admin.consumer_connection_on(group, addr.trim()).await,
        None => admin.consumer_connection(group).await,
    }
    .context("consumerStatus")?;
    if let Some(id) = &args.client_id {
        let info = admin
            .consumer_running_info(group, id.trim(), args.jstack)
            .await?;
        print!("{}", format_info(&info));
        return Ok(());
    }
    let now = now_millis();
    println!(
        "{:<10} {:<40} {:<20} #ConsumerRunningInfoFile",
        "#Index", "#ClientId", "#Version"
    );
    let mut infos = BTreeMap::new();
    for c in &conn.connection_set {
        let info = match admin
            .consumer_running_info(group, &c.client_id, args.jstack)
            .await
        {
            Ok(info) => info,
            Err(e) => {
                eprintln!("{}: {e}", c.client_id);
                continue;
            }
        };
        let path = format!("{now}/{}", c.client_id);
        std::fs::create_dir_all(now.to_string())?;
        std::fs::write(&path, format_info(&info)).with_context(|| format!("writing {path}"))?;
        println!(
            "{:<10} {:<40} {:<20} {path}",
            infos.len() + 1,
            c.client_id,
            version_desc(c.version)
        );
        infos.insert(c.client_id.clone(), info);
    }
    if infos.is_empty() {
        return Ok(());
    }
    if same_subscription(&infos, now) {
        print!("\n\nSame subscription in the same group of consumer");
        println!("\n\nRebalance OK");
        for (id, info) in &infos {
            print!("{}", stuck_queues(id, info, now));
        }
    } else {
        print!("\n\nWARN: Different subscription in the same group of consumer!!!");
    }
    Ok(())
}

fn is_push(info: &ConsumerRunningInfo) -> bool {
    info.properties
        .get(running_info_prop::CONSUME_TYPE)
        .is_some_and(|t| t == "CONSUME_PASSIVELY")
}

/// `analyzeSubscription`: push consumers that have run over two minutes must all subscribe
/// alike, and to something.
fn same_subscription(infos: &BTreeMap<String, ConsumerRunningInfo>, now: i64) -> bool {
    let Some(first) = infos.values().next() else {
        return true;
    };
    let started = first
        .properties
        .get(running_info_prop::CONSUMER_START_TIMESTAMP)
        .and_then(|t| t.parse::<i64>().ok())
        .unwrap_or(now);
    if !is_push(first) || now - started <= 120_000 {
        return true;
    }
    let key = |i: &ConsumerRunningInfo| {
        let mut subs: Vec<(String, String)> = i
            .subscription_set
            .iter()
            .map(|s| (s.topic.clone(), s.sub_string.clone()))
            .collect();
        subs.sort();
        subs
    };
    let expected = key(first);
    !expected.is_empty() && infos.values().all(|i| key(i) == expected)
}

/// `analyzeProcessQueue`: ordered queues not locked, or unlocking in vain; other queues with
/// messages cached but nothing consumed for a minute.
fn stuck_queues(id: &str, info: &ConsumerRunningInfo, now: i64) -> String {
    let mut out = String::new();
    if !is_push(info) {
        return out;
    }
    let orderly = info
        .properties
        .get(running_info_prop::CONSUME_ORDERLY)
        .is_some_and(|v| v == "true");
    for (mq, pq) in &info.mq_table.0 {
        let mq = mq_string(mq);
        if orderly {
            if !pq.locked {
                let _ = writeln!(
                    out,
                    "{id} {mq} can't lock for a while, {}ms",
                    now - pq.last_lock_timestamp
                );
            } else if pq.droped && pq.try_unlock_times > 0 {
                let _ = writeln!(
                    out,
                    "{id} {mq} unlock {} times, still failed",
                    pq.try_unlock_times
                );
            }
        } else {
            let idle = now - pq.last_consume_timestamp;
            if idle > 60_000 && pq.cached_msg_count > 0 {
                let _ = writeln!(
                    out,
                    "{id} {mq} can't consume for a while, maybe blocked, {idle}ms"
                );
            }
        }
    }
    out
}

/// Java's `MessageQueue.toString()`.
fn mq_string(mq: &MessageQueue) -> String {
    format!(
        "MessageQueue [topic={}, brokerName={}, queueId={}]",
        mq.topic, mq.broker_name, mq.queue_id
    )
}

/// `UtilAll.timeMillisToHumanString`: `yyyyMMddHHmmssSSS` (UTC).
fn human(ms: i64) -> String {
    rocketmq_client::protocol::time::format_utc(ms)
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

/// `ConsumerRunningInfo.formatString()`.
fn format_info(info: &ConsumerRunningInfo) -> String {
    let mut sb = String::from("#Consumer Properties#\n");
    for (k, v) in &info.properties {
        let _ = writeln!(sb, "{k:<40}: {v}");
    }
    sb.push_str("\n\n#Consumer Subscription#\n");
    for (i, s) in info.subscription_set.iter().enumerate() {
        let _ = writeln!(
            sb,
            "{:03} Topic: {:<40} ClassFilter: {:<8} SubExpression: {}",
            i + 1,
            s.topic,
            s.class_filter_mode,
            s.sub_string
        );
    }
    sb.push_str("\n\n#Consumer Offset#\n");
    let _ = writeln!(
        sb,
        "{:<64}  {:<32}  {:<4}  {:<20}",
        "#Topic", "#Broker Name", "#QID", "#Consumer Offset"
    );
    for (mq, pq) in &info.mq_table.0 {
        let _ = writeln!(
            sb,
            "{:<32}  {:<32}  {:<4}  {:<20}",
            mq.topic, mq.broker_name, mq.queue_id, pq.commit_offset
        );
    }
    sb.push_str("\n\n#Consumer MQ Detail#\n");
    let _ = writeln!(
        sb,
        "{:<64}  {:<32}  {:<4}  {:<20}",
        "#Topic", "#Broker Name", "#QID", "#ProcessQueueInfo"
    );
    for (mq, pq) in &info.mq_table.0 {
        let _ = writeln!(
            sb,
            "{:<64}  {:<32}  {:<4}  ProcessQueueInfo [commitOffset={}, cachedMsgMinOffset={}, cachedMsgMaxOffset={}, cachedMsgCount={}, cachedMsgSizeInMiB={}, transactionMsgMinOffset={}, transactionMsgMaxOffset={}, transactionMsgCount={}, locked={}, tryUnlockTimes={}, lastLockTimestamp={}, droped={}, lastPullTimestamp={}, lastConsumeTimestamp={}]",
            mq.topic,
            mq.broker_name,
            mq.queue_id,
            pq.commit_offset,
            pq.cached_msg_min_offset,
            pq.cached_msg_max_offset,
            pq.cached_msg_count,
            pq.cached_msg_size_in_mib,
            pq.transaction_msg_min_offset,
            pq.transaction_msg_max_offset,
            pq.transaction_msg_count,
            pq.locked,
            pq.try_unlock_times,
            human(pq.last_lock_timestamp),
            pq.droped,
            human(pq.last_pull_timestamp),
            human(pq.last_consume_timestamp)
        );
    }
    sb.push_str("\n\n#Consumer RT&TPS#\n");
    let _ = writeln!(
        sb,
        "{:<64}  {:>14} {:>14} {:>14} {:>14} {:>18} {:>25}",
        "#Topic",
        "#Pull RT",
        "#Pull TPS",
        "#Consume RT",
        "#ConsumeOK TPS",
        "#ConsumeFailed TPS",
        "#ConsumeFailedMsgsInHour"
    );
    for (topic, s) in &info.status_table {
        let _ = writeln!(
            sb,
            "{topic:<32}  {:>14.2} {:>14.2} {:>14.2} {:>14.2} {:>18.2} {:>25}",
            s.pull_rt,
            s.pull_tps,
            s.consume_rt,
            s.consume_ok_tps,
            s.consume_failed_tps,
            s.consume_failed_msgs
        );
    }
    if let Some(jstack) = &info.jstack {
        sb.push_str("\n\n#Consumer jstack#\n");
        sb.push_str(jstack);
    }
    sb
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_time_is_javas_digits() {
        assert_eq!(human(1_700_000_000_123), "20231114221320123");
    }
}
