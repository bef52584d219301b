//! Delayed delivery: messages wait in a system topic and are re-put to their real topic when
//! due.
//!
//! Two waiting rooms, as in Apache RocketMQ 5:
//! - [`delay`]: level delays (`DELAY=n`, the 4.x API and every retry): `SCHEDULE_TOPIC_XXXX`,
//!   queue `n − 1`. Every message of a queue waits equally long, so each queue is due in order
//!   and one offset per level (`config/delayOffset.json`) records the progress.
//! - [`timer`]: arbitrary delivery times (`TIMER_DELIVER_MS`, `TIMER_DELAY_SEC`,
//!   `TIMER_DELAY_MS`): `rmq_sys_wheel_timer`, queue 0, in arrival order but due in any order.
//!
//! In both, the consume-queue entry's tag slot holds the due time (the store computes it), so
//! the services walk queues without reading messages until one is due. [`stage`] reroutes a
//! message on its way in; [`unstage`] rebuilds the real message from a waiting one.

pub(crate) mod delay;
pub(crate) mod timer;

use std::time::{Duration, Instant};

use rocketmq_client::protocol::ResponseCode;
use rocketmq_client::protocol::message::{MessageExt, properties, property};
use rocketmq_client::protocol::topic::{SCHEDULE_TOPIC, TIMER_TOPIC};
use tokio_util::sync::CancellationToken;

use crate::broker::BrokerConfig;
use crate::store::{MessageStore, PutError, PutMessage, QueueEntry, now_millis};

/// Why a message cannot be staged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StageError {
    pub(crate) code: ResponseCode,
    pub(crate) remark: String,
}

/// Reroutes a message that carries a delay to its waiting room, recording the real topic and
/// queue in `REAL_TOPIC` / `REAL_QID`. Messages without a delay, or due already, are left alone.
pub(crate) fn stage(config: &BrokerConfig, msg: &mut PutMessage) -> Result<(), StageError> {
    if let Some(due) = timer_due(config, &msg.properties)? {
        if due > now_millis() {
            let due = due.to_string();
            let qid = msg.queue_id.to_string();
            msg.properties = properties::rewrite(
                &msg.properties,
                &[],
                &[
                    (property::TIMER_OUT_MS, &due),
                    (property::REAL_TOPIC, &msg.topic),
                    (property::REAL_QUEUE_ID, &qid),
                ],
            );
            msg.topic = TIMER_TOPIC.to_string();
            msg.queue_id = 0;
        }
        return Ok(());
    }
    let level = properties::find(&msg.properties, property::DELAY_TIME_LEVEL)
        .and_then(|l| l.trim().parse::<i32>().ok())
        .unwrap_or(0);
    if level > 0 {
        let level = level.min(config.message_delay_level.0.len() as i32);
        let (level_s, qid) = (level.to_string(), msg.queue_id.to_string());
        msg.properties = properties::rewrite(
            &msg.properties,
            &[],
            &[
                (property::DELAY_TIME_LEVEL, &level_s),
                (property::REAL_TOPIC, &msg.topic),
                (property::REAL_QUEUE_ID, &qid),
            ],
        );
        msg.topic = SCHEDULE_TOPIC.to_string();
        msg.queue_id = level - 1;
    }
    Ok(())
}

/// The absolute delivery time a message's timer properties ask for, if any.
fn timer_due(config: &BrokerConfig, props: &str) -> Result<Option<i64>, StageError> {
    let illegal = |remark: String| StageError {
        code: ResponseCode::MessageIllegal,
        remark,
    };
    let parse = |name: &str| -> Result<Option<i64>, StageError> {
        properties::find(props, name)
            .map(|v| {
                v.trim()
                    .parse::<i64>()
                    .map_err(|_| illegal(format!("the property {name}=`{v}` is not a number")))
            })
            .transpose()
    };
    let now = now_millis();
    let due = if let Some(at) = parse(property::TIMER_DELIVER_MS)? {
        at
    } else if let Some(sec) = parse(property::TIMER_DELAY_SEC)? {
        now.saturating_add(sec.saturating_mul(1000))
    } else if let Some(ms) = parse(property::TIMER_DELAY_MS)? {
        now.saturating_add(ms)
    } else {
        return Ok(None);
    };
    if !config.timer_wheel_enable {
        return Err(StageError {
            code: ResponseCode::SystemError,
            remark: "accurate timer message is not enabled, timerWheelEnable is false".into(),
        });
    }
    let max_ms = (config.timer_max_delay_sec as i64).saturating_mul(1000);
    if due - now > max_ms {
        return Err(illegal(format!(
            "timer message delay exceeds timerMaxDelaySec {}",
            config.timer_max_delay_sec
        )));
    }
    Ok(Some(due))
}

/// The real message behind a waiting one: its `REAL_TOPIC` / `REAL_QID`, everything else as
/// stored. Like Apache, the properties keep `DELAY`, `REAL_TOPIC` and `REAL_QID` (consumers see
/// them); the timer's requests are dropped so a retried copy is not delayed again.
pub(crate) fn unstage(waiting: &MessageExt) -> Option<PutMessage> {
    let topic = waiting.message.property(property::REAL_TOPIC)?.to_string();
    let queue_id = waiting
        .message
        .property(property::REAL_QUEUE_ID)?
        .parse()
        .ok()?;
    let props = properties::encode(&waiting.message.properties);
    Some(PutMessage {
        topic,
        queue_id,
        flag: waiting.message.flag,
        sys_flag: waiting.sys_flag,
        born_timestamp: waiting.born_timestamp,
        born_host: waiting.born_host,
        store_host: waiting.store_host,
        reconsume_times: waiting.reconsume_times,
        prepared_transaction_offset: waiting.prepared_transaction_offset,
        body: waiting.message.body.clone(),
        properties: properties::rewrite(
            &props,
            &[
                property::TIMER_DELIVER_MS,
                property::TIMER_DELAY_SEC,
                property::TIMER_DELAY_MS,
            ],
            &[(property::WAIT_STORE_MSG_OK, "false")],
        ),
        store_timestamp: None,
    })
}

