//! `cloneGroupOffset`, `cleanExpiredCQ`, `cleanUnusedTopic` and `queryCq`, as Apache's tool
//! prints them.

use anyhow::{Context, bail};
use clap::Args;
use rocketmq_client::admin::Admin;

#[derive(Args)]
pub(crate) struct CloneGroupOffset {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    #[arg(short = 's', long = "srcGroup")]
    src: String,
    #[arg(short = 'd', long = "destGroup")]
    dest: String,
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// The source group is offline.
    #[arg(short = 'o', long = "offline", default_value_t = false, action = clap::ArgAction::Set)]
    offline: bool,
}

#[derive(Args)]
pub(crate) struct Clean {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    #[arg(short = 'b', long = "brokerAddr")]
    broker: Option<String>,
    #[arg(short = 'c', long = "cluster")]
    cluster: Option<String>,
}

#[derive(Args)]
pub(crate) struct QueryCq {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    #[arg(short = 't', long = "topic")]
    topic: String,
    #[arg(short = 'q', long = "queue")]
    queue: i32,
    #[arg(short = 'i', long = "index")]
    index: i64,
    #[arg(short = 'c', long = "count", default_value_t = 10)]
    count: i32,
    #[arg(short = 'b', long = "broker")]
    broker: Option<String>,
    #[arg(short = 'g', long = "consumer")]
    group: Option<String>,
}

pub(crate) async fn clone_group_offset(args: CloneGroupOffset) -> anyhow::Result<()> {
    let admin = Admin::connect(args.namesrv.as_deref())?;
    let route = admin.topic_route(&args.topic).await?;
    for broker in &route.broker_datas {
        let Some(addr) = broker.broker_addrs.get(&0) else {
            continue;
        };
        admin
            .clone_group_offset(addr, &args.src, &args.dest, &args.topic, args.offline)
            .await?;
    }
    println!(
        "clone group offset success. srcGroup[{}], destGroup=[{}], topic[{}]",
        args.src, args.dest, args.topic
    );
    Ok(())
}

/// `cleanExpiredCQ` (`expired`) or `cleanUnusedTopic` on one broker or every master of a
/// cluster; prints `success`, or `false` when a broker refused.
pub(crate) async fn clean(args: Clean, expired: bool) -> anyhow::Result<()> {
    let admin = Admin::connect(args.namesrv.as_deref())?;
    let addrs = match (&args.broker, &args.cluster) {
        (Some(b), _) => vec![b.clone()],
        (None, Some(c)) => admin.cluster_masters(c).await?,
        (None, None) => bail!("give -b brokerAddr or -c cluster"),
    };
    let mut ok = true;
    for addr in addrs {
        let done = if expired {
            admin.clean_expired_consume_queue(&addr).await
        } else {
            admin.clean_unused_topic(&addr).await
        };
        if let Err(e) = done {
            eprintln!("{addr}: {e}");
            ok = false;
        }
    }
    println!("{}", if ok { "success" } else { "false" });
    if !ok {
        std::process::exit(1);
    }
    Ok(())
}

pub(crate) async fn query_cq(args: QueryCq) -> anyhow::Result<()> {
    let admin = Admin::connect(args.namesrv.as_deref())?;
    let broker = match args.broker {
        Some(b) => b,
        None => {
            let route = admin.topic_route(&args.topic).await?;
            route
                .broker_datas
                .first()
                .and_then(|b| b.broker_addrs.get(&0).cloned())
                .context("No topic route data!")?
        }
    };
    let body = admin
        .query_consume_queue(
            &broker,
            &args.topic,
            args.queue,
            args.index,
            args.count,
            args.group.as_deref(),
        )
        .await?;
    const RULE: &str = "======================================";
    if let Some(sub) = &body.subscription_data {
        println!(
            "Subscription data: \n{}",
            serde_json::to_string_pretty(sub)?
        );
        println!("{RULE}");
    }
    if let Some(filter) = &body.filter_data {
        println!("Filter data: \n{filter}");
        println!("{RULE}");
    }
    println!(
        "Queue data: \nmax: {}, min: {}",
        body.max_queue_index, body.min_queue_index
    );
    println!("{RULE}");
    let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "null".into());
    for (i, d) in body.queue_data.iter().enumerate() {
        println!("idx: {}", args.index + i as i64);
        println!(
            "ConsumeQueueData{{physicOffset={}, physicSize={}, tagsCode={}, extendDataJson='{}', bitMap='{}', eval={}, msg='{}'}}",
            d.physic_offset,
            d.physic_size,
            d.tags_code,
            text(&d.extend_data_json),
            text(&d.bit_map),
            d.eval,
            text(&d.msg)
        );
        println!("{RULE}");
    }
    Ok(())
}
