//! Transactions: END_TRANSACTION (37, producer → broker, oneway) commits or rolls back a half
//! message; CHECK_TRANSACTION_STATE (39, broker → producer, oneway) asks for the outcome of one
//! that has waited too long.

crate::ext_header! {
    /// `EndTransactionRequestHeader`.
    pub struct EndTransactionRequestHeader {
        pub topic: Option<String> => "topic",
        pub producer_group: String => "producerGroup",
        /// The half message's queue offset (from its send response).
        pub tran_state_table_offset: i64 => "tranStateTableOffset",
        /// The half message's commit-log offset (decoded from its offset message id).
        pub commit_log_offset: i64 => "commitLogOffset",
        /// 8 commit, 12 rollback, 0 unknown (the sys-flag transaction values).
        pub commit_or_rollback: i32 => "commitOrRollback",
        pub from_transaction_check: Option<bool> => "fromTransactionCheck",
        /// The message's UNIQ_KEY.
        pub msg_id: String => "msgId",
        pub transaction_id: Option<String> => "transactionId",
    }
}

crate::ext_header! {
    /// `CheckTransactionStateRequestHeader`; the body is the half message, stored layout.
    pub struct CheckTransactionStateRequestHeader {
        pub topic: Option<String> => "topic",
        pub tran_state_table_offset: i64 => "tranStateTableOffset",
        pub commit_log_offset: i64 => "commitLogOffset",
        pub msg_id: Option<String> => "msgId",
        pub transaction_id: Option<String> => "transactionId",
        pub offset_msg_id: Option<String> => "offsetMsgId",
        /// Broker name (5.x).
        pub bname: Option<String> => "bname",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::header::round_trip;

    #[test]
    fn round_trips() {
        let ext = round_trip(&EndTransactionRequestHeader {
            topic: Some("T".into()),
            producer_group: "pg".into(),
            tran_state_table_offset: 3,
            commit_log_offset: 1024,
            commit_or_rollback: 8,
            from_transaction_check: Some(false),
            msg_id: "UNIQ".into(),
            transaction_id: Some("UNIQ".into()),
        });
        assert_eq!(ext.get("commitOrRollback").map(String::as_str), Some("8"));
        round_trip(&CheckTransactionStateRequestHeader {
            topic: Some("T".into()),
            tran_state_table_offset: 3,
            commit_log_offset: 1024,
            msg_id: Some("UNIQ".into()),
            transaction_id: Some("UNIQ".into()),
            offset_msg_id: Some("7F000001".into()),
            bname: Some("broker-a".into()),
        });
    }
}
