//! Broker queries every consumer kind (and the admin client) needs: who is in a group, a
//! group's committed offset, and where a queue starts at a given time.

use std::time::Duration;

use crate::error::{ClientError, Result};
use crate::protocol::body::{
    ConsumeFromWhere, ConsumerListBody, JsonBody, MessageQueue, TopicRouteData,
};
use crate::protocol::header::{
    ConsumerGroupHeader, OffsetResponseHeader, QueryConsumerOffsetRequestHeader, QueueHeader,
    SearchOffsetRequestHeader,
};
use crate::protocol::{RemotingCommand, RequestCode, ResponseCode};
use crate::remoting::RemotingClient;

const RPC_TIMEOUT: Duration = Duration::from_secs(3);

/// The group's client ids, sorted, from a broker of the topic.
pub(crate) async fn group_members(
    client: &RemotingClient,
    route: &TopicRouteData,
    group: &str,
) -> Result<Vec<String>> {
    let addr = route
        .broker_datas
        .iter()
        .find_map(|b| {
            b.master_addr()
                .or_else(|| b.broker_addrs.values().next().map(String::as_str))
        })
        .ok_or_else(|| ClientError::NoRoute {
            topic: "consumer list".into(),
        })?
        .to_string();
    let req = RemotingCommand::request_with(
        RequestCode::GetConsumerListByGroup,
        &ConsumerGroupHeader {
            consumer_group: group.to_string(),
        },
    );
    let resp = checked(&addr, client.invoke(&addr, req, RPC_TIMEOUT).await?)?;
    let mut ids = ConsumerListBody::decode(&resp.body)
        .map_err(|e| ClientError::body(&addr, e))?
        .consumer_id_list;
    ids.sort();
    Ok(ids)
}

/// Where a queue with no stored offset starts: 0 for first/min, the offset at
/// `timestamp` (default half an hour ago) for timestamp, else the end. Retry queues always
/// start at 0, as in Java.
pub(crate) async fn initial_offset(
    client: &RemotingClient,
    addr: &str,
    mq: &MessageQueue,
    from: ConsumeFromWhere,
    timestamp: Option<i64>,
) -> Result<i64> {
    if crate::protocol::topic::is_retry_topic(&mq.topic) {
        return Ok(0);
    }
    match from {
        ConsumeFromWhere::FirstOffset | ConsumeFromWhere::MinOffset => Ok(0),
        ConsumeFromWhere::Timestamp => {
            let at = timestamp.unwrap_or_else(|| crate::protocol::now_millis() - 30 * 60 * 1000);
            offset_at(client, addr, mq, at).await
        }
        _ => offset_at(client, addr, mq, -1).await,
    }
}

/// The offset of the first message stored at or after `timestamp` (ms) in a queue; −1 for
/// the queue's end.
pub(crate) async fn offset_at(
    client: &RemotingClient,
    addr: &str,
    mq: &MessageQueue,
    timestamp: i64,
) -> Result<i64> {
    let req = if timestamp == -1 {
        RemotingCommand::request_with(
            RequestCode::GetMaxOffset,
            &QueueHeader {
                topic: mq.topic.clone(),
                queue_id: mq.queue_id,
            },
        )
    } else {
        RemotingCommand::request_with(
            RequestCode::SearchOffsetByTimestamp,
            &SearchOffsetRequestHeader {
                topic: mq.topic.clone(),
                queue_id: mq.queue_id,
                timestamp,
                boundary_type: None,
            },
        )
    };
    let resp = checked(addr, client.invoke(addr, req, RPC_TIMEOUT).await?)?;
    Ok(resp
        .decode_header::<OffsetResponseHeader>()
        .map_err(|e| ClientError::header(addr, e))?
        .offset)
}

/// A group's committed offset of a queue on its broker; `None` if it has none. Unless
/// `zero_if_young`, a group without an offset gets `None` even on a young queue, where a broker
/// would otherwise answer 0 and consume-from-first/timestamp would be ignored (Java's client has
/// that surprise).
pub(crate) async fn committed_offset(
    client: &RemotingClient,
    addr: &str,
    group: &str,
    mq: &MessageQueue,
    zero_if_young: bool,
) -> Result<Option<i64>> {
    let header = QueryConsumerOffsetRequestHeader {
        consumer_group: group.to_string(),
        topic: mq.topic.clone(),
        queue_id: mq.queue_id,
        set_zero_if_not_found: (!zero_if_young).then_some(false),
    };
    let req = RemotingCommand::request_with(RequestCode::QueryConsumerOffset, &header);
    let resp = client.invoke(addr, req, RPC_TIMEOUT).await?;
    if resp.response_code() == ResponseCode::QueryNotFound {
        return Ok(None);
    }
    let resp = checked(addr, resp)?;
    Ok(Some(
        resp.decode_header::<OffsetResponseHeader>()
            .map_err(|e| ClientError::header(addr, e))?
            .offset,
    ))
}

/// The response if it is SUCCESS, else the broker's error.
fn checked(addr: &str, resp: RemotingCommand) -> Result<RemotingCommand> {
    if resp.response_code() == ResponseCode::Success {
        return Ok(resp);
    }
    Err(ClientError::Remote {
        addr: addr.to_string(),
        code: resp.response_code(),
        remark: resp.remark.unwrap_or_default(),
    })
}
