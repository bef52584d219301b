//! Route lookups on the name servers, with fail-over between them.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::error::{ClientError, Result};
use crate::protocol::body::{JsonBody, MessageQueue, TopicRouteData, perm};
use crate::protocol::header::TopicHeader;
use crate::protocol::{RemotingCommand, RequestCode, ResponseCode};
use crate::remoting::RemotingClient;

/// The name servers of a client, tried in turn from the last one that answered.
#[derive(Debug, Clone)]
pub struct NameServers {
    addrs: Arc<Vec<String>>,
    current: Arc<AtomicUsize>,
    timeout: Duration,
}

impl NameServers {
    /// From a `;`-separated list (Apache's `namesrvAddr` form).
    pub fn parse(list: &str) -> Result<Self> {
        let addrs: Vec<String> = list
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        if addrs.is_empty() {
            return Err(ClientError::NoNameServer);
        }
        Ok(NameServers {
            addrs: Arc::new(addrs),
            current: Arc::default(),
            timeout: Duration::from_secs(3),
        })
    }

    /// From `NAMESRV_ADDR`.
    pub fn from_env() -> Result<Self> {
        Self::parse(&std::env::var("NAMESRV_ADDR").unwrap_or_default())
    }

    /// The addresses.
    pub fn addrs(&self) -> &[String] {
        &self.addrs
    }

    /// Sends `request` to one name server after another until one answers.
    pub async fn invoke(
        &self,
        client: &RemotingClient,
        request: RemotingCommand,
    ) -> Result<(String, RemotingCommand)> {
        let start = self.current.load(Ordering::Relaxed);
        let mut last = None;
        for i in 0..self.addrs.len() {
            let idx = (start + i) % self.addrs.len();
            let addr = &self.addrs[idx];
            match client.invoke(addr, request.clone(), self.timeout).await {
                Ok(resp) => {
                    self.current.store(idx, Ordering::Relaxed);
                    return Ok((addr.clone(), resp));
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.map_or(ClientError::NoNameServer, ClientError::from))
    }

    /// The route of `topic`; `Ok(None)` when the name server does not know it.
    pub async fn route(
        &self,
        client: &RemotingClient,
        topic: &str,
    ) -> Result<Option<TopicRouteData>> {
        let req = RemotingCommand::request_with(
            RequestCode::GetRouteInfoByTopic,
            &TopicHeader {
                topic: topic.to_string(),
                accept_standard_json_only: Some(true),
            },
        );
        let (addr, resp) = self.invoke(client, req).await?;
        match resp.response_code() {
            ResponseCode::Success => TopicRouteData::decode(&resp.body)
                .map(Some)
                .map_err(|e| ClientError::body(&addr, e)),
            ResponseCode::TopicNotExist => Ok(None),
            code => Err(ClientError::Remote {
                addr,
                code,
                remark: resp.remark.unwrap_or_default(),
            }),
        }
    }
}

/// Writable queues of a route, brokers sorted by name (Apache's publish order); only brokers
/// with a live master count. With `limit`, each broker offers at most that many queues (a
/// topic borrowing TBW102's route).
pub fn publish_queues(
    topic: &str,
    route: &TopicRouteData,
    limit: Option<i32>,
) -> Vec<MessageQueue> {
    let mut datas = route.queue_datas.clone();
    datas.sort_by(|a, b| a.broker_name.cmp(&b.broker_name));
    let mut out = Vec::new();
    for q in datas {
        if !perm::is_writeable(q.perm) {
            continue;
        }
        let has_master = route
            .broker_datas
            .iter()
            .any(|b| b.broker_name == q.broker_name && b.master_addr().is_some());
        if !has_master {
            continue;
        }
        let n = limit.map_or(q.write_queue_nums, |l| {
            l.min(q.write_queue_nums).min(q.read_queue_nums)
        });
        out.extend((0..n).map(|id| MessageQueue::new(topic, q.broker_name.clone(), id)));
    }
    out
}

/// Readable queues of a route (what consumers divide among themselves).
pub fn subscribe_queues(topic: &str, route: &TopicRouteData) -> Vec<MessageQueue> {
    let mut out: Vec<MessageQueue> = route
        .queue_datas
        .iter()
        .filter(|q| perm::is_readable(q.perm))
        .flat_map(|q| {
            (0..q.read_queue_nums)
                .map(move |id| MessageQueue::new(topic, q.broker_name.clone(), id))
        })
        .collect();
    out.sort();
    out
}

/// Master addresses of every broker in `routes`, sorted, without repeats.
pub fn master_addrs<'a>(routes: impl IntoIterator<Item = &'a TopicRouteData>) -> Vec<String> {
    let mut addrs: Vec<String> = routes
        .into_iter()
        .flat_map(|r| {
            r.broker_datas
                .iter()
                .filter_map(|b| b.master_addr().map(str::to_string))
        })
        .collect();
    addrs.sort();
    addrs.dedup();
    addrs
}

/// Where to read `broker_name`'s queues: its master, or a slave while the master is down.
pub fn read_addr(route: &TopicRouteData, broker_name: &str) -> Option<String> {
    route
        .broker_datas
        .iter()
        .find(|b| b.broker_name == broker_name)
        .and_then(|b| b.select_broker_addr())
        .map(str::to_string)
}

/// Every address, masters and slaves, of every broker in `routes`, sorted, without repeats:
/// where a consumer sends heartbeats (a slave that serves its pulls while the master is down
/// must know the group's members, as Apache's clients make sure).
pub fn all_addrs<'a>(routes: impl IntoIterator<Item = &'a TopicRouteData>) -> Vec<String> {
    let mut addrs: Vec<String> = routes
        .into_iter()
        .flat_map(|r| {
            r.broker_datas
                .iter()
                .flat_map(|b| b.broker_addrs.values().cloned())
        })
        .collect();
    addrs.sort();
    addrs.dedup();
    addrs
}

