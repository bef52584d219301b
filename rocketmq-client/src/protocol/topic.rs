//! System topic names and the per-group topic names derived from a consumer group, shared by
//! the broker (which creates and fills them) and the client (which subscribes and sends to them).

/// Template topic for auto-creation.
pub const AUTO_CREATE_TOPIC_KEY: &str = "TBW102";
/// Delayed messages wait here, one queue per delay level (queue id = level − 1).
pub const SCHEDULE_TOPIC: &str = "SCHEDULE_TOPIC_XXXX";
/// Messages with an arbitrary delivery time (5.x timer properties) wait here, queue 0.
pub const TIMER_TOPIC: &str = "rmq_sys_wheel_timer";
/// Half (prepared) transactional messages.
pub const TRANS_HALF_TOPIC: &str = "RMQ_SYS_TRANS_HALF_TOPIC";
/// Op records: which half messages were committed or rolled back.
pub const TRANS_OP_HALF_TOPIC: &str = "RMQ_SYS_TRANS_OP_HALF_TOPIC";
/// Half messages checked too often, kept for inspection.
pub const TRANS_CHECK_MAX_TIME_TOPIC: &str = "TRANS_CHECK_MAX_TIME_TOPIC";
/// Prefix of a group's retry topic.
pub const RETRY_GROUP_TOPIC_PREFIX: &str = "%RETRY%";
/// Prefix of a group's dead-letter topic.
pub const DLQ_GROUP_TOPIC_PREFIX: &str = "%DLQ%";
/// Suffix of a cluster's reply topic (`{cluster}_REPLY_TOPIC`).
pub const REPLY_TOPIC_SUFFIX: &str = "_REPLY_TOPIC";

/// The topics Apache's `TopicValidator` counts as system topics (a broker adds its cluster
/// and broker names at run time); see [`is_system_topic`].
pub const SYSTEM_TOPICS: &[&str] = &[
    AUTO_CREATE_TOPIC_KEY,
    SCHEDULE_TOPIC,
    "BenchmarkTest",
    TRANS_HALF_TOPIC,
    "RMQ_SYS_TRACE_TOPIC",
    TRANS_OP_HALF_TOPIC,
    TRANS_CHECK_MAX_TIME_TOPIC,
    "SELF_TEST_TOPIC",
    "OFFSET_MOVED_EVENT",
];

/// `TopicValidator.isSystemTopic`: one of [`SYSTEM_TOPICS`] or a `rmq_sys_` topic.
pub fn is_system_topic(topic: &str) -> bool {
    SYSTEM_TOPICS.contains(&topic) || topic.starts_with("rmq_sys_")
}

/// `%RETRY%{group}`.
pub fn retry_topic(group: &str) -> String {
    format!("{RETRY_GROUP_TOPIC_PREFIX}{group}")
}

/// `%DLQ%{group}`.
pub fn dlq_topic(group: &str) -> String {
    format!("{DLQ_GROUP_TOPIC_PREFIX}{group}")
}

/// `{cluster}_REPLY_TOPIC`.
pub fn reply_topic(cluster: &str) -> String {
    format!("{cluster}{REPLY_TOPIC_SUFFIX}")
}

/// Whether a topic is a group's retry topic.
pub fn is_retry_topic(topic: &str) -> bool {
    topic.starts_with(RETRY_GROUP_TOPIC_PREFIX)
}

/// Why a topic name is not legal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TopicNameError {
    /// Empty or only whitespace.
    #[error("The specified topic is blank.")]
    Blank,
    /// Longer than the limit it carries.
    #[error("The specified topic is longer than topic max length {0}.")]
    TooLong(usize),
    /// A character outside `[%|a-zA-Z0-9_-]`.
    #[error(
        "The specified topic[{0}] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$"
    )]
    IllegalCharacters(String),
}

/// Apache's topic rule, for broker and client alike: `^[%|a-zA-Z0-9_-]+$`, at most 127
/// characters, 255 for a group's retry and dead-letter topics (their names carry the group,
/// which may itself be that long). The remarks are Apache's.
pub fn validate_topic_name(topic: &str) -> Result<(), TopicNameError> {
    if topic.trim().is_empty() {
        return Err(TopicNameError::Blank);
    }
    let max = if topic.starts_with(RETRY_GROUP_TOPIC_PREFIX)
        || topic.starts_with(DLQ_GROUP_TOPIC_PREFIX)
    {
        255
    } else {
        127
    };
    if topic.len() > max {
        return Err(TopicNameError::TooLong(max));
    }
    if !topic
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'%' | b'|' | b'_' | b'-'))
    {
        return Err(TopicNameError::IllegalCharacters(topic.to_string()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_names_match_apache() {
        assert_eq!(retry_topic("g"), "%RETRY%g");
        assert_eq!(dlq_topic("g"), "%DLQ%g");
        assert_eq!(reply_topic("DefaultCluster"), "DefaultCluster_REPLY_TOPIC");
        assert!(is_retry_topic("%RETRY%g") && !is_retry_topic("g"));
    }

    #[test]
    fn topic_names_follow_apaches_rule() {
        assert_eq!(validate_topic_name("TopicTest_1-a|b%c"), Ok(()));
        assert_eq!(validate_topic_name(" "), Err(TopicNameError::Blank));
        assert_eq!(
            validate_topic_name(&"t".repeat(128)),
            Err(TopicNameError::TooLong(127))
        );
        assert_eq!(
            validate_topic_name(&format!("%RETRY%{}", "g".repeat(200))),
            Ok(())
        );
        assert_eq!(
            validate_topic_name(&format!("%DLQ%{}", "g".repeat(251))),
            Err(TopicNameError::TooLong(255))
        );
        let bad = validate_topic_name("a.b").unwrap_err();
        assert_eq!(
            bad.to_string(),
            "The specified topic[a.b] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$"
        );
    }
}
