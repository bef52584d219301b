//! WIPE_WRITE_PERM_OF_BROKER (205) and ADD_WRITE_PERM_OF_BROKER (327), sent to a name
//! server: the broker name in the request, how many topics changed in the answer.

crate::ext_header! {
    /// `WipeWritePermOfBrokerRequestHeader` / `AddWritePermOfBrokerRequestHeader`.
    pub struct BrokerNameHeader {
        pub broker_name: String => "brokerName",
    }
}

crate::ext_header! {
    /// `WipeWritePermOfBrokerResponseHeader`.
    pub struct WipeWritePermResponseHeader {
        pub wipe_topic_count: i32 => "wipeTopicCount",
    }
}

crate::ext_header! {
    /// `AddWritePermOfBrokerResponseHeader`.
    pub struct AddWritePermResponseHeader {
        pub add_topic_count: i32 => "addTopicCount",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::header::round_trip;

    #[test]
    fn round_trips() {
        round_trip(&BrokerNameHeader {
            broker_name: "broker-a".into(),
        });
        round_trip(&WipeWritePermResponseHeader {
            wipe_topic_count: 3,
        });
        round_trip(&AddWritePermResponseHeader { add_topic_count: 3 });
    }
}
