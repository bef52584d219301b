//! The name server's admin codes: its configuration (GET_ / UPDATE_NAMESRV_CONFIG) and a
//! broker's write permission in its routes (WIPE_ / ADD_WRITE_PERM_OF_BROKER), through the
//! admin client and `mqadmin`.

use rocketmq_client::ClientError;
use rocketmq_client::admin::{Admin, Target};
use rocketmq_client::protocol::ResponseCode;
use rocketmq_client::protocol::body::TopicConfig;
use rocketmq_integration_tests::TestCluster;
use rocketmq_integration_tests::process::mqadmin_run;

fn mqadmin(args: &[&str]) -> (bool, String, String) {
    let p = mqadmin_run(args, None);
    (p.ok, p.stdout, p.stderr)
}

// Multi-threaded: `mqadmin` runs as a child process the test waits for, while the servers it
// asks run on this runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namesrv_config_and_write_permission() {
    let cluster = TestCluster::start(|_| {}).await;
    let ns = cluster.namesrv_addr();
    let admin = Admin::connect(Some(&ns)).unwrap();
    admin
        .create_topic(
            &Target::Cluster("DefaultCluster".into()),
            &TopicConfig::new("PermTopic", 4),
        )
        .await
        .unwrap();
    cluster.wait_route("PermTopic").await;

    let config = admin.namesrv_config(&ns).await.unwrap();
    assert!(config.contains(&("enableAllTopicList".into(), "true".into())));
    admin
        .update_namesrv_config(&ns, &[("enableAllTopicList", "false")])
        .await
        .unwrap();
    match admin.topic_list().await {
        Err(ClientError::Remote { remark, .. }) => assert_eq!(remark, "disable"),
        other => panic!("{other:?}"),
    }
    match admin
        .update_namesrv_config(&ns, &[("enableAllTopicList", "true"), ("listenPort", "1")])
        .await
    {
        Err(ClientError::Remote { code, remark, .. }) => {
            assert_eq!(code, ResponseCode::NoPermission);
            assert!(remark.contains("listenPort"), "{remark}");
        }
        other => panic!("{other:?}"),
    }
    assert!(admin.topic_list().await.is_err(), "all or nothing");
    let (ok, out, err) = mqadmin(&[
        "updateNamesrvConfig",
        "-n",
        &ns,
        "-k",
        "enableAllTopicList",
        "-v",
        "true",
    ]);
    assert!(ok, "{out}{err}");
    assert_eq!(
        out,
        format!("update name server config success![{ns}]\nenableAllTopicList : true\n")
    );
    assert!(admin.topic_list().await.is_ok());
    let (ok, out, _) = mqadmin(&["getNamesrvConfig", "-n", &ns]);
    assert!(ok);
    assert!(
        out.starts_with(&format!("============{ns}============\n")),
        "{out}"
    );
    assert!(
        out.contains(&format!("{:<50}=  true\n", "enableAllTopicList")),
        "{out}"
    );

    let broker_name = admin.topic_route("PermTopic").await.unwrap().queue_datas[0]
        .broker_name
        .clone();
    let (ok, out, err) = mqadmin(&["wipeWritePerm", "-n", &ns, "-b", &broker_name]);
    assert!(ok, "{out}{err}");
    assert!(
        out.starts_with(&format!(
            "wipe write perm of broker[{broker_name}] in name server[{ns}] OK, "
        )),
        "{out}"
    );
    let route = admin.topic_route("PermTopic").await.unwrap();
    assert_eq!(route.queue_datas[0].perm, 4, "read-only in the routes");
    let added = admin.add_write_perm(&ns, &broker_name).await.unwrap();
    assert!(added >= 1);
    let route = admin.topic_route("PermTopic").await.unwrap();
    assert_eq!(route.queue_datas[0].perm, 6);

    // KV config and an ordered topic's layout, which routes carry with orderMessageEnable.
    let (ok, out, _) = mqadmin(&[
        "updateKvConfig",
        "-n",
        &ns,
        "-s",
        "app",
        "-k",
        "k1",
        "-v",
        "v1",
    ]);
    assert!(ok);
    assert_eq!(out, "create or update kv config to namespace success.\n");
    assert_eq!(
        admin.kv_config("app", "k1").await.unwrap().as_deref(),
        Some("v1")
    );
    let (ok, out, _) = mqadmin(&["deleteKvConfig", "-n", &ns, "-s", "app", "-k", "k1"]);
    assert!(ok);
    assert_eq!(out, "delete kv config from namespace success.\n");
    assert_eq!(admin.kv_config("app", "k1").await.unwrap(), None);
    let conf = format!("{broker_name}:4");
    let (ok, out, _) = mqadmin(&[
        "updateOrderConf",
        "-n",
        &ns,
        "-t",
        "PermTopic",
        "-m",
        "put",
        "-v",
        &conf,
    ]);
    assert!(ok);
    assert_eq!(
        out,
        format!("update orderConf success. topic=[PermTopic], orderConf=[{conf}]\n")
    );
    admin
        .update_namesrv_config(&ns, &[("orderMessageEnable", "true")])
        .await
        .unwrap();
    let route = admin.topic_route("PermTopic").await.unwrap();
    assert_eq!(route.order_topic_conf.as_deref(), Some(conf.as_str()));
    let (ok, out, _) = mqadmin(&["updateOrderConf", "-n", &ns, "-t", "PermTopic", "-m", "get"]);
    assert!(ok);
    assert_eq!(
        out,
        format!("get orderConf success. topic=[PermTopic], orderConf=[{conf}] \n")
    );
    let (ok, _, _) = mqadmin(&[
        "updateOrderConf",
        "-n",
        &ns,
        "-t",
        "PermTopic",
        "-m",
        "delete",
    ]);
    assert!(ok);
    assert_eq!(
        admin
            .topic_route("PermTopic")
            .await
            .unwrap()
            .order_topic_conf,
        None
    );
}
