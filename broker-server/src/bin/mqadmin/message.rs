//! Message lookups as Apache's tool prints them: `queryMsgById`, `queryMsgByUniqueKey`
//! (a message with who consumed it) and `queryMsgByKey` (a list).
//!
//! Like Apache's, a printed message's body goes to a file, `rocketmq/msgbodys/<msgId>` under
//! the temp dir (`TMPDIR`, `/tmp` by default), and the file's path is printed.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use clap::Args;
use rocketmq_client::admin::Admin;
use rocketmq_client::protocol::body::MessageQueue;
use rocketmq_client::protocol::message::MessageExt;
use rocketmq_client::protocol::time::format_utc;
use rocketmq_client::{Message, Producer};

use crate::args::namesrv_or_env;

#[derive(Args)]
pub(crate) struct QueryMsgById {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    /// Offset message ids, comma-separated.
    #[arg(short = 'i', long = "msgId")]
    ids: String,
}

#[derive(Args)]
pub(crate) struct QueryMsgByUniqueKey {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    /// The message id a producer's send returned (its unique key).
    #[arg(short = 'i', long = "msgId")]
    id: String,
    #[arg(short = 't', long = "topic")]
    topic: String,
}

#[derive(Args)]
pub(crate) struct QueryMsgByOffset {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    #[arg(short = 't', long = "topic")]
    topic: String,
    #[arg(short = 'b', long = "brokerName")]
    broker_name: String,
    #[arg(short = 'i', long = "queueId")]
    queue_id: i32,
    #[arg(short = 'o', long = "offset")]
    offset: i64,
}

#[derive(Args)]
pub(crate) struct SendMessage {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    #[arg(short = 't', long = "topic")]
    topic: String,
    /// The body, as UTF-8 text.
    #[arg(short = 'p', long = "body")]
    body: String,
    #[arg(short = 'k', long = "key")]
    keys: Option<String>,
    #[arg(short = 'c', long = "tags")]
    tags: Option<String>,
    /// Send to this broker name's queue `-i`.
    #[arg(short = 'b', long = "broker")]
    broker: Option<String>,
    #[arg(short = 'i', long = "qid")]
    queue: Option<i32>,
}

#[derive(Args)]
pub(crate) struct CheckMsgSendRt {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    #[arg(short = 't', long = "topic")]
    topic: String,
    #[arg(short = 'a', long = "amount", default_value_t = 100)]
    amount: u64,
    #[arg(short = 's', long = "size", default_value_t = 128)]
    size: usize,
}

#[derive(Args)]
pub(crate) struct QueryMsgByKey {
    #[arg(short = 'n', long = "namesrvAddr")]
    namesrv: Option<String>,
    #[arg(short = 't', long = "topic")]
    topic: String,
    #[arg(short = 'k', long = "msgKey")]
    key: String,
    /// Earliest store time (ms since the epoch).
    #[arg(short = 'b', long = "beginTimestamp", default_value_t = 0)]
    begin: i64,
    /// Latest store time (ms since the epoch).
    #[arg(short = 'e', long = "endTimestamp", default_value_t = i64::MAX)]
    end: i64,
    #[arg(short = 'c', long = "maxNum", default_value_t = 64)]
    max: usize,
}

pub(crate) async fn by_id(args: QueryMsgById) -> anyhow::Result<()> {
    let admin = Admin::connect(args.namesrv.as_deref())?;
    for id in args.ids.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let msg = admin.view_message(id).await?;
        print_message(&admin, &msg).await?;
    }
    Ok(())
}

pub(crate) async fn by_unique_key(args: QueryMsgByUniqueKey) -> anyhow::Result<()> {
    let admin = Admin::connect(args.namesrv.as_deref())?;
    match admin
        .query_message_by_unique_key(&args.topic, args.id.trim())
        .await?
    {
        Some(msg) => print_message(&admin, &msg).await,
        None => bail!(
            "no message with unique key {} in topic {}",
            args.id,
            args.topic
        ),
    }
}

pub(crate) async fn by_key(args: QueryMsgByKey) -> anyhow::Result<()> {
    let admin = Admin::connect(args.namesrv.as_deref())?;
    let found = admin
        .query_message(&args.topic, &args.key, args.max, args.begin, args.end)
        .await?;
    println!("{:<50} {:>4} {:>40}", "#Message ID", "#QID", "#Offset");
    for m in found {
        println!(
            "{:<50} {:>4} {:>40}",
            m.offset_msg_id(),
            m.queue_id,
            m.queue_offset
        );
    }
    Ok(())
}

/// The message at a queue offset: its consume-queue entry gives its commit-log offset, which
/// the broker then reads (as a pull of one message from that offset would).
pub(crate) async fn by_offset(args: QueryMsgByOffset) -> anyhow::Result<()> {
    let admin = Admin::connect(args.namesrv.as_deref())?;
    let route = admin.topic_route(&args.topic).await?;
    let addr = route
        .broker_datas
        .iter()
        .find(|b| b.broker_name == args.broker_name)
        .and_then(|b| {
            b.broker_addrs
                .get(&0)
                .or_else(|| b.broker_addrs.values().next())
        })
        .cloned()
        .with_context(|| format!("broker {} does not serve {}", args.broker_name, args.topic))?;
    let cq = admin
        .query_consume_queue(&addr, &args.topic, args.queue_id, args.offset, 1, None)
        .await?;
    let Some(entry) = cq.queue_data.first() else {
        bail!(
            "no message at offset {} of {}@{} (the queue holds {}..{})",
            args.offset,
            args.queue_id,
            args.topic,
            cq.min_queue_index,
            cq.max_queue_index
        );
    };
    let addr: std::net::SocketAddr = addr
        .parse()
        .with_context(|| format!("broker address {addr}"))?;
    let id = rocketmq_client::protocol::message::offset_msg_id(&addr, entry.physic_offset);
    let msg = admin.view_message(&id).await?;
    print_message(&admin, &msg).await
}

