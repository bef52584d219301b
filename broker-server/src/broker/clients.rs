//! Which clients are connected, in which producer and consumer groups, with which
//! subscriptions. Fed by heartbeats; a client leaves when it unregisters, its connection
//! closes, or it stays silent for `channelExpiredTimeout`.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use rocketmq_client::protocol::LanguageCode;
use rocketmq_client::protocol::body::{
    Connection, ConsumeFromWhere, ConsumeType, MessageModel, SubscriptionData,
};

use crate::net::Channel;

/// One client connection in a group.
#[derive(Debug, Clone)]
pub(crate) struct ClientChannel {
    pub(crate) channel: Channel,
    pub(crate) client_id: String,
    /// From the heartbeat's command: what the admin tools list.
    pub(crate) language: LanguageCode,
    pub(crate) version: i32,
    last_update: Instant,
}

impl ClientChannel {
    pub(crate) fn new(
        channel: Channel,
        client_id: String,
        language: LanguageCode,
        version: i32,
    ) -> Self {
        ClientChannel {
            channel,
            client_id,
            language,
            version,
            last_update: Instant::now(),
        }
    }

    /// As GET_*_CONNECTION_LIST reports it.
    pub(crate) fn connection(&self) -> Connection {
        Connection {
            client_addr: self.channel.remote_addr().to_string(),
            client_id: self.client_id.clone(),
            language: self.language.name().to_string(),
            version: self.version,
        }
    }

    /// Closed, or silent for longer than `timeout`.
    pub(crate) fn is_expired(&self, timeout: Duration) -> bool {
        self.channel.is_closed() || self.last_update.elapsed() > timeout
    }
}

/// A consumer group as its members describe it.
#[derive(Debug, Clone)]
pub(crate) struct ConsumerGroupInfo {
    pub(crate) channels: HashMap<u64, ClientChannel>,
    pub(crate) subscriptions: HashMap<String, SubscriptionData>,
    pub(crate) consume_type: ConsumeType,
    pub(crate) message_model: MessageModel,
    pub(crate) consume_from_where: ConsumeFromWhere,
}

/// A heartbeat's description of one consumer group.
pub(crate) struct ConsumerRegistration {
    pub(crate) consume_type: ConsumeType,
    pub(crate) message_model: MessageModel,
    pub(crate) consume_from_where: ConsumeFromWhere,
    pub(crate) subscriptions: Vec<SubscriptionData>,
}

#[derive(Debug, Default)]
pub(crate) struct ConsumerManager {
    groups: RwLock<HashMap<String, ConsumerGroupInfo>>,
}

impl ConsumerManager {
    /// Records a heartbeat; true if the group's membership changed.
    pub(crate) fn register(
        &self,
        group: &str,
        client: ClientChannel,
        reg: ConsumerRegistration,
    ) -> bool {
        let mut groups = self.groups.write().unwrap_or_else(|e| e.into_inner());
        let info = groups
            .entry(group.to_string())
            .or_insert_with(|| ConsumerGroupInfo {
                channels: HashMap::new(),
                subscriptions: HashMap::new(),
                consume_type: reg.consume_type,
                message_model: reg.message_model,
                consume_from_where: reg.consume_from_where,
            });
        info.consume_type = reg.consume_type;
        info.message_model = reg.message_model;
        info.consume_from_where = reg.consume_from_where;
        let id = client.channel.id();
        let changed = match info.channels.get(&id) {
            Some(existing) => existing.client_id != client.client_id,
            None => true,
        };
        info.channels.insert(id, client);
        for sub in reg.subscriptions {
            match info.subscriptions.get(&sub.topic) {
                Some(old) if old.sub_version > sub.sub_version => {}
                _ => {
                    info.subscriptions.insert(sub.topic.clone(), sub);
                }
            }
        }
        changed
    }

    /// Removes a client from a group; true if it was a member.
    pub(crate) fn unregister(&self, group: &str, channel: &Channel) -> bool {
        let mut groups = self.groups.write().unwrap_or_else(|e| e.into_inner());
        let Some(info) = groups.get_mut(group) else {
            return false;
        };
        let removed = info.channels.remove(&channel.id()).is_some();
        if info.channels.is_empty() {
            groups.remove(group);
        }
        removed
    }

