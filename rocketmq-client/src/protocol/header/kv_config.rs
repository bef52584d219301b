//! Name server KV config: PUT/GET/DELETE_KV_CONFIG (100–102), GET_KVLIST_BY_NAMESPACE (219).

crate::ext_header! {
    /// `PutKVConfigRequestHeader` (with `value`) / `GetKVConfigRequestHeader` /
    /// `DeleteKVConfigRequestHeader` (without).
    pub struct KvConfigRequestHeader {
        pub namespace: String => "namespace",
        pub key: String => "key",
        pub value: Option<String> => "value",
    }
}

crate::ext_header! {
    /// `GetKVConfigResponseHeader`.
    pub struct GetKvConfigResponseHeader {
        pub value: Option<String> => "value",
    }
}

crate::ext_header! {
    /// `GetKVListByNamespaceRequestHeader`.
    pub struct NamespaceHeader {
        pub namespace: String => "namespace",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::header::round_trip;

    #[test]
    fn round_trips() {
        round_trip(&KvConfigRequestHeader {
            namespace: "ns".into(),
            key: "k".into(),
            value: Some("v".into()),
        });
        round_trip(&GetKvConfigResponseHeader {
            value: Some("v".into()),
        });
        round_trip(&NamespaceHeader {
            namespace: "ORDER_TOPIC_CONFIG".into(),
        });
    }
}
