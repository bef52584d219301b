//! `printMsg` (every queue of a topic), `printMsgByQueue` (one queue) and `consumeMessage`
//! (a number of messages from a queue or across the topic), as Apache's tool prints them:
//! each message as `MSGID: <id> <MessageExt [...]> BODY: <body>`.
//!
//! The messages are read with admin requests, not a consumer (no group is registered): a
//! queue's entries (QUERY_CONSUME_QUEUE) and each message at its commit-log offset
//! (VIEW_MESSAGE_BY_ID); the subscription's tags and the time range are applied here.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use clap::Args;
use rocketmq_client::admin::Admin;
use rocketmq_client::protocol::body::MessageQueue;
use rocketmq_client::protocol::message::MessageExt;

use crate::groups::parse_time;

#[derive(Args)]
pub(crate) struct PrintMsg {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// Only UTF-8 is read here.
    #[arg(short = 'c', long = "charsetName", default_value = "UTF-8")]
    charset: String,
    #[arg(short = 's', long = "subExpression", default_value = "*")]
    sub: String,
    /// `currentTimeMillis` or `yyyy-MM-dd#HH:mm:ss:SSS`.
    #[arg(short = 'b', long = "beginTimestamp")]
    begin: Option<String>,
    #[arg(short = 'e', long = "endTimestamp")]
    end: Option<String>,
    #[arg(short = 'd', long = "printBody", default_value_t = true, action = clap::ArgAction::Set)]
    print_body: bool,
}

#[derive(Args)]
pub(crate) struct PrintMsgByQueue {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    #[arg(short = 't', long = "topic")]
    topic: String,
    #[arg(short = 'a', long = "brokerName")]
    broker_name: String,
    #[arg(short = 'i', long = "queueId")]
    queue_id: i32,
    #[arg(short = 'c', long = "charsetName", default_value = "UTF-8")]
    charset: String,
    #[arg(short = 's', long = "subExpression", default_value = "*")]
    sub: String,
    #[arg(short = 'b', long = "beginTimestamp")]
    begin: Option<String>,
    #[arg(short = 'e', long = "endTimestamp")]
    end: Option<String>,
    /// Print the messages.
    #[arg(short = 'p', long = "printMsg", default_value_t = false, action = clap::ArgAction::Set)]
    print_msg: bool,
    #[arg(short = 'd', long = "printBody", default_value_t = false, action = clap::ArgAction::Set)]
    print_body: bool,
    /// Count the messages by tag.
    #[arg(short = 'f', long = "calculate", default_value_t = false, action = clap::ArgAction::Set)]
    calculate: bool,
}

/// What to read from a queue.
struct Filter {
    tags: Option<Vec<String>>,
    begin: i64,
    end: i64,
}

impl Filter {
    fn new(
        sub: &str,
        begin: &Option<String>,
        end: &Option<String>,
        charset: &str,
    ) -> anyhow::Result<Self> {
        if !charset.eq_ignore_ascii_case("UTF-8") && !charset.eq_ignore_ascii_case("UTF8") {
            bail!("charset {charset} is not supported here: bodies are read as UTF-8");
        }
        let tags: Vec<String> = sub
            .split("||")
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect();
        Ok(Filter {
            tags: (!tags.is_empty() && !tags.iter().any(|t| t == "*")).then_some(tags),
            begin: begin.as_deref().map(parse_time).transpose()?.unwrap_or(0),
            end: end
                .as_deref()
                .map(parse_time)
                .transpose()?
                .unwrap_or(i64::MAX),
        })
    }

    fn keeps(&self, m: &MessageExt) -> bool {
        let tag_ok = match &self.tags {
            None => true,
            Some(tags) => m
                .message
                .tags()
                .is_some_and(|t| tags.iter().any(|x| x == t)),
        };
        tag_ok && (self.begin..=self.end).contains(&m.store_timestamp)
    }
}

