//! `mqadmin`: Apache's admin commands, same names and flags.
//!
//! ```text
//! mqadmin clusterList -n 127.0.0.1:9876
//! mqadmin topicList -n 127.0.0.1:9876
//! mqadmin topicRoute -n 127.0.0.1:9876 -t TopicTest
//! mqadmin updateTopic -n 127.0.0.1:9876 -c DefaultCluster -t TopicTest -r 8 -w 8
//! mqadmin deleteTopic -n 127.0.0.1:9876 -c DefaultCluster -t TopicTest
//! mqadmin topicStatus -n 127.0.0.1:9876 -t TopicTest
//! mqadmin consumerProgress -n 127.0.0.1:9876 -g please_rename_unique_group_name_4 [-t TopicTest]
//! mqadmin brokerStatus -n 127.0.0.1:9876 -b 127.0.0.1:10911
//! mqadmin brokerConsumeStats -n 127.0.0.1:9876 -b 127.0.0.1:10911
//! mqadmin consumerConnection -n 127.0.0.1:9876 -g please_rename_unique_group_name_4
//! mqadmin producerConnection -n 127.0.0.1:9876 -g please_rename_unique_group_name -t TopicTest
//! mqadmin consumerStatus -n 127.0.0.1:9876 -g please_rename_unique_group_name_4 [-i clientId]
//! mqadmin resetOffsetByTime -n 127.0.0.1:9876 -g please_rename_unique_group_name_4 -t TopicTest -s now
//! mqadmin haStatus -n 127.0.0.1:9876 -c DefaultCluster [-i 1]       # or -b 127.0.0.1:10911
//! mqadmin getBrokerConfig -n 127.0.0.1:9876 -b 127.0.0.1:10911        # or -c DefaultCluster
//! mqadmin updateBrokerConfig -n 127.0.0.1:9876 -b 127.0.0.1:10911 -k brokerPermission -v 4
//! ```

