//! Consumer and producer groups: who is connected and what a consumer reports about itself.
//!
//! ```no_run
//! # async fn demo() -> rocketmq_client::Result<()> {
//! use rocketmq_client::admin::Admin;
//!
//! let admin = Admin::connect(Some("127.0.0.1:9876"))?;
//! let group = "please_rename_unique_group_name_4";
//! for conn in admin.consumer_connection(group).await?.connection_set {
//!     let info = admin.consumer_running_info(group, &conn.client_id, false).await?;
//!     println!("{} holds {} queues", conn.client_id, info.mq_table.0.len());
//! }
//! # Ok(()) }
//! ```

use super::Admin;
use crate::error::{ClientError, Result};
use crate::protocol::body::{
    ConsumeMessageDirectlyResult, ConsumeStatsList, ConsumerConnection, ConsumerRunningInfo,
    JsonBody, ProducerConnection,
};
use crate::protocol::header::{
    ConsumerGroupHeader, GetConsumeStatsInBrokerHeader, GetConsumerRunningInfoRequestHeader,
    ProducerGroupHeader,
};
use crate::protocol::{RemotingCommand, RequestCode, ResponseCode};

impl Admin {
    /// Masters of every broker in the cluster info.
    async fn all_masters(&self) -> Result<Vec<String>> {
        Ok(self
            .cluster_info()
            .await?
            .broker_addr_table
            .values()
            .filter_map(|b| b.master_addr().map(str::to_string))
            .collect())
    }

    /// Every subscription group's progress on one broker (`mqadmin brokerConsumeStats`).
    pub async fn broker_consume_stats(
        &self,
        addr: &str,
        order_only: bool,
    ) -> Result<ConsumeStatsList> {
        let req = RemotingCommand::request_with(
            RequestCode::GetBrokerConsumeStats,
            &GetConsumeStatsInBrokerHeader {
                is_order: order_only,
            },
        );
        let resp = self.call(addr, req).await?;
        ConsumeStatsList::decode(&resp.body).map_err(|e| ClientError::body(addr, e))
    }

    /// A consumer group's members and subscriptions (`mqadmin consumerConnection`), from
    /// the first broker that knows the group.
    pub async fn consumer_connection(&self, group: &str) -> Result<ConsumerConnection> {
        let header = ConsumerGroupHeader {
            consumer_group: group.to_string(),
        };
        let (addr, resp) = self
            .first_answer(RequestCode::GetConsumerConnectionList, &header)
            .await?;
        ConsumerConnection::decode(&resp.body).map_err(|e| ClientError::body(&addr, e))
    }

    /// A consumer group's members and subscriptions as one broker knows them
    /// (`mqadmin consumerConnection -b`).
    pub async fn consumer_connection_on(
        &self,
        group: &str,
        addr: &str,
    ) -> Result<ConsumerConnection> {
        let header = ConsumerGroupHeader {
            consumer_group: group.to_string(),
        };
        let req = RemotingCommand::request_with(RequestCode::GetConsumerConnectionList, &header);
        let resp = self.call(addr, req).await?;
        ConsumerConnection::decode(&resp.body).map_err(|e| ClientError::body(addr, e))
    }

    /// A producer group's members (`mqadmin producerConnection`).
    pub async fn producer_connection(&self, group: &str) -> Result<ProducerConnection> {
        let header = ProducerGroupHeader {
            producer_group: group.to_string(),
        };
        let (addr, resp) = self
            .first_answer(RequestCode::GetProducerConnectionList, &header)
            .await?;
        ProducerConnection::decode(&resp.body).map_err(|e| ClientError::body(&addr, e))
    }

    /// Asks every master in turn; the first SUCCESS wins, else the last error.
    async fn first_answer<H: crate::protocol::header::CommandHeader>(
        &self,
        code: RequestCode,
        header: &H,
    ) -> Result<(String, RemotingCommand)> {
        let mut last = None;
        for addr in self.all_masters().await? {
            match self
                .call(&addr, RemotingCommand::request_with(code, header))
                .await
            {
                Ok(resp) => return Ok((addr, resp)),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or(ClientError::NoRoute {
            topic: "(no broker in the cluster)".into(),
        }))
    }

    /// What one consumer reports about itself (`mqadmin consumerStatus`): properties,
    /// subscriptions, per-queue state and rates. The request goes through a broker the
    /// consumer is connected to; `jstack` asks a Java consumer for its thread dump too.
    pub async fn consumer_running_info(
        &self,
        group: &str,
        client_id: &str,
        jstack: bool,
    ) -> Result<ConsumerRunningInfo> {
        let header = GetConsumerRunningInfoRequestHeader {
            consumer_group: group.to_string(),
            client_id: client_id.to_string(),
            jstack_enable: Some(jstack),
        };
        let (addr, resp) = self
            .call_member(group, RequestCode::GetConsumerRunningInfo, &header)
            .await?;
        ConsumerRunningInfo::decode(&resp.body).map_err(|e| ClientError::body(&addr, e))
    }

    /// Has one consumer consume the message with offset message id `msg_id` now, outside its
    /// normal flow (the dashboard's "resend to consumer").
    pub async fn consume_message_directly(
        &self,
        group: &str,
        client_id: &str,
        msg_id: &str,
    ) -> Result<ConsumeMessageDirectlyResult> {
        let mut req = RemotingCommand::request_with(
            RequestCode::ConsumeMessageDirectly,
            &GetConsumerRunningInfoRequestHeader {
                consumer_group: group.to_string(),
                client_id: client_id.to_string(),
                jstack_enable: None,
            },
        );
        req.ext_fields.insert("msgId".into(), msg_id.to_string());
        let Some((store_host, _)) = crate::protocol::message::decode_offset_msg_id(msg_id) else {
            return Err(ClientError::InvalidMessage(format!(
                "{msg_id} is not an offset message id"
            )));
        };
        let addr = store_host.to_string();
        let resp = self.call(&addr, req).await?;
        ConsumeMessageDirectlyResult::decode(&resp.body).map_err(|e| ClientError::body(&addr, e))
    }

    /// Sends a request about one group member to the brokers until one has it online.
    async fn call_member(
        &self,
        group: &str,
        code: RequestCode,
        header: &GetConsumerRunningInfoRequestHeader,
    ) -> Result<(String, RemotingCommand)> {
        let connection = self.consumer_connection(group).await?;
        if !connection
            .connection_set
            .iter()
            .any(|c| c.client_id == header.client_id)
        {
            return Err(ClientError::Remote {
                addr: String::new(),
                code: ResponseCode::ConsumerNotOnline,
                remark: format!(
                    "the consumer {} is not online in group {group}",
                    header.client_id
                ),
            });
        }
        self.first_answer(code, header).await
    }
}
