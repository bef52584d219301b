//! Keeping the name servers informed: a full registration with every configured name server
//! at start, every `registerNameServerPeriod` (clamped to 10–60 s) and whenever a topic changes
//! (after a failed round: again after 1 s, 2 s, 4 s … up to the period); an unregistration at
//! shutdown. A request that creates or deletes a topic is answered once a round that saw the
//! change has ended, as Apache's broker answers it, so a client that looks the topic up right
//! after (another process, a consumer) finds its route. The connection to each name server stays open between
//! registrations, because a name server drops a broker as soon as its connection closes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rocketmq_client::protocol::body::{JsonBody, RegisterBrokerBody};
use rocketmq_client::protocol::header::{
    BrokerIdentityHeader, RegisterBrokerRequestHeader, RegisterBrokerResponseHeader,
};
use rocketmq_client::protocol::message::record::crc32_masked;
use rocketmq_client::protocol::{RemotingCommand, RequestCode, ResponseCode};
use rocketmq_client::remoting::RemotingClient;
use tokio::sync::{Notify, watch};
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
    /// Rounds asked for by [`Registrar::register_now`], counted.
    requested: AtomicU64,
    /// The `requested` count a round saw when it started, published when it ends
    /// (`u64::MAX` once the loop has stopped, which releases every waiter).
    completed: watch::Sender<u64>,
    /// A slave's master, as the name servers answer a slave's registration (its HA address
    /// fixed by `haMasterAddress` when set).
    master: watch::Sender<Master>,
    /// Whether this is a slave.
    slave: bool,
    /// `haMasterAddress` is set: the name servers' HA address is not taken.
    ha_fixed: bool,
}

/// A slave's master.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Master {
    /// `host:haListenPort`, where the commit log is replicated from.
    pub(crate) ha: Option<String>,
    /// `host:listenPort`, where metadata is read from.
    pub(crate) addr: Option<String>,
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
            requested: AtomicU64::new(0),
            completed: watch::Sender::new(0),
            master: watch::Sender::new(Master {
                ha: cfg.ha_master_address.clone().filter(|a| !a.is_empty()),
                addr: None,
            }),
            slave: cfg.broker_role == super::BrokerRole::Slave,
            ha_fixed: cfg
                .ha_master_address
                .as_deref()
                .is_some_and(|a| !a.is_empty()),
        }
    }

    /// Asks for a registration now (a topic was created, changed or deleted).
    pub(crate) fn request_now(&self) {
        self.trigger.notify_one();
    }

    /// A slave's master, as last learnt.
    pub(crate) fn master(&self) -> watch::Receiver<Master> {
        self.master.subscribe()
    }

    /// Asks for a registration and waits, at most the registration timeout, until a round
    /// that started after this call has ended (accepted or not: the change is stored either
    /// way, and the periodic rounds retry).
    pub(crate) async fn register_now(&self) {
        if self.namesrvs.is_empty() {
            return;
        }
        let wanted = self.requested.fetch_add(1, Ordering::SeqCst) + 1;
        let mut completed = self.completed.subscribe();
        self.trigger.notify_one();
        let _ = tokio::time::timeout(self.timeout, completed.wait_for(|&c| c >= wanted)).await;
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
                    Ok(resp) if resp.response_code() == ResponseCode::Success => Some(
                        resp.decode_header::<RegisterBrokerResponseHeader>()
                            .unwrap_or_default(),
                    ),
                    Ok(resp) => {
                        tracing::warn!(namesrv = %addr, code = resp.code, remark = ?resp.remark, "registration refused");
                        None
                    }
                    Err(e) => {
                        tracing::warn!(namesrv = %addr, error = %e, "registration failed");
                        None
                    }
                }
            });
        }
        let mut ok = 0;
        while let Some(answer) = calls.join_next().await {
            let Ok(Some(answer)) = answer else {
                continue;
            };
            ok += 1;
            if self.slave {
                self.learn_master(answer);
            }
        }
        ok
    }

    /// Takes the master a name server named (Apache keeps the last one known when an answer
    /// names none: the master may be down, and its slave goes on trying it).
    fn learn_master(&self, answer: RegisterBrokerResponseHeader) {
        let named = |a: Option<String>| a.filter(|a| !a.is_empty());
        let (ha, addr) = (named(answer.ha_server_addr), named(answer.master_addr));
        self.master.send_if_modified(|known| {
            let mut moved = false;
            if let Some(ha) = ha.filter(|_| !self.ha_fixed)
                && known.ha.as_ref() != Some(&ha)
            {
                known.ha = Some(ha);
                moved = true;
            }
            if let Some(addr) = addr
                && known.addr.as_ref() != Some(&addr)
            {
                known.addr = Some(addr);
                moved = true;
            }
            if moved {
                tracing::info!(master = ?known.addr, ha = ?known.ha, "the name server names the master");
            }
            moved
        });
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
            let round = self.requested.load(Ordering::SeqCst);
            let ok = self.register_all(&topics).await;
            self.completed.send_replace(round);
            tracing::debug!(
                accepted = ok,
                of = self.namesrvs.len(),
                "registered with name servers"
            );
            // So is a slave that has not learnt its master yet (started first, say).
            let masterless = self.slave && {
                let m = self.master.borrow();
                m.ha.is_none() || m.addr.is_none()
            };
            let wait = if ok < self.namesrvs.len() || masterless {
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
        self.completed.send_replace(u64::MAX);
    }
}
