//! Request and response codes.
//!
//! Apache adds codes over time, so both enums carry an `Other(i32)` fallback: a code we do not know
//! still round-trips, and the dispatcher answers it with `REQUEST_CODE_NOT_SUPPORTED`.

macro_rules! codes {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $value:literal,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vm])* #[doc = concat!("\n\nCode ", stringify!($value), ".")] $variant,)*
            /// A code this crate has no name for.
            Other(i32),
        }

        impl From<i32> for $name {
            fn from(code: i32) -> Self {
                match code {
                    $($value => $name::$variant,)*
                    other => $name::Other(other),
                }
            }
        }

        impl From<$name> for i32 {
            fn from(code: $name) -> i32 {
                match code {
                    $($name::$variant => $value,)*
                    $name::Other(other) => other,
                }
            }
        }
    };
}

codes! {
    /// Request codes (`RequestCode.java`).
    RequestCode {
        SendMessage = 10,
        PullMessage = 11,
        QueryMessage = 12,
        QueryConsumerOffset = 14,
        UpdateConsumerOffset = 15,
        UpdateAndCreateTopic = 17,
        GetAllTopicConfig = 21,
        UpdateBrokerConfig = 25,
        GetBrokerConfig = 26,
        GetBrokerRuntimeInfo = 28,
        SearchOffsetByTimestamp = 29,
        GetMaxOffset = 30,
        GetMinOffset = 31,
        GetEarliestMsgStoreTime = 32,
        ViewMessageById = 33,
        HeartBeat = 34,
        UnregisterClient = 35,
        ConsumerSendMsgBack = 36,
        EndTransaction = 37,
        GetConsumerListByGroup = 38,
        CheckTransactionState = 39,
        NotifyConsumerIdsChanged = 40,
        LockBatchMq = 41,
        UnlockBatchMq = 42,
        GetAllConsumerOffset = 43,
        GetAllDelayOffset = 45,
        CheckClientConfig = 46,
        PutKvConfig = 100,
        GetKvConfig = 101,
        DeleteKvConfig = 102,
        RegisterBroker = 103,
        UnregisterBroker = 104,
        GetRouteInfoByTopic = 105,
        GetBrokerClusterInfo = 106,
        UpdateAndCreateSubscriptionGroup = 200,
        GetAllSubscriptionGroupConfig = 201,
        GetTopicStatsInfo = 202,
        GetConsumerConnectionList = 203,
        GetProducerConnectionList = 204,
        WipeWritePermOfBroker = 205,
        GetAllTopicListFromNameServer = 206,
        DeleteSubscriptionGroup = 207,
        GetConsumeStats = 208,
        DeleteTopicInBroker = 215,
        DeleteTopicInNamesrv = 216,
        RegisterTopicInNamesrv = 217,
        GetKvListByNamespace = 219,
        ResetConsumerClientOffset = 220,
        GetConsumerStatusFromClient = 221,
        InvokeBrokerToResetOffset = 222,
        InvokeBrokerToGetConsumerStatus = 223,
        GetTopicsByCluster = 224,
        QueryTopicConsumeByWho = 300,
        QueryConsumeTimeSpan = 303,
        GetSystemTopicListFromNs = 304,
        GetSystemTopicListFromBroker = 305,
        CleanExpiredConsumeQueue = 306,
        GetConsumerRunningInfo = 307,
        ConsumeMessageDirectly = 309,
        SendMessageV2 = 310,
        CloneGroupOffset = 314,
        ViewBrokerStatsData = 315,
        CleanUnusedTopic = 316,
        GetBrokerConsumeStats = 317,
        UpdateNamesrvConfig = 318,
        GetNamesrvConfig = 319,
        SendBatchMessage = 320,
        QueryConsumeQueue = 321,
        QueryDataVersion = 322,
        SendReplyMessage = 324,
        SendReplyMessageV2 = 325,
        PushReplyMessageToClient = 326,
        AddWritePermOfBroker = 327,
        GetTopicConfig = 351,
        GetSubscriptionGroupConfig = 352,
        LitePullMessage = 361,
        BrokerHeartbeat = 904,
        GetBrokerHaStatus = 907,
    }
}

codes! {
    /// Response codes (`ResponseCode.java`, `RemotingSysResponseCode.java`).
    ResponseCode {
        Success = 0,
        SystemError = 1,
        SystemBusy = 2,
        RequestCodeNotSupported = 3,
        TransactionFailed = 4,
        FlushDiskTimeout = 10,
        SlaveNotAvailable = 11,
        FlushSlaveTimeout = 12,
        MessageIllegal = 13,
        ServiceNotAvailable = 14,
        VersionNotSupported = 15,
        NoPermission = 16,
        TopicNotExist = 17,
        TopicExistAlready = 18,
        PullNotFound = 19,
        PullRetryImmediately = 20,
        PullOffsetMoved = 21,
        QueryNotFound = 22,
        SubscriptionParseFailed = 23,
        SubscriptionNotExist = 24,
        SubscriptionNotLatest = 25,
        SubscriptionGroupNotExist = 26,
        FilterDataNotExist = 27,
        FilterDataNotLatest = 28,
        InvalidParameter = 29,
        TransactionShouldCommit = 200,
        TransactionShouldRollback = 201,
        TransactionStateUnknow = 202,
        TransactionStateGroupWrong = 203,
        ConsumerNotOnline = 206,
        ConsumeMsgTimeout = 207,
        NoMessage = 208,
        BrokerNotExist = 211,
        FlowControl = 215,
        IllegalOperation = 604,
        GoAway = 1500,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_codes_round_trip() {
        assert_eq!(RequestCode::from(310), RequestCode::SendMessageV2);
        assert_eq!(i32::from(RequestCode::PullMessage), 11);
        assert_eq!(RequestCode::from(99999), RequestCode::Other(99999));
        assert_eq!(i32::from(RequestCode::Other(99999)), 99999);
        assert_eq!(ResponseCode::from(21), ResponseCode::PullOffsetMoved);
        assert_eq!(i32::from(ResponseCode::GoAway), 1500);
    }
}
