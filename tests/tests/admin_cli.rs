//! `mqadmin`'s group and topic commands against our servers, their output in Apache's layout
//! and their effect on the cluster: updateSubGroup / getConsumerConfig / deleteSubGroup,
//! topicList -c, topicClusterList, updateTopicPerm.

use std::time::Duration;

use rocketmq_client::admin::{Admin, Target};
use rocketmq_client::protocol::body::TopicConfig;
use rocketmq_integration_tests::TestCluster;
use rocketmq_integration_tests::process::mqadmin;

// Multi-threaded: `mqadmin` runs as a child process the test waits for, while the servers it
// asks run on this runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_and_topic_commands_print_apaches_lines_and_change_the_cluster() {
    let cluster = TestCluster::start(|_| {}).await;
    let ns = cluster.namesrv_addr();
    let broker = cluster.broker_addr();
    let admin = Admin::connect(Some(&ns)).unwrap();

    let out = mqadmin(&[
        "updateSubGroup",
        "-n",
        &ns,
        "-c",
        "DefaultCluster",
        "-g",
        "cli-group",
        "-r",
        "3",
        "-q",
        "2",
    ]);
    assert_eq!(
        out,
        format!(
            "create subscription group to {broker} success.\nSubscriptionGroupConfig [groupName=cli-group, consumeEnable=true, consumeFromMinEnable=false, consumeBroadcastEnable=false, retryQueueNums=2, retryMaxTimes=3, brokerId=0, whichBrokerWhenConsumeSlowly=1, notifyConsumerIdsChangedEnable=true]\n"
        )
    );
    let stored = admin
        .subscription_group(&broker, "cli-group")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((stored.retry_max_times, stored.retry_queue_nums), (3, 2));
    let out = mqadmin(&["getConsumerConfig", "-n", &ns, "-g", "cli-group"]);
    assert!(
        out.starts_with("=============================DefaultCluster:"),
        "{out}"
    );
    assert!(
        out.contains(&format!("{:<40}=  3\n", "retryMaxTimes")),
        "{out}"
    );
    let out = mqadmin(&[
        "deleteSubGroup",
        "-n",
        &ns,
        "-b",
        &broker,
        "-g",
        "cli-group",
    ]);
    assert_eq!(
        out,
        format!("delete subscription group [cli-group] from broker [{broker}] success.\n")
    );
    assert!(
        admin
            .subscription_group(&broker, "cli-group")
            .await
            .unwrap()
            .is_none()
    );

    admin
        .create_topic(
            &Target::Cluster("DefaultCluster".into()),
            &TopicConfig::new("CliTopic", 2),
        )
        .await
        .unwrap();
    cluster.wait_route("CliTopic").await;
    let out = mqadmin(&["topicClusterList", "-n", &ns, "-t", "CliTopic"]);
    assert_eq!(out, "DefaultCluster\n");
    let out = mqadmin(&["topicList", "-n", &ns, "-c"]);
    let mut lines = out.lines();
    assert_eq!(
        lines.next().unwrap(),
        format!(
            "{:<20}  {:<48}  {:<48}",
            "#Cluster Name", "#Topic", "#Consumer Group"
        )
    );
    assert!(
        lines.any(|l| l == format!("{:<20}  {:<64}  {:<64}", "DefaultCluster", "CliTopic", "")),
        "{out}"
    );

    // topicStatus and consumerProgress: Apache's columns, and the numbers the cluster holds.
    let producer = rocketmq_client::Producer::builder("cli-producer")
        .namesrv_addr(ns.clone())
        .start()
        .await
        .unwrap();
    for i in 0..6 {
        producer
            .send(rocketmq_client::Message::new("CliTopic", format!("m{i}")))
            .await
            .unwrap();
    }
    producer.shutdown().await;
    // Queues are built from the log a moment after the sends are answered.
    let (mut out, mut stored) = (String::new(), 0);
    for _ in 0..100 {
        out = mqadmin(&["topicStatus", "-n", &ns, "-t", "CliTopic"]);
        let mut lines = out.lines();
        assert_eq!(
            lines.next().unwrap(),
            format!(
                "{:<32}  {:<4}  {:<20}  {:<20}    #Last Updated",
                "#Broker Name", "#QID", "#Min Offset", "#Max Offset"
            )
        );
        stored = lines
            .map(|l| l.split_whitespace().nth(3).unwrap().parse::<i64>().unwrap())
            .sum::<i64>();
        if stored == 6 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(stored, 6, "{out}");
    let reader = cluster.reader("cli-readers", "CliTopic").await;
    let mut got = 0;
    while got < 6 {
        got += reader.poll(Duration::from_secs(5)).await.unwrap().len();
    }
    reader.commit().await.unwrap();
    let mut out = String::new();
    for _ in 0..100 {
        out = mqadmin(&["consumerProgress", "-n", &ns, "-g", "cli-readers"]);
        if out.ends_with("Diff Total: 0\n") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut lines = out.lines();
    assert_eq!(
        lines.next().unwrap(),
        format!(
            "{:<64}  {:<32}  {:<4}  {:<20}  {:<20}  {:<20}  #LastTime",
            "#Topic", "#Broker Name", "#QID", "#Broker Offset", "#Consumer Offset", "#Diff"
        )
    );
    assert!(out.ends_with("Diff Total: 0\n"), "{out}");
    assert!(out.contains("\nConsume TPS: "), "{out}");
    let out = mqadmin(&["brokerConsumeStats", "-n", &ns, "-b", &broker]);
    let mut lines = out.lines();
    assert_eq!(
        lines.next().unwrap(),
        format!(
            "{:<64}  {:<64}  {:<32}  {:<4}  {:<20}  {:<20}  {:<20}  #LastTime",
            "#Topic",
            "#Group",
            "#Broker Name",
            "#QID",
            "#Broker Offset",
            "#Consumer Offset",
            "#Diff"
        )
    );
    let rows: Vec<Vec<&str>> = lines
        .filter(|l| l.starts_with("CliTopic"))
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 2, "both queues, consumed from: {out}");
    assert!(
        rows.iter().all(|r| r[1] == "cli-readers" && r[6] == "0"),
        "{out}"
    );
    assert!(out.ends_with("\nDiff Total: 0\n"), "{out}");
    reader.shutdown().await;

    let out = mqadmin(&["allocateMQ", "-n", &ns, "-t", "CliTopic", "-i", "a,b"]);
    assert_eq!(
        out,
        "{\"result\":{\"a\":[{\"brokerName\":\"broker-a\",\"queueId\":0,\"topic\":\"CliTopic\"}],\"b\":[{\"brokerName\":\"broker-a\",\"queueId\":1,\"topic\":\"CliTopic\"}]}}\n"
    );
    let out = mqadmin(&["clusterRT", "-n", &ns, "-a", "3", "--rounds", "1"]);
    let mut lines = out.lines();
    assert_eq!(
        lines.next().unwrap(),
        format!(
            "{:<24}  {:<24}  {:<4}  {:<8}  #failCount",
            "#Cluster Name", "#Broker Name", "#RT", "#successCount"
        )
    );
    let row: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(
        (row[0], row[1], row[3], row[4]),
        ("DefaultCluster", "broker-a", "3", "0"),
        "{out}"
    );

    let out = mqadmin(&[
        "updateTopicPerm",
        "-n",
        &ns,
        "-b",
        &broker,
        "-t",
        "CliTopic",
        "-p",
        "4",
    ]);
    assert!(
        out.starts_with(&format!(
            "update topic perm from 6 to 4 in {broker} success.\n"
        )),
        "{out}"
    );
    assert!(out.contains("perm=R--"), "{out}");
    let mut perm = 0;
    for _ in 0..100 {
        perm = admin.topic_route("CliTopic").await.unwrap().queue_datas[0].perm;
        if perm == 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(perm, 4, "the route follows");
}
