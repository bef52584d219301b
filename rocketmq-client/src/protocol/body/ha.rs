//! GET_BROKER_HA_STATUS (907): a broker's replication state (`HARuntimeInfo`), what
//! `mqadmin haStatus` prints.

use serde::{Deserialize, Serialize};

use super::JsonBody;

/// `HARuntimeInfo`: a master's slaves, or a slave's view of its master.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct HaRuntimeInfo {
    /// Whether the broker is a master (then `ha_connection_info` applies).
    pub master: bool,
    /// A master's commit-log end.
    pub master_commit_log_max_offset: i64,
    /// Slaves within `haMaxGapNotInSync`.
    pub in_sync_slave_nums: i32,
    /// One entry per connected slave.
    pub ha_connection_info: Vec<HaConnectionRuntimeInfo>,
    /// A slave's connection to its master.
    pub ha_client_runtime_info: HaClientRuntimeInfo,
}

/// `HARuntimeInfo.HAConnectionRuntimeInfo`: one slave, seen from its master.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct HaConnectionRuntimeInfo {
    /// The slave's `ip:port`.
    pub addr: String,
    /// The furthest offset it acknowledged.
    pub slave_ack_offset: i64,
    /// Master end minus that.
    pub diff: i64,
    /// Within `haMaxGapNotInSync`.
    pub in_sync: bool,
    /// Bytes sent to it in the last second.
    pub transferred_byte_in_second: i64,
    /// Where its stream began.
    pub transfer_from_where: i64,
}

/// `HARuntimeInfo.HAClientRuntimeInfo`: a slave's connection to its master.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct HaClientRuntimeInfo {
    /// The master's HA address.
    pub master_addr: Option<String>,
    /// Bytes received in the last second.
    pub transferred_byte_in_second: i64,
    /// The slave's commit-log end.
    pub max_offset: i64,
    /// When the master last sent something (ms).
    pub last_read_timestamp: i64,
    /// When the slave last reported its offset (ms).
    pub last_write_timestamp: i64,
    /// The master's flushed offset (sent only by 5.x's auto-switching HA; 0 otherwise).
    pub master_flush_offset: i64,
    /// Whether it is connected (Java's `isActivated`, which fastjson names `activated`).
    pub activated: bool,
}

impl JsonBody for HaRuntimeInfo {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_apaches_form_and_round_trips() {
        let java = br#"{"haClientRuntimeInfo":{"activated":false,"lastReadTimestamp":0,"lastWriteTimestamp":0,"masterFlushOffset":0,"maxOffset":0,"transferredByteInSecond":0},"haConnectionInfo":[{"addr":"10.0.0.2:50112","diff":0,"inSync":true,"slaveAckOffset":2048,"transferFromWhere":0,"transferredByteInSecond":1024}],"inSyncSlaveNums":1,"master":true,"masterCommitLogMaxOffset":2048}"#;
        let info = HaRuntimeInfo::decode(java).unwrap();
        assert!(info.master);
        assert_eq!(info.in_sync_slave_nums, 1);
        assert_eq!(info.ha_connection_info[0].slave_ack_offset, 2048);
        assert!(info.ha_connection_info[0].in_sync);
        assert_eq!(HaRuntimeInfo::decode(&info.encode()).unwrap(), info);
    }
}
