//! A slave's metadata: topics, consumer offsets, delay progress and subscription groups are
//! not in the commit log, so a slave reads them from its master every 10 s (Apache's
//! `SlaveSynchronize`: GET_ALL_TOPIC_CONFIG, GET_ALL_CONSUMER_OFFSET, GET_ALL_DELAY_OFFSET,
//! GET_ALL_SUBSCRIPTIONGROUP_CONFIG), at once when it learns who its master is, and when it
//! replicates messages of a topic it does not know yet. With them
//! it serves pulls, offset queries and admin reads as its master would.

use std::sync::Arc;
use std::time::Duration;

use rocketmq_client::protocol::body::{
    ConsumerOffsetSerializeWrapper, DelayOffsetSerializeWrapper, JsonBody,
    SubscriptionGroupWrapper, TopicConfigSerializeWrapper,
};
use rocketmq_client::protocol::{RemotingCommand, RequestCode, ResponseCode};
use rocketmq_client::remoting::RemotingClient;
use tokio::sync::{Notify, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::broker::groups::SubscriptionGroupManager;
use crate::broker::offsets::ConsumerOffsetManager;
use crate::broker::register::Master;
use crate::broker::schedule::delay::DelayOffsets;
use crate::broker::topics::TopicConfigManager;

/// How often a slave reads its master's metadata (Apache: 10 s).
const PERIOD: Duration = Duration::from_secs(10);

/// What a slave keeps in step with its master.
#[derive(Debug, Clone)]
pub(crate) struct Metadata {
    pub(crate) topics: Arc<TopicConfigManager>,
    pub(crate) offsets: Arc<ConsumerOffsetManager>,
    pub(crate) groups: Arc<SubscriptionGroupManager>,
    pub(crate) delay_offsets: Arc<DelayOffsets>,
    /// Rings when the slave stored messages of a topic it has no config for: a sync then,
    /// not 10 s later, so consumers can read it from the slave at once.
    pub(crate) unknown_topic: Arc<Notify>,
}

/// Reads the master's metadata every 10 s until cancelled.
pub(crate) async fn run(
    meta: Metadata,
    mut master: watch::Receiver<Master>,
    cancel: CancellationToken,
) {
    let client = RemotingClient::new();
    loop {
        let addr = master.borrow_and_update().addr.clone();
        if let Some(addr) = &addr
            && let Err(reason) = meta.sync_from(&client, addr).await
        {
            tracing::warn!(master = %addr, %reason, "could not read the master's metadata");
        }
        let synced = Instant::now();
        let rang = tokio::select! {
            _ = cancel.cancelled() => break,
            _ = tokio::time::sleep(PERIOD) => false,
            changed = master.wait_for(|m| m.addr != addr) => {
                drop(changed);
                false
            }
            _ = meta.unknown_topic.notified() => true,
        };
        if rang {
            // At most ten times a second, however often it rings.
            tokio::time::sleep_until(synced + Duration::from_millis(100)).await;
        }
    }
    client.close_all();
}

impl Metadata {
    async fn sync_from(&self, client: &RemotingClient, master: &str) -> Result<(), String> {
        let topics: TopicConfigSerializeWrapper =
            fetch(client, master, RequestCode::GetAllTopicConfig).await?;
        if self.topics.replace_with(topics) {
            tracing::info!(master, "topics taken from the master");
        }
        let offsets: ConsumerOffsetSerializeWrapper =
            fetch(client, master, RequestCode::GetAllConsumerOffset).await?;
        self.offsets.merge_from(offsets.offset_table);
        let delay: DelayOffsetSerializeWrapper =
            fetch(client, master, RequestCode::GetAllDelayOffset).await?;
        self.delay_offsets.replace_with(delay);
        let groups: SubscriptionGroupWrapper =
            fetch(client, master, RequestCode::GetAllSubscriptionGroupConfig).await?;
        if self.groups.replace_with(groups) {
            tracing::info!(master, "subscription groups taken from the master");
        }
        Ok(())
    }
}

async fn fetch<B: JsonBody>(
    client: &RemotingClient,
    master: &str,
    code: RequestCode,
) -> Result<B, String> {
    let resp = client
        .invoke(
            master,
            RemotingCommand::request(code),
            Duration::from_secs(3),
        )
        .await
        .map_err(|e| format!("{code:?}: {e}"))?;
    if resp.response_code() != ResponseCode::Success {
        return Err(format!("{code:?}: code {} {:?}", resp.code, resp.remark));
    }
    B::decode(&resp.body).map_err(|e| format!("{code:?}: {e}"))
}
