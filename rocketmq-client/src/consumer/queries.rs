//! Broker queries every consumer kind needs: who is in my group, and where a queue without
//! stored progress starts.

use std::time::Duration;

use crate::error::{ClientError, Result};
use crate::protocol::body::{
    ConsumeFromWhere, ConsumerListBody, JsonBody, MessageQueue, TopicRouteData,
};
use crate::protocol::header::{
    ConsumerGroupHeader, OffsetResponseHeader, QueueHeader, SearchOffsetRequestHeader,
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
    if mq.topic.starts_with("%RETRY%") {
        return Ok(0);
    }
    let req = match from {
        ConsumeFromWhere::FirstOffset | ConsumeFromWhere::MinOffset => return Ok(0),
        ConsumeFromWhere::Timestamp => RemotingCommand::request_with(
            RequestCode::SearchOffsetByTimestamp,
            &SearchOffsetRequestHeader {
                topic: mq.topic.clone(),
                queue_id: mq.queue_id,
                timestamp: timestamp
                    .unwrap_or_else(|| crate::protocol::now_millis() - 30 * 60 * 1000),
                boundary_type: None,
            },
        ),
        _ => RemotingCommand::request_with(
            RequestCode::GetMaxOffset,
            &QueueHeader {
                topic: mq.topic.clone(),
                queue_id: mq.queue_id,
            },
        ),
    };
    let resp = checked(addr, client.invoke(addr, req, RPC_TIMEOUT).await?)?;
    Ok(resp
        .decode_header::<OffsetResponseHeader>()
        .map_err(|e| ClientError::header(addr, e))?
        .offset)
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
