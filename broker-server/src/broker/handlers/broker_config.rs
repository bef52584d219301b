//! GET_BROKER_CONFIG (26) and UPDATE_BROKER_CONFIG (25): `mqadmin getBrokerConfig` /
//! `updateBrokerConfig`.
//!
//! The answer to 26 is every key this broker reads with its value now (Java properties text),
//! and the configuration's version in the header. 25 takes `key=value` lines: the keys that
//! take effect at run time (see `live`) change at once, are persisted in the file the broker
//! was started from, and a `brokerPermission` change re-registers the broker with its new
//! permission; any other key is refused by name and nothing changes, as are Apache's
//! black-listed keys (`configBlackList`, `brokerConfigPath`).

use rocketmq_client::protocol::header::GetBrokerConfigResponseHeader;
use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

use crate::broker::BrokerState;
use crate::broker::live::{LIVE_KEYS, Live};
use crate::config::{Configurable, parse_properties, print_entries, update_file};
use crate::net::{Handled, refuse};

/// Keys Apache never lets a client change.
const BLACK_LIST: &[&str] = &["configBlackList", "brokerConfigPath"];

pub(super) fn get(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let config = state.live.current(&state.config);
    let version = serde_json::to_string(&*state.live.version()).expect("a DataVersion serializes");
    Ok(RemotingCommand::response_to(req, ResponseCode::Success)
        .with_header(&GetBrokerConfigResponseHeader {
            version: Some(version),
        })
        .with_body(print_entries(&config).into_bytes()))
}

pub(super) fn update(state: &BrokerState, req: &RemotingCommand) -> Handled {
    let text = String::from_utf8_lossy(&req.body);
    let pairs = parse_properties(&text);
    if pairs.iter().any(|(k, _)| BLACK_LIST.contains(&k.as_str())) {
        return refuse(
            ResponseCode::NoPermission,
            "Can not update config in black list.",
        );
    }
    // All or nothing: every pair is checked before any is applied.
    for (key, value) in &pairs {
        if LIVE_KEYS.contains(&key.as_str()) {
            if let Err(reason) = Live::check(key, value) {
                return refuse(
                    ResponseCode::InvalidParameter,
                    format!("invalid value `{value}` for `{key}`: {reason}"),
                );
            }
        } else if crate::broker::BrokerConfig::keys().contains(&key.as_str()) {
            return refuse(
                ResponseCode::NoPermission,
                format!(
                    "`{key}` cannot be changed while the broker runs (those that can: {}); set it in the broker's config file and restart",
                    LIVE_KEYS.join(", ")
                ),
            );
        } else {
            return refuse(
                ResponseCode::InvalidParameter,
                format!("unknown broker config key `{key}`"),
            );
        }
    }
    let permission = state.live.broker_permission();
    for (key, value) in &pairs {
        state.live.set(key, value);
    }
    state.live.version().next_version();
    tracing::info!(changes = ?pairs, "broker config updated");
    match &state.config.config_file {
        Some(path) if !pairs.is_empty() => {
            if let Err(e) = update_file(path, &pairs) {
                tracing::error!(file = %path.display(), error = %e, "could not persist the config change");
                return refuse(
                    ResponseCode::SystemError,
                    format!(
                        "the change is in effect but could not be written to {}: {e}",
                        path.display()
                    ),
                );
            }
        }
        Some(_) => {}
        None => tracing::warn!(
            "the broker was not started from a config file (-c): the change lasts until it stops"
        ),
    }
    if state.live.broker_permission() != permission {
        state.topics.touch();
        state.registrar.request_now();
    }
    Ok(RemotingCommand::response_to(req, ResponseCode::Success))
}