mod args;
mod broker;
mod cluster;
mod groups;
mod ha;
mod message;
mod namesrv;
mod print;
mod progress;
mod queues;
mod route;
mod stats;
mod status;
mod subgroup;
mod topic;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "mqadmin", about = "RocketMQ administration", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
#[allow(clippy::enum_variant_names)]
enum Command {
    /// List clusters and their brokers.
    #[command(name = "clusterList")]
    ClusterList(cluster::ClusterList),
    /// List every topic; with -c, each with its cluster and consumer groups.
    #[command(name = "topicList")]
    TopicList(topic::TopicList),
    /// How the averaging strategy would share a topic's queues among consumers.
    #[command(name = "allocateMQ")]
    AllocateMq(topic::AllocateMq),
    /// Each broker's send RT, round after round.
    #[command(name = "clusterRT")]
    ClusterRt(cluster::ClusterRt),
    /// The clusters a topic is in.
    #[command(name = "topicClusterList")]
    TopicClusterList(topic::TopicCluster),
    /// Change a topic's permission on a broker or a cluster's masters.
    #[command(name = "updateTopicPerm")]
    UpdateTopicPerm(topic::UpdateTopicPerm),
    /// Show where a topic lives.
    #[command(name = "topicRoute")]
    TopicRoute(route::TopicRoute),
    /// Create or update a topic on a cluster's masters or one broker.
    #[command(name = "updateTopic")]
    UpdateTopic(route::UpdateTopic),
    /// Delete a topic from a cluster and the name servers.
    #[command(name = "deleteTopic")]
    DeleteTopic(route::DeleteTopic),
    /// Min and max offsets of every queue of a topic.
    #[command(name = "topicStatus")]
    TopicStatus(progress::TopicStatus),
    /// A consumer group's progress: Broker Offset, Consumer Offset, Diff; or every group's.
    #[command(name = "consumerProgress")]
    ConsumerProgress(progress::ConsumerProgress),
    /// A broker's runtime counters, or those of every broker of a cluster.
    #[command(name = "brokerStatus")]
    BrokerStatus(broker::BrokerStatus),
    /// A broker's configuration, or every broker's of a cluster.
    #[command(name = "getBrokerConfig")]
    GetBrokerConfig(broker::GetBrokerConfig),
    /// Change a broker's configuration while it runs (the keys that take effect at once).
    #[command(name = "updateBrokerConfig")]
    UpdateBrokerConfig(broker::UpdateBrokerConfig),
    /// Each name server's configuration.
    #[command(name = "getNamesrvConfig")]
    GetNamesrvConfig(namesrv::Namesrv),
    /// Change every name server's configuration while it runs.
    #[command(name = "updateNamesrvConfig")]
    UpdateNamesrvConfig(namesrv::UpdateNamesrvConfig),
    /// Take a broker name out of producers' routes (its queues read-only) on every name server.
    #[command(name = "wipeWritePerm")]
    WipeWritePerm(namesrv::WritePerm),
    /// Give a broker name's queues write permission again on every name server.
    #[command(name = "addWritePerm")]
    AddWritePerm(namesrv::WritePerm),
    /// Create or update a subscription group on a broker or a cluster's masters.
    #[command(name = "updateSubGroup")]
    UpdateSubGroup(subgroup::UpdateSubGroup),
    /// Delete a subscription group from a broker or a cluster's masters.
    #[command(name = "deleteSubGroup")]
    DeleteSubGroup(subgroup::DeleteSubGroup),
    /// A subscription group's config on every broker that has it.
    #[command(name = "getConsumerConfig")]
    GetConsumerConfig(subgroup::GetConsumerConfig),
    /// Per topic and group: backlog, TPS in and out, messages in and out over the last day.
    #[command(name = "statsAll")]
    StatsAll(stats::StatsAll),
    /// A message by its offset id, with who consumed it.
    #[command(name = "queryMsgById")]
    QueryMsgById(message::QueryMsgById),
    /// A message by the id its send returned (its unique key).
    #[command(name = "queryMsgByUniqueKey")]
    QueryMsgByUniqueKey(message::QueryMsgByUniqueKey),
    /// Every message of a topic (optionally by tag and time), queue by queue.
    #[command(name = "printMsg")]
    PrintMsg(print::PrintMsg),
    /// The messages of one queue, and their count by tag.
    #[command(name = "printMsgByQueue")]
    PrintMsgByQueue(print::PrintMsgByQueue),
    /// Read a number of messages from a queue or across a topic, and print them.
    #[command(name = "consumeMessage")]
    ConsumeMessage(print::ConsumeMessage),
    /// The message at a queue offset.
    #[command(name = "queryMsgByOffset")]
    QueryMsgByOffset(message::QueryMsgByOffset),
    /// Send one message.
    #[command(name = "sendMessage")]
    SendMessage(message::SendMessage),
    /// Time sends to a topic, round its queues.
    #[command(name = "checkMsgSendRT")]
    CheckMsgSendRt(message::CheckMsgSendRt),
    /// Messages of a topic with a business key.
    #[command(name = "queryMsgByKey")]
    QueryMsgByKey(message::QueryMsgByKey),
    /// Copy a group's offsets on a topic to another group.
    #[command(name = "cloneGroupOffset")]
    CloneGroupOffset(queues::CloneGroupOffset),
    /// Drop consume queues whose messages retention has removed.
    #[command(name = "cleanExpiredCQ")]
    CleanExpiredCq(queues::Clean),
    /// Drop the consume queues of topics a broker no longer has.
    #[command(name = "cleanUnusedTopic")]
    CleanUnusedTopic(queues::Clean),
    /// Raw entries of a consume queue.
    #[command(name = "queryCq")]
    QueryCq(queues::QueryCq),
    /// Set a KV config entry on every name server.
    #[command(name = "updateKvConfig")]
    UpdateKvConfig(namesrv::UpdateKvConfig),
    /// Delete a KV config entry from every name server.
    #[command(name = "deleteKvConfig")]
    DeleteKvConfig(namesrv::DeleteKvConfig),
    /// Get, put or delete an ordered topic's broker layout.
    #[command(name = "updateOrderConf")]
    UpdateOrderConf(namesrv::UpdateOrderConf),
    /// Replication: a master's slaves and their lag, or a slave's master.
    #[command(name = "haStatus")]
    HaStatus(ha::HaStatus),
    #[command(flatten)]
    Groups(groups::GroupCommand),
}

