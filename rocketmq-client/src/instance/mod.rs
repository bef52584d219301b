//! The client instance (Java's `MQClientInstance`): what every producer and consumer of one
//! process and name-server set shares — one connection per remote address, one client id, one
//! heartbeat to each broker naming every group, and one place where requests from brokers
//! arrive and are handed to the group they concern.
//!
//! Producers and consumers join an instance by name. Without an explicit
//! `instance_name`, everything in a process shares the instance named by its pid (Java's
//! `ip@pid` client id); a second producer or consumer of a group already there gets an
//! instance of its own instead, so two members of one group in one process are still two
//! clients to the broker. With an explicit name, a group can join an instance once; a second
//! attempt fails, as in Java.
//!
//! An instance lives while it has members: the last one to leave closes its connections.
//!
//! ```no_run
//! # async fn demo() -> rocketmq_client::Result<()> {
//! use rocketmq_client::Producer;
//! use rocketmq_client::consumer::{ConsumeResult, PushConsumer};
//!
//! // Same process, same name servers: one client id, one connection per broker.
//! let producer = Producer::builder("order_producer")
//!     .namesrv_addr("127.0.0.1:9876")
//!     .start()
//!     .await?;
//! let consumer = PushConsumer::builder("order_consumer")
//!     .namesrv_addr("127.0.0.1:9876")
//!     .subscribe("OrderTopic", "*")
//!     .start(|_msgs| async { ConsumeResult::Success })
//!     .await?;
//! assert_eq!(producer.client_id(), consumer.client_id());
//!
//! // A separate client, with connections of its own.
//! let isolated = Producer::builder("audit_producer")
//!     .namesrv_addr("127.0.0.1:9876")
//!     .instance_name("audit")
//!     .start()
//!     .await?;
//! # Ok(()) }
//! ```

mod dispatch;
mod replies;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::error::{ClientError, Result};
use crate::host;
use crate::protocol::body::{HeartbeatData, JsonBody};
use crate::protocol::header::UnregisterClientRequestHeader;
use crate::protocol::{RemotingCommand, RequestCode};
use crate::remoting::{RemotingClient, Reply};
use crate::route::NameServers;

/// How often every broker hears from the instance (Java's `heartbeatBrokerInterval`).
const HEARTBEAT_INTERVAL: Duration = Duration::from_secs(30);

/// Which table a group is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Producer,
    Consumer,
}

/// A producer or consumer as its instance sees it.
pub(crate) trait Member: Send + Sync + 'static {
    /// Adds this member's part to a heartbeat (nothing once it has shut down).
    fn heartbeat(&self, hb: &mut HeartbeatData);
    /// Master addresses of the brokers this member uses.
    fn broker_addrs(&self) -> Vec<String>;
    /// A broker's request about this member's group.
    fn serve(self: Arc<Self>, addr: &str, request: RemotingCommand) -> Reply;
}

type Slot = Option<Weak<dyn Member>>;

#[derive(Default)]
struct Members {
    producers: HashMap<String, Slot>,
    consumers: HashMap<String, Slot>,
}

impl Members {
    fn table(&mut self, role: Role) -> &mut HashMap<String, Slot> {
        match role {
            Role::Producer => &mut self.producers,
            Role::Consumer => &mut self.consumers,
        }
    }

    fn live(&self) -> Vec<Arc<dyn Member>> {
        self.producers
            .values()
            .chain(self.consumers.values())
            .filter_map(|slot| slot.as_ref().and_then(Weak::upgrade))
            .collect()
    }

    fn is_empty(&self) -> bool {
        self.producers.is_empty() && self.consumers.is_empty()
    }
}

struct Shared {
    key: String,
    client_id: String,
    namesrv: NameServers,
    remoting: RemotingClient,
    members: Mutex<Members>,
    closed: AtomicBool,
    heartbeat_task: Mutex<Option<JoinHandle<()>>>,
    replies: replies::Replies,
}

impl Shared {
    fn members(&self) -> std::sync::MutexGuard<'_, Members> {
        self.members.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn member(&self, role: Role, group: &str) -> Option<Arc<dyn Member>> {
        self.members().table(role).get(group)?.as_ref()?.upgrade()
    }
}

