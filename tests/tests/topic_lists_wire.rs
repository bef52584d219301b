//! The topic-list codes at the wire, their bodies read with Java's field names:
//! GET_TOPICS_BY_CLUSTER (224) and GET_SYSTEM_TOPIC_LIST_FROM_NS (304) on the name server,
//! GET_SYSTEM_TOPIC_LIST_FROM_BROKER (305) and QUERY_TOPIC_CONSUME_BY_WHO (300) on the broker.

use rocketmq_client::protocol::header::{ClusterHeader, TopicHeader};
use rocketmq_client::protocol::{RemotingCommand, RequestCode, ResponseCode};
use rocketmq_integration_tests::{TestCluster, wire};

fn json(resp: &RemotingCommand) -> serde_json::Value {
    assert_eq!(
        resp.response_code(),
        ResponseCode::Success,
        "{:?}",
        resp.remark
    );
    serde_json::from_slice(&resp.body).expect("a JSON body")
}

fn strings(v: &serde_json::Value, field: &str) -> Vec<String> {
    v[field]
        .as_array()
        .unwrap_or_else(|| panic!("`{field}` in {v}"))
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn topic_lists_answer_with_javas_field_names() {
    let cluster = TestCluster::start(|_| {}).await;
    let (c, ns, b) = (
        &cluster.client,
        cluster.namesrv_addr(),
        cluster.broker_addr(),
    );
    wire::send(c, &b, &wire::message("ListTopic", "m", "A"), 0).await;
    cluster.wait_route("ListTopic").await;

    let by_cluster = json(
        &wire::call(
            c,
            &ns,
            RemotingCommand::request_with(
                RequestCode::GetTopicsByCluster,
                &ClusterHeader {
                    cluster: "DefaultCluster".into(),
                },
            ),
        )
        .await,
    );
    assert!(strings(&by_cluster, "topicList").contains(&"ListTopic".to_string()));

    let from_ns = json(
        &wire::call(
            c,
            &ns,
            RemotingCommand::request(RequestCode::GetSystemTopicListFromNs),
        )
        .await,
    );
    let ns_system = strings(&from_ns, "topicList");
    assert!(
        ns_system.contains(&"DefaultCluster".to_string()),
        "{from_ns}"
    );
    assert_eq!(
        from_ns["brokerAddr"].as_str(),
        Some(b.as_str()),
        "{from_ns}"
    );

    let from_broker = json(
        &wire::call(
            c,
            &b,
            RemotingCommand::request(RequestCode::GetSystemTopicListFromBroker),
        )
        .await,
    );
    let broker_system = strings(&from_broker, "topicList");
    for t in [
        "TBW102",
        "SCHEDULE_TOPIC_XXXX",
        "RMQ_SYS_TRANS_HALF_TOPIC",
        "DefaultCluster_REPLY_TOPIC",
    ] {
        assert!(
            broker_system.contains(&t.to_string()),
            "{t} in {from_broker}"
        );
    }
    assert!(!broker_system.contains(&"ListTopic".to_string()));

    let who = json(
        &wire::call(
            c,
            &b,
            RemotingCommand::request_with(
                RequestCode::QueryTopicConsumeByWho,
                &TopicHeader {
                    topic: "ListTopic".into(),
                    accept_standard_json_only: None,
                },
            ),
        )
        .await,
    );
    assert_eq!(strings(&who, "groupList"), Vec::<String>::new(), "{who}");
    wire::commit_offset(c, &b, "list-readers", "ListTopic", 0, 1).await;
    let who = json(
        &wire::call(
            c,
            &b,
            RemotingCommand::request_with(
                RequestCode::QueryTopicConsumeByWho,
                &TopicHeader {
                    topic: "ListTopic".into(),
                    accept_standard_json_only: None,
                },
            ),
        )
        .await,
    );
    assert_eq!(strings(&who, "groupList"), vec!["list-readers".to_string()]);
    cluster.stop().await;
}
