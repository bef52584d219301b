//! Keeping the name servers informed: a full registration with every configured name server
//! at start, every `registerNameServerPeriod` (clamped to 10–60 s) and whenever a topic changes
//! (after a failed round: again after 1 s, 2 s, 4 s … up to the period); an unregistration at
//! shutdown. The connection to each name server stays open between
//! registrations, because a name server drops a broker as soon as its connection closes.

use std::sync::Arc;
use std::time::Duration;

use rocketmq_client::protocol::body::{JsonBody, RegisterBrokerBody};
use rocketmq_client::protocol::header::{BrokerIdentityHeader, RegisterBrokerRequestHeader};
use rocketmq_client::protocol::message::record::crc32_masked;
use rocketmq_client::protocol::{RemotingCommand, RequestCode, ResponseCode};
use rocketmq_client::remoting::RemotingClient;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::config::BrokerConfig;
use super::topics::TopicConfigManager;

#[derive(Debug)]
pub(crate) struct Registrar {
    client: RemotingClient,
    namesrvs: Vec<String>,
    identity: BrokerIdentityHeader,
    ha_server_addr: String,
    timeout: Duration,
    period: Duration,
    trigger: Notify,
}

impl Registrar {
    pub(crate) fn new(cfg: &BrokerConfig) -> Self {
        Registrar {
            client: RemotingClient::new(),
            namesrvs: cfg.namesrv_list(),
            identity: BrokerIdentityHeader {
                broker_name: cfg.broker_name.clone(),
                broker_addr: cfg.broker_addr(),
                cluster_name: cfg.broker_cluster_name.clone(),
                broker_id: cfg.broker_id,
            },
            ha_server_addr: cfg.ha_server_addr(),
            timeout: Duration::from_millis(cfg.register_broker_timeout_mills.clamp(1000, 60_000)),
            period: Duration::from_millis(cfg.register_name_server_period.clamp(10_000, 60_000)),
            trigger: Notify::new(),
        }
    }

    /// Asks for a registration now (a topic was created, changed or deleted).
    pub(crate) fn request_now(&self) {
        self.trigger.notify_one();
    }

    /// Registers with every name server in parallel; returns how many accepted.
    pub(crate) async fn register_all(&self, topics: &TopicConfigManager) -> usize {
        let body = RegisterBrokerBody {
            filter_server_list: Vec::new(),
            topic_config_serialize_wrapper: topics.registration_wrapper(),
        }
        .encode();
        let header = RegisterBrokerRequestHeader {
            broker_name: self.identity.broker_name.clone(),
            broker_addr: self.identity.broker_addr.clone(),
            cluster_name: self.identity.cluster_name.clone(),
            ha_server_addr: self.ha_server_addr.clone(),
            broker_id: self.identity.broker_id,
            heartbeat_timeout_millis: Some(120_000),
            enable_acting_master: Some(false),
            compressed: false,
            body_crc32: crc32_masked(&body) as i32,
        };
        let mut calls = tokio::task::JoinSet::new();
        for addr in &self.namesrvs {
            let req = RemotingCommand::request_with(RequestCode::RegisterBroker, &header)
                .with_body(body.clone());
            let (client, addr, timeout) = (self.client.clone(), addr.clone(), self.timeout);
            calls.spawn(async move {
                match client.invoke(&addr, req, timeout).await {
                    Ok(resp) if resp.response_code() == ResponseCode::Success => true,
                    Ok(resp) => {
                        tracing::warn!(namesrv = %addr, code = resp.code, remark = ?resp.remark, "registration refused");
                        false
                    }
                    Err(e) => {
                        tracing::warn!(namesrv = %addr, error = %e, "registration failed");
                        false
                    }
                }
            });
        }
        let mut ok = 0;
        while let Some(accepted) = calls.join_next().await {
            ok += usize::from(accepted.unwrap_or(false));
        }
        ok
    }

    /// Unregisters from every name server.
    pub(crate) async fn unregister_all(&self) {
        for addr in &self.namesrvs {
            let req = RemotingCommand::request_with(RequestCode::UnregisterBroker, &self.identity);
            if let Err(e) = self.client.invoke(addr, req, Duration::from_secs(3)).await {
                tracing::warn!(namesrv = %addr, error = %e, "unregistration failed");
            }
        }
        self.client.close_all();
    }

    /// Registers now, then periodically and on request, until cancelled.
    pub(crate) async fn run(
        self: Arc<Self>,
        topics: Arc<TopicConfigManager>,
        cancel: CancellationToken,
    ) {
        if self.namesrvs.is_empty() {
            tracing::warn!(
                "no name server configured (namesrvAddr, -n or NAMESRV_ADDR); clients will not find this broker"
            );
            return;
        }
        // After a failed round (a name server still starting, say) try again soon, backing off
        // to the period, so a broker started just before its name server is found in seconds.
        let mut retry = Duration::from_secs(1);
        loop {
            let ok = self.register_all(&topics).await;
            tracing::debug!(
                accepted = ok,
                of = self.namesrvs.len(),
                "registered with name servers"
            );
            let wait = if ok < self.namesrvs.len() {
                let wait = retry.min(self.period);
                retry = (retry * 2).min(self.period);
                wait
            } else {
                retry = Duration::from_secs(1);
                self.period
            };
            tokio::select! {
                _ = cancel.cancelled() => break,
                _ = tokio::time::sleep(wait) => {}
                _ = self.trigger.notified() => {}
            }
        }
    }
}
