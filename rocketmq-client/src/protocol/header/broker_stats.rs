//! VIEW_BROKER_STATS_DATA (315): which stats item.

crate::ext_header! {
    /// `ViewBrokerStatsDataRequestHeader`: e.g. `TOPIC_PUT_NUMS` of a topic, or
    /// `GROUP_GET_NUMS` of `topic@group`.
    pub struct ViewBrokerStatsDataRequestHeader {
        pub stats_name: String => "statsName",
        pub stats_key: String => "statsKey",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::header::round_trip;

    #[test]
    fn round_trips() {
        round_trip(&ViewBrokerStatsDataRequestHeader {
            stats_name: "TOPIC_PUT_NUMS".into(),
            stats_key: "TopicTest".into(),
        });
    }
}
