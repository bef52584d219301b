//! `updateTopic`, `deleteTopic` and `topicRoute`: where a topic lives and how it is laid out,
//! as Apache's tool prints them.

use anyhow::{Context, bail};
use clap::{ArgAction, Args};
use rocketmq_client::admin::{Admin, Target};
use rocketmq_client::protocol::body::{JsonBody, TopicConfig, TopicRouteData};

use crate::cluster::topic_config_line;

/// The KV namespace of ordered topics' broker and queue layout (`NamesrvUtil`).
pub(crate) const ORDER_TOPIC_CONFIG: &str = "ORDER_TOPIC_CONFIG";

#[derive(Args)]
pub(crate) struct UpdateTopic {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    #[arg(short = 't', long)]
    topic: String,
    /// Create on every master of this cluster.
    #[arg(short = 'c', long = "clusterName", conflicts_with = "broker")]
    cluster: Option<String>,
    /// Create on this broker.
    #[arg(short = 'b', long = "brokerAddr")]
    broker: Option<String>,
    #[arg(short = 'r', long = "readQueueNums", default_value_t = 8)]
    read: i32,
    #[arg(short = 'w', long = "writeQueueNums", default_value_t = 8)]
    write: i32,
    /// Permission: 2 write, 4 read, 6 both.
    #[arg(short = 'p', long = "perm", default_value_t = 6)]
    perm: i32,
    /// Ordered topic (true|false): also records its layout on the name servers.
    #[arg(short = 'o', long = "order", default_value_t = false, action = ArgAction::Set)]
    order: bool,
    /// Unit topic (true|false).
    #[arg(short = 'u', long = "unit", default_value_t = false, action = ArgAction::Set)]
    unit: bool,
    /// Has unit subscriptions (true|false).
    #[arg(short = 's', long = "hasUnitSub", default_value_t = false, action = ArgAction::Set)]
    unit_sub: bool,
}

#[derive(Args)]
pub(crate) struct DeleteTopic {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    #[arg(short = 't', long)]
    topic: String,
    #[arg(short = 'c', long = "clusterName")]
    cluster: String,
}

#[derive(Args)]
pub(crate) struct TopicRoute {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    #[arg(short = 't', long)]
    topic: String,
    /// One line per broker instead of the route's JSON.
    #[arg(short = 'l', long = "list")]
    list: bool,
}

/// `TopicSysFlag.buildSysFlag`: bit 0 unit, bit 1 unit subscriptions.
fn sys_flag(unit: bool, unit_sub: bool) -> i32 {
    i32::from(unit) | (i32::from(unit_sub) << 1)
}

/// Creates or updates the topic; like Apache's, the config line ends without a newline.
pub(crate) async fn update(args: UpdateTopic) -> anyhow::Result<()> {
    let config = TopicConfig {
        read_queue_nums: args.read,
        write_queue_nums: args.write,
        perm: args.perm,
        order: args.order,
        topic_sys_flag: sys_flag(args.unit, args.unit_sub),
        ..TopicConfig::new(args.topic.trim(), 0)
    };
    let admin = Admin::connect(args.namesrv.as_deref())?;
    match (args.cluster.as_deref(), args.broker.as_deref()) {
        (None, Some(addr)) => {
            let addr = addr.trim();
            admin
                .create_topic(&Target::Broker(addr.into()), &config)
                .await
                .context("updateTopic")?;
            if config.order {
                let name = broker_name_of(&admin, addr).await?;
                let mine = format!("{name}:{}", config.write_queue_nums);
                let old = admin
                    .kv_config(ORDER_TOPIC_CONFIG, &config.topic_name)
                    .await?;
                let conf = merge_order_conf(old.as_deref(), &name, &mine);
                admin
                    .put_kv_config(ORDER_TOPIC_CONFIG, &config.topic_name, &conf)
                    .await?;
                print!("set broker orderConf. isOrder=true, orderConf=[{mine}]");
            }
            println!("create topic to {addr} success.");
        }
        (Some(cluster), None) => {
            let target = Target::Cluster(cluster.trim().into());
            for addr in admin
                .create_topic(&target, &config)
                .await
                .context("updateTopic")?
            {
                println!("create topic to {addr} success.");
            }
            if config.order {
                let info = admin.cluster_info().await?;
                let conf = info
                    .cluster_addr_table
                    .get(cluster.trim())
                    .into_iter()
                    .flatten()
                    .map(|name| format!("{name}:{}", config.write_queue_nums))
                    .collect::<Vec<_>>()
                    .join(";");
                admin
                    .put_kv_config(ORDER_TOPIC_CONFIG, &config.topic_name, &conf)
                    .await?;
                print!("set cluster orderConf. isOrder=true, orderConf=[{conf}]");
            }
        }
        _ => bail!("give exactly one of -c clusterName or -b brokerAddr"),
    }
    print!("{}", topic_config_line(&config));
    Ok(())
}

