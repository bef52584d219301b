//! QUERY_MESSAGE (12): messages of a topic whose key (or, with `_UNIQUE_KEY_QUERY`, unique key)
//! matches, stored within a time range, from the index. Index hashes collide, so each
//! candidate's topic and keys are checked here before it is returned.

use rocketmq_client::protocol::header::{
    QueryMessageRequestHeader, QueryMessageResponseHeader, UNIQUE_KEY_QUERY,
};
use rocketmq_client::protocol::message::{RecordView, properties, property};
use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

use crate::broker::BrokerState;
use crate::net::{Handled, refuse};

/// Apache's `defaultQueryMaxNum` (unique keys) and `maxMsgsNumBatch` (keys).
const UNIQUE_QUERY_MAX: usize = 32;
const QUERY_MAX: usize = 64;

pub(super) fn handle(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let h = req.decode_header::<QueryMessageRequestHeader>()?;
    let unique = req.ext(UNIQUE_KEY_QUERY) == Some("true");
    let max = if unique {
        UNIQUE_QUERY_MAX
    } else {
        (h.max_num.max(1) as usize).min(QUERY_MAX)
    };
    // Ask for more than `max`: some candidates are hash collisions.
    let candidates = state.store.query_index(
        &h.topic,
        &h.key,
        h.begin_timestamp,
        h.end_timestamp,
        max * 4,
    );
    let mut body = Vec::new();
    let mut found = 0;
    for offset in candidates {
        let Some(record) = state.store.lookup_message(offset) else {
            continue;
        };
        let matches = RecordView::parse(&record).is_ok_and(|v| {
            v.topic == h.topic
                && (properties::find(v.properties, property::UNIQ_CLIENT_MESSAGE_ID_KEYIDX)
                    == Some(h.key.as_str())
                    || properties::find(v.properties, property::KEYS)
                        .is_some_and(|keys| keys.split(' ').any(|k| k == h.key)))
        });
        if matches {
            body.extend_from_slice(&record);
            found += 1;
            if found >= max {
                break;
            }
        }
    }
    if found == 0 {
        return refuse(
            ResponseCode::QueryNotFound,
            "can not find message, maybe time range not correct",
        );
    }
    let (ts, phy) = state.store.index_last_update();
    Ok(RemotingCommand::response_to(req, ResponseCode::Success)
        .with_header(&QueryMessageResponseHeader {
            index_last_update_timestamp: ts,
            index_last_update_phyoffset: phy,
        })
        .with_body(body))
}
