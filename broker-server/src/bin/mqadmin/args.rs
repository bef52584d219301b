//! What several commands share: options as Apache's tools spell them, and the small output
//! conventions of Apache's tools.

use anyhow::bail;
use clap::Args;
use rocketmq_client::admin::Admin;

/// `-b brokerAddr` or `-c clusterName`: one broker, or every master of a cluster.
#[derive(Args)]
pub(crate) struct BrokerOrCluster {
    #[arg(short = 'b', long = "brokerAddr")]
    pub(crate) broker: Option<String>,
    #[arg(short = 'c', long = "clusterName")]
    pub(crate) cluster: Option<String>,
}

impl BrokerOrCluster {
    /// The broker, or the cluster's masters (a cluster that does not exist is an error);
    /// `command` names the command in the error when neither is given.
    pub(crate) async fn addrs(&self, admin: &Admin, command: &str) -> anyhow::Result<Vec<String>> {
        match (&self.broker, &self.cluster) {
            (Some(b), _) => Ok(vec![b.trim().to_string()]),
            (None, Some(c)) => {
                let masters = admin.cluster_masters(c.trim()).await?;
                if masters.is_empty() {
                    bail!("cluster {c} has no master");
                }
                Ok(masters)
            }
            (None, None) => bail!("{command} needs -b brokerAddr or -c clusterName"),
        }
    }
}

/// `-n`, else `NAMESRV_ADDR`, as Apache's tools read them (for clients other than [`Admin`],
/// which reads the variable itself).
pub(crate) fn namesrv_or_env(given: &Option<String>) -> anyhow::Result<String> {
    use anyhow::Context;
    given
        .clone()
        .or_else(|| std::env::var("NAMESRV_ADDR").ok())
        .context("give -n namesrvAddr or set NAMESRV_ADDR")
}

/// Java's `UtilAll.frontStringAtLeast`: at most `n` characters.
pub(crate) fn front(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// `yyyy-MM-dd HH:mm:ss` (Apache's `YYYY_MM_DD_HH_MM_SS`), UTC.
pub(crate) fn to_second(ms: i64) -> String {
    let mut t = rocketmq_client::protocol::time::format_utc(ms);
    t.truncate(t.len() - 4);
    t
}
