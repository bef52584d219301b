//! GET_NAMESRV_CONFIG (319) and UPDATE_NAMESRV_CONFIG (318): `mqadmin getNamesrvConfig` /
//! `updateNamesrvConfig`. The body is Java properties text both ways. The keys read on every
//! use (`orderMessageEnable`, `enableAllTopicList`) change at once; any other is refused by
//! name, all or nothing; Apache's black-listed keys are refused as Apache refuses them.

use rocketmq_client::protocol::{RemotingCommand, ResponseCode};

use crate::config::{Configurable, parse_properties, print_entries};
use crate::namesrv::{LIVE_NAMESRV_KEYS, NamesrvConfig, NamesrvState};
use crate::net::{Handled, refuse};

const BLACK_LIST: &[&str] = &["configBlackList", "configStorePath", "kvConfigPath"];

pub(super) fn get(state: &NamesrvState, req: &RemotingCommand) -> Handled {
    let config = state.live.current(&state.config);
    Ok(RemotingCommand::response_to(req, ResponseCode::Success)
        .with_body(print_entries(&config).into_bytes()))
}

pub(super) fn update(state: &NamesrvState, req: &RemotingCommand) -> Handled {
    let pairs = parse_properties(&String::from_utf8_lossy(&req.body));
    if pairs.iter().any(|(k, _)| BLACK_LIST.contains(&k.as_str())) {
        return refuse(
            ResponseCode::NoPermission,
            "Can not update config in black list.",
        );
    }
    for (key, value) in &pairs {
        if LIVE_NAMESRV_KEYS.contains(&key.as_str()) {
            if let Err(reason) = state.live.check_and_set(key, value, false) {
                return refuse(
                    ResponseCode::InvalidParameter,
                    format!("invalid value `{value}` for `{key}`: {reason}"),
                );
            }
        } else if NamesrvConfig::keys().contains(&key.as_str()) {
            return refuse(
                ResponseCode::NoPermission,
                format!(
                    "`{key}` cannot be changed while the name server runs (those that can: {}); set it in its config file and restart",
                    LIVE_NAMESRV_KEYS.join(", ")
                ),
            );
        } else {
            return refuse(
                ResponseCode::InvalidParameter,
                format!("unknown name server config key `{key}`"),
            );
        }
    }
    for (key, value) in &pairs {
        let _ = state.live.check_and_set(key, value, true);
    }
    tracing::info!(changes = ?pairs, "name server config updated");
    Ok(RemotingCommand::response_to(req, ResponseCode::Success))
}
