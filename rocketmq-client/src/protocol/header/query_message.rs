//! QUERY_MESSAGE (12): messages of a topic by key (or unique key) and store-time range, from
//! the broker's index; VIEW_MESSAGE_BY_ID (33): one message by commit-log offset.

crate::ext_header! {
    /// `QueryMessageRequestHeader`. With ext field `_UNIQUE_KEY_QUERY=true` the key is a
    /// UNIQ_KEY and the broker returns at most 32 messages.
    pub struct QueryMessageRequestHeader {
        pub topic: String => "topic",
        pub key: String => "key",
        pub max_num: i32 => "maxNum",
        pub begin_timestamp: i64 => "beginTimestamp",
        pub end_timestamp: i64 => "endTimestamp",
    }
}

crate::ext_header! {
    /// `QueryMessageResponseHeader`: how far the index has got.
    pub struct QueryMessageResponseHeader {
        pub index_last_update_timestamp: i64 => "indexLastUpdateTimestamp",
        pub index_last_update_phyoffset: i64 => "indexLastUpdatePhyoffset",
    }
}

crate::ext_header! {
    /// `ViewMessageRequestHeader`.
    pub struct ViewMessageRequestHeader {
        pub offset: i64 => "offset",
        /// 5.x.
        pub topic: Option<String> => "topic",
    }
}

/// The ext field marking a unique-key query.
pub const UNIQUE_KEY_QUERY: &str = "_UNIQUE_KEY_QUERY";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::header::round_trip;

    #[test]
    fn round_trips() {
        let ext = round_trip(&QueryMessageRequestHeader {
            topic: "T".into(),
            key: "order-1".into(),
            max_num: 32,
            begin_timestamp: 0,
            end_timestamp: i64::MAX,
        });
        assert_eq!(ext.get("maxNum").map(String::as_str), Some("32"));
        round_trip(&QueryMessageResponseHeader {
            index_last_update_timestamp: 1,
            index_last_update_phyoffset: 2,
        });
        round_trip(&ViewMessageRequestHeader {
            offset: 7,
            topic: None,
        });
    }
}