/// The master address of `broker_name` in a route.
pub fn master_addr(route: &TopicRouteData, broker_name: &str) -> Option<String> {
    route
        .broker_datas
        .iter()
        .find(|b| b.broker_name == broker_name)
        .and_then(|b| b.master_addr())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::body::{BrokerData, QueueData};

    fn route() -> TopicRouteData {
        TopicRouteData {
            broker_datas: vec![
                BrokerData {
                    broker_name: "b".into(),
                    broker_addrs: [(0, "b:1".to_string())].into(),
                    ..Default::default()
                },
                BrokerData {
                    broker_name: "a".into(),
                    broker_addrs: [(1, "a:2".to_string())].into(),
                    ..Default::default()
                },
                BrokerData {
                    broker_name: "c".into(),
                    broker_addrs: [(0, "c:1".to_string())].into(),
                    ..Default::default()
                },
            ],
            queue_datas: vec![
                QueueData {
                    broker_name: "c".into(),
                    perm: 6,
                    read_queue_nums: 2,
                    write_queue_nums: 2,
                    topic_sys_flag: 0,
                },
                QueueData {
                    broker_name: "b".into(),
                    perm: 6,
                    read_queue_nums: 8,
                    write_queue_nums: 8,
                    topic_sys_flag: 0,
                },
                QueueData {
                    broker_name: "a".into(),
                    perm: 6,
                    read_queue_nums: 4,
                    write_queue_nums: 4,
                    topic_sys_flag: 0,
                },
            ],
            ..Default::default()
        }
    }

    #[test]
    fn publish_queues_need_a_master_and_respect_the_limit() {
        let q = publish_queues("T", &route(), Some(4));
        assert_eq!(q.len(), 4 + 2, "broker a has no master; b limited to 4");
        assert_eq!(q[0], MessageQueue::new("T", "b", 0));
        assert_eq!(subscribe_queues("T", &route()).len(), 14);
        assert_eq!(master_addr(&route(), "c").as_deref(), Some("c:1"));
        assert!(NameServers::parse(" ; ").is_err());
        assert_eq!(NameServers::parse("a:1;b:2").unwrap().addrs().len(), 2);
    }
}
