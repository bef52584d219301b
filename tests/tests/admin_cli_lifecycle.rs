//! `mqadmin` commands that create, inspect, move and remove things, run against our servers:
//! updateTopic (ordered, on one broker), topicRoute (fastjson's pretty JSON and `-l`),
//! brokerStatus (`-b`, `-c`), producerConnection, consumerConnection `-b`, consumerStatus (one
//! member, and the whole group written to files), resetOffsetByTime, cloneGroupOffset,
//! wipeWritePerm / addWritePerm, cleanExpiredCQ, cleanUnusedTopic, deleteTopic; and
//! `mqadmin help <cmd>` for every command.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rocketmq_client::admin::Admin;
use rocketmq_client::consumer::{ConsumeFromWhere, ConsumeResult, PushConsumer};
use rocketmq_client::protocol::body::JsonBody;
use rocketmq_client::protocol::fastjson;
use rocketmq_client::{Message, Producer};
use rocketmq_integration_tests::TestCluster;
use rocketmq_integration_tests::process::{Printed, mqadmin, mqadmin_run};

const TOPIC: &str = "LifeTopic";

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    for _ in 0..300 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

fn ok(p: Printed) -> String {
    assert!(p.ok, "{}{}", p.stdout, p.stderr);
    p.stdout
}

