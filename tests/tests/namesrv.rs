//! Name server behaviour against a real broker registration.

use std::time::Duration;

use rocketmq_client::protocol::body::{JsonBody, KvTable, TopicList, TopicRouteData};
use rocketmq_client::protocol::header::{
    CreateTopicRequestHeader, DeleteTopicInNamesrvHeader, KvConfigRequestHeader, NamespaceHeader,
    TopicHeader,
};
use rocketmq_client::protocol::{RemotingCommand, RequestCode, ResponseCode};
use rocketmq_integration_tests::{TestCluster, start_broker, start_namesrv, wire};

async fn route(cluster: &TestCluster, topic: &str, version: i32) -> RemotingCommand {
    let mut req = RemotingCommand::request_with(
        RequestCode::GetRouteInfoByTopic,
        &TopicHeader {
            topic: topic.into(),
            accept_standard_json_only: None,
        },
    );
    req.version = version;
    wire::call(&cluster.client, &cluster.namesrv_addr(), req).await
}

#[tokio::test]
async fn a_registered_broker_serves_tbw102_and_auto_created_topics() {
    let cluster = TestCluster::start(|_| {}).await;
    let tbw = route(&cluster, "TBW102", 479).await;
    assert_eq!(tbw.response_code(), ResponseCode::Success);
    let data = TopicRouteData::decode(&tbw.body).unwrap();
    assert_eq!(
        data.broker_datas[0].master_addr(),
        Some(cluster.broker_addr().as_str())
    );
    assert_eq!(data.queue_datas[0].perm, 7);

    let missing = route(&cluster, "BrandNew", 479).await;
    assert_eq!(missing.response_code(), ResponseCode::TopicNotExist);

    wire::send(
        &cluster.client,
        &cluster.broker_addr(),
        &wire::message("BrandNew", "hi", "A"),
        0,
    )
    .await;
    // As with Apache's broker, the send that created the topic is answered once the name
    // server has it: a reader started right after finds the route.
    let r = route(&cluster, "BrandNew", 479).await;
    assert_eq!(
        r.response_code(),
        ResponseCode::Success,
        "routed when answered"
    );
    let data = TopicRouteData::decode(&r.body).unwrap();
    assert_eq!(
        data.queue_datas[0].write_queue_nums, 4,
        "min(client 4, TBW102 8)"
    );
    assert_eq!(data.queue_datas[0].perm, 6);

    let create = RemotingCommand::request_with(
        RequestCode::UpdateAndCreateTopic,
        &CreateTopicRequestHeader {
            topic: "Created".into(),
            default_topic: "TBW102".into(),
            read_queue_nums: 2,
            write_queue_nums: 2,
            perm: 6,
            topic_filter_type: "SINGLE_TAG".into(),
            topic_sys_flag: Some(0),
            order: false,
            attributes: None,
        },
    );
    let created = wire::call(&cluster.client, &cluster.broker_addr(), create).await;
    assert_eq!(created.response_code(), ResponseCode::Success);
    let r = route(&cluster, "Created", 479).await;
    assert_eq!(
        r.response_code(),
        ResponseCode::Success,
        "routed when answered"
    );
    assert_eq!(
        TopicRouteData::decode(&r.body).unwrap().queue_datas[0].read_queue_nums,
        2
    );
    cluster.stop().await;
}

