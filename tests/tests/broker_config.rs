//! GET_BROKER_CONFIG / UPDATE_BROKER_CONFIG and QUERY_TOPIC_CONSUME_BY_WHO, through the admin
//! client and `mqadmin`: a live key changes what the broker does at once and lands in its
//! config file; a key that cannot change at run time is refused by name and nothing changes.

use std::time::Duration;

use rocketmq_client::admin::Admin;
use rocketmq_client::protocol::ResponseCode;
use rocketmq_client::{ClientError, Message, Producer};
use rocketmq_integration_tests::TestCluster;
use rocketmq_integration_tests::process::{mqadmin, mqadmin_run};

fn value(config: &[(String, String)], key: &str) -> String {
    config
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("{key} missing"))
}

// Multi-threaded: `mqadmin` runs as a child process the test waits for, while the broker it
// asks runs on this runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_keys_change_the_broker_at_once_and_others_are_refused_by_name() {
    let conf_dir = tempfile::tempdir().unwrap();
    let conf = conf_dir.path().join("broker.conf");
    std::fs::write(&conf, "# from the tutorial\nbrokerName=broker-a\n").unwrap();
    let conf2 = conf.clone();
    let cluster = TestCluster::start(move |c| c.config_file = Some(conf2)).await;
    let admin = Admin::connect(Some(&cluster.namesrv_addr())).unwrap();
    let broker = cluster.broker_addr();
    let config = admin.broker_config(&broker).await.unwrap();
    assert_eq!(value(&config, "brokerPermission"), "6");
    assert_eq!(value(&config, "brokerClusterName"), "DefaultCluster");

    let producer = Producer::builder("config-producer")
        .namesrv_addr(cluster.namesrv_addr())
        .start()
        .await
        .unwrap();
    producer
        .send(Message::new("ConfigTopic", "before"))
        .await
        .unwrap();

    // Read-only: sends are refused from now on, reads go on.
    admin
        .update_broker_config(&broker, &[("brokerPermission", "4")])
        .await
        .unwrap();
    assert_eq!(
        value(
            &admin.broker_config(&broker).await.unwrap(),
            "brokerPermission"
        ),
        "4"
    );
    let refused = producer
        .send(Message::new("ConfigTopic", "while read-only"))
        .await;
    assert!(
        matches!(
            &refused,
            Err(ClientError::Remote {
                code: ResponseCode::NoPermission,
                ..
            })
        ),
        "{refused:?}"
    );
    let reader = cluster.reader("config-group", "ConfigTopic").await;
    let got = reader.poll(Duration::from_secs(5)).await.unwrap();
    assert_eq!(got.len(), 1);
    reader.commit().await.unwrap();
    assert_eq!(
        std::fs::read_to_string(&conf).unwrap(),
        "# from the tutorial\nbrokerName=broker-a\nbrokerPermission=4\n",
        "persisted where the broker was started from, comments kept"
    );

    // Not changeable at run time, unknown, or a bad value: refused, nothing changed.
    for (pairs, code, names) in [
        (
            vec![("brokerPermission", "6"), ("listenPort", "1")],
            ResponseCode::NoPermission,
            "listenPort",
        ),
        (
            vec![("noSuchKey", "1")],
            ResponseCode::InvalidParameter,
            "noSuchKey",
        ),
        (
            vec![("brokerPermission", "9")],
            ResponseCode::InvalidParameter,
            "brokerPermission",
        ),
        (
            vec![("brokerConfigPath", "/tmp/x")],
            ResponseCode::NoPermission,
            "black list",
        ),
    ] {
        match admin.update_broker_config(&broker, &pairs).await {
            Err(ClientError::Remote {
                code: c, remark, ..
            }) => {
                assert_eq!(c, code, "{remark}");
                assert!(remark.contains(names), "{remark}");
            }
            other => panic!("{pairs:?}: {other:?}"),
        }
    }
    assert_eq!(
        value(
            &admin.broker_config(&broker).await.unwrap(),
            "brokerPermission"
        ),
        "4",
        "all or nothing"
    );

    // Writable again: sends succeed (once the name server has the new permission).
    admin
        .update_broker_config(&broker, &[("brokerPermission", "6")])
        .await
        .unwrap();
    let mut sent = false;
    for _ in 0..100 {
        if producer
            .send(Message::new("ConfigTopic", "after"))
            .await
            .is_ok()
        {
            sent = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(sent, "writable again");

    assert_eq!(
        admin
            .topic_consumed_by(&broker, "ConfigTopic")
            .await
            .unwrap(),
        vec!["config-group".to_string()]
    );

    // mqadmin prints Apache's layout.
    let text = mqadmin(&[
        "getBrokerConfig",
        "-n",
        &cluster.namesrv_addr(),
        "-b",
        &broker,
    ]);
    assert!(text.starts_with(&format!("============{broker}============\n")));
    assert!(
        text.contains(&format!("{:<50}=  6\n", "brokerPermission")),
        "{text}"
    );
    let refused = mqadmin_run(
        &[
            "updateBrokerConfig",
            "-n",
            &cluster.namesrv_addr(),
            "-b",
            &broker,
            "-k",
            "listenPort",
            "-v",
            "1",
        ],
        None,
    );
    assert!(!refused.ok);
    assert!(refused.stderr.contains("listenPort"), "{}", refused.stderr);
    reader.shutdown().await;
    producer.shutdown().await;
}
