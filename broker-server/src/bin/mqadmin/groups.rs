//! Consumer- and producer-group commands: who is connected, how a consumer is doing, where a
//! group's offsets stand on a broker, and moving them to a point in time.

use anyhow::{Context, bail};
use clap::Subcommand;
use rocketmq_client::admin::Admin;
use rocketmq_client::protocol::version::version_desc;

use crate::args::{front, to_second};

#[derive(Subcommand)]
pub(crate) enum GroupCommand {
    /// A consumer group's connections and subscriptions.
    #[command(name = "consumerConnection")]
    ConsumerConnection {
        #[arg(short = 'n', long = "namesrvAddr")]
        namesrv: Option<String>,
        #[arg(short = 'g', long = "consumerGroup")]
        group: String,
        /// Ask this broker.
        #[arg(short = 'b', long = "brokerAddr")]
        broker: Option<String>,
    },
    /// A producer group's connections.
    #[command(name = "producerConnection")]
    ProducerConnection {
        #[arg(short = 'n', long = "namesrvAddr")]
        namesrv: Option<String>,
        #[arg(short = 'g', long = "producerGroup")]
        group: String,
        /// Accepted for Apache compatibility; connections are per group.
        #[arg(short = 't', long)]
        topic: Option<String>,
    },
    /// What each consumer of a group (or one, with -i) reports about itself.
    #[command(name = "consumerStatus")]
    ConsumerStatus(crate::status::ConsumerStatus),
    /// Every group's progress on one broker.
    #[command(name = "brokerConsumeStats")]
    BrokerConsumeStats {
        #[arg(short = 'n', long = "namesrvAddr")]
        namesrv: Option<String>,
        #[arg(short = 'b', long = "brokerAddr")]
        broker: String,
        /// Only ordered topics.
        #[arg(short = 'o', long = "order", default_value_t = false, action = clap::ArgAction::Set)]
        order: bool,
        /// Only queues at least this far behind.
        #[arg(short = 'l', long = "level", default_value_t = 0)]
        level: i64,
        /// Request timeout (ms; accepted for Apache's scripts).
        #[arg(short = 't', long = "timeoutMillis")]
        timeout: Option<u64>,
    },
    /// Move a group's offsets on a topic to a point in time.
    #[command(name = "resetOffsetByTime")]
    ResetOffsetByTime {
        #[arg(short = 'n', long = "namesrvAddr")]
        namesrv: Option<String>,
        #[arg(short = 'g', long = "group")]
        group: String,
        #[arg(short = 't', long)]
        topic: String,
        /// `now` (each queue's end), milliseconds since the epoch, or
        /// `yyyy-MM-dd#HH:mm:ss:SSS` (UTC).
        #[arg(short = 's', long = "timestamp")]
        timestamp: String,
        /// Also move offsets forward (default true, as Apache's).
        #[arg(short = 'f', long = "force", default_value_t = true, action = clap::ArgAction::Set)]
        force: bool,
        /// Accepted for Apache's scripts (C++ clients read the same offsets here).
        #[arg(short = 'c', long = "cplus")]
        cplus: bool,
    },
}

