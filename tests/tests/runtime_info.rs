//! GET_BROKER_RUNTIME_INFO as Apache's tools read it: every key of Apache 4.9's table, in the
//! shapes `mqadmin clusterList` and `brokerStatus` split and parse, with values that follow
//! what the broker did.

use std::time::Duration;

use rocketmq_client::admin::Admin;
use rocketmq_client::protocol::now_millis;
use rocketmq_client::{Message, Producer};
use rocketmq_integration_tests::TestCluster;

/// The keys of Apache 4.9.8's answer (`AdminBrokerProcessor.prepareRuntimeInfo`, the store's
/// and its stats service's `getRuntimeInfo`), less the transient-pool one it only sends with
/// `transientStorePoolEnable`.
const APACHE_KEYS: &[&str] = &[
    "brokerVersionDesc",
    "brokerVersion",
    "msgPutTotalYesterdayMorning",
    "msgPutTotalTodayMorning",
    "msgPutTotalTodayNow",
    "msgGetTotalYesterdayMorning",
    "msgGetTotalTodayMorning",
    "msgGetTotalTodayNow",
    "sendThreadPoolQueueSize",
    "sendThreadPoolQueueCapacity",
    "pullThreadPoolQueueSize",
    "pullThreadPoolQueueCapacity",
    "queryThreadPoolQueueSize",
    "queryThreadPoolQueueCapacity",
    "EndTransactionQueueSize",
    "EndTransactionThreadPoolQueueCapacity",
    "dispatchBehindBytes",
    "pageCacheLockTimeMills",
    "sendThreadPoolQueueHeadWaitTimeMills",
    "pullThreadPoolQueueHeadWaitTimeMills",
    "queryThreadPoolQueueHeadWaitTimeMills",
    "earliestMessageTimeStamp",
    "startAcceptSendRequestTimeStamp",
    "remainTransientStoreBufferNumbs",
    "remainHowManyDataToFlush",
    "commitLogDirCapacity",
    "bootTimestamp",
    "runtime",
    "putMessageEntireTimeMax",
    "putMessageTimesTotal",
    "putMessageFailedTimes",
    "putMessageSizeTotal",
    "putMessageDistributeTime",
    "putMessageAverageSize",
    "dispatchMaxBuffer",
    "getMessageEntireTimeMax",
    "putTps",
    "getFoundTps",
    "getMissTps",
    "getTotalTps",
    "getTransferedTps",
    "putLatency99",
    "putLatency999",
    "commitLogDiskRatio",
    "consumeQueueDiskRatio",
    "commitLogMinOffset",
    "commitLogMaxOffset",
];

/// The first of a "10s 60s 600s" triple as `clusterList` reads it: Java's `split(" ")` drops
/// trailing empty strings, so a triple not yet filled reads as 0.
fn first_tps(v: &str) -> f64 {
    match v.split(' ').next().filter(|s| !s.is_empty()) {
        Some(s) => s.parse().unwrap_or_else(|_| panic!("TPS {v:?}")),
        None => 0.0,
    }
}