    /// Removes a closed connection everywhere; returns the groups that lost a member.
    pub(crate) fn remove_channel(&self, channel_id: u64) -> Vec<String> {
        self.remove_where(|c| c.channel.id() == channel_id)
    }

    /// Removes clients silent for longer than `timeout`.
    pub(crate) fn scan_expired(&self, timeout: Duration) -> Vec<String> {
        self.remove_where(|c| c.is_expired(timeout))
    }

    fn remove_where(&self, pred: impl Fn(&ClientChannel) -> bool) -> Vec<String> {
        let mut groups = self.groups.write().unwrap_or_else(|e| e.into_inner());
        let mut changed = Vec::new();
        groups.retain(|name, info| {
            let before = info.channels.len();
            info.channels.retain(|_, c| !pred(c));
            if info.channels.len() != before {
                changed.push(name.clone());
            }
            !info.channels.is_empty()
        });
        changed
    }

    /// Client ids of a group's members.
    pub(crate) fn client_ids(&self, group: &str) -> Vec<String> {
        let groups = self.groups.read().unwrap_or_else(|e| e.into_inner());
        let mut ids: Vec<String> = groups
            .get(group)
            .map(|g| g.channels.values().map(|c| c.client_id.clone()).collect())
            .unwrap_or_default();
        ids.sort();
        ids.dedup();
        ids
    }

    /// Connections of a group's members.
    pub(crate) fn channels(&self, group: &str) -> Vec<Channel> {
        let groups = self.groups.read().unwrap_or_else(|e| e.into_inner());
        groups
            .get(group)
            .map(|g| g.channels.values().map(|c| c.channel.clone()).collect())
            .unwrap_or_default()
    }

    /// A snapshot of a group.
    pub(crate) fn group(&self, group: &str) -> Option<ConsumerGroupInfo> {
        self.groups
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(group)
            .cloned()
    }

    /// The connection of one member of a group.
    pub(crate) fn find_channel(&self, group: &str, client_id: &str) -> Option<Channel> {
        self.groups
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(group)?
            .channels
            .values()
            .find(|c| c.client_id == client_id && !c.channel.is_closed())
            .map(|c| c.channel.clone())
    }

    /// Groups with a member subscribed to `topic`.
    pub(crate) fn groups_of_topic(&self, topic: &str) -> Vec<String> {
        self.groups
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|(_, g)| g.subscriptions.contains_key(topic))
            .map(|(name, _)| name.clone())
            .collect()
    }

    /// The group's subscription to a topic.
    pub(crate) fn subscription(&self, group: &str, topic: &str) -> Option<SubscriptionData> {
        self.groups
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(group)?
            .subscriptions
            .get(topic)
            .cloned()
    }
}

#[derive(Debug, Default)]
pub(crate) struct ProducerManager {
    groups: RwLock<HashMap<String, HashMap<u64, ClientChannel>>>,
}

impl ProducerManager {
    pub(crate) fn register(&self, group: &str, client: ClientChannel) {
        self.groups
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(group.to_string())
            .or_default()
            .insert(client.channel.id(), client);
    }

    /// The members of a producer group.
    pub(crate) fn group(&self, group: &str) -> Vec<ClientChannel> {
        self.groups
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(group)
            .map(|g| g.values().cloned().collect())
            .unwrap_or_default()
    }

    /// A live connection of client `client_id`, in any producer group.
    pub(crate) fn find_client(&self, client_id: &str) -> Option<ClientChannel> {
        self.groups
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .flat_map(|g| g.values())
            .find(|c| c.client_id == client_id && !c.channel.is_closed())
            .cloned()
    }

    pub(crate) fn unregister(&self, group: &str, channel: &Channel) {
        let mut groups = self.groups.write().unwrap_or_else(|e| e.into_inner());
        if let Some(g) = groups.get_mut(group) {
            g.remove(&channel.id());
            if g.is_empty() {
                groups.remove(group);
            }
        }
    }

    pub(crate) fn remove_where(&self, pred: impl Fn(&ClientChannel) -> bool) {
        let mut groups = self.groups.write().unwrap_or_else(|e| e.into_inner());
        groups.retain(|_, g| {
            g.retain(|_, c| !pred(c));
            !g.is_empty()
        });
    }
}
