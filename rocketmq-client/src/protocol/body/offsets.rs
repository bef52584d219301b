//! Consumer offsets as a whole: `consumerOffset.json` and GET_ALL_CONSUMER_OFFSET.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{DataVersion, JsonBody};

/// `ConsumerOffsetSerializeWrapper`: `topic@group` → queue id → offset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct ConsumerOffsetSerializeWrapper {
    /// Version of the table.
    pub data_version: DataVersion,
    /// `topic@group` → queue id → committed offset.
    pub offset_table: BTreeMap<String, BTreeMap<i32, i64>>,
}

impl JsonBody for ConsumerOffsetSerializeWrapper {
    const FASTJSON_KEY_FIELDS: &'static [&'static str] = &["offsetTable"];
}

/// `DelayOffsetSerializeWrapper` (`delayOffset.json`, GET_ALL_DELAY_OFFSET): delay level →
/// offset in the level's schedule queue up to which messages were delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct DelayOffsetSerializeWrapper {
    /// Delay level → delivered offset.
    pub offset_table: BTreeMap<i32, i64>,
    /// Version of the table.
    pub data_version: DataVersion,
}

impl JsonBody for DelayOffsetSerializeWrapper {
    const FASTJSON_KEY_FIELDS: &'static [&'static str] = &["offsetTable"];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_keys_like_apache() {
        let json = b"{\n\t\"offsetTable\":{\n\t\t\"TopicTest@cg\":{0:250,1:249\n\t\t}\n\t}\n}";
        let w = ConsumerOffsetSerializeWrapper::decode(json).unwrap();
        assert_eq!(w.offset_table["TopicTest@cg"][&1], 249);
        let out = String::from_utf8(w.encode()).unwrap();
        assert!(
            out.contains(r#""offsetTable":{"TopicTest@cg":{0:250,1:249}}"#),
            "{out}"
        );
    }

    #[test]
    fn delay_offsets_have_integer_keys() {
        let w = DelayOffsetSerializeWrapper::decode(b"{\"offsetTable\":{1:0,3:17}}").unwrap();
        assert_eq!(w.offset_table[&3], 17);
        let out = String::from_utf8(w.encode()).unwrap();
        assert!(out.contains(r#""offsetTable":{1:0,3:17}"#), "{out}");
    }
}