#[tokio::test]
async fn old_clients_get_fastjson_routes_and_new_ones_standard_json() {
    let cluster = TestCluster::start(|_| {}).await;
    let old = route(&cluster, "TBW102", 317).await; // Go's V4_5_2
    assert!(String::from_utf8_lossy(&old.body).contains(r#""brokerAddrs":{0:""#));
    let new = route(&cluster, "TBW102", 401).await;
    assert!(String::from_utf8_lossy(&new.body).contains(r#""brokerAddrs":{"0":""#));
    cluster.stop().await;
}

#[tokio::test]
async fn a_broker_leaves_the_routes_when_its_connection_closes() {
    let namesrv = start_namesrv().await;
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(&namesrv.addr().to_string(), dir.path(), |_| {}).await;
    let client = rocketmq_client::remoting::RemotingClient::new();
    let ns = namesrv.addr().to_string();
    for _ in 0..100 {
        if !wire::cluster_info(&client, &ns)
            .await
            .broker_addr_table
            .is_empty()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let info = wire::cluster_info(&client, &ns).await;
    assert_eq!(
        info.cluster_addr_table["DefaultCluster"]
            .iter()
            .collect::<Vec<_>>(),
        vec!["broker-a"]
    );
    broker.shutdown().await;
    let info = wire::cluster_info(&client, &ns).await;
    assert!(
        info.broker_addr_table.is_empty(),
        "unregistered at shutdown"
    );
    namesrv.shutdown().await;
}

#[tokio::test]
async fn topic_lists_delete_and_kv_config() {
    let cluster = TestCluster::start(|_| {}).await;
    let ns = cluster.namesrv_addr();
    let c = &cluster.client;
    let all = wire::call(
        c,
        &ns,
        RemotingCommand::request(RequestCode::GetAllTopicListFromNameServer),
    )
    .await;
    let list = TopicList::decode(&all.body).unwrap();
    assert!(list.topic_list.contains(&"TBW102".to_string()));
    assert!(list.topic_list.contains(&"%RETRY%".to_string()) || !list.topic_list.is_empty());

    let del = RemotingCommand::request_with(
        RequestCode::DeleteTopicInNamesrv,
        &DeleteTopicInNamesrvHeader {
            topic: "SELF_TEST_TOPIC".into(),
            cluster_name: None,
        },
    );
    assert_eq!(
        wire::call(c, &ns, del).await.response_code(),
        ResponseCode::Success
    );
    assert_eq!(
        route(&cluster, "SELF_TEST_TOPIC", 479)
            .await
            .response_code(),
        ResponseCode::TopicNotExist
    );

    let put = RemotingCommand::request_with(
        RequestCode::PutKvConfig,
        &KvConfigRequestHeader {
            namespace: "ns".into(),
            key: "k".into(),
            value: Some("v".into()),
        },
    );
    assert_eq!(
        wire::call(c, &ns, put).await.response_code(),
        ResponseCode::Success
    );
    let get = RemotingCommand::request_with(
        RequestCode::GetKvConfig,
        &KvConfigRequestHeader {
            namespace: "ns".into(),
            key: "k".into(),
            value: None,
        },
    );
    assert_eq!(wire::call(c, &ns, get).await.ext("value"), Some("v"));
    let list = RemotingCommand::request_with(
        RequestCode::GetKvListByNamespace,
        &NamespaceHeader {
            namespace: "ns".into(),
        },
    );
    let table = KvTable::decode(&wire::call(c, &ns, list).await.body).unwrap();
    assert_eq!(table.table["k"], "v");
    let missing = RemotingCommand::request_with(
        RequestCode::GetKvConfig,
        &KvConfigRequestHeader {
            namespace: "ns".into(),
            key: "nope".into(),
            value: None,
        },
    );
    assert_eq!(
        wire::call(c, &ns, missing).await.response_code(),
        ResponseCode::QueryNotFound
    );
    cluster.stop().await;
}

#[tokio::test]
async fn a_broker_started_before_its_name_server_registers_within_seconds() {
    let port = rocketmq_integration_tests::process::free_port();
    let namesrv_addr = format!("127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(&namesrv_addr, dir.path(), |_| {}).await;
    tokio::time::sleep(Duration::from_millis(300)).await; // its first registration failed
    let namesrv = broker_server::namesrv::start(
        namesrv_addr.parse().unwrap(),
        broker_server::namesrv::NamesrvConfig::default(),
    )
    .await
    .unwrap();
    let client = rocketmq_client::remoting::RemotingClient::new();
    let started = std::time::Instant::now();
    loop {
        let req = RemotingCommand::request_with(
            RequestCode::GetRouteInfoByTopic,
            &TopicHeader {
                topic: "TBW102".into(),
                accept_standard_json_only: None,
            },
        );
        if wire::call(&client, &namesrv_addr, req)
            .await
            .response_code()
            == ResponseCode::Success
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the broker did not register within 5 s (the period is 30 s)"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    broker.shutdown().await;
    namesrv.shutdown().await;
}
