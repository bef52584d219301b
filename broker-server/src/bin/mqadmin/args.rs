//! Options several commands share, as Apache's tools spell them.

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
