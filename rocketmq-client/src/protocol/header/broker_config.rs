//! GET_BROKER_CONFIG (26): the answer's header. The body is the configuration as Java
//! properties text (`key=value` lines); UPDATE_BROKER_CONFIG (25) sends the same text and
//! has no header.

crate::ext_header! {
    /// `GetBrokerConfigResponseHeader`: the configuration's `DataVersion`, as JSON.
    pub struct GetBrokerConfigResponseHeader {
        pub version: Option<String> => "version",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::header::round_trip;

    #[test]
    fn round_trips() {
        round_trip(&GetBrokerConfigResponseHeader {
            version: Some(r#"{"counter":1,"timestamp":2}"#.into()),
        });
        round_trip(&GetBrokerConfigResponseHeader { version: None });
    }
}