/// The name of the broker at `addr` (`CommandUtil.fetchBrokerNameByAddr`).
async fn broker_name_of(admin: &Admin, addr: &str) -> anyhow::Result<String> {
    let info = admin.cluster_info().await?;
    info.broker_addr_table
        .values()
        .find(|b| b.broker_addrs.values().any(|a| a == addr))
        .map(|b| b.broker_name.clone())
        .with_context(|| {
            format!("Make sure the specified broker addr exists or retry please: {addr}")
        })
}

/// An ordered topic's layout with one broker's entry replaced or added, the others kept
/// (`DefaultMQAdminExtImpl.createOrUpdateOrderConf` for one broker).
fn merge_order_conf(old: Option<&str>, name: &str, mine: &str) -> String {
    let mut parts: Vec<&str> = old
        .unwrap_or("")
        .split(';')
        .filter(|p| !p.is_empty() && p.split(':').next() != Some(name))
        .collect();
    parts.push(mine);
    parts.join(";")
}

pub(crate) async fn delete(args: DeleteTopic) -> anyhow::Result<()> {
    let (topic, cluster) = (args.topic.trim(), args.cluster.trim());
    Admin::connect(args.namesrv.as_deref())?
        .delete_topic(topic, cluster)
        .await
        .context("deleteTopic")?;
    println!("delete topic [{topic}] from cluster [{cluster}] success.");
    println!("delete topic [{topic}] from NameServer success.");
    Ok(())
}

pub(crate) async fn route(args: TopicRoute) -> anyhow::Result<()> {
    let route = Admin::connect(args.namesrv.as_deref())?
        .topic_route(args.topic.trim())
        .await?;
    if args.list {
        print!("{}", route_list(route));
    } else {
        println!("{}", route.encode_pretty());
    }
    Ok(())
}

/// `topicRoute -l`: a line per broker name, sorted, then the totals.
fn route_list(mut route: TopicRouteData) -> String {
    use std::fmt::Write;
    fn line(out: &mut String, cols: [&dyn std::fmt::Display; 6]) {
        let [c, b, a, r, w, p] = cols;
        let _ = writeln!(out, "{c:<45} {b:<32} {a:<50} {r:<10} {w:<11} {p:<5}");
    }
    route
        .broker_datas
        .sort_by(|a, b| a.broker_name.cmp(&b.broker_name));
    let mut out = String::new();
    line(
        &mut out,
        [
            &"#ClusterName",
            &"#BrokerName",
            &"#BrokerAddrs",
            &"#ReadQueue",
            &"#WriteQueue",
            &"#Perm",
        ],
    );
    let (mut reads, mut writes, mut names) = (0, 0, 0);
    for b in &route.broker_datas {
        let Some(q) = route
            .queue_datas
            .iter()
            .find(|q| q.broker_name == b.broker_name)
        else {
            continue;
        };
        names += 1;
        reads += q.read_queue_nums;
        writes += q.write_queue_nums;
        // Java's HashMap<Long, String>.toString().
        let addrs = b
            .broker_addrs
            .iter()
            .map(|(id, a)| format!("{id}={a}"))
            .collect::<Vec<_>>()
            .join(", ");
        line(
            &mut out,
            [
                &b.cluster,
                &b.broker_name,
                &format!("{{{addrs}}}"),
                &q.read_queue_nums,
                &q.write_queue_nums,
                &q.perm,
            ],
        );
    }
    out.push_str(&"-".repeat(158));
    out.push('\n');
    line(&mut out, [&"Total:", &names, &"", &reads, &writes, &""]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_conf_replaces_only_this_brokers_entry() {
        assert_eq!(merge_order_conf(None, "a", "a:8"), "a:8");
        assert_eq!(merge_order_conf(Some("a:4;b:4"), "a", "a:8"), "b:4;a:8");
        assert_eq!(sys_flag(true, true), 3);
    }
}
