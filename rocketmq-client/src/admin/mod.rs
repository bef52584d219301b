//! Administration: clusters, topics, statistics, consumer groups and message lookups — what `mqadmin` and
//! dashboards need.
//!
//! ```no_run
//! # async fn demo() -> Result<(), rocketmq_client::ClientError> {
//! use rocketmq_client::admin::Admin;
//!
//! let admin = Admin::connect(Some("127.0.0.1:9876"))?;
//! let stats = admin.consume_stats("please_rename_unique_group_name_4", Some("TopicTest")).await?;
//! println!("Diff Total: {}", stats.diff_total());
//! # Ok(()) }
//! ```

mod brokers;
mod consumers;
mod groups;
mod messages;
mod namesrvs;
mod reading;
mod reset;

pub use messages::MessageTrack;
pub use reset::{OffsetReset, Rollback};

use std::collections::BTreeSet;
use std::time::Duration;

use crate::error::{ClientError, Result};
use crate::protocol::body::{
    ClusterInfo, ConsumeStats, HaRuntimeInfo, JsonBody, KvTable, TopicConfig, TopicList,
    TopicRouteData, TopicStatsTable,
};
use crate::protocol::header::{CreateTopicRequestHeader, DeleteTopicInNamesrvHeader, TopicHeader};
use crate::protocol::{RemotingCommand, RequestCode, ResponseCode};
use crate::remoting::RemotingClient;
use crate::route::NameServers;

const TIMEOUT: Duration = Duration::from_secs(5);

/// Where a topic is created.
#[derive(Debug, Clone)]
pub enum Target {
    /// Every master of a cluster.
    Cluster(String),
    /// One broker address.
    Broker(String),
}

/// An admin client.
#[derive(Debug, Clone)]
pub struct Admin {
    namesrv: NameServers,
    client: RemotingClient,
}

impl Admin {
    /// Uses `namesrv_addr` (`;`-separated), else `NAMESRV_ADDR`.
    pub fn connect(namesrv_addr: Option<&str>) -> Result<Self> {
        let namesrv = match namesrv_addr {
            Some(a) => NameServers::parse(a)?,
            None => NameServers::from_env()?,
        };
        Ok(Admin {
            namesrv,
            client: RemotingClient::new(),
        })
    }

    /// Sends `req` to a broker and requires SUCCESS.
    async fn call(&self, addr: &str, req: RemotingCommand) -> Result<RemotingCommand> {
        let resp = self.client.invoke(addr, req, TIMEOUT).await?;
        if resp.response_code() != ResponseCode::Success {
            return Err(ClientError::Remote {
                addr: addr.to_string(),
                code: resp.response_code(),
                remark: resp.remark.unwrap_or_default(),
            });
        }
        Ok(resp)
    }

    /// Sends a request and decodes the JSON body of its answer.
    async fn call_body<B: JsonBody>(&self, addr: &str, req: RemotingCommand) -> Result<B> {
        let resp = self.call(addr, req).await?;
        B::decode(&resp.body).map_err(|e| ClientError::body(addr, e))
    }

    async fn call_namesrv(&self, req: RemotingCommand) -> Result<(String, RemotingCommand)> {
        let (addr, resp) = self.namesrv.invoke(&self.client, req).await?;
        if resp.response_code() != ResponseCode::Success {
            return Err(ClientError::Remote {
                addr,
                code: resp.response_code(),
                remark: resp.remark.unwrap_or_default(),
            });
        }
        Ok((addr, resp))
    }

    /// Brokers by name and cluster.
    pub async fn cluster_info(&self) -> Result<ClusterInfo> {
        let (addr, resp) = self
            .call_namesrv(RemotingCommand::request(RequestCode::GetBrokerClusterInfo))
            .await?;
        ClusterInfo::decode(&resp.body).map_err(|e| ClientError::body(&addr, e))
    }

    /// Every topic the name servers know.
    pub async fn topic_list(&self) -> Result<TopicList> {
        let req = RemotingCommand::request(RequestCode::GetAllTopicListFromNameServer);
        let (addr, resp) = self.call_namesrv(req).await?;
        TopicList::decode(&resp.body).map_err(|e| ClientError::body(&addr, e))
    }

    /// The system topics (GET_SYSTEM_TOPIC_LIST_FROM_NS): clusters, broker names and what
    /// brokers keep for themselves.
    pub async fn system_topic_list(&self) -> Result<TopicList> {
        let req = RemotingCommand::request(RequestCode::GetSystemTopicListFromNs);
        let (addr, resp) = self.call_namesrv(req).await?;
        TopicList::decode(&resp.body).map_err(|e| ClientError::body(&addr, e))
    }

    /// Where a topic lives.
    pub async fn topic_route(&self, topic: &str) -> Result<TopicRouteData> {
        self.namesrv
            .route(&self.client, topic)
            .await?
            .ok_or_else(|| ClientError::NoRoute {
                topic: topic.to_string(),
            })
    }

    /// Master addresses of a cluster; [`ClientError::NoCluster`] when no name server knows it.
    pub async fn cluster_masters(&self, cluster: &str) -> Result<Vec<String>> {
        let info = self.cluster_info().await?;
        let names = info
            .cluster_addr_table
            .get(cluster)
            .cloned()
            .ok_or_else(|| ClientError::NoCluster(cluster.to_string()))?;
        Ok(names
            .iter()
            .filter_map(|n| {
                info.broker_addr_table
                    .get(n)
                    .and_then(|b| b.master_addr())
                    .map(str::to_string)
            })
            .collect())
    }