/// Instances by name and name servers.
fn registry() -> &'static Mutex<HashMap<String, Weak<Shared>>> {
    static REGISTRY: OnceLock<Mutex<HashMap<String, Weak<Shared>>>> = OnceLock::new();
    REGISTRY.get_or_init(Mutex::default)
}

/// A handle on a shared client instance.
#[derive(Clone)]
pub struct ClientInstance {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for ClientInstance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientInstance")
            .field("client_id", &self.shared.client_id)
            .finish_non_exhaustive()
    }
}

impl ClientInstance {
    /// Reserves `group` in the instance named `instance_name` (default: this process) for
    /// the name servers `namesrv_addr` (default: `NAMESRV_ADDR`).
    pub(crate) fn join(
        namesrv_addr: Option<&str>,
        instance_name: Option<&str>,
        role: Role,
        group: &str,
    ) -> Result<Membership> {
        let namesrv = match namesrv_addr {
            Some(addr) => NameServers::parse(addr)?,
            None => NameServers::from_env()?,
        };
        let pid = std::process::id().to_string();
        let mut name = instance_name.unwrap_or(&pid).to_string();
        let servers = namesrv.addrs().join(";");
        let mut registry = registry().lock().unwrap_or_else(|e| e.into_inner());
        registry.retain(|_, weak| weak.strong_count() > 0);
        if let Some(shared) = registry
            .get(&format!("{name}|{servers}"))
            .and_then(Weak::upgrade)
            && !shared.closed.load(Ordering::Acquire)
        {
            let mut members = shared.members();
            let table = members.table(role);
            if !table.contains_key(group) {
                table.insert(group.to_string(), None);
                drop(members);
                return Ok(Membership::new(ClientInstance { shared }, role, group));
            }
            if instance_name.is_some() {
                return Err(ClientError::DuplicateGroup(format!(
                    "the {} group[{group}] has been created before in instance {name}; give this client another instance name",
                    match role {
                        Role::Producer => "producer",
                        Role::Consumer => "consumer",
                    }
                )));
            }
            // Another member of the same group in this process: a client of its own.
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            name = format!("{pid}#{nanos}");
        }
        let key = format!("{name}|{servers}");
        let instance = Self::create(key.clone(), &name, namesrv);
        registry.insert(key, Arc::downgrade(&instance.shared));
        instance
            .shared
            .members()
            .table(role)
            .insert(group.into(), None);
        Ok(Membership::new(instance, role, group))
    }

    fn create(key: String, name: &str, namesrv: NameServers) -> ClientInstance {
        let client_id = format!("{}@{name}", host::local_ip());
        let shared = Arc::new_cyclic(|weak: &Weak<Shared>| Shared {
            key,
            client_id,
            namesrv,
            remoting: RemotingClient::with_handler(Arc::new(dispatch::Dispatcher {
                shared: weak.clone(),
            })),
            members: Mutex::default(),
            closed: AtomicBool::new(false),
            heartbeat_task: Mutex::new(None),
            replies: replies::Replies::default(),
        });
        let task = tokio::spawn(heartbeat_loop(Arc::downgrade(&shared)));
        *shared
            .heartbeat_task
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(task);
        ClientInstance { shared }
    }

    /// The client id brokers see (`ip@instanceName`).
    pub fn client_id(&self) -> &str {
        &self.shared.client_id
    }

    /// The shared connections.
    pub fn remoting(&self) -> &RemotingClient {
        &self.shared.remoting
    }

    /// Requests waiting for replies.
    pub(crate) fn replies(&self) -> &replies::Replies {
        &self.shared.replies
    }

    /// The name servers.
    pub fn namesrv(&self) -> &NameServers {
        &self.shared.namesrv
    }

    /// The heartbeat every broker gets: every live group of the instance.
    pub(crate) fn heartbeat_data(&self) -> HeartbeatData {
        let mut hb = HeartbeatData {
            client_id: self.shared.client_id.clone(),
            ..Default::default()
        };
        let members = self.shared.members().live();
        for member in members {
            member.heartbeat(&mut hb);
        }
        hb
    }

