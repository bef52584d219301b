//! What a subscription selects (`MessageSelector`): tags, or a SQL92 expression over message
//! properties (brokers need `enablePropertyFilter=true`).

use crate::error::{ClientError, Result};
use crate::protocol::body::SubscriptionData;
use crate::protocol::java_hash_code;
use crate::protocol::sql::SqlExpression;

/// A subscription's filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageSelector {
    /// `*` or `TagA || TagB`.
    Tag(String),
    /// A SQL92 expression over properties, e.g. `a BETWEEN 0 AND 3`.
    Sql92(String),
}

impl MessageSelector {
    /// Selects by tag expression.
    pub fn by_tag(expression: impl Into<String>) -> Self {
        MessageSelector::Tag(expression.into())
    }

    /// Selects by SQL92 expression.
    pub fn by_sql(expression: impl Into<String>) -> Self {
        MessageSelector::Sql92(expression.into())
    }

    /// Checks a SQL92 expression compiles (tags always do).
    pub(crate) fn validate(&self) -> Result<()> {
        if let MessageSelector::Sql92(e) = self {
            SqlExpression::parse(e)
                .map_err(|err| ClientError::InvalidSubscription(err.to_string()))?;
        }
        Ok(())
    }

    /// The subscription as heartbeats carry it.
    pub(crate) fn subscription(&self, topic: &str, sub_version: i64) -> SubscriptionData {
        match self {
            MessageSelector::Tag(expression) => {
                let tags = super::expression_tags(expression);
                SubscriptionData {
                    topic: topic.to_string(),
                    sub_string: if tags.is_empty() {
                        "*".to_string()
                    } else {
                        expression.to_string()
                    },
                    code_set: tags.iter().map(|t| java_hash_code(t)).collect(),
                    tags_set: tags,
                    sub_version,
                    ..Default::default()
                }
            }
            MessageSelector::Sql92(expression) => SubscriptionData {
                topic: topic.to_string(),
                sub_string: expression.clone(),
                expression_type: "SQL92".to_string(),
                sub_version,
                ..Default::default()
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriptions_carry_the_expression_type() {
        let s = MessageSelector::by_tag("TagA || TagB").subscription("T", 1);
        assert_eq!(s.expression_type, "TAG");
        assert_eq!(s.tags_set.len(), 2);
        let s = MessageSelector::by_sql("a > 1").subscription("T", 1);
        assert_eq!(s.expression_type, "SQL92");
        assert!(s.tags_set.is_empty());
        assert!(MessageSelector::by_sql("a >").validate().is_err());
        assert!(MessageSelector::by_sql("a > 1").validate().is_ok());
    }
}