pub(crate) async fn send(args: SendMessage) -> anyhow::Result<()> {
    if args.queue.is_some() && args.broker.is_none() {
        bail!("Broker name must be set if the queue is chosen!");
    }
    let producer = Producer::builder("PID_SMSC")
        .namesrv_addr(namesrv_or_env(&args.namesrv)?)
        .start()
        .await?;
    let mut msg = Message::new(&args.topic, args.body.clone());
    if let Some(tags) = &args.tags {
        msg = msg.with_tags(tags.trim());
    }
    if let Some(keys) = &args.keys {
        msg = msg.with_keys(keys.trim());
    }
    let sent = match (&args.broker, args.queue) {
        (Some(b), Some(q)) => {
            producer
                .send_to_queue(msg, &MessageQueue::new(&args.topic, b.trim(), q))
                .await
        }
        _ => producer.send(msg).await,
    };
    producer.shutdown().await;
    let sent = sent?;
    println!(
        "{:<32}  {:<4}  {:<20}    #MsgId",
        "#Broker Name", "#QID", "#Send Result"
    );
    println!(
        "{:<32}  {:<4}  {:<20}    {}",
        sent.message_queue.broker_name,
        sent.message_queue.queue_id,
        sent.status.name(),
        sent.msg_id
    );
    Ok(())
}

/// `checkMsgSendRT`: `amount` sends of `size` bytes round the topic's queues, each with its
/// time; the average leaves out the first (connection set-up).
pub(crate) async fn check_send_rt(args: CheckMsgSendRt) -> anyhow::Result<()> {
    let producer = Producer::builder("PID_SMSC")
        .namesrv_addr(namesrv_or_env(&args.namesrv)?)
        .start()
        .await?;
    let admin = Admin::connect(args.namesrv.as_deref())?;
    let route = admin.topic_route(&args.topic).await?;
    let queues = rocketmq_client::route::publish_queues(&args.topic, &route, None);
    if queues.is_empty() {
        bail!("topic {} has no writable queue", args.topic);
    }
    let body = "a".repeat(args.size);
    println!(
        "{:<32}  {:<4}  {:<20}    #RT",
        "#Broker Name", "#QID", "#Send Result"
    );
    let mut total = 0u128;
    for i in 0..args.amount {
        let mq = &queues[i as usize % queues.len()];
        let started = std::time::Instant::now();
        let ok = producer
            .send_to_queue(Message::new(&args.topic, body.clone()), mq)
            .await
            .is_ok();
        let ms = started.elapsed().as_millis();
        if i != 0 {
            total += ms;
        }
        println!(
            "{:<32}  {:<4}  {:<20}    {ms}",
            mq.broker_name, mq.queue_id, ok
        );
    }
    producer.shutdown().await;
    let avg = total as f64 / args.amount.saturating_sub(1).max(1) as f64;
    println!("Avg RT: {avg:.2}");
    Ok(())
}

/// Apache's `printMsg`: the message's fields, its body file, and for each group consuming the
/// topic whether it consumed it.
async fn print_message(admin: &Admin, msg: &MessageExt) -> anyhow::Result<()> {
    let id = msg.offset_msg_id();
    let body_path = write_body(&msg.msg_id(), &msg.message.body)?;
    let props: BTreeMap<&String, &String> = msg.message.properties.iter().collect();
    let props = props
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ");
    let text = |v: Option<&str>| v.unwrap_or("null").to_string();
    let rows: [(&str, String); 15] = [
        ("OffsetID:", id),
        ("Topic:", msg.message.topic.clone()),
        ("Tags:", format!("[{}]", text(msg.message.tags()))),
        ("Keys:", format!("[{}]", text(msg.message.keys()))),
        ("Queue ID:", msg.queue_id.to_string()),
        ("Queue Offset:", msg.queue_offset.to_string()),
        ("CommitLog Offset:", msg.commit_log_offset.to_string()),
        ("Reconsume Times:", msg.reconsume_times.to_string()),
        ("Born Timestamp:", format_utc(msg.born_timestamp)),
        ("Store Timestamp:", format_utc(msg.store_timestamp)),
        ("Born Host:", msg.born_host.to_string()),
        ("Store Host:", msg.store_host.to_string()),
        ("System Flag:", msg.sys_flag.to_string()),
        ("Properties:", format!("{{{props}}}")),
        ("Message Body Path:", body_path),
    ];
    for (label, value) in rows {
        println!("{label:<20} {value}");
    }
    let tracks = admin
        .message_tracks(msg)
        .await
        .with_context(|| format!("who consumes {}", msg.message.topic))?;
    if tracks.is_empty() {
        print!("\n\nWARN: No Consumer");
    } else {
        print!("\n\n");
        for t in tracks {
            print!(
                "MessageTrack [consumerGroup={}, trackType={}, exceptionDesc={}]",
                t.consumer_group, t.track_type, t.exception_desc
            );
        }
    }
    println!();
    Ok(())
}

fn write_body(id: &str, body: &[u8]) -> anyhow::Result<String> {
    let dir = std::env::temp_dir().join("rocketmq").join("msgbodys");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(id);
    std::fs::write(&path, body).with_context(|| format!("writing {}", path.display()))?;
    Ok(path.display().to_string())
}
