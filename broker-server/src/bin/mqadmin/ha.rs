//! `haStatus`: replication as Apache 5.x's tool prints it, per master (its slaves, their
//! acknowledged offsets and lag) or per slave (its master, its end, when it last heard).

use anyhow::bail;
use clap::Args;
use rocketmq_client::admin::Admin;
use rocketmq_client::protocol::time::format_utc;

#[derive(Args)]
pub(crate) struct HaStatus {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    /// One broker.
    #[arg(short = 'b', long = "brokerAddr")]
    broker: Option<String>,
    /// Every broker of a cluster.
    #[arg(short = 'c', long = "clusterName")]
    cluster: Option<String>,
    /// Print again every this many seconds (fractions too: `-i 0.1` samples lag at 10 Hz).
    #[arg(short = 'i', long = "interval")]
    interval: Option<f64>,
}

pub(crate) async fn run(args: HaStatus) -> anyhow::Result<()> {
    let admin = Admin::connect(args.namesrv.as_deref())?;
    loop {
        let addrs = match (&args.broker, &args.cluster) {
            (Some(b), _) => vec![b.clone()],
            (None, Some(c)) => {
                let info = admin.cluster_info().await?;
                let names = info.cluster_addr_table.get(c).cloned().unwrap_or_default();
                names
                    .iter()
                    .filter_map(|n| info.broker_addr_table.get(n))
                    .flat_map(|b| b.broker_addrs.values().cloned())
                    .collect()
            }
            (None, None) => bail!("haStatus needs -b brokerAddr or -c clusterName"),
        };
        for addr in addrs {
            print_status(&admin, &addr).await?;
        }
        match args.interval {
            Some(secs) => {
                tokio::time::sleep(std::time::Duration::from_secs_f64(secs.max(0.01))).await
            }
            None => return Ok(()),
        }
    }
}

async fn print_status(admin: &Admin, addr: &str) -> anyhow::Result<()> {
    let info = admin.broker_ha_status(addr).await?;
    if info.master {
        println!(
            "\n#MasterAddr\t{addr}\n#MasterCommitLogMaxOffset\t{}\n#SlaveNum\t{}\n#InSyncSlaveNum\t{}",
            info.master_commit_log_max_offset,
            info.ha_connection_info.len(),
            info.in_sync_slave_nums
        );
        println!(
            "{:<32}  {:<16} {:>16} {:>16} {:>16} {:>16}",
            "#SlaveAddr",
            "#SlaveAckOffset",
            "#Diff",
            "#TransferSpeed(KB/s)",
            "#Status",
            "#TransferFromWhere"
        );
        for c in &info.ha_connection_info {
            println!(
                "{:<32}  {:<16} {:>16} {:>16.2} {:>16} {:>16}",
                c.addr,
                c.slave_ack_offset,
                c.diff,
                c.transferred_byte_in_second as f64 / 1024.0,
                if c.in_sync { "OK" } else { "Fall Behind" },
                c.transfer_from_where
            );
        }
    } else {
        let c = &info.ha_client_runtime_info;
        println!(
            "\n#MasterAddr\t{}",
            c.master_addr.as_deref().unwrap_or("null")
        );
        println!("#CommitLogMaxOffset\t{}", c.max_offset);
        println!(
            "#TransferSpeed(KB/s)\t{:.2}",
            c.transferred_byte_in_second as f64 / 1024.0
        );
        println!("#LastReadTime\t{}", format_utc(c.last_read_timestamp));
        println!("#LastWriteTime\t{}", format_utc(c.last_write_timestamp));
        println!("#MasterFlushOffset\t{}", c.master_flush_offset);
    }
    Ok(())
}
