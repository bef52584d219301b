//! `topicStatus` and `consumerProgress`, as Apache's `TopicStatusSubCommand` and
//! `ConsumerProgressSubCommand` print them.

use std::collections::BTreeMap;

use clap::Args;
use rocketmq_client::admin::Admin;

use crate::args::{front, to_second};
use rocketmq_client::protocol::body::{ConsumeType, MessageModel, MessageQueue};
use rocketmq_client::protocol::time::format_utc;
use rocketmq_client::protocol::version::version_desc;

#[derive(Args)]
pub(crate) struct TopicStatus {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    #[arg(short = 't', long = "topic")]
    topic: String,
}

#[derive(Args)]
pub(crate) struct ConsumerProgress {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    /// One group's progress; without it, every group with a summary line.
    #[arg(short = 'g', long = "groupName")]
    group: Option<String>,
    /// Only this topic (ours: Apache's tool always shows all the group's topics).
    #[arg(short = 't', long = "topic")]
    topic: Option<String>,
    /// Show which client each queue is assigned to.
    #[arg(short = 's', long = "showClientIP")]
    show_client_ip: Option<String>,
}

pub(crate) async fn topic_status(args: TopicStatus) -> anyhow::Result<()> {
    let stats = Admin::connect(args.namesrv.as_deref())?
        .topic_stats(&args.topic)
        .await?;
    println!(
        "{:<32}  {:<4}  {:<20}  {:<20}    #Last Updated",
        "#Broker Name", "#QID", "#Min Offset", "#Max Offset"
    );
    for (mq, o) in &stats.offset_table.0 {
        let last = if o.last_update_timestamp > 0 {
            format_utc(o.last_update_timestamp)
        } else {
            String::new()
        };
        println!(
            "{:<32}  {:<4}  {:<20}  {:<20}    {last}",
            front(&mq.broker_name, 32),
            mq.queue_id,
            o.min_offset,
            o.max_offset
        );
    }
    Ok(())
}

pub(crate) async fn consumer_progress(args: ConsumerProgress) -> anyhow::Result<()> {
    let admin = Admin::connect(args.namesrv.as_deref())?;
    let Some(group) = args.group.as_deref().map(str::trim) else {
        return all_groups(&admin).await;
    };
    let stats = admin.consume_stats(group, args.topic.as_deref()).await?;
    let show_ip = args
        .show_client_ip
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("true"));
    let owners = if show_ip {
        owners(&admin, group).await
    } else {
        BTreeMap::new()
    };
    if show_ip {
        println!(
            "{:<64}  {:<32}  {:<4}  {:<20}  {:<20}  {:<20} {:<20}  #LastTime",
            "#Topic",
            "#Broker Name",
            "#QID",
            "#Broker Offset",
            "#Consumer Offset",
            "#Client IP",
            "#Diff"
        );
    } else {
        println!(
            "{:<64}  {:<32}  {:<4}  {:<20}  {:<20}  {:<20}  #LastTime",
            "#Topic", "#Broker Name", "#QID", "#Broker Offset", "#Consumer Offset", "#Diff"
        );
    }
    let mut diff_total = 0;
    for (mq, o) in &stats.offset_table.0 {
        let diff = o.broker_offset - o.consumer_offset;
        diff_total += diff;
        let last = if o.last_timestamp == 0 {
            "N/A".to_string()
        } else {
            to_second(o.last_timestamp)
        };
        let (topic, broker) = (front(&mq.topic, 64), front(&mq.broker_name, 32));
        if show_ip {
            let ip = owners.get(mq).map_or("N/A", String::as_str);
            println!(
                "{topic:<64}  {broker:<32}  {:<4}  {:<20}  {:<20}  {ip:<20} {diff:<20}  {last}",
                mq.queue_id, o.broker_offset, o.consumer_offset
            );
        } else {
            println!(
                "{topic:<64}  {broker:<32}  {:<4}  {:<20}  {:<20}  {diff:<20}  {last}",
                mq.queue_id, o.broker_offset, o.consumer_offset
            );
        }
    }
    println!();
    println!("Consume TPS: {:.2}", stats.consume_tps);
    println!("Diff Total: {diff_total}");
    Ok(())
}

/// Which client holds each queue, from each member's running info (its client address).
async fn owners(admin: &Admin, group: &str) -> BTreeMap<MessageQueue, String> {
    let mut out = BTreeMap::new();
    let Ok(conn) = admin.consumer_connection(group).await else {
        return out;
    };
    for c in conn.connection_set {
        if let Ok(info) = admin
            .consumer_running_info(group, &c.client_id, false)
            .await
        {
            let ip = c
                .client_addr
                .split(':')
                .next()
                .unwrap_or_default()
                .to_string();
            for mq in info.mq_table.0.into_keys() {
                out.insert(mq, ip.clone());
            }
        }
    }
    out
}

/// Every group (found by its retry topic) with its members, version, type, model, TPS and
/// backlog.
async fn all_groups(admin: &Admin) -> anyhow::Result<()> {
    println!(
        "{:<64}  {:<6}  {:<24} {:<5}  {:<14}  {:<7}  #Diff Total",
        "#Group", "#Count", "#Version", "#Type", "#Model", "#TPS"
    );
    for topic in admin.topic_list().await?.topic_list {
        let Some(group) = topic.strip_prefix("%RETRY%") else {
            continue;
        };
        let stats = admin.consume_stats(group, None).await.ok();
        let conn = admin.consumer_connection(group).await.ok();
        let (tps, diff) = stats
            .as_ref()
            .map_or((0, 0), |s| (s.consume_tps as i64, s.diff_total()));
        let count = conn.as_ref().map_or(0, |c| c.connection_set.len());
        let version = match &conn {
            Some(c) if count > 0 => version_desc(
                c.connection_set
                    .iter()
                    .map(|x| x.version)
                    .min()
                    .unwrap_or(0),
            ),
            _ => "OFFLINE",
        };
        // Apache's descriptions: empty for a group with no member; the model for push only.
        let online = conn.as_ref().filter(|_| count > 0);
        let kind = match online.map(|c| c.consume_type) {
            Some(ConsumeType::Actively) => "PULL",
            Some(_) => "PUSH",
            None => "",
        };
        let model = match online {
            Some(c) if c.consume_type == ConsumeType::Passively => match c.message_model {
                MessageModel::Broadcasting => "BROADCASTING",
                MessageModel::Clustering => "CLUSTERING",
            },
            _ => "",
        };
        println!(
            "{:<64}  {count:<6}  {version:<24} {kind:<5}  {model:<14}  {tps:<7}  {diff}",
            front(group, 64)
        );
    }
    Ok(())
}