// Multi-threaded: `mqadmin` runs as a child process the test waits for, while the broker it
// asks runs on this runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runtime_info_has_apaches_keys_and_follows_the_traffic() {
    let cluster = TestCluster::start(|_| {}).await;
    let admin = Admin::connect(Some(&cluster.namesrv_addr())).unwrap();
    let producer = Producer::builder("runtime-producer")
        .namesrv_addr(cluster.namesrv_addr())
        .start()
        .await
        .unwrap();
    let before_send = now_millis();
    for i in 0..30 {
        producer
            .send(Message::new("RuntimeTopic", format!("message {i}")))
            .await
            .unwrap();
    }
    let reader = cluster.reader("runtime-group", "RuntimeTopic").await;
    let mut got = 0;
    while got < 30 {
        got += reader.poll(Duration::from_secs(5)).await.unwrap().len();
    }
    // Past ten one-second samples, the 10 s TPS windows are filled.
    tokio::time::sleep(Duration::from_millis(11_500)).await;
    let kv = admin
        .broker_runtime_info(&cluster.broker_addr())
        .await
        .unwrap()
        .table;
    let missing: Vec<_> = APACHE_KEYS
        .iter()
        .filter(|k| !kv.contains_key(**k))
        .collect();
    assert!(missing.is_empty(), "missing {missing:?}");

    assert_eq!(kv["msgPutTotalTodayNow"], "30");
    assert_eq!(kv["putMessageTimesTotal"], "30");
    assert_eq!(kv["msgGetTotalTodayNow"], "30");
    assert_eq!(kv["putMessageFailedTimes"], "0");
    // 30 sends in the last ten seconds or so: the 10 s window has some of them, or all, as
    // messages a second; so does the pull side.
    let put = first_tps(&kv["putTps"]);
    assert!(
        kv["putTps"].split(' ').count() == 3 && (0.0..=30.0).contains(&put),
        "{}",
        kv["putTps"]
    );
    first_tps(&kv["getTransferedTps"]);
    first_tps(&kv["getFoundTps"]);
    assert_eq!(kv["getTotalTps"].split(' ').count(), 3);
    let earliest: i64 = kv["earliestMessageTimeStamp"].parse().unwrap();
    assert!(
        (before_send - 1000..=now_millis()).contains(&earliest),
        "{earliest}"
    );
    let disk: f64 = kv["commitLogDiskRatio"].parse().unwrap();
    assert!((0.0..=1.0).contains(&disk), "{disk}");
    let cap = &kv["commitLogDirCapacity"];
    assert!(
        cap.starts_with("Total : ") && cap.contains(", Free : ") && cap.ends_with('.'),
        "{cap}"
    );
    for k in [
        "sendThreadPoolQueueSize",
        "sendThreadPoolQueueHeadWaitTimeMills",
        "pullThreadPoolQueueHeadWaitTimeMills",
        "pageCacheLockTimeMills",
        "dispatchBehindBytes",
    ] {
        let v: i64 = kv[k]
            .parse()
            .unwrap_or_else(|_| panic!("{k} = {:?}", kv[k]));
        assert!(v >= 0, "{k} = {v}");
    }
    assert_eq!(kv["sendThreadPoolQueueCapacity"], "10000");
    let size: u64 = kv["putMessageSizeTotal"].parse().unwrap();
    let max: u64 = kv["commitLogMaxOffset"].parse().unwrap();
    assert_eq!(size, max, "every stored byte is a put's");
    assert!(kv["runtime"].starts_with("[ 0 days, 0 hours, 0 minutes, "));
    assert!(kv["putMessageDistributeTime"].starts_with("[<=0ms]:"));

    // The stats items (VIEW_BROKER_STATS_DATA) have their first minute snapshot by now.
    let broker = cluster.broker_addr();
    let put = admin
        .broker_stats_data(&broker, "TOPIC_PUT_NUMS", "RuntimeTopic")
        .await
        .unwrap();
    assert_eq!(put.stats_minute.sum, 30, "{put:?}");
    assert_eq!(put.stats_minute.avgpt, 1.0, "one message a send");
    let got = admin
        .broker_stats_data(&broker, "GROUP_GET_NUMS", "RuntimeTopic@runtime-group")
        .await
        .unwrap();
    assert_eq!(got.stats_minute.sum, 30, "{got:?}");
    match admin
        .broker_stats_data(&broker, "TOPIC_PUT_NUMS", "Nope")
        .await
    {
        Err(rocketmq_client::ClientError::Remote { remark, .. }) => {
            assert_eq!(remark, "The stats <TOPIC_PUT_NUMS> <Nope> not exist")
        }
        other => panic!("{other:?}"),
    }
    reader.commit().await.unwrap();
    let text = rocketmq_integration_tests::process::mqadmin(&[
        "statsAll",
        "-n",
        &cluster.namesrv_addr(),
        "-t",
        "RuntimeTopic",
    ]);
    let row = text
        .lines()
        .find(|l| l.starts_with("RuntimeTopic"))
        .unwrap_or_else(|| panic!("{text}"));
    let cols: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cols[1], "runtime-group", "{row}");
    assert_eq!(
        (cols[5], cols[6]),
        ("30", "30"),
        "in and out over the day: {row}"
    );
    reader.shutdown().await;
    producer.shutdown().await;
}