/// Every message of a queue the filter keeps, oldest first, with the queue's range.
async fn read_queue(
    admin: &Admin,
    addr: &str,
    mq: &MessageQueue,
    filter: &Filter,
) -> anyhow::Result<(i64, i64, Vec<MessageExt>)> {
    let (min, max) = queue_range(admin, addr, mq).await?;
    let msgs = read_range(admin, addr, mq, filter, min, max).await?;
    Ok((min, max, msgs))
}

/// A queue's first and end offsets ((0, 0) for a queue nothing was sent to yet).
async fn queue_range(admin: &Admin, addr: &str, mq: &MessageQueue) -> anyhow::Result<(i64, i64)> {
    Ok(admin.queue_range(addr, mq).await?)
}

/// The messages at offsets `[from, to)` of a queue that the filter keeps.
async fn read_range(
    admin: &Admin,
    addr: &str,
    mq: &MessageQueue,
    filter: &Filter,
    from: i64,
    to: i64,
) -> anyhow::Result<Vec<MessageExt>> {
    let mut msgs = admin.read_queue(addr, mq, from, to).await?;
    msgs.retain(|m| filter.keeps(m));
    Ok(msgs)
}

/// Java's `MessageExt.toString()`.
fn describe(m: &MessageExt, broker_name: &str) -> String {
    let mut props: Vec<(&String, &String)> = m.message.properties.iter().collect();
    props.sort();
    let props = props
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ");
    let body = m
        .message
        .body
        .iter()
        .map(|b| (*b as i8).to_string())
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "MessageExt [brokerName={broker_name}, queueId={}, storeSize={}, queueOffset={}, sysFlag={}, bornTimestamp={}, bornHost=/{}, storeTimestamp={}, storeHost=/{}, msgId={}, commitLogOffset={}, bodyCRC={}, reconsumeTimes={}, preparedTransactionOffset={}, toString()=Message{{topic='{}', flag={}, properties={{{props}}}, body=[{body}], transactionId='null'}}]",
        m.queue_id,
        m.store_size,
        m.queue_offset,
        m.sys_flag,
        m.born_timestamp,
        m.born_host,
        m.store_timestamp,
        m.store_host,
        m.offset_msg_id(),
        m.commit_log_offset,
        m.body_crc as i32,
        m.reconsume_times,
        m.prepared_transaction_offset,
        m.message.topic,
        m.message.flag,
    )
}

fn print_messages(msgs: &[MessageExt], broker_name: &str, print_body: bool) {
    for m in msgs {
        let body = if print_body {
            String::from_utf8_lossy(&m.message.body).into_owned()
        } else {
            "NOT PRINT BODY".into()
        };
        println!(
            "MSGID: {} {} BODY: {body}",
            m.msg_id(),
            describe(m, broker_name)
        );
    }
}

/// Java's `MessageQueue.toString()`.
fn queue_name(mq: &MessageQueue) -> String {
    format!(
        "MessageQueue [topic={}, brokerName={}, queueId={}]",
        mq.topic, mq.broker_name, mq.queue_id
    )
}

#[derive(Args)]
pub(crate) struct ConsumeMessage {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    #[arg(short = 't', long = "topic")]
    topic: String,
    #[arg(short = 'b', long = "brokerName")]
    broker_name: Option<String>,
    #[arg(short = 'i', long = "queueId")]
    queue_id: Option<i32>,
    #[arg(short = 'o', long = "offset")]
    offset: Option<i64>,
    /// Accepted for Apache's scripts: messages are read without a consumer group here.
    #[arg(short = 'g', long = "consumerGroup")]
    group: Option<String>,
    #[arg(short = 's', long = "beginTimestamp")]
    begin: Option<String>,
    #[arg(short = 'e', long = "endTimestamp")]
    end: Option<String>,
    #[arg(short = 'c', long = "MessageNumber", default_value_t = 128)]
    count: i64,
}

