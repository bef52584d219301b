//! `topicList [-c]`, `topicClusterList`, `updateTopicPerm` and `allocateMQ`, as Apache's tool
//! prints them.

use anyhow::{Context, bail};
use clap::Args;
use rocketmq_client::admin::{Admin, Target};
use rocketmq_client::protocol::body::{ClusterInfo, TopicConfig, TopicRouteData};

use crate::args::{BrokerOrCluster, front};
use crate::cluster::topic_config_line;

#[derive(Args)]
pub(crate) struct TopicList {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    /// Each topic with its cluster and the groups consuming it.
    #[arg(short = 'c', long = "clusterModel")]
    cluster_model: bool,
}

#[derive(Args)]
pub(crate) struct TopicCluster {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    #[arg(short = 't', long = "topic")]
    topic: String,
}

#[derive(Args)]
pub(crate) struct UpdateTopicPerm {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    #[command(flatten)]
    target: BrokerOrCluster,
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// 2 write, 4 read, 6 both.
    #[arg(short = 'p', long = "perm")]
    perm: i32,
}

#[derive(Args)]
pub(crate) struct AllocateMq {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// Consumer ids (addresses), comma-separated.
    #[arg(short = 'i', long = "ipList")]
    ips: String,
}

/// `allocateMQ`: how Apache's averaging strategy would share the topic's queues among these
/// consumers, as `{"result":{ip:[queues]}}`.
pub(crate) async fn allocate(args: AllocateMq) -> anyhow::Result<()> {
    let admin = Admin::connect(args.namesrv.as_deref())?;
    let route = admin.topic_route(&args.topic).await?;
    let queues = rocketmq_client::route::subscribe_queues(&args.topic, &route);
    let ips: Vec<String> = args
        .ips
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let mut result = serde_json::Map::new();
    for ip in &ips {
        let mine = rocketmq_client::consumer::allocate_averagely(&queues, &ips, ip);
        result.insert(ip.clone(), serde_json::to_value(mine)?);
    }
    println!("{}", serde_json::json!({ "result": result }));
    Ok(())
}

/// The clusters whose brokers hold the topic.
fn clusters_of(route: &TopicRouteData, info: &ClusterInfo) -> Vec<String> {
    let mut out: Vec<String> = route
        .broker_datas
        .iter()
        .filter_map(|b| {
            info.cluster_addr_table
                .iter()
                .find(|(_, names)| names.contains(&b.broker_name))
                .map(|(c, _)| c.clone())
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

pub(crate) async fn list(args: TopicList) -> anyhow::Result<()> {
    let admin = Admin::connect(args.namesrv.as_deref())?;
    if args.cluster_model {
        return list_with_clusters(&admin).await;
    }
    for topic in admin.topic_list().await?.topic_list {
        println!("{topic}");
    }
    Ok(())
}

/// `topicList -c`: every topic (not retry or dead-letter ones) with its cluster and each group
/// consuming it.
async fn list_with_clusters(admin: &Admin) -> anyhow::Result<()> {
    let info = admin.cluster_info().await?;
    println!(
        "{:<20}  {:<48}  {:<48}",
        "#Cluster Name", "#Topic", "#Consumer Group"
    );
    for topic in admin.topic_list().await?.topic_list {
        if topic.starts_with("%RETRY%") || topic.starts_with("%DLQ%") {
            continue;
        }
        let (cluster, mut groups) = match admin.topic_route(&topic).await {
            Ok(route) => {
                let cluster = clusters_of(&route, &info)
                    .into_iter()
                    .next()
                    .unwrap_or_default();
                let groups = match route
                    .broker_datas
                    .iter()
                    .find_map(|b| b.broker_addrs.get(&0))
                {
                    Some(addr) => admin
                        .topic_consumed_by(addr, &topic)
                        .await
                        .unwrap_or_default(),
                    None => Vec::new(),
                };
                (cluster, groups)
            }
            Err(_) => (String::new(), Vec::new()),
        };
        if groups.is_empty() {
            groups.push(String::new());
        }
        for group in groups {
            println!(
                "{:<20}  {:<64}  {:<64}",
                front(&cluster, 20),
                front(&topic, 64),
                front(&group, 64)
            );
        }
    }
    Ok(())
}

pub(crate) async fn clusters(args: TopicCluster) -> anyhow::Result<()> {
    let admin = Admin::connect(args.namesrv.as_deref())?;
    let route = admin.topic_route(&args.topic).await?;
    let info = admin.cluster_info().await?;
    for cluster in clusters_of(&route, &info) {
        println!("{cluster}");
    }
    Ok(())
}

pub(crate) async fn update_perm(args: UpdateTopicPerm) -> anyhow::Result<()> {
    let admin = Admin::connect(args.namesrv.as_deref())?;
    let route = admin.topic_route(&args.topic).await?;
    let first = route
        .queue_datas
        .first()
        .with_context(|| format!("topic {} has no queues", args.topic))?;
    let config = TopicConfig {
        read_queue_nums: first.read_queue_nums,
        write_queue_nums: first.write_queue_nums,
        topic_sys_flag: first.topic_sys_flag,
        perm: args.perm,
        ..TopicConfig::new(&args.topic, 0)
    };
    let addrs = args.target.addrs(&admin, "updateTopicPerm").await?;
    match &args.target.broker {
        Some(addr) => {
            let Some(name) = route
                .broker_datas
                .iter()
                .find(|b| b.broker_addrs.get(&0) == Some(addr))
                .map(|b| b.broker_name.clone())
            else {
                bail!("updateTopicPerm error broker not exit or broker is not master!.");
            };
            let old = route
                .queue_datas
                .iter()
                .find(|q| q.broker_name == name)
                .map_or(0, |q| q.perm);
            if old == args.perm {
                println!("new perm equals to the old one!");
                return Ok(());
            }
            admin
                .create_topic(&Target::Broker(addr.clone()), &config)
                .await?;
            println!(
                "update topic perm from {old} to {} in {addr} success.",
                args.perm
            );
            println!("{}.", topic_config_line(&config));
        }
        None => {
            for addr in addrs {
                admin
                    .create_topic(&Target::Broker(addr.clone()), &config)
                    .await?;
                println!(
                    "update topic perm from {} to {} in {addr} success.",
                    first.perm, args.perm
                );
            }
        }
    }
    Ok(())
}