/// Output piped into `head` and the like ends the process quietly when the reader goes, as a
/// shell tool's does, instead of panicking on the broken pipe.
#[allow(unsafe_code)]
fn default_sigpipe() {
    // SAFETY: restoring a signal's default disposition before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// An error is one line, `Error: ` and its causes joined by `: `, and a failed exit; the
/// backtrace follows only when RUST_BACKTRACE asks for it.
fn main() -> std::process::ExitCode {
    default_sigpipe();
    let outcome = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|rt| rt.block_on(run()));
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e:#}");
            if std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0") {
                eprintln!("{}", e.backtrace());
            }
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    broker_server::logging::init_quiet();
    match Cli::parse().command {
        Command::ClusterList(args) => cluster::list(args).await?,
        Command::TopicList(args) => topic::list(args).await?,
        Command::TopicClusterList(args) => topic::clusters(args).await?,
        Command::AllocateMq(args) => topic::allocate(args).await?,
        Command::ClusterRt(args) => cluster::send_rt(args).await?,
        Command::UpdateTopicPerm(args) => topic::update_perm(args).await?,
        Command::TopicRoute(args) => route::route(args).await?,
        Command::UpdateTopic(args) => route::update(args).await?,
        Command::DeleteTopic(args) => route::delete(args).await?,
        Command::TopicStatus(args) => progress::topic_status(args).await?,
        Command::ConsumerProgress(args) => progress::consumer_progress(args).await?,
        Command::BrokerStatus(args) => broker::status(args).await?,
        Command::HaStatus(args) => ha::run(args).await?,
        Command::GetBrokerConfig(args) => broker::get(args).await?,
        Command::CloneGroupOffset(args) => queues::clone_group_offset(args).await?,
        Command::QueryMsgById(args) => message::by_id(args).await?,
        Command::StatsAll(args) => stats::run(args).await?,
        Command::UpdateSubGroup(args) => subgroup::update(args).await?,
        Command::DeleteSubGroup(args) => subgroup::delete(args).await?,
        Command::GetConsumerConfig(args) => subgroup::get_config(args).await?,
        Command::QueryMsgByUniqueKey(args) => message::by_unique_key(args).await?,
        Command::QueryMsgByKey(args) => message::by_key(args).await?,
        Command::QueryMsgByOffset(args) => message::by_offset(args).await?,
        Command::PrintMsg(args) => print::print_msg(args).await?,
        Command::ConsumeMessage(args) => print::consume(args).await?,
        Command::PrintMsgByQueue(args) => print::print_msg_by_queue(args).await?,
        Command::SendMessage(args) => message::send(args).await?,
        Command::CheckMsgSendRt(args) => message::check_send_rt(args).await?,
        Command::CleanExpiredCq(args) => queues::clean(args, true).await?,
        Command::CleanUnusedTopic(args) => queues::clean(args, false).await?,
        Command::QueryCq(args) => queues::query_cq(args).await?,
        Command::GetNamesrvConfig(args) => namesrv::get_config(args).await?,
        Command::UpdateNamesrvConfig(args) => namesrv::update_config(args).await?,
        Command::WipeWritePerm(args) => namesrv::write_perm(args, true).await?,
        Command::UpdateKvConfig(args) => namesrv::update_kv(args).await?,
        Command::DeleteKvConfig(args) => namesrv::delete_kv(args).await?,
        Command::UpdateOrderConf(args) => namesrv::update_order_conf(args).await?,
        Command::AddWritePerm(args) => namesrv::write_perm(args, false).await?,
        Command::UpdateBrokerConfig(args) => broker::update(args).await?,
        Command::Groups(cmd) => groups::run(cmd).await?,
    }
    Ok(())
}
