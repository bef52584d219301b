//! Transactional messages: half messages wait in `RMQ_SYS_TRANS_HALF_TOPIC` until their producer
//! commits or rolls back (END_TRANSACTION), or the broker asks it (CHECK_TRANSACTION_STATE).
//!
//! Every half message ends with exactly one op record in `RMQ_SYS_TRANS_OP_HALF_TOPIC` (tag
//! `d`, body its half-queue offset): written on commit, rollback, when a check re-appends it
//! as a fresh copy, or when it is given up. A half message with an op record is settled, and
//! END_TRANSACTION for a settled one does nothing, so each transaction is committed at most once
//! even when a late answer and a check cross. [`Book`] tracks which offsets are settled;
//! [`check`] runs the check rounds.
//!
//! Progress survives restarts as consumer offsets of group `CID_RMQ_SYS_TRANS` (as in Apache):
//! on the half queue, the offset below which everything is settled; on the op queue, the first
//! op record still needed to know which half messages above that are settled.

pub(crate) mod check;

use std::collections::BTreeMap;

use rocketmq_client::protocol::message::{MessageExt, properties, property, sys_flag};
use rocketmq_client::protocol::topic::{TRANS_HALF_TOPIC, TRANS_OP_HALF_TOPIC};

use crate::broker::BrokerState;
use crate::broker::schedule;
use crate::store::PutMessage;

/// The consumer group whose offsets hold the transaction progress.
pub(crate) const TRANS_GROUP: &str = "CID_RMQ_SYS_TRANS";
/// The op record tag.
const OP_TAG: &str = "d";

/// Turns a prepared message into its half message.
pub(crate) fn to_half(msg: &mut PutMessage, transaction_id: &str) {
    let qid = msg.queue_id.to_string();
    msg.properties = properties::rewrite(
        &msg.properties,
        &[],
        &[
            (property::REAL_TOPIC, &msg.topic),
            (property::REAL_QUEUE_ID, &qid),
            (property::TRANSACTION_ID, transaction_id),
        ],
    );
    msg.topic = TRANS_HALF_TOPIC.to_string();
    msg.queue_id = 0;
    msg.sys_flag =
        (msg.sys_flag & !sys_flag::TRANSACTION_ROLLBACK_TYPE) | sys_flag::TRANSACTION_NOT_TYPE;
}

/// Which half messages are settled.
#[derive(Debug, Default)]
pub(crate) struct Book {
    loaded: bool,
    /// Half-queue offsets below this are all settled.
    checked: i64,
    /// Settled half-queue offsets at or above `checked` → their op record's offset.
    done: BTreeMap<i64, i64>,
    /// Next op-queue offset to read.
    op_scanned: i64,
}

/// Outcome of END_TRANSACTION on a half message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Commit,
    Rollback,
}

impl Book {
    /// Loads the persisted progress (once) and reads op records written since.
    fn refresh(&mut self, state: &BrokerState) {
        let store = &state.store;
        if !self.loaded {
            self.loaded = true;
            self.checked = state
                .offsets
                .query(TRANS_GROUP, TRANS_HALF_TOPIC, 0)
                .unwrap_or(0)
                .max(store.min_offset(TRANS_HALF_TOPIC, 0));
            self.op_scanned = state
                .offsets
                .query(TRANS_GROUP, TRANS_OP_HALF_TOPIC, 0)
                .unwrap_or(0)
                .max(store.min_offset(TRANS_OP_HALF_TOPIC, 0));
        }
        let max = store.max_offset(TRANS_OP_HALF_TOPIC, 0);
        while self.op_scanned < max {
            let op_offset = self.op_scanned;
            self.op_scanned += 1;
            let Some(op) = store.queue_message(TRANS_OP_HALF_TOPIC, 0, op_offset) else {
                continue;
            };
            for half in String::from_utf8_lossy(&op.message.body).split(',') {
                if let Ok(half) = half.trim().parse::<i64>()
                    && half >= self.checked
                {
                    self.done.insert(half, op_offset);
                }
            }
        }
    }

    pub(crate) fn is_settled(&self, half_offset: i64) -> bool {
        half_offset < self.checked || self.done.contains_key(&half_offset)
    }

    /// Moves `checked` past settled offsets and saves the progress.
    fn advance(&mut self, state: &BrokerState) {
        let max = state.store.max_offset(TRANS_HALF_TOPIC, 0);
        while self.checked < max {
            if self.done.remove(&self.checked).is_some()
                || state
                    .store
                    .queue_entry(TRANS_HALF_TOPIC, 0, self.checked)
                    .is_none()
            {
                self.checked += 1;
            } else {
                break;
            }
        }
        let op_needed = self.done.values().min().copied().unwrap_or(self.op_scanned);
        state
            .offsets
            .commit(TRANS_GROUP, TRANS_HALF_TOPIC, 0, self.checked);
        state
            .offsets
            .commit(TRANS_GROUP, TRANS_OP_HALF_TOPIC, 0, op_needed);
    }

    /// Writes the op record that settles `half_offset`.
    async fn settle(&mut self, state: &BrokerState, half_offset: i64) -> bool {
        let op = PutMessage {
            topic: TRANS_OP_HALF_TOPIC.to_string(),
            queue_id: 0,
            flag: 0,
            sys_flag: 0,
            born_timestamp: crate::store::now_millis(),
            born_host: state.store_host,
            store_host: state.store_host,
            reconsume_times: 0,
            prepared_transaction_offset: 0,
            body: half_offset.to_string().into(),
            properties: properties::rewrite(
                "",
                &[],
                &[
                    (property::TAGS, OP_TAG),
                    (property::WAIT_STORE_MSG_OK, "false"),
                ],
            ),
            store_timestamp: None,
        };
        match state.store.put_message(op, false).await {
            Ok(stored) => {
                self.done.insert(half_offset, stored.append.queue_offset);
                true
            }
            Err(e) => {
                tracing::error!(half_offset, error = %e, "cannot write a transaction op record");
                false
            }
        }
    }

    /// Commits or rolls back the half message at `half` unless it is settled already;
    /// `Err` carries the store's refusal.
    pub(crate) async fn end(
        &mut self,
        state: &BrokerState,
        half: &MessageExt,
        outcome: Outcome,
    ) -> Result<bool, String> {
        self.refresh(state);
        if self.is_settled(half.queue_offset) {
            return Ok(false);
        }
        if outcome == Outcome::Commit {
            let Some(mut real) = schedule::unstage(half) else {
                return Err("the half message has no REAL_TOPIC / REAL_QID".into());
            };
            real.sys_flag = (real.sys_flag & !sys_flag::TRANSACTION_ROLLBACK_TYPE)
                | sys_flag::TRANSACTION_COMMIT_TYPE;
            real.prepared_transaction_offset = half.commit_log_offset;
            real.store_timestamp = Some(half.store_timestamp);
            real.properties =
                properties::rewrite(&real.properties, &[property::TRANSACTION_CHECK_TIMES], &[]);
            schedule::stage(&state.config, &mut real).map_err(|e| e.remark)?;
            state
                .store
                .put_message(real, false)
                .await
                .map_err(|e| e.to_string())?;
        }
        if !self.settle(state, half.queue_offset).await {
            return Err("cannot record the transaction outcome".into());
        }
        self.advance(state);
        Ok(true)
    }
}