// Multi-threaded: `mqadmin` runs as a child process the test waits for, while the servers it
// asks run on this runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topic_and_group_lifecycle_through_mqadmin() {
    let cluster = TestCluster::start(|_| {}).await;
    let ns = cluster.namesrv_addr();
    let broker = cluster.broker_addr();
    let admin = Admin::connect(Some(&ns)).unwrap();
    let info = admin.cluster_info().await.unwrap();
    let name = info.cluster_addr_table["DefaultCluster"]
        .iter()
        .next()
        .unwrap()
        .clone();

    // An ordered topic on one broker: its layout goes to the name server too.
    let out = mqadmin(&[
        "updateTopic",
        "-n",
        &ns,
        "-b",
        &broker,
        "-t",
        TOPIC,
        "-r",
        "4",
        "-w",
        "4",
        "-o",
        "true",
    ]);
    assert_eq!(
        out,
        format!(
            "set broker orderConf. isOrder=true, orderConf=[{name}:4]create topic to {broker} success.\nTopicConfig [topicName={TOPIC}, readQueueNums=4, writeQueueNums=4, perm=RW-, topicFilterType=SINGLE_TAG, topicSysFlag=0, order=true]"
        )
    );
    assert_eq!(
        admin
            .kv_config("ORDER_TOPIC_CONFIG", TOPIC)
            .await
            .unwrap()
            .as_deref(),
        Some(format!("{name}:4").as_str())
    );
    cluster.wait_route(TOPIC).await;

    // topicRoute: Java's toJson(true), i.e. fastjson's tab-indented form, integer keys bare.
    let out = mqadmin(&["topicRoute", "-n", &ns, "-t", TOPIC]);
    let route = admin.topic_route(TOPIC).await.unwrap();
    assert!(
        out.starts_with(&format!(
            "{{\n\t\"brokerDatas\":[\n\t\t{{\n\t\t\t\"brokerAddrs\":{{0:\"{broker}\"\n\t\t\t}},\n\t\t\t\"brokerName\":\"{name}\",\n\t\t\t\"cluster\":\"DefaultCluster\","
        )),
        "{out}"
    );
    assert!(
        out.ends_with(&format!(
            "\t\"filterServerTable\":{{}},\n\t\"queueDatas\":[\n\t\t{{\n\t\t\t\"brokerName\":\"{name}\",\n\t\t\t\"perm\":6,\n\t\t\t\"readQueueNums\":4,\n\t\t\t\"topicSysFlag\":0,\n\t\t\t\"writeQueueNums\":4\n\t\t}}\n\t]\n}}\n"
        )),
        "{out}"
    );
    assert_eq!(
        fastjson::parse(out.as_bytes()).unwrap(),
        fastjson::parse(&route.encode()).unwrap()
    );
    let out = mqadmin(&["topicRoute", "-n", &ns, "-t", TOPIC, "-l"]);
    let line = |c: &str, b: &str, a: &str, r: &str, w: &str, p: &str| {
        format!("{c:<45} {b:<32} {a:<50} {r:<10} {w:<11} {p:<5}\n")
    };
    assert_eq!(
        out,
        [
            line(
                "#ClusterName",
                "#BrokerName",
                "#BrokerAddrs",
                "#ReadQueue",
                "#WriteQueue",
                "#Perm"
            ),
            line(
                "DefaultCluster",
                &name,
                &format!("{{0={broker}}}"),
                "4",
                "4",
                "6"
            ),
            format!("{}\n", "-".repeat(158)),
            line("Total:", "1", "", "4", "4", ""),
        ]
        .concat()
    );

    // brokerStatus: the runtime table sorted by key; with -c each line led by the address.
    let out = mqadmin(&["brokerStatus", "-n", &ns, "-b", &broker]);
    let keys: Vec<&str> = out.lines().map(|l| l[..32].trim_end()).collect();
    assert!(keys.is_sorted() && keys.contains(&"putTps"), "{out}");
    assert!(
        out.contains(&format!("{:<32}: ", "commitLogDirCapacity")),
        "{out}"
    );
    let out = mqadmin(&["brokerStatus", "-n", &ns, "-c", "DefaultCluster"]);
    assert_eq!(out.lines().count(), keys.len(), "{out}");
    assert!(
        out.lines()
            .all(|l| l.starts_with(&format!("{broker:<24} "))),
        "{out}"
    );

    // A producer and a consumer that reads everything.
    let producer = Producer::builder("life-p")
        .namesrv_addr(&ns)
        .start()
        .await
        .unwrap();
    for i in 0..30 {
        producer
            .send(Message::new(TOPIC, format!("m{i}")))
            .await
            .unwrap();
    }
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    let consumer = PushConsumer::builder("life-c")
        .namesrv_addr(&ns)
        .subscribe(TOPIC, "*")
        .consume_from_where(ConsumeFromWhere::FirstOffset)
        .rebalance_interval(Duration::from_millis(300))
        .start(move |msgs| {
            let counter = counter.clone();
            async move {
                counter.fetch_add(msgs.len(), Ordering::SeqCst);
                ConsumeResult::Success
            }
        })
        .await
        .unwrap();
    wait_until("30 consumed", || seen.load(Ordering::SeqCst) >= 30).await;
    let id = consumer.client_id().to_string();
    let reset_to = |at: &str| {
        mqadmin(&[
            "resetOffsetByTime",
            "-n",
            &ns,
            "-g",
            "life-c",
            "-t",
            TOPIC,
            "-s",
            at,
        ])
    };

    let out = mqadmin(&["producerConnection", "-n", &ns, "-g", "life-p", "-t", TOPIC]);
    assert!(
        out.starts_with(&format!("0001  {:<32} ", producer.client_id()))
            && out.lines().count() == 1,
        "{out}"
    );
    let out = mqadmin(&[
        "consumerConnection",
        "-n",
        &ns,
        "-g",
        "life-c",
        "-b",
        &broker,
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "{:<36} {:<22} {:<10} #Version",
            "#ClientId", "#ClientAddr", "#Language"
        )
    );
    assert!(lines[1].starts_with(&format!("{id:<36} ")), "{out}");
    assert!(out.contains(&format!("\n{TOPIC:<20} *\n")), "{out}");
    assert!(out.ends_with("ConsumeType: CONSUME_PASSIVELY\nMessageModel: CLUSTERING\nConsumeFromWhere: CONSUME_FROM_FIRST_OFFSET\n"), "{out}");

    // consumerStatus -i: ConsumerRunningInfo.formatString(); committed offsets cover all 30.
    let mut text = String::new();
    for _ in 0..50 {
        text = mqadmin(&["consumerStatus", "-n", &ns, "-g", "life-c", "-i", &id]);
        let committed: i64 = text
            .lines()
            .skip_while(|l| *l != "#Consumer Offset#")
            .skip(2)
            .take_while(|l| !l.is_empty())
            .filter(|l| l.starts_with(TOPIC))
            .map(|l| l.split_whitespace().nth(3).unwrap().parse::<i64>().unwrap())
            .sum();
        if committed == 30 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(text.starts_with("#Consumer Properties#\n"), "{text}");
    assert!(
        text.contains(&format!("{:<40}: CONSUME_PASSIVELY\n", "PROP_CONSUME_TYPE")),
        "{text}"
    );
    assert!(
        text.contains(&format!("\n\n#Consumer Subscription#\n001 Topic: {TOPIC:<40} ClassFilter: false    SubExpression: *\n")),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "{TOPIC:<64}  {name:<32}  0     ProcessQueueInfo [commitOffset="
        )),
        "{text}"
    );
    assert!(text.contains("\n\n#Consumer RT&TPS#\n"), "{text}");
    // Without -i: a file per member under <now>/ in the working directory, and the analysis.
    let dir = tempfile::tempdir().unwrap();
    let out = ok(mqadmin_run(
        &["consumerStatus", "-n", &ns, "-g", "life-c"],
        Some(dir.path()),
    ));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "{:<10} {:<40} {:<20} #ConsumerRunningInfoFile",
            "#Index", "#ClientId", "#Version"
        )
    );
    let file = lines[1].split_whitespace().last().unwrap();
    assert!(
        lines[1].starts_with(&format!("{:<10} {id:<40} ", 1)),
        "{out}"
    );
    let written = std::fs::read_to_string(dir.path().join(file)).unwrap();
    assert!(written.starts_with("#Consumer Properties#\n"), "{written}");
    assert!(
        out.ends_with("\n\nSame subscription in the same group of consumer\n\nRebalance OK\n"),
        "{out}"
    );

    // resetOffsetByTime: back to the start, and the running consumer reads all 30 again. The
    // broker must have the group's progress first (commits arrive every few seconds).
    for _ in 0..100 {
        let stats = admin.consume_stats("life-c", Some(TOPIC)).await;
        if stats.is_ok_and(|s| {
            s.offset_table
                .0
                .values()
                .map(|o| o.consumer_offset)
                .sum::<i64>()
                == 30
        }) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let out = reset_to("0");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "rollback consumer offset by specified group[life-c], topic[{TOPIC}], force[true], timestamp(string)[0], timestamp(long)[0]"
        )
    );
    assert_eq!(
        lines[1],
        format!(
            "{:<40}  {:<40}  {:<40}",
            "#brokerName", "#queueId", "#offset"
        )
    );
    assert_eq!(lines.len(), 6, "{out}");
    assert!(
        lines[2..]
            .iter()
            .all(|l| l.split_whitespace().nth(2) == Some("0")),
        "{out}"
    );
    wait_until("30 consumed again", || seen.load(Ordering::SeqCst) >= 60).await;
    // `now` goes to the broker as -1: each queue's end.
    let out = reset_to("now");
    assert!(
        out.contains("timestamp(string)[now], timestamp(long)[-1]"),
        "{out}"
    );
    let ends: i64 = out
        .lines()
        .skip(2)
        .map(|l| l.split_whitespace().nth(2).unwrap().parse::<i64>().unwrap())
        .sum();
    assert_eq!(ends, 30, "{out}");

    // cloneGroupOffset: the copy's offsets are the source's.
    let out = mqadmin(&[
        "cloneGroupOffset",
        "-n",
        &ns,
        "-s",
        "life-c",
        "-d",
        "life-copy",
        "-t",
        TOPIC,
    ]);
    assert_eq!(
        out,
        format!(
            "clone group offset success. srcGroup[life-c], destGroup=[life-copy], topic[{TOPIC}]\n"
        )
    );
    let copied = admin.consume_stats("life-copy", Some(TOPIC)).await.unwrap();
    let offsets: i64 = copied
        .offset_table
        .0
        .values()
        .map(|o| o.consumer_offset)
        .sum();
    assert_eq!(offsets, 30);

    // Write permission off and on again at the name server.
    let out = mqadmin(&["wipeWritePerm", "-n", &ns, "-b", &name]);
    assert!(
        out.starts_with(&format!(
            "wipe write perm of broker[{name}] in name server[{ns}] OK, "
        )),
        "{out}"
    );
    assert_eq!(
        admin.topic_route(TOPIC).await.unwrap().queue_datas[0].perm,
        4
    );
    let out = mqadmin(&["addWritePerm", "-n", &ns, "-b", &name]);
    assert!(
        out.starts_with(&format!(
            "add write perm of broker[{name}] in name server[{ns}] OK, "
        )),
        "{out}"
    );
    let n: u32 = out.trim_end().rsplit(' ').next().unwrap().parse().unwrap();
    assert!(n >= 1, "{out}");
    assert_eq!(
        admin.topic_route(TOPIC).await.unwrap().queue_datas[0].perm,
        6
    );

    // The clean commands leave live queues alone.
    assert_eq!(
        mqadmin(&["cleanExpiredCQ", "-n", &ns, "-b", &broker]),
        "success\n"
    );
    assert_eq!(
        mqadmin(&["cleanUnusedTopic", "-n", &ns, "-c", "DefaultCluster"]),
        "success\n"
    );
    let stats = admin.topic_stats(TOPIC).await.unwrap();
    assert_eq!(
        stats
            .offset_table
            .0
            .values()
            .map(|s| s.max_offset)
            .sum::<i64>(),
        30
    );

    consumer.shutdown().await;
    producer.shutdown().await;

    // With no one online the tool writes the offsets itself, and prints the older report.
    let out = reset_to("0");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "rollback consumer offset by specified consumerGroup[life-c], topic[{TOPIC}], force[true], timestamp(string)[0], timestamp(long)[0]"
        )
    );
    assert_eq!(
        lines[1],
        format!(
            "{:<20}  {:<20}  {:<20}  {:<20}  {:<20}  {:<20}",
            "#brokerName",
            "#queueId",
            "#brokerOffset",
            "#consumerOffset",
            "#timestampOffset",
            "#rollbackOffset"
        )
    );
    let cols = |i: usize| -> i64 {
        lines[2..]
            .iter()
            .map(|l| l.split_whitespace().nth(i).unwrap().parse::<i64>().unwrap())
            .sum()
    };
    assert_eq!(
        (lines.len(), cols(2), cols(3), cols(4), cols(5)),
        (6, 30, 30, 0, 0),
        "{out}"
    );
    let progress = admin.consume_stats("life-c", Some(TOPIC)).await.unwrap();
    assert_eq!(progress.diff_total(), 30);

    // deleteTopic: gone from the broker and the name server.
    let out = mqadmin(&[
        "deleteTopic",
        "-n",
        &ns,
        "-c",
        "DefaultCluster",
        "-t",
        TOPIC,
    ]);
    assert_eq!(
        out,
        format!(
            "delete topic [{TOPIC}] from cluster [DefaultCluster] success.\ndelete topic [{TOPIC}] from NameServer success.\n"
        )
    );
    assert!(
        !admin
            .topic_list()
            .await
            .unwrap()
            .topic_list
            .contains(&TOPIC.to_string())
    );
    let p = mqadmin_run(&["topicRoute", "-n", &ns, "-t", TOPIC], None);
    assert!(!p.ok && p.stderr.lines().count() == 1, "{p:?}");
    cluster.stop().await;
}

