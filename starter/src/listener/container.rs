//! Running listeners: one push consumer per group, calling each message's listener by topic,
//! and a reply producer per name server for reply listeners.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use rocketmq_client::consumer::{ConsumeMode, ConsumeResult, MessageSelector, PushConsumer};
use rocketmq_client::producer::create_reply_message;
use rocketmq_client::protocol::body::MessageModel;
use rocketmq_client::{ClientError, Message, MessageExt, Producer};
use tokio::sync::Mutex;

use super::resolve::{Knobs, ListenerConfig};
use super::{ListenerDef, Mode, Model, Outcome, SelectorType};

/// The group Java's clients send replies with.
const REPLY_GROUP: &str = "CLIENT_INNER_PRODUCER";

/// Producers for replies, one per name server list, started on first use.
#[derive(Default)]
pub(crate) struct Repliers {
    producers: Mutex<HashMap<Option<String>, Arc<Producer>>>,
}

impl Repliers {
    async fn get(&self, name_server: &Option<String>) -> Result<Arc<Producer>, ClientError> {
        let mut producers = self.producers.lock().await;
        if let Some(p) = producers.get(name_server) {
            return Ok(p.clone());
        }
        let mut builder = Producer::builder(REPLY_GROUP);
        if let Some(ns) = name_server {
            builder = builder.namesrv_addr(ns.clone());
        }
        let producer = Arc::new(builder.start().await?);
        producers.insert(name_server.clone(), producer.clone());
        Ok(producer)
    }

    /// Stops every reply producer.
    pub(crate) async fn shutdown(&self) {
        for p in self.producers.lock().await.values() {
            p.shutdown().await;
        }
    }
}

/// A group's consumer, started.
pub(crate) struct RunningGroup {
    pub(crate) group: String,
    pub(crate) consumer: PushConsumer,
    pub(crate) drain: Duration,
}

/// What a message of one topic is handed to.
struct Route {
    def: &'static ListenerDef,
    topic: String,
}

/// Starts the consumer of `group` for its listeners (all sharing `Knobs`, see `resolve::plan`).
pub(crate) async fn start_group(
    group: &str,
    members: &[ListenerConfig],
    repliers: Arc<Repliers>,
) -> Result<RunningGroup, ClientError> {
    let knobs: Knobs = members[0].knobs.clone();
    let mut builder = PushConsumer::builder(group)
        .message_model(match knobs.model {
            Model::Clustering => MessageModel::Clustering,
            Model::Broadcasting => MessageModel::Broadcasting,
        })
        .consume_mode(match knobs.mode {
            Mode::Concurrently => ConsumeMode::Concurrently,
            Mode::Orderly => ConsumeMode::Orderly,
        })
        .consume_concurrency(knobs.consume_thread_number)
        .pull_batch_size(knobs.pull_batch_size)
        // One message per call, so each message is acknowledged or retried on its own.
        .consume_batch_size(1)
        .max_reconsume_times(knobs.max_reconsume_times)
        .consume_timeout(knobs.consume_timeout)
        .suspend_current_queue_time(knobs.suspend_current_queue_time)
        .consume_from_where(knobs.consume_from_where);
    if let Some(ns) = &knobs.name_server {
        builder = builder.namesrv_addr(ns.clone());
    }
    if let Some(dir) = &knobs.local_offset_store_dir {
        builder = builder.local_offset_dir(dir.clone());
    }
    if let Some(name) = &knobs.instance_name {
        builder = builder.instance_name(name.clone());
    }
    let mut routes: HashMap<String, Route> = HashMap::new();
    for m in members {
        let selector = match m.def.selector_type {
            SelectorType::Tag => MessageSelector::by_tag(m.selector.clone()),
            SelectorType::Sql92 => MessageSelector::by_sql(m.selector.clone()),
        };
        builder = builder.subscribe_with(m.topic.clone(), selector);
        routes.insert(
            m.topic.clone(),
            Route {
                def: m.def,
                topic: m.topic.clone(),
            },
        );
    }
    let ctx = Arc::new(Dispatch {
        group: group.to_string(),
        routes,
        knobs: knobs.clone(),
        repliers,
    });
    let consumer = builder
        .start(move |msgs: Vec<MessageExt>| {
            let ctx = ctx.clone();
            async move {
                for msg in msgs {
                    let result = ctx.consume(msg).await;
                    if result != ConsumeResult::Success {
                        return result;
                    }
                }
                ConsumeResult::Success
            }
        })
        .await?;
    Ok(RunningGroup {
        group: group.to_string(),
        consumer,
        drain: knobs.await_termination,
    })
}

/// Per-group dispatch state shared by every listener call.
struct Dispatch {
    group: String,
    routes: HashMap<String, Route>,
    knobs: Knobs,
    repliers: Arc<Repliers>,
}

impl Dispatch {
    async fn consume(&self, msg: MessageExt) -> ConsumeResult {
        let Some(route) = self.routes.get(&msg.message.topic) else {
            tracing::warn!(group = %self.group, topic = %msg.message.topic, "no listener for this topic; acknowledged");
            return ConsumeResult::Success;
        };
        let msg_id = msg.msg_id();
        let attempt = msg.reconsume_times;
        // A reply needs the request's routing properties after the body moves into the call.
        let request = route.def.reply.then(|| Message {
            body: bytes::Bytes::new(),
            ..msg.message.clone()
        });
        match (route.def.handler)(msg).await {
            Outcome::Done(result) => result,
            Outcome::Failed(error) => {
                tracing::warn!(
                    listener = route.def.function, group = %self.group, topic = %route.topic,
                    %msg_id, reconsume_times = attempt, %error,
                    "listener failed; the message will be delivered again"
                );
                match self.knobs.delay_level_when_next_consume {
                    0 => ConsumeResult::ReconsumeLater,
                    level => ConsumeResult::ReconsumeLaterAtLevel(level),
                }
            }
            Outcome::Rejected(rejection) => {
                tracing::error!(
                    listener = route.def.function, group = %self.group, topic = %route.topic,
                    %msg_id, error = %rejection,
                    "message cannot be decoded for this listener; sent to the dead-letter queue"
                );
                // Decoding fails the same way every time: straight to %DLQ% (level -1), except
                // in orderly mode, which can only retry in place.
                ConsumeResult::ReconsumeLaterAtLevel(-1)
            }
            Outcome::Reply(body) => {
                let Some(request) = request else {
                    return ConsumeResult::Success;
                };
                self.send_reply(route, &msg_id, &request, body).await;
                ConsumeResult::Success
            }
        }
    }

    /// Sends a reply; a failure is logged (the requester times out), as in rocketmq-spring.
    async fn send_reply(&self, route: &Route, msg_id: &str, request: &Message, body: bytes::Bytes) {
        let sent = async {
            let reply = create_reply_message(request, body)?;
            let producer = self.repliers.get(&self.knobs.name_server).await?;
            match tokio::time::timeout(self.knobs.reply_timeout, producer.send(reply)).await {
                Ok(r) => r.map(|_| ()),
                Err(_) => Err(ClientError::InvalidMessage(format!(
                    "reply not sent within {:?}",
                    self.knobs.reply_timeout
                ))),
            }
        };
        if let Err(e) = sent.await {
            tracing::warn!(listener = route.def.function, group = %self.group, %msg_id, error = %e, "reply not sent");
        }
    }
}
