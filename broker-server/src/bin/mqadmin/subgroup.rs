//! `updateSubGroup`, `deleteSubGroup` and `getConsumerConfig`, as Apache's tool prints them.

use clap::Args;
use rocketmq_client::admin::Admin;
use rocketmq_client::protocol::body::SubscriptionGroupConfig;

use crate::args::BrokerOrCluster;

#[derive(Args)]
pub(crate) struct UpdateSubGroup {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    #[command(flatten)]
    target: BrokerOrCluster,
    #[arg(short = 'g', long = "groupName")]
    group: String,
    #[arg(short = 's', long = "consumeEnable")]
    consume_enable: Option<bool>,
    #[arg(short = 'm', long = "consumeFromMinEnable")]
    from_min: Option<bool>,
    #[arg(short = 'd', long = "consumeBroadcastEnable")]
    broadcast: Option<bool>,
    #[arg(short = 'q', long = "retryQueueNums")]
    retry_queues: Option<i32>,
    #[arg(short = 'r', long = "retryMaxTimes")]
    retry_max: Option<i32>,
    #[arg(short = 'i', long = "brokerId")]
    broker_id: Option<i64>,
    #[arg(short = 'w', long = "whichBrokerWhenConsumeSlowly")]
    slow_broker: Option<i64>,
    #[arg(short = 'a', long = "notifyConsumerIdsChanged")]
    notify: Option<bool>,
}

#[derive(Args)]
pub(crate) struct DeleteSubGroup {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    #[command(flatten)]
    target: BrokerOrCluster,
    #[arg(short = 'g', long = "groupName")]
    group: String,
    /// Delete the group's offsets too.
    #[arg(short = 'r', long = "removeOffset", default_value_t = false, action = clap::ArgAction::Set)]
    remove_offset: bool,
}

#[derive(Args)]
pub(crate) struct GetConsumerConfig {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    #[arg(short = 'g', long = "groupName")]
    group: String,
}

/// Apache's `SubscriptionGroupConfig.toString()`.
fn describe(c: &SubscriptionGroupConfig) -> String {
    format!(
        "SubscriptionGroupConfig [groupName={}, consumeEnable={}, consumeFromMinEnable={}, consumeBroadcastEnable={}, retryQueueNums={}, retryMaxTimes={}, brokerId={}, whichBrokerWhenConsumeSlowly={}, notifyConsumerIdsChangedEnable={}]",
        c.group_name,
        c.consume_enable,
        c.consume_from_min_enable,
        c.consume_broadcast_enable,
        c.retry_queue_nums,
        c.retry_max_times,
        c.broker_id,
        c.which_broker_when_consume_slowly,
        c.notify_consumer_ids_changed_enable
    )
}

pub(crate) async fn update(args: UpdateSubGroup) -> anyhow::Result<()> {
    let admin = Admin::connect(args.namesrv.as_deref())?;
    // Apache's tool starts from a group that neither reads from the minimum offset nor
    // broadcasts, then applies the flags given.
    let mut c = SubscriptionGroupConfig {
        consume_broadcast_enable: false,
        consume_from_min_enable: false,
        ..SubscriptionGroupConfig::new(args.group.trim())
    };
    if let Some(v) = args.consume_enable {
        c.consume_enable = v;
    }
    if let Some(v) = args.from_min {
        c.consume_from_min_enable = v;
    }
    if let Some(v) = args.broadcast {
        c.consume_broadcast_enable = v;
    }
    if let Some(v) = args.retry_queues {
        c.retry_queue_nums = v;
    }
    if let Some(v) = args.retry_max {
        c.retry_max_times = v;
    }
    if let Some(v) = args.broker_id {
        c.broker_id = v;
    }
    if let Some(v) = args.slow_broker {
        c.which_broker_when_consume_slowly = v;
    }
    if let Some(v) = args.notify {
        c.notify_consumer_ids_changed_enable = v;
    }
    for addr in args.target.addrs(&admin, "updateSubGroup").await? {
        admin.create_subscription_group(&addr, &c).await?;
        println!("create subscription group to {addr} success.");
    }
    println!("{}", describe(&c));
    Ok(())
}

pub(crate) async fn delete(args: DeleteSubGroup) -> anyhow::Result<()> {
    let admin = Admin::connect(args.namesrv.as_deref())?;
    let group = args.group.trim();
    let addrs = args.target.addrs(&admin, "deleteSubGroup").await?;
    match (&args.target.broker, &args.target.cluster) {
        (Some(addr), _) => {
            admin
                .delete_subscription_group(addr, group, args.remove_offset)
                .await?;
            println!("delete subscription group [{group}] from broker [{addr}] success.");
        }
        (None, Some(cluster)) => {
            for addr in addrs {
                admin
                    .delete_subscription_group(&addr, group, args.remove_offset)
                    .await?;
                println!(
                    "delete subscription group [{group}] from broker [{addr}] in cluster [{cluster}] success."
                );
            }
            // As Apache's tool does: the group's retry and dead-letter topics go too.
            for topic in [format!("%RETRY%{group}"), format!("%DLQ%{group}")] {
                if let Err(e) = admin.delete_topic(&topic, cluster).await {
                    eprintln!("deleting {topic}: {e}");
                }
            }
        }
        (None, None) => unreachable!("addrs refuses neither"),
    }
    Ok(())
}

pub(crate) async fn get_config(args: GetConsumerConfig) -> anyhow::Result<()> {
    let admin = Admin::connect(args.namesrv.as_deref())?;
    let info = admin.cluster_info().await?;
    for (name, data) in &info.broker_addr_table {
        let cluster = info
            .cluster_addr_table
            .iter()
            .find(|(_, names)| names.contains(name))
            .map_or("", |(c, _)| c.as_str());
        let Some(addr) = data
            .broker_addrs
            .get(&0)
            .or_else(|| data.broker_addrs.values().next())
        else {
            continue;
        };
        let Some(c) = admin.subscription_group(addr, args.group.trim()).await? else {
            continue;
        };
        println!("============================={cluster}:{name}=============================");
        let fields: [(&str, String); 9] = [
            ("groupName", c.group_name.clone()),
            ("consumeEnable", c.consume_enable.to_string()),
            (
                "consumeFromMinEnable",
                c.consume_from_min_enable.to_string(),
            ),
            (
                "consumeBroadcastEnable",
                c.consume_broadcast_enable.to_string(),
            ),
            ("retryQueueNums", c.retry_queue_nums.to_string()),
            ("retryMaxTimes", c.retry_max_times.to_string()),
            ("brokerId", c.broker_id.to_string()),
            (
                "whichBrokerWhenConsumeSlowly",
                c.which_broker_when_consume_slowly.to_string(),
            ),
            (
                "notifyConsumerIdsChangedEnable",
                c.notify_consumer_ids_changed_enable.to_string(),
            ),
        ];
        for (k, v) in fields {
            println!("{k:<40}=  {v}");
        }
    }
    Ok(())
}