/// `mqadmin help <cmd>` documents every command the issue names, with Apache's flags.
#[test]
fn help_documents_every_command() {
    let commands = [
        "updateTopic",
        "deleteTopic",
        "updateTopicPerm",
        "topicList",
        "topicRoute",
        "topicStatus",
        "topicClusterList",
        "allocateMQ",
        "updateOrderConf",
        "updateSubGroup",
        "deleteSubGroup",
        "consumerProgress",
        "consumerStatus",
        "consumerConnection",
        "producerConnection",
        "cloneGroupOffset",
        "resetOffsetByTime",
        "getConsumerConfig",
        "queryMsgById",
        "queryMsgByKey",
        "queryMsgByUniqueKey",
        "queryMsgByOffset",
        "printMsg",
        "printMsgByQueue",
        "sendMessage",
        "consumeMessage",
        "checkMsgSendRT",
        "queryCq",
        "clusterList",
        "brokerStatus",
        "brokerConsumeStats",
        "getBrokerConfig",
        "updateBrokerConfig",
        "wipeWritePerm",
        "addWritePerm",
        "cleanExpiredCQ",
        "cleanUnusedTopic",
        "clusterRT",
        "statsAll",
        "getNamesrvConfig",
        "updateNamesrvConfig",
        "updateKvConfig",
        "deleteKvConfig",
    ];
    for cmd in commands {
        let out = ok(mqadmin_run(&["help", cmd], None));
        assert!(
            out.contains(&format!("Usage: mqadmin {cmd}")),
            "{cmd}: {out}"
        );
        assert!(out.contains("-n, --namesrvAddr"), "{cmd}: {out}");
    }
    let out = ok(mqadmin_run(&["help", "updateTopic"], None));
    for flag in [
        "-b, --brokerAddr",
        "-c, --clusterName",
        "-t, --topic",
        "-r, --readQueueNums",
        "-w, --writeQueueNums",
        "-p, --perm",
        "-o, --order",
    ] {
        assert!(out.contains(flag), "{flag}: {out}");
    }
}
