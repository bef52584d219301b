//! A broker's configuration (`mqadmin getBrokerConfig` / `updateBrokerConfig`) and the groups
//! consuming a topic.

use super::Admin;
use crate::error::{ClientError, Result};
use crate::protocol::body::{GroupList, JsonBody};
use crate::protocol::header::TopicHeader;
use crate::protocol::{RemotingCommand, RequestCode};

impl Admin {
    /// Every configuration key of a broker with its value now, in the broker's order
    /// (GET_BROKER_CONFIG).
    pub async fn broker_config(&self, addr: &str) -> Result<Vec<(String, String)>> {
        let resp = self
            .call(addr, RemotingCommand::request(RequestCode::GetBrokerConfig))
            .await?;
        Ok(parse_properties(&String::from_utf8_lossy(&resp.body)))
    }

    /// Changes a broker's configuration at run time (UPDATE_BROKER_CONFIG): all of `pairs`
    /// or, when the broker refuses one, none.
    pub async fn update_broker_config(&self, addr: &str, pairs: &[(&str, &str)]) -> Result<()> {
        let mut req = RemotingCommand::request(RequestCode::UpdateBrokerConfig);
        let body: String = pairs.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
        req.body = body.into_bytes().into();
        self.call(addr, req).await.map(drop)
    }

    /// The consumer groups of a topic on one broker: those subscribed to it now and those with
    /// offsets on it (QUERY_TOPIC_CONSUME_BY_WHO).
    pub async fn topic_consumed_by(&self, addr: &str, topic: &str) -> Result<Vec<String>> {
        let header = TopicHeader {
            topic: topic.to_string(),
            accept_standard_json_only: None,
        };
        let resp = self
            .call(
                addr,
                RemotingCommand::request_with(RequestCode::QueryTopicConsumeByWho, &header),
            )
            .await?;
        GroupList::decode(&resp.body)
            .map(|g| g.group_list)
            .map_err(|e| ClientError::body(addr, e))
    }
}

/// `key=value` lines (Java properties as a broker writes them: no continuations).
pub(super) fn parse_properties(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect()
}
