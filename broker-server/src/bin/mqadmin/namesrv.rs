//! Name-server commands: `getNamesrvConfig`, `updateNamesrvConfig`, `wipeWritePerm`,
//! `addWritePerm`, `updateKvConfig`, `deleteKvConfig`, `updateOrderConf`, as Apache's tool prints
//! them. Each goes to every name server of `-n`.

use clap::Args;
use rocketmq_client::admin::Admin;

use crate::route::ORDER_TOPIC_CONFIG;

#[derive(Args)]
pub(crate) struct Namesrv {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
}

#[derive(Args)]
pub(crate) struct UpdateNamesrvConfig {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    #[arg(short = 'k', long = "key")]
    key: String,
    #[arg(short = 'v', long = "value")]
    value: String,
}

#[derive(Args)]
pub(crate) struct WritePerm {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    #[arg(short = 'b', long = "brokerName")]
    broker_name: String,
}

#[derive(Args)]
pub(crate) struct UpdateKvConfig {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    #[arg(short = 's', long = "namespace")]
    namespace: String,
    #[arg(short = 'k', long = "key")]
    key: String,
    #[arg(short = 'v', long = "value")]
    value: String,
}

#[derive(Args)]
pub(crate) struct DeleteKvConfig {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    #[arg(short = 's', long = "namespace")]
    namespace: String,
    #[arg(short = 'k', long = "key")]
    key: String,
}

#[derive(Args)]
pub(crate) struct UpdateOrderConf {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// `brokerName1:queues;brokerName2:queues`, for put.
    #[arg(short = 'v', long = "orderConf")]
    order_conf: Option<String>,
    /// get, put or delete.
    #[arg(short = 'm', long = "method")]
    method: String,
}

pub(crate) async fn update_kv(args: UpdateKvConfig) -> anyhow::Result<()> {
    let admin = Admin::connect(args.namesrv.as_deref())?;
    admin
        .put_kv_config(args.namespace.trim(), args.key.trim(), args.value.trim())
        .await?;
    println!("create or update kv config to namespace success.");
    Ok(())
}

pub(crate) async fn delete_kv(args: DeleteKvConfig) -> anyhow::Result<()> {
    let admin = Admin::connect(args.namesrv.as_deref())?;
    admin
        .delete_kv_config(args.namespace.trim(), args.key.trim())
        .await?;
    println!("delete kv config from namespace success.");
    Ok(())
}

pub(crate) async fn update_order_conf(args: UpdateOrderConf) -> anyhow::Result<()> {
    let admin = Admin::connect(args.namesrv.as_deref())?;
    let topic = args.topic.trim();
    match args.method.trim() {
        "get" => {
            let conf = admin
                .kv_config(ORDER_TOPIC_CONFIG, topic)
                .await?
                .unwrap_or_else(|| "null".into());
            println!("get orderConf success. topic=[{topic}], orderConf=[{conf}] ");
        }
        "put" => {
            let Some(conf) = args.order_conf.as_deref().map(str::trim) else {
                anyhow::bail!("please set orderConf with option -v.");
            };
            admin.put_kv_config(ORDER_TOPIC_CONFIG, topic, conf).await?;
            println!("update orderConf success. topic=[{topic}], orderConf=[{conf}]");
        }
        "delete" => {
            admin.delete_kv_config(ORDER_TOPIC_CONFIG, topic).await?;
            println!("delete orderConf success. topic=[{topic}]");
        }
        other => anyhow::bail!("unknown method {other}: give get, put or delete"),
    }
    Ok(())
}

pub(crate) async fn get_config(args: Namesrv) -> anyhow::Result<()> {
    let admin = Admin::connect(args.namesrv.as_deref())?;
    for addr in admin.namesrv_addrs() {
        println!("============{addr}============");
        for (k, v) in admin.namesrv_config(&addr).await? {
            println!("{k:<50}=  {v}");
        }
    }
    Ok(())
}

pub(crate) async fn update_config(args: UpdateNamesrvConfig) -> anyhow::Result<()> {
    let admin = Admin::connect(args.namesrv.as_deref())?;
    let (key, value) = (args.key.trim(), args.value.trim());
    let addrs = admin.namesrv_addrs();
    for addr in &addrs {
        admin.update_namesrv_config(addr, &[(key, value)]).await?;
    }
    println!(
        "update name server config success![{}]\n{key} : {value}",
        addrs.join(", ")
    );
    Ok(())
}

/// `wipeWritePerm` (`wipe`) or `addWritePerm`: one line per name server; a name server that
/// fails gets a Failed line and the exit status says so.
pub(crate) async fn write_perm(args: WritePerm, wipe: bool) -> anyhow::Result<()> {
    let admin = Admin::connect(args.namesrv.as_deref())?;
    let verb = if wipe { "wipe" } else { "add" };
    let name = &args.broker_name;
    let mut failed = None;
    for addr in admin.namesrv_addrs() {
        let done = if wipe {
            admin.wipe_write_perm(&addr, name).await
        } else {
            admin.add_write_perm(&addr, name).await
        };
        match done {
            Ok(n) => println!("{verb} write perm of broker[{name}] in name server[{addr}] OK, {n}"),
            Err(e) => {
                println!("{verb} write perm of broker[{name}] in name server[{addr}] Failed");
                failed = Some(e);
            }
        }
    }
    match failed {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}