    /// Creates or updates a topic; returns the brokers it went to.
    pub async fn create_topic(&self, target: &Target, config: &TopicConfig) -> Result<Vec<String>> {
        let addrs = match target {
            Target::Broker(addr) => vec![addr.clone()],
            Target::Cluster(c) => self.cluster_masters(c).await?,
        };
        if addrs.is_empty() {
            return Err(ClientError::NoRoute {
                topic: config.topic_name.clone(),
            });
        }
        let header = CreateTopicRequestHeader {
            topic: config.topic_name.clone(),
            default_topic: "TBW102".into(),
            read_queue_nums: config.read_queue_nums,
            write_queue_nums: config.write_queue_nums,
            perm: config.perm,
            topic_filter_type: config.topic_filter_type.clone(),
            topic_sys_flag: Some(config.topic_sys_flag),
            order: config.order,
            attributes: None,
        };
        for addr in &addrs {
            self.call(
                addr,
                RemotingCommand::request_with(RequestCode::UpdateAndCreateTopic, &header),
            )
            .await?;
        }
        Ok(addrs)
    }

    /// Deletes a topic from a cluster's masters and from every name server.
    pub async fn delete_topic(&self, topic: &str, cluster: &str) -> Result<()> {
        let header = TopicHeader {
            topic: topic.to_string(),
            accept_standard_json_only: None,
        };
        for addr in self.cluster_masters(cluster).await? {
            self.call(
                &addr,
                RemotingCommand::request_with(RequestCode::DeleteTopicInBroker, &header),
            )
            .await?;
        }
        let ns_header = DeleteTopicInNamesrvHeader {
            topic: topic.to_string(),
            cluster_name: Some(cluster.to_string()),
        };
        for addr in self.namesrv.addrs() {
            self.call(
                addr,
                RemotingCommand::request_with(RequestCode::DeleteTopicInNamesrv, &ns_header),
            )
            .await?;
        }
        Ok(())
    }

    /// Min and max offsets of every queue of a topic, from every broker holding it.
    pub async fn topic_stats(&self, topic: &str) -> Result<TopicStatsTable> {
        let route = self.topic_route(topic).await?;
        let mut merged = TopicStatsTable::default();
        // A broker name whose master is down is read from its slave, as Apache's tools do.
        for addr in route
            .broker_datas
            .iter()
            .filter_map(|b| b.select_broker_addr())
        {
            let header = TopicHeader {
                topic: topic.to_string(),
                accept_standard_json_only: None,
            };
            let resp = self
                .call(
                    addr,
                    RemotingCommand::request_with(RequestCode::GetTopicStatsInfo, &header),
                )
                .await?;
            let table =
                TopicStatsTable::decode(&resp.body).map_err(|e| ClientError::body(addr, e))?;
            merged.offset_table.0.extend(table.offset_table.0);
            merged.topic_put_tps += table.topic_put_tps;
        }
        Ok(merged)
    }

    /// A group's progress per queue (Broker Offset, Consumer Offset, Diff), from every broker
    /// name of the topic (or of every cluster when no topic is given): its master, or its
    /// slave while the master is down.
    pub async fn consume_stats(&self, group: &str, topic: Option<&str>) -> Result<ConsumeStats> {
        let addrs: BTreeSet<String> = match topic {
            Some(t) => self
                .topic_route(t)
                .await?
                .broker_datas
                .iter()
                .filter_map(|b| b.select_broker_addr().map(str::to_string))
                .collect(),
            None => self
                .cluster_info()
                .await?
                .broker_addr_table
                .values()
                .filter_map(|b| b.select_broker_addr().map(str::to_string))
                .collect(),
        };
        let mut merged = ConsumeStats::default();
        let mut answered = false;
        for addr in &addrs {
            let mut req = RemotingCommand::request(RequestCode::GetConsumeStats);
            req.ext_fields
                .insert("consumerGroup".into(), group.to_string());
            if let Some(t) = topic {
                req.ext_fields.insert("topic".into(), t.to_string());
            }
            match self.call(addr, req).await {
                Ok(resp) => {
                    let stats =
                        ConsumeStats::decode(&resp.body).map_err(|e| ClientError::body(addr, e))?;
                    merged.offset_table.0.extend(stats.offset_table.0);
                    merged.consume_tps += stats.consume_tps;
                    answered = true;
                }
                Err(ClientError::Remote {
                    code: ResponseCode::ConsumerNotOnline,
                    ..
                }) => {}
                Err(e) => return Err(e),
            }
        }
        if !answered {
            return Err(ClientError::Remote {
                addr: addrs.into_iter().collect::<Vec<_>>().join(";"),
                code: ResponseCode::ConsumerNotOnline,
                remark: format!("no broker has offsets of group {group}"),
            });
        }
        Ok(merged)
    }

    /// A broker's runtime counters (`mqadmin brokerStatus`).
    pub async fn broker_runtime_info(&self, addr: &str) -> Result<KvTable> {
        let resp = self
            .call(
                addr,
                RemotingCommand::request(RequestCode::GetBrokerRuntimeInfo),
            )
            .await?;
        KvTable::decode(&resp.body).map_err(|e| ClientError::body(addr, e))
    }

    /// A broker's replication state (GET_BROKER_HA_STATUS, `mqadmin haStatus`).
    pub async fn broker_ha_status(&self, addr: &str) -> Result<HaRuntimeInfo> {
        let resp = self
            .call(
                addr,
                RemotingCommand::request(RequestCode::GetBrokerHaStatus),
            )
            .await?;
        HaRuntimeInfo::decode(&resp.body).map_err(|e| ClientError::body(addr, e))
    }

    /// Closes connections.
    pub fn close(&self) {
        self.client.close_all();
    }
}
