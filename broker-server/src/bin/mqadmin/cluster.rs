//! `clusterList` as Apache's `ClusterListSubCommand` prints it, and the topic-config line
//! `updateTopic` ends with.

use clap::Args;
use rocketmq_client::admin::Admin;
use rocketmq_client::protocol::body::{TopicConfig, perm};
use rocketmq_client::protocol::now_millis;

#[derive(Args)]
pub(crate) struct ClusterList {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    /// Yesterday's and today's message totals instead.
    #[arg(short = 'm', long = "moreStats")]
    more: bool,
    /// Print again every this many seconds.
    #[arg(short = 'i', long = "interval")]
    interval: Option<u64>,
}

pub(crate) async fn list(args: ClusterList) -> anyhow::Result<()> {
    let admin = Admin::connect(args.namesrv.as_deref())?;
    loop {
        print(&admin, args.more).await?;
        let Some(secs) = args.interval else {
            return Ok(());
        };
        tokio::time::sleep(std::time::Duration::from_secs(secs)).await;
    }
}

/// Every broker of every cluster, one line each: Apache's base layout (TPS in and out with
/// the send and pull queues, page-cache lock wait, hours of messages kept, disk use), or with
/// `more` its totals of yesterday and today.
async fn print(admin: &Admin, more: bool) -> anyhow::Result<()> {
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

#[derive(clap::Args)]
pub(crate) struct ClusterRt {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    /// Sends per broker each round.
    #[arg(short = 'a', long = "amount", default_value_t = 100)]
    amount: u64,
    /// Body size.
    #[arg(short = 's', long = "size", default_value_t = 128)]
    size: usize,
    /// Only this cluster.
    #[arg(short = 'c', long = "cluster")]
    cluster: Option<String>,
    /// Print `time|room|cluster|broker|rt` lines.
    #[arg(short = 'p', long = "printLog", default_value_t = false, action = clap::ArgAction::Set)]
    print_log: bool,
    /// Machine room name for -p.
    #[arg(short = 'm', long = "machineRoom", default_value = "noname")]
    room: String,
    /// Seconds between rounds.
    #[arg(short = 'i', long = "interval", default_value_t = 10)]
    interval: u64,
    /// Rounds to run (ours; Apache's tool runs until stopped, as this does without it).
    #[arg(long = "rounds")]
    rounds: Option<u64>,
}

/// `clusterRT`: each broker's send RT, by sending to its own topic (the broker name), round
/// after round.
pub(crate) async fn send_rt(args: ClusterRt) -> anyhow::Result<()> {
    let admin = Admin::connect(args.namesrv.as_deref())?;
    let producer = rocketmq_client::Producer::builder("PID_SMSC")
        .namesrv_addr(crate::args::namesrv_or_env(&args.namesrv)?)
        .start()
        .await?;
    let info = admin.cluster_info().await?;
    let clusters: Vec<String> = match &args.cluster {
        Some(c) => vec![c.trim().to_string()],
        None => info.cluster_addr_table.keys().cloned().collect(),
    };
    if !args.print_log {
        println!(
            "{:<24}  {:<24}  {:<4}  {:<8}  #failCount",
            "#Cluster Name", "#Broker Name", "#RT", "#successCount"
        );
    }
    let body = "a".repeat(args.size);
    let mut round = 0;
    loop {
        for cluster in &clusters {
            let Some(names) = info.cluster_addr_table.get(cluster) else {
                print!("cluster [{cluster}] not exist");
                break;
            };
            for name in names {
                let (mut ok, mut failed, mut elapsed) = (0u64, 0u64, 0u128);
                for i in 0..args.amount {
                    let started = std::time::Instant::now();
                    match producer
                        .send(rocketmq_client::Message::new(name, body.clone()))
                        .await
                    {
                        Ok(_) => ok += 1,
                        Err(_) => failed += 1,
                    }
                    if i != 0 {
                        elapsed += started.elapsed().as_millis();
                    }
                }
                let rt = elapsed as f64 / args.amount.saturating_sub(1).max(1) as f64;
                if args.print_log {
                    let now = rocketmq_client::protocol::time::format_utc(now_millis());
                    println!("{}|{}|{cluster}|{name}|{rt:.0}", &now[..19], args.room);
                } else {
                    println!(
                        "{cluster:<24}  {name:<24}  {:<8}  {ok:<16}  {failed:<16}",
                        format!("{rt:.2}")
                    );
                }
            }
        }
        round += 1;
        if args.rounds.is_some_and(|r| round >= r) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_secs(args.interval)).await;
    }
    producer.shutdown().await;
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
