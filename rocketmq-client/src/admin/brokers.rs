//! A broker's configuration (`mqadmin getBrokerConfig` / `updateBrokerConfig`) and the groups
//! consuming a topic.

use super::Admin;
use crate::error::Result;
use crate::protocol::body::{
    BrokerStatsData, GroupList, QueryConsumeQueueResponseBody, QueryConsumeTimeSpanBody,
    QueueTimeSpan,
};
use crate::protocol::header::{
    CloneGroupOffsetRequestHeader, QueryConsumeQueueRequestHeader,
    QueryConsumeTimeSpanRequestHeader, TopicHeader, ViewBrokerStatsDataRequestHeader,
};
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
        let groups: GroupList = self
            .call_body(
                addr,
                RemotingCommand::request_with(RequestCode::QueryTopicConsumeByWho, &header),
            )
            .await?;
        Ok(groups.group_list)
    }
}

impl Admin {
    /// Copies `src`'s offsets on `topic` to `dest` on one broker (CLONE_GROUP_OFFSET).
    pub async fn clone_group_offset(
        &self,
        addr: &str,
        src: &str,
        dest: &str,
        topic: &str,
        offline: bool,
    ) -> Result<()> {
        let header = CloneGroupOffsetRequestHeader {
            src_group: src.to_string(),
            dest_group: dest.to_string(),
            topic: Some(topic.to_string()),
            offline,
        };
        self.call(
            addr,
            RemotingCommand::request_with(RequestCode::CloneGroupOffset, &header),
        )
        .await
        .map(drop)
    }

    /// Per queue of `topic` on one broker: its time span and how far `group` is behind in
    /// time (QUERY_CONSUME_TIME_SPAN).
    pub async fn consume_time_span(
        &self,
        addr: &str,
        topic: &str,
        group: &str,
    ) -> Result<Vec<QueueTimeSpan>> {
        let header = QueryConsumeTimeSpanRequestHeader {
            topic: topic.to_string(),
            group: group.to_string(),
        };
        let body: QueryConsumeTimeSpanBody = self
            .call_body(
                addr,
                RemotingCommand::request_with(RequestCode::QueryConsumeTimeSpan, &header),
            )
            .await?;
        Ok(body.consume_time_span_set)
    }

    /// `count` raw entries of a consume queue from `index` (QUERY_CONSUME_QUEUE).
    pub async fn query_consume_queue(
        &self,
        addr: &str,
        topic: &str,
        queue_id: i32,
        index: i64,
        count: i32,
        group: Option<&str>,
    ) -> Result<QueryConsumeQueueResponseBody> {
        let header = QueryConsumeQueueRequestHeader {
            topic: topic.to_string(),
            queue_id,
            index,
            count,
            consumer_group: group.map(str::to_string),
        };
        self.call_body(
            addr,
            RemotingCommand::request_with(RequestCode::QueryConsumeQueue, &header),
        )
        .await
    }

    /// One stats item's last minute, hour and day on a broker (VIEW_BROKER_STATS_DATA):
    /// `TOPIC_PUT_NUMS` of a topic, `GROUP_GET_NUMS` of `topic@group`, ….
    pub async fn broker_stats_data(
        &self,
        addr: &str,
        name: &str,
        key: &str,
    ) -> Result<BrokerStatsData> {
        let header = ViewBrokerStatsDataRequestHeader {
            stats_name: name.to_string(),
            stats_key: key.to_string(),
        };
        self.call_body(
            addr,
            RemotingCommand::request_with(RequestCode::ViewBrokerStatsData, &header),
        )
        .await
    }

    /// Has a broker drop consume queues whose messages are all gone from its commit log
    /// (CLEAN_EXPIRED_CONSUMEQUEUE).
    pub async fn clean_expired_consume_queue(&self, addr: &str) -> Result<()> {
        self.call(
            addr,
            RemotingCommand::request(RequestCode::CleanExpiredConsumeQueue),
        )
        .await
        .map(drop)
    }

    /// Has a broker drop the consume queues of topics it no longer has (CLEAN_UNUSED_TOPIC).
    pub async fn clean_unused_topic(&self, addr: &str) -> Result<()> {
        self.call(
            addr,
            RemotingCommand::request(RequestCode::CleanUnusedTopic),
        )
        .await
        .map(drop)
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