    /// Heartbeats one broker.
    pub(crate) async fn heartbeat_to(&self, addr: &str) {
        let body = self.heartbeat_data().encode();
        self.send_heartbeat(addr, body).await;
    }

    /// Heartbeats every broker any member uses.
    pub(crate) async fn heartbeat_all(&self) {
        let members = self.shared.members().live();
        let mut addrs: Vec<String> = members.iter().flat_map(|m| m.broker_addrs()).collect();
        addrs.sort();
        addrs.dedup();
        let body = self.heartbeat_data().encode();
        for addr in addrs {
            self.send_heartbeat(&addr, body.clone()).await;
        }
    }

    async fn send_heartbeat(&self, addr: &str, body: Vec<u8>) {
        let req = RemotingCommand::request(RequestCode::HeartBeat).with_body(body);
        if let Err(e) = self
            .shared
            .remoting
            .invoke(addr, req, Duration::from_secs(3))
            .await
        {
            tracing::warn!(broker = %addr, error = %e, "heartbeat failed");
        }
    }
}

async fn heartbeat_loop(shared: Weak<Shared>) {
    let mut tick = tokio::time::interval(HEARTBEAT_INTERVAL);
    tick.tick().await;
    loop {
        tick.tick().await;
        let Some(shared) = shared.upgrade() else {
            break;
        };
        if shared.closed.load(Ordering::Acquire) {
            break;
        }
        ClientInstance { shared }.heartbeat_all().await;
    }
}

/// A group's place in an instance; leaving (or dropping this) frees the group, and the last
/// member out closes the instance.
pub(crate) struct Membership {
    instance: ClientInstance,
    role: Role,
    group: String,
    left: AtomicBool,
}

impl Membership {
    fn new(instance: ClientInstance, role: Role, group: &str) -> Self {
        Membership {
            instance,
            role,
            group: group.to_string(),
            left: AtomicBool::new(false),
        }
    }

    pub(crate) fn instance(&self) -> &ClientInstance {
        &self.instance
    }

    /// Names the member that serves this group.
    pub(crate) fn attach(&self, member: Weak<dyn Member>) {
        self.instance
            .shared
            .members()
            .table(self.role)
            .insert(self.group.clone(), Some(member));
    }

    /// Tells each broker in `addrs` that this group's member is gone (UNREGISTER_CLIENT), then
    /// [`leave`](Self::leave)s.
    pub(crate) async fn unregister_and_leave(&self, addrs: Vec<String>) {
        let (producer_group, consumer_group) = match self.role {
            Role::Producer => (Some(self.group.clone()), None),
            Role::Consumer => (None, Some(self.group.clone())),
        };
        let header = UnregisterClientRequestHeader {
            client_id: self.instance.client_id().to_string(),
            producer_group,
            consumer_group,
        };
        for addr in addrs {
            let req = RemotingCommand::request_with(RequestCode::UnregisterClient, &header);
            if let Err(e) = self
                .instance
                .remoting()
                .invoke(&addr, req, Duration::from_secs(3))
                .await
            {
                tracing::debug!(broker = %addr, error = %e, "unregister failed");
            }
        }
        self.leave();
    }

    /// Frees the group; closes the instance if it was the last.
    pub(crate) fn leave(&self) {
        if self.left.swap(true, Ordering::AcqRel) {
            return;
        }
        let shared = &self.instance.shared;
        let empty = {
            let mut members = shared.members();
            members.table(self.role).remove(&self.group);
            members.is_empty()
        };
        if !empty {
            return;
        }
        let mut registry = registry().lock().unwrap_or_else(|e| e.into_inner());
        // Someone may have joined since; only an instance still empty closes.
        if !shared.members().is_empty() {
            return;
        }
        shared.closed.store(true, Ordering::Release);
        if registry
            .get(&shared.key)
            .is_some_and(|w| std::ptr::eq(w.as_ptr(), Arc::as_ptr(shared)))
        {
            registry.remove(&shared.key);
        }
        drop(registry);
        if let Some(task) = shared
            .heartbeat_task
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            task.abort();
        }
        shared.remoting.close_all();
    }
}

impl Drop for Membership {
    fn drop(&mut self) {
        self.leave();
    }
}
