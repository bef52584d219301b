//! `mqadmin` given bad input: an unknown topic, group or broker, a malformed message id, a
//! key that cannot change at run time. Each is one line on standard error, a non-zero exit,
//! and nothing changed on the servers.

use rocketmq_client::admin::Admin;
use rocketmq_integration_tests::TestCluster;
use rocketmq_integration_tests::process::mqadmin_run;

// Multi-threaded: `mqadmin` runs as a child process the test waits for, while the servers it
// asks run on this runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_one_line_a_failed_exit_and_no_change() {
    let cluster = TestCluster::start(|_| {}).await;
    let ns = cluster.namesrv_addr();
    let broker = cluster.broker_addr();
    let admin = Admin::connect(Some(&ns)).unwrap();
    let topics_before = admin.topic_list().await.unwrap().topic_list;
    let config_before = admin.broker_config(&broker).await.unwrap();

    for (args, says) in [
        (
            vec!["topicStatus", "-n", &ns, "-t", "NoSuchTopic"],
            "NoSuchTopic",
        ),
        (
            vec!["topicRoute", "-n", &ns, "-t", "NoSuchTopic"],
            "NoSuchTopic",
        ),
        (
            vec!["consumerProgress", "-n", &ns, "-g", "no-such-group"],
            "no-such-group",
        ),
        (
            vec!["consumerConnection", "-n", &ns, "-g", "no-such-group"],
            "not online",
        ),
        (
            vec!["queryMsgById", "-n", &ns, "-i", "not-an-id"],
            "not-an-id",
        ),
        (
            vec!["brokerStatus", "-n", &ns, "-b", "127.0.0.1:1"],
            "127.0.0.1:1",
        ),
        (
            vec![
                "updateBrokerConfig",
                "-n",
                &ns,
                "-b",
                &broker,
                "-k",
                "storePathRootDir",
                "-v",
                "/x",
            ],
            "storePathRootDir",
        ),
        (
            vec![
                "updateBrokerConfig",
                "-n",
                &ns,
                "-b",
                &broker,
                "-k",
                "brokerPermission",
                "-v",
                "9",
            ],
            "brokerPermission",
        ),
        (
            vec!["updateTopic", "-n", &ns, "-c", "NoSuchCluster", "-t", "T1"],
            "NoSuchCluster",
        ),
        (
            vec!["updateTopic", "-n", &ns, "-b", &broker, "-t", "bad.topic"],
            "illegal characters",
        ),
        (
            vec![
                "deleteSubGroup",
                "-n",
                &ns,
                "-c",
                "NoSuchCluster",
                "-g",
                "g",
            ],
            "NoSuchCluster",
        ),
    ] {
        let p = mqadmin_run(&args, None);
        assert!(!p.ok, "{args:?} succeeded: {}", p.stdout);
        let lines: Vec<&str> = p.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{args:?}: one line, not\n{}", p.stderr);
        assert!(lines[0].starts_with("Error: "), "{args:?}: {}", lines[0]);
        assert!(lines[0].contains(says), "{args:?}: {}", lines[0]);
    }
    assert_eq!(admin.topic_list().await.unwrap().topic_list, topics_before);
    assert_eq!(admin.broker_config(&broker).await.unwrap(), config_before);
}