pub(crate) async fn run(cmd: GroupCommand) -> anyhow::Result<()> {
    match cmd {
        GroupCommand::ConsumerConnection {
            namesrv,
            group,
            broker,
        } => {
            let admin = Admin::connect(namesrv.as_deref())?;
            let c = match broker.as_deref() {
                Some(addr) => {
                    admin
                        .consumer_connection_on(group.trim(), addr.trim())
                        .await
                }
                None => admin.consumer_connection(group.trim()).await,
            }
            .context("consumerConnection")?;
            println!(
                "{:<36} {:<22} {:<10} #Version",
                "#ClientId", "#ClientAddr", "#Language"
            );
            for conn in &c.connection_set {
                println!(
                    "{:<36} {:<22} {:<10} {}",
                    conn.client_id,
                    conn.client_addr,
                    conn.language,
                    version_desc(conn.version)
                );
            }
            println!("\nBelow is subscription:");
            println!("{:<20} #SubExpression", "#Topic");
            for sub in c.subscription_table.values() {
                println!("{:<20} {}", sub.topic, sub.sub_string);
            }
            println!();
            println!("ConsumeType: {}", c.consume_type.name());
            println!("MessageModel: {}", c.message_model.name());
            println!("ConsumeFromWhere: {}", c.consume_from_where.name());
        }
        GroupCommand::ProducerConnection { namesrv, group, .. } => {
            let c = Admin::connect(namesrv.as_deref())?
                .producer_connection(&group)
                .await
                .context("producerConnection")?;
            for (i, conn) in c.connection_set.iter().enumerate() {
                println!(
                    "{:04}  {:<32} {:<22} {:<8} {}",
                    i + 1,
                    conn.client_id,
                    conn.client_addr,
                    conn.language,
                    version_desc(conn.version)
                );
            }
        }
        GroupCommand::ConsumerStatus(args) => crate::status::run(args).await?,
        GroupCommand::BrokerConsumeStats {
            namesrv,
            broker,
            order,
            level,
            timeout: _,
        } => {
            let list = Admin::connect(namesrv.as_deref())?
                .broker_consume_stats(&broker, order)
                .await
                .context("brokerConsumeStats")?;
            println!(
                "{:<64}  {:<64}  {:<32}  {:<4}  {:<20}  {:<20}  {:<20}  #LastTime",
                "#Topic",
                "#Group",
                "#Broker Name",
                "#QID",
                "#Broker Offset",
                "#Consumer Offset",
                "#Diff"
            );
            for entry in &list.consume_stats_list {
                for (group, stats) in entry {
                    for s in stats {
                        for (mq, o) in &s.offset_table.0 {
                            let diff = o.broker_offset - o.consumer_offset;
                            // As Apache's tool: queues behind less than the level, and queues
                            // never consumed from, are left out.
                            if diff < level || o.last_timestamp <= 0 {
                                continue;
                            }
                            println!(
                                "{:<64}  {:<64}  {:<32}  {:<4}  {:<20}  {:<20}  {diff:<20}  {}",
                                mq.topic,
                                group,
                                mq.broker_name,
                                mq.queue_id,
                                o.broker_offset,
                                o.consumer_offset,
                                to_second(o.last_timestamp)
                            );
                        }
                    }
                }
            }
            println!("\nDiff Total: {}", list.total_diff);
        }
        GroupCommand::ResetOffsetByTime {
            namesrv,
            group,
            topic,
            timestamp,
            force,
            cplus: _,
        } => {
            // As Apache's tool: `now` goes to the broker as -1, each queue's end.
            let millis = match timestamp.trim() {
                "now" => -1,
                t => parse_time(t)?,
            };
            let reset = Admin::connect(namesrv.as_deref())?
                .reset_offset_by_time(&group, &topic, millis, force)
                .await
                .context("resetOffsetByTime")?;
            if !reset.written.is_empty() && reset.written.len() == reset.offsets.len() {
                // No one online: Apache's tool falls back to resetOffsetByTimeOld's report.
                println!(
                    "rollback consumer offset by specified consumerGroup[{group}], topic[{topic}], force[{force}], timestamp(string)[{timestamp}], timestamp(long)[{millis}]"
                );
                println!(
                    "{:<20}  {:<20}  {:<20}  {:<20}  {:<20}  {:<20}",
                    "#brokerName",
                    "#queueId",
                    "#brokerOffset",
                    "#consumerOffset",
                    "#timestampOffset",
                    "#rollbackOffset"
                );
                for r in &reset.written {
                    println!(
                        "{:<20}  {:<20}  {:<20}  {:<20}  {:<20}  {:<20}",
                        front(&r.queue.broker_name, 32),
                        r.queue.queue_id,
                        r.broker_offset,
                        r.consumer_offset,
                        r.timestamp_offset,
                        r.rollback_offset
                    );
                }
                return Ok(());
            }
            println!(
                "rollback consumer offset by specified group[{group}], topic[{topic}], force[{force}], timestamp(string)[{timestamp}], timestamp(long)[{millis}]"
            );
            println!(
                "{:<40}  {:<40}  {:<40}",
                "#brokerName", "#queueId", "#offset"
            );
            for (mq, offset) in reset.offsets {
                println!(
                    "{:<40}  {:<40}  {:<40}",
                    front(&mq.broker_name, 32),
                    mq.queue_id,
                    offset
                );
            }
        }
    }
    Ok(())
}

/// `now`, epoch milliseconds, or Apache's `yyyy-MM-dd#HH:mm:ss:SSS` (read as UTC).
pub(crate) fn parse_time(s: &str) -> anyhow::Result<i64> {
    if s.eq_ignore_ascii_case("now") {
        return Ok(rocketmq_client::protocol::now_millis());
    }
    if let Ok(ms) = s.parse::<i64>() {
        return Ok(ms);
    }
    let parts: Vec<i64> = s
        .split(['-', '#', ':'])
        .map(|p| p.parse::<i64>())
        .collect::<Result<_, _>>()
        .with_context(|| {
            format!("timestamp {s} is not now, milliseconds or yyyy-MM-dd#HH:mm:ss:SSS")
        })?;
    let [y, mo, d, h, mi, sec, ms] = parts[..] else {
        bail!("timestamp {s} is not yyyy-MM-dd#HH:mm:ss:SSS");
    };
    Ok(days_from_civil(y, mo, d) * 86_400_000 + h * 3_600_000 + mi * 60_000 + sec * 1000 + ms)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apache_time_format_is_read_as_utc() {
        assert_eq!(parse_time("1700000000123").unwrap(), 1_700_000_000_123);
        assert_eq!(
            parse_time("2023-11-14#22:13:20:123").unwrap(),
            1_700_000_000_123
        );
        assert_eq!(parse_time("1970-01-01#00:00:00:000").unwrap(), 0);
        assert!(parse_time("yesterday").is_err());
    }
}
