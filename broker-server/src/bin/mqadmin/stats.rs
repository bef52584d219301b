//! `statsAll`: per topic and consuming group, the backlog, TPS in and out over the last
//! minute and messages in and out over the last day, as Apache's tool prints them.

use clap::Args;
use rocketmq_client::admin::Admin;
use rocketmq_client::protocol::body::BrokerStatsData;

use crate::args::front;

#[derive(Args)]
pub(crate) struct StatsAll {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    /// Only topics that saw messages in the last day.
    #[arg(short = 'a', long = "activeTopic")]
    active: bool,
    /// Only this topic.
    #[arg(short = 't', long = "topic")]
    topic: Option<String>,
}

/// Apache's `compute24HourSum`: the day's sum, or the hour's, or the minute's.
fn day_sum(d: &BrokerStatsData) -> i64 {
    [&d.stats_day, &d.stats_hour, &d.stats_minute]
        .iter()
        .map(|w| w.sum)
        .find(|s| *s != 0)
        .unwrap_or(0)
}

pub(crate) async fn run(args: StatsAll) -> anyhow::Result<()> {
    let admin = Admin::connect(args.namesrv.as_deref())?;
    println!(
        "{:<64}  {:<64} {:>12} {:>11} {:>11} {:>14} {:>14}",
        "#Topic",
        "#Consumer Group",
        "#Accumulation",
        "#InTPS",
        "#OutTPS",
        "#InMsg24Hour",
        "#OutMsg24Hour"
    );
    for topic in admin.topic_list().await?.topic_list {
        if topic.starts_with("%RETRY%") || topic.starts_with("%DLQ%") {
            continue;
        }
        if args
            .topic
            .as_deref()
            .is_some_and(|t| !t.is_empty() && t != topic)
        {
            continue;
        }
        // As Apache's tool, a topic that cannot be read is left out.
        let Ok(route) = admin.topic_route(&topic).await else {
            continue;
        };
        let masters: Vec<String> = route
            .broker_datas
            .iter()
            .filter_map(|b| b.broker_addrs.get(&0).cloned())
            .collect();
        let (mut in_tps, mut in_day) = (0.0, 0);
        for addr in &masters {
            if let Ok(d) = admin
                .broker_stats_data(addr, "TOPIC_PUT_NUMS", &topic)
                .await
            {
                in_tps += d.stats_minute.tps;
                in_day += day_sum(&d);
            }
        }
        let mut groups = Vec::new();
        for addr in &masters {
            for g in admin
                .topic_consumed_by(addr, &topic)
                .await
                .unwrap_or_default()
            {
                if !groups.contains(&g) {
                    groups.push(g);
                }
            }
        }
        if groups.is_empty() {
            if !args.active || in_day > 0 {
                println!(
                    "{:<64}  {:<64} {:>12} {:>11.2} {:>11} {:>14} {:>14}",
                    front(&topic, 64),
                    "",
                    0,
                    in_tps,
                    "",
                    in_day,
                    "NO_CONSUMER"
                );
            }
            continue;
        }
        for group in groups {
            let (mut out_tps, mut out_day) = (0.0, 0);
            let key = format!("{topic}@{group}");
            for addr in &masters {
                if let Ok(d) = admin.broker_stats_data(addr, "GROUP_GET_NUMS", &key).await {
                    out_tps += d.stats_minute.tps;
                    out_day += day_sum(&d);
                }
            }
            let backlog = admin
                .consume_stats(&group, Some(&topic))
                .await
                .map_or(0, |s| s.diff_total().max(0));
            if !args.active || in_day > 0 || out_day > 0 {
                println!(
                    "{:<64}  {:<64} {:>12} {:>11.2} {:>11.2} {:>14} {:>14}",
                    front(&topic, 64),
                    front(&group, 64),
                    backlog,
                    in_tps,
                    out_tps,
                    in_day,
                    out_day
                );
            }
        }
    }
    Ok(())
}