/// `consumeMessage`: up to `-c` messages, from one queue (`-b -i`, from `-o`) or across the
/// topic's queues, each batch announced `Consume ok` as Apache's tool does.
pub(crate) async fn consume(args: ConsumeMessage) -> anyhow::Result<()> {
    if args.count <= 0 {
        bail!("Please input a positive messageNumber!");
    }
    if args.queue_id.is_some() && args.broker_name.is_none() {
        bail!("Please set the brokerName before queueId!");
    }
    if args.offset.is_some() && args.queue_id.is_none() {
        bail!("Please set queueId before offset!");
    }
    let filter = Filter::new("*", &args.begin, &args.end, "UTF-8")?;
    if filter.begin > filter.end {
        bail!("Please make sure that the beginTimestamp is less than or equal to the endTimestamp");
    }
    let admin = Admin::connect(args.namesrv.as_deref())?;
    let route = admin.topic_route(&args.topic).await?;
    let queues: Vec<MessageQueue> = match (&args.broker_name, args.queue_id) {
        (Some(b), Some(q)) => vec![MessageQueue::new(&args.topic, b, q)],
        (Some(b), None) => rocketmq_client::route::subscribe_queues(&args.topic, &route)
            .into_iter()
            .filter(|mq| &mq.broker_name == b)
            .collect(),
        _ => rocketmq_client::route::subscribe_queues(&args.topic, &route),
    };
    let mut left = args.count;
    for mq in queues {
        if left == 0 {
            break;
        }
        let Some(addr) = rocketmq_client::route::read_addr(&route, &mq.broker_name) else {
            continue;
        };
        let (min, max) = queue_range(&admin, &addr, &mq).await?;
        let from = args.offset.map_or(min, |o| o.clamp(min, max));
        let mut to = max;
        if to - from > left {
            println!(
                "The older {left} message of the {} queue will be provided",
                mq.queue_id
            );
            to = from + left;
        }
        left -= to - from;
        let msgs = read_range(&admin, &addr, &mq, &filter, from, to).await?;
        if !msgs.is_empty() {
            println!("Consume ok");
            print_messages(&msgs, &mq.broker_name, true);
        }
        println!(
            "{} print msg finished. status=NO_NEW_MSG, offset={to}",
            queue_name(&mq)
        );
    }
    Ok(())
}

pub(crate) async fn print_msg(args: PrintMsg) -> anyhow::Result<()> {
    let admin = Admin::connect(args.namesrv.as_deref())?;
    let filter = Filter::new(&args.sub, &args.begin, &args.end, &args.charset)?;
    let route = admin.topic_route(&args.topic).await?;
    for mq in rocketmq_client::route::subscribe_queues(&args.topic, &route) {
        let Some(addr) = rocketmq_client::route::read_addr(&route, &mq.broker_name) else {
            continue;
        };
        let (min, max, msgs) = read_queue(&admin, &addr, &mq, &filter).await?;
        println!("minOffset={min}, maxOffset={max}, {}", queue_name(&mq));
        print_messages(&msgs, &mq.broker_name, args.print_body);
        println!(
            "{} print msg finished. status=NO_NEW_MSG, offset={max}",
            queue_name(&mq)
        );
    }
    println!("--------------------------------------------------------");
    Ok(())
}

pub(crate) async fn print_msg_by_queue(args: PrintMsgByQueue) -> anyhow::Result<()> {
    let admin = Admin::connect(args.namesrv.as_deref())?;
    let filter = Filter::new(&args.sub, &args.begin, &args.end, &args.charset)?;
    let route = admin.topic_route(&args.topic).await?;
    let addr = rocketmq_client::route::read_addr(&route, &args.broker_name)
        .with_context(|| format!("broker {} does not serve {}", args.broker_name, args.topic))?;
    let mq = MessageQueue::new(&args.topic, &args.broker_name, args.queue_id);
    let (_, _, msgs) = read_queue(&admin, &addr, &mq, &filter).await?;
    if args.calculate {
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for m in &msgs {
            *counts
                .entry(m.message.tags().unwrap_or("").to_string())
                .or_default() += 1;
        }
        let mut counts: Vec<(String, u64)> = counts.into_iter().collect();
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        for (tag, n) in counts {
            println!("Tag: {tag:<30} Count: {n}");
        }
    }
    if args.print_msg {
        print_messages(&msgs, &args.broker_name, args.print_body);
    }
    Ok(())
}