/// How often the waiting rooms are polled: delivery is at most this late.
const TICK: Duration = Duration::from_millis(100);
/// Moving progress is written at most this often (and at shutdown).
const PERSIST_EVERY: Duration = Duration::from_secs(1);

/// The rhythm both services share: a round every tick, progress saved at most once a second
/// while it moves.
struct Pacer {
    tick: tokio::time::Interval,
    last_persist: Instant,
    dirty: bool,
}

impl Pacer {
    fn new() -> Self {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        Pacer {
            tick,
            last_persist: Instant::now(),
            dirty: false,
        }
    }

    /// Waits for the next round; `false` once cancelled.
    async fn next(&mut self, cancel: &CancellationToken) -> bool {
        tokio::select! {
            _ = cancel.cancelled() => false,
            _ = self.tick.tick() => true,
        }
    }

    /// Notes whether a round moved the progress; `true` when it is time to save it.
    fn moved(&mut self, moved: bool) -> bool {
        self.dirty |= moved;
        if self.dirty && self.last_persist.elapsed() >= PERSIST_EVERY {
            self.dirty = false;
            self.last_persist = Instant::now();
            return true;
        }
        false
    }
}

/// What became of a due message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delivered {
    /// Re-put to its real topic (or unusable and skipped, with a warning): move on.
    Done,
    /// The store refused; try again on the next tick.
    Retry,
}

/// Re-puts the waiting message at `entry` to its real topic.
pub(crate) async fn deliver(store: &MessageStore, entry: QueueEntry) -> Delivered {
    let Some(waiting) = store.message_at(entry.commit_log_offset) else {
        tracing::warn!(
            offset = entry.commit_log_offset,
            "waiting message is gone from the commit log; skipped"
        );
        return Delivered::Done;
    };
    let Some(real) = unstage(&waiting) else {
        tracing::warn!(
            offset = entry.commit_log_offset,
            "waiting message has no REAL_TOPIC / REAL_QID; skipped"
        );
        return Delivered::Done;
    };
    match store.put_message(real, false).await {
        Ok(_) => Delivered::Done,
        Err(PutError::MessageIllegal(reason)) => {
            tracing::warn!(offset = entry.commit_log_offset, %reason, "due message refused by the store; skipped");
            Delivered::Done
        }
        Err(PutError::ServiceNotAvailable(reason)) => {
            tracing::debug!(%reason, "store unavailable; delivery retried");
            Delivered::Retry
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn msg(props: &str) -> PutMessage {
        PutMessage {
            topic: "T".into(),
            queue_id: 3,
            flag: 0,
            sys_flag: 0,
            born_timestamp: 1,
            born_host: "127.0.0.1:1".parse().unwrap(),
            store_host: "127.0.0.1:2".parse().unwrap(),
            reconsume_times: 0,
            prepared_transaction_offset: 0,
            body: Bytes::from_static(b"x"),
            properties: props.into(),
            store_timestamp: None,
        }
    }

    #[test]
    fn level_delay_goes_to_the_levels_queue_clamped_to_the_last() {
        let cfg = BrokerConfig::default();
        let mut m = msg("DELAY\u{1}3\u{2}");
        stage(&cfg, &mut m).unwrap();
        assert_eq!((m.topic.as_str(), m.queue_id), (SCHEDULE_TOPIC, 2));
        assert_eq!(properties::find(&m.properties, "REAL_TOPIC"), Some("T"));
        assert_eq!(properties::find(&m.properties, "REAL_QID"), Some("3"));
        let mut m = msg("DELAY\u{1}99\u{2}");
        stage(&cfg, &mut m).unwrap();
        assert_eq!(m.queue_id, 17);
        assert_eq!(properties::find(&m.properties, "DELAY"), Some("18"));
        let mut m = msg("DELAY\u{1}0\u{2}");
        stage(&cfg, &mut m).unwrap();
        assert_eq!(m.topic, "T");
    }

    #[test]
    fn timers_go_to_the_timer_topic_unless_due_or_too_far() {
        let mut cfg = BrokerConfig::default();
        let mut m = msg("TIMER_DELAY_SEC\u{1}5\u{2}");
        stage(&cfg, &mut m).unwrap();
        assert_eq!((m.topic.as_str(), m.queue_id), (TIMER_TOPIC, 0));
        let due: i64 = properties::find(&m.properties, "TIMER_OUT_MS")
            .unwrap()
            .parse()
            .unwrap();
        assert!((due - now_millis() - 5000).abs() < 1000);
        let mut m = msg("TIMER_DELIVER_MS\u{1}1000\u{2}");
        stage(&cfg, &mut m).unwrap();
        assert_eq!(m.topic, "T", "a time in the past is delivered at once");
        let mut m = msg("TIMER_DELAY_SEC\u{1}300000\u{2}");
        assert_eq!(
            stage(&cfg, &mut m).unwrap_err().code,
            ResponseCode::MessageIllegal
        );
        let mut m = msg("TIMER_DELAY_MS\u{1}soon\u{2}");
        assert_eq!(
            stage(&cfg, &mut m).unwrap_err().code,
            ResponseCode::MessageIllegal
        );
        cfg.timer_wheel_enable = false;
        let mut m = msg("TIMER_DELAY_SEC\u{1}5\u{2}");
        assert_eq!(
            stage(&cfg, &mut m).unwrap_err().code,
            ResponseCode::SystemError
        );
    }
}
