//! Subscription groups on a broker: `mqadmin updateSubGroup`, `deleteSubGroup`,
//! `getConsumerConfig`.

use super::Admin;
use crate::error::{ClientError, Result};
use crate::protocol::body::{JsonBody, SubscriptionGroupConfig, SubscriptionGroupWrapper};
use crate::protocol::{RemotingCommand, RequestCode, ResponseCode};

impl Admin {
    /// Every subscription group on one broker (GET_ALL_SUBSCRIPTIONGROUP_CONFIG).
    pub async fn subscription_groups(&self, addr: &str) -> Result<SubscriptionGroupWrapper> {
        self.call_body(
            addr,
            RemotingCommand::request(RequestCode::GetAllSubscriptionGroupConfig),
        )
        .await
    }

    /// Creates or replaces a subscription group on one broker
    /// (UPDATE_AND_CREATE_SUBSCRIPTIONGROUP).
    pub async fn create_subscription_group(
        &self,
        addr: &str,
        config: &SubscriptionGroupConfig,
    ) -> Result<()> {
        let mut req = RemotingCommand::request(RequestCode::UpdateAndCreateSubscriptionGroup);
        req.body = config.encode().into();
        self.call(addr, req).await.map(drop)
    }

    /// Deletes a subscription group from one broker, and with `remove_offset` its offsets
    /// (DELETE_SUBSCRIPTIONGROUP).
    pub async fn delete_subscription_group(
        &self,
        addr: &str,
        group: &str,
        remove_offset: bool,
    ) -> Result<()> {
        let mut req = RemotingCommand::request(RequestCode::DeleteSubscriptionGroup);
        req.ext_fields.insert("groupName".into(), group.into());
        req.ext_fields
            .insert("removeOffset".into(), remove_offset.to_string());
        self.call(addr, req).await.map(drop)
    }

    /// A group's config on one broker, `None` where it has none
    /// (GET_SUBSCRIPTIONGROUP_CONFIG).
    pub async fn subscription_group(
        &self,
        addr: &str,
        group: &str,
    ) -> Result<Option<SubscriptionGroupConfig>> {
        let mut req = RemotingCommand::request(RequestCode::GetSubscriptionGroupConfig);
        req.ext_fields.insert("group".into(), group.into());
        match self.call(addr, req).await {
            Ok(resp) => SubscriptionGroupConfig::decode(&resp.body)
                .map(Some)
                .map_err(|e| ClientError::body(addr, e)),
            Err(ClientError::Remote {
                code: ResponseCode::SubscriptionGroupNotExist,
                ..
            }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}
