//! Broker ↔ name server: REGISTER_BROKER (103), UNREGISTER_BROKER (104), QUERY_DATA_VERSION (322).

crate::ext_header! {
    /// `RegisterBrokerRequestHeader`. The body is a `RegisterBrokerBody`.
    pub struct RegisterBrokerRequestHeader {
        pub broker_name: String => "brokerName",
        /// `brokerIP1:listenPort`.
        pub broker_addr: String => "brokerAddr",
        pub cluster_name: String => "clusterName",
        /// `brokerIP2:haListenPort`.
        pub ha_server_addr: String => "haServerAddr",
        /// 0 is the master.
        pub broker_id: i64 => "brokerId",
        /// Liveness timeout the name server should apply (default 120 s).
        pub heartbeat_timeout_millis: Option<i64> => "heartbeatTimeoutMillis",
        pub enable_acting_master: Option<bool> => "enableActingMaster",
        /// Whether the body is the zlib-compressed form.
        pub compressed: bool => "compressed",
        /// CRC32 (masked) of the body; 0 means "don't check".
        pub body_crc32: i32 => "bodyCrc32",
    }
}

crate::ext_header! {
    /// `RegisterBrokerResponseHeader`.
    pub struct RegisterBrokerResponseHeader {
        pub ha_server_addr: Option<String> => "haServerAddr",
        pub master_addr: Option<String> => "masterAddr",
    }
}

crate::ext_header! {
    /// `UnRegisterBrokerRequestHeader` / `QueryDataVersionRequestHeader`: who a broker is.
    pub struct BrokerIdentityHeader {
        pub broker_name: String => "brokerName",
        pub broker_addr: String => "brokerAddr",
        pub cluster_name: String => "clusterName",
        pub broker_id: i64 => "brokerId",
    }
}

crate::ext_header! {
    /// `QueryDataVersionResponseHeader`.
    pub struct QueryDataVersionResponseHeader {
        pub changed: bool => "changed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::header::round_trip;

    #[test]
    fn round_trips() {
        let ext = round_trip(&RegisterBrokerRequestHeader {
            broker_name: "broker-a".into(),
            broker_addr: "127.0.0.1:10911".into(),
            cluster_name: "DefaultCluster".into(),
            ha_server_addr: "127.0.0.1:10912".into(),
            broker_id: 0,
            heartbeat_timeout_millis: Some(120_000),
            enable_acting_master: Some(false),
            compressed: false,
            body_crc32: 12345,
        });
        assert_eq!(ext["brokerId"], "0");
        round_trip(&RegisterBrokerResponseHeader {
            ha_server_addr: None,
            master_addr: Some("a:1".into()),
        });
        round_trip(&BrokerIdentityHeader {
            broker_name: "b".into(),
            broker_addr: "a:1".into(),
            cluster_name: "c".into(),
            broker_id: 1,
        });
        round_trip(&QueryDataVersionResponseHeader { changed: true });
    }
}
