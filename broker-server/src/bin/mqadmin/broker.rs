//! `brokerStatus`, `getBrokerConfig` and `updateBrokerConfig`, as Apache's tool prints them.

use anyhow::bail;
use clap::Args;
use rocketmq_client::admin::Admin;

use crate::args::BrokerOrCluster;

#[derive(Args)]
pub(crate) struct BrokerStatus {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    /// One broker.
    #[arg(short = 'b', long = "brokerAddr")]
    broker: Option<String>,
    /// Every broker of a cluster, masters and slaves, each line led by its address.
    #[arg(short = 'c', long = "clusterName")]
    cluster: Option<String>,
}

#[derive(Args)]
pub(crate) struct GetBrokerConfig {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    /// One broker.
    #[arg(short = 'b', long = "brokerAddr")]
    broker: Option<String>,
    /// Every master of a cluster, each followed by its slaves.
    #[arg(short = 'c', long = "clusterName")]
    cluster: Option<String>,
}

#[derive(Args)]
pub(crate) struct UpdateBrokerConfig {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    #[command(flatten)]
    target: BrokerOrCluster,
    #[arg(short = 'k', long = "key")]
    key: String,
    #[arg(short = 'v', long = "value")]
    value: String,
}

pub(crate) async fn get(args: GetBrokerConfig) -> anyhow::Result<()> {
    let admin = Admin::connect(args.namesrv.as_deref())?;
    match (&args.broker, &args.cluster) {
        (Some(addr), _) => print(&admin, &format!("============{addr}============"), addr).await,
        (None, Some(cluster)) => {
            for (master, slaves) in masters_and_slaves(&admin, cluster).await? {
                print(
                    &admin,
                    &format!("============Master: {master}============"),
                    &master,
                )
                .await?;
                for slave in slaves {
                    let title =
                        format!("============My Master: {master}=====Slave: {slave}============");
                    print(&admin, &title, &slave).await?;
                }
            }
            Ok(())
        }
        (None, None) => bail!("getBrokerConfig needs -b brokerAddr or -c clusterName"),
    }
}

/// The runtime table sorted by key (`%-32s: %s`), with the broker's address in front
/// (`%-24s`) when a whole cluster is asked.
pub(crate) async fn status(args: BrokerStatus) -> anyhow::Result<()> {
    let admin = Admin::connect(args.namesrv.as_deref())?;
    let (addrs, lead) = match (&args.broker, &args.cluster) {
        (Some(addr), _) => (vec![addr.trim().to_string()], false),
        (None, Some(cluster)) => {
            let addrs = masters_and_slaves(&admin, cluster.trim())
                .await?
                .into_iter()
                .flat_map(|(master, slaves)| std::iter::once(master).chain(slaves))
                .collect();
            (addrs, true)
        }
        (None, None) => bail!("brokerStatus needs -b brokerAddr or -c clusterName"),
    };
    for addr in addrs {
        let table = admin.broker_runtime_info(&addr).await?.table;
        for (k, v) in &table {
            if lead {
                println!("{addr:<24} {k:<32}: {v}");
            } else {
                println!("{k:<32}: {v}");
            }
        }
    }
    Ok(())
}

pub(crate) async fn update(args: UpdateBrokerConfig) -> anyhow::Result<()> {
    let admin = Admin::connect(args.namesrv.as_deref())?;
    let (key, value) = (args.key.trim(), args.value.trim());
    for addr in args.target.addrs(&admin, "updateBrokerConfig").await? {
        admin.update_broker_config(&addr, &[(key, value)]).await?;
        println!("update broker config success, {addr}");
    }
    Ok(())
}

async fn print(admin: &Admin, title: &str, addr: &str) -> anyhow::Result<()> {
    println!("{title}");
    for (k, v) in admin.broker_config(addr).await? {
        println!("{k:<50}=  {v}");
    }
    println!();
    Ok(())
}

/// A cluster's masters, each with its slaves' addresses.
async fn masters_and_slaves(
    admin: &Admin,
    cluster: &str,
) -> anyhow::Result<Vec<(String, Vec<String>)>> {
    let info = admin.cluster_info().await?;
    let Some(names) = info.cluster_addr_table.get(cluster) else {
        bail!("cluster {cluster} not found");
    };
    let mut out = Vec::new();
    for name in names {
        let Some(data) = info.broker_addr_table.get(name) else {
            continue;
        };
        let Some(master) = data.broker_addrs.get(&0) else {
            continue;
        };
        let slaves = data
            .broker_addrs
            .iter()
            .filter(|(id, _)| **id != 0)
            .map(|(_, a)| a.clone())
            .collect();
        out.push((master.clone(), slaves));
    }
    Ok(out)
}
