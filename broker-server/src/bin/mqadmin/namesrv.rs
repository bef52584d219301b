//! Name-server commands: `getNamesrvConfig`, `updateNamesrvConfig`, `wipeWritePerm`,
//! `addWritePerm`, as Apache's tool prints them. Each goes to every name server of `-n`.

use clap::Args;
use rocketmq_client::admin::Admin;

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
