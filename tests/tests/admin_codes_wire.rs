//! The admin request codes at the wire, as Apache's tools and dashboard send them: request
//! headers written with Java's field names by hand, bodies read back as untyped JSON with the
//! field names of Apache's Java classes (`KVTable`, `SubscriptionGroupWrapper`,
//! `BrokerStatsData`, `ConsumeStatsList`, `QueryConsumeTimeSpanBody`,
//! `QueryConsumeQueueResponseBody`, `ConsumeMessageDirectlyResult`, …), so a name our typed
//! structs and server both got wrong would still fail here.

use std::time::Duration;

use rocketmq_client::consumer::{ConsumeFromWhere, ConsumeResult, PushConsumer};
use rocketmq_client::protocol::fastjson;
use rocketmq_client::protocol::{RemotingCommand, RequestCode, ResponseCode};
use rocketmq_client::remoting::RemotingClient;
use rocketmq_integration_tests::{TestCluster, wire};
use serde_json::Value;

const TOPIC: &str = "WireAdmin";

/// A request whose ext fields are exactly `fields`.
fn request(code: RequestCode, fields: &[(&str, &str)]) -> RemotingCommand {
    let mut req = RemotingCommand::request(code);
    for (k, v) in fields {
        req.ext_fields.insert(k.to_string(), v.to_string());
    }
    req
}

async fn ok(c: &RemotingClient, addr: &str, req: RemotingCommand) -> RemotingCommand {
    let code = req.code;
    let resp = wire::call(c, addr, req).await;
    assert_eq!(
        resp.response_code(),
        ResponseCode::Success,
        "code {code}: {:?}",
        resp.remark
    );
    resp
}

/// The body as fastjson reads it (object keys become their JSON text).
fn json(resp: &RemotingCommand) -> Value {
    fastjson::parse(&resp.body).expect("a JSON body")
}

/// `key=value` lines, as `MixAll.properties2String` writes a config.
fn properties(resp: &RemotingCommand) -> Vec<(String, String)> {
    String::from_utf8(resp.body.to_vec())
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn has_fields(v: &Value, fields: &[&str]) {
    for f in fields {
        assert!(v.get(f).is_some(), "`{f}` missing in {v}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_codes_answer_with_javas_field_names() {
    let cluster = TestCluster::start(|_| {}).await;
    let (c, ns, b) = (
        &cluster.client,
        cluster.namesrv_addr(),
        cluster.broker_addr(),
    );
    let mut ids = Vec::new();
    for i in 0..5 {
        let sent = wire::send(c, &b, &wire::message(TOPIC, format!("m{i}"), "A"), 0).await;
        ids.push(sent.msg_id);
    }
    wire::wait_dispatched(c, &b, TOPIC, 0, 5).await;
    wire::commit_offset(c, &b, "wire-g", TOPIC, 0, 3).await;

    // GET_BROKER_RUNTIME_INFO (28): KVTable.
    let kv = json(&ok(c, &b, request(RequestCode::GetBrokerRuntimeInfo, &[])).await);
    has_fields(
        &kv["table"],
        &[
            "putTps",
            "getTransferedTps",
            "commitLogDirCapacity",
            "brokerVersionDesc",
        ],
    );

    // GET_BROKER_CONFIG (26) / UPDATE_BROKER_CONFIG (25): properties text both ways, the
    // version in the response header.
    let resp = ok(c, &b, request(RequestCode::GetBrokerConfig, &[])).await;
    assert!(
        resp.ext_fields.contains_key("version"),
        "{:?}",
        resp.ext_fields
    );
    assert!(properties(&resp).iter().any(|(k, _)| k == "brokerName"));
    let update = request(RequestCode::UpdateBrokerConfig, &[])
        .with_body("shortPollingTimeMills=1500\n".as_bytes().to_vec());
    ok(c, &b, update).await;
    let after = properties(&ok(c, &b, request(RequestCode::GetBrokerConfig, &[])).await);
    assert!(after.contains(&("shortPollingTimeMills".into(), "1500".into())));

    // UPDATE_AND_CREATE_SUBSCRIPTIONGROUP (200), GET_ALL_SUBSCRIPTIONGROUP_CONFIG (201),
    // DELETE_SUBSCRIPTIONGROUP (207, groupName + removeOffset).
    let group = r#"{"groupName":"wire-sub","consumeEnable":true,"consumeFromMinEnable":true,"consumeBroadcastEnable":true,"retryQueueNums":1,"retryMaxTimes":5,"brokerId":0,"whichBrokerWhenConsumeSlowly":1,"notifyConsumerIdsChangedEnable":true}"#;
    ok(
        c,
        &b,
        request(RequestCode::UpdateAndCreateSubscriptionGroup, &[])
            .with_body(group.as_bytes().to_vec()),
    )
    .await;
    let all = json(
        &ok(
            c,
            &b,
            request(RequestCode::GetAllSubscriptionGroupConfig, &[]),
        )
        .await,
    );
    has_fields(&all, &["subscriptionGroupTable", "dataVersion"]);
    has_fields(&all["dataVersion"], &["timestamp", "counter"]);
    let sub = &all["subscriptionGroupTable"]["wire-sub"];
    has_fields(
        sub,
        &[
            "groupName",
            "consumeEnable",
            "consumeFromMinEnable",
            "consumeBroadcastEnable",
            "retryQueueNums",
            "retryMaxTimes",
            "brokerId",
            "whichBrokerWhenConsumeSlowly",
            "notifyConsumerIdsChangedEnable",
        ],
    );
    assert_eq!(sub["retryMaxTimes"], 5);
    ok(
        c,
        &b,
        request(
            RequestCode::DeleteSubscriptionGroup,
            &[("groupName", "wire-sub"), ("removeOffset", "true")],
        ),
    )
    .await;
    let all = json(
        &ok(
            c,
            &b,
            request(RequestCode::GetAllSubscriptionGroupConfig, &[]),
        )
        .await,
    );
    assert!(all["subscriptionGroupTable"].get("wire-sub").is_none());

    // Apache lists the consume stats of the broker's subscription groups.
    let wire_g = group.replace("wire-sub", "wire-g");
    ok(
        c,
        &b,
        request(RequestCode::UpdateAndCreateSubscriptionGroup, &[]).with_body(wire_g.into_bytes()),
    )
    .await;

    // CLONE_GROUP_OFFSET (314): srcGroup, destGroup, topic, offline.
    ok(
        c,
        &b,
        request(
            RequestCode::CloneGroupOffset,
            &[
                ("srcGroup", "wire-g"),
                ("destGroup", "wire-copy"),
                ("topic", TOPIC),
                ("offline", "true"),
            ],
        ),
    )
    .await;
    assert_eq!(
        wire::query_offset(c, &b, "wire-copy", TOPIC, 0).await,
        Some(3)
    );

    // VIEW_BROKER_STATS_DATA (315): BrokerStatsData of BrokerStatsItems.
    let stats = json(
        &ok(
            c,
            &b,
            request(
                RequestCode::ViewBrokerStatsData,
                &[("statsName", "TOPIC_PUT_NUMS"), ("statsKey", TOPIC)],
            ),
        )
        .await,
    );
    for window in ["statsMinute", "statsHour", "statsDay"] {
        has_fields(&stats[window], &["sum", "tps", "avgpt"]);
    }
    // (Apache samples the windows every 10 s, 10 min and 1 h: the sums lag the sends.)
    assert!(stats["statsMinute"]["sum"].is_u64(), "{stats}");

    // GET_BROKER_CONSUME_STATS (317): ConsumeStatsList; offsetTable keyed by MessageQueue.
    let list = json(
        &ok(
            c,
            &b,
            request(RequestCode::GetBrokerConsumeStats, &[("isOrder", "false")]),
        )
        .await,
    );
    has_fields(&list, &["consumeStatsList", "brokerAddr", "totalDiff"]);
    let groups: Vec<&Value> = list["consumeStatsList"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    let mine = groups
        .iter()
        .find_map(|m| m.get("wire-g"))
        .expect("wire-g's stats")[0]
        .clone();
    has_fields(&mine, &["offsetTable", "consumeTps"]);
    let (key, offsets) = mine["offsetTable"]
        .as_object()
        .unwrap()
        .iter()
        .next()
        .unwrap();
    let mq: Value = serde_json::from_str(key).unwrap();
    has_fields(&mq, &["topic", "brokerName", "queueId"]);
    has_fields(
        offsets,
        &["brokerOffset", "consumerOffset", "lastTimestamp"],
    );
    assert_eq!(
        (
            offsets["brokerOffset"].as_i64(),
            offsets["consumerOffset"].as_i64()
        ),
        (Some(5), Some(3))
    );

    // QUERY_CONSUME_TIME_SPAN (303): QueryConsumeTimeSpanBody of QueueTimeSpans.
    let span = json(
        &ok(
            c,
            &b,
            request(
                RequestCode::QueryConsumeTimeSpan,
                &[("topic", TOPIC), ("group", "wire-g")],
            ),
        )
        .await,
    );
    let spans = span["consumeTimeSpanSet"]
        .as_array()
        .expect("consumeTimeSpanSet");
    let q0 = spans
        .iter()
        .find(|s| s["messageQueue"]["queueId"] == 0)
        .unwrap();
    has_fields(
        q0,
        &[
            "messageQueue",
            "minTimeStamp",
            "maxTimeStamp",
            "consumeTimeStamp",
            "delayTime",
        ],
    );
    assert!(q0["minTimeStamp"].as_i64().unwrap() > 0);

    // QUERY_CONSUME_QUEUE (321): QueryConsumeQueueResponseBody of ConsumeQueueData.
    let cq = json(
        &ok(
            c,
            &b,
            request(
                RequestCode::QueryConsumeQueue,
                &[
                    ("topic", TOPIC),
                    ("queueId", "0"),
                    ("index", "0"),
                    ("count", "2"),
                    ("consumerGroup", "wire-g"),
                ],
            ),
        )
        .await,
    );
    has_fields(&cq, &["queueData", "maxQueueIndex", "minQueueIndex"]);
    assert_eq!(cq["maxQueueIndex"], 5);
    let entries = cq["queueData"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    has_fields(&entries[0], &["physicOffset", "physicSize", "tagsCode"]);

    // CLEAN_EXPIRED_CONSUMEQUEUE (306), CLEAN_UNUSED_TOPIC (316): no header, SUCCESS.
    ok(c, &b, request(RequestCode::CleanExpiredConsumeQueue, &[])).await;
    ok(c, &b, request(RequestCode::CleanUnusedTopic, &[])).await;
    assert_eq!(
        wire::max_offset(c, &b, TOPIC, 0).await,
        5,
        "live queues kept"
    );

    // Name server: GET_NAMESRV_CONFIG (319) / UPDATE_NAMESRV_CONFIG (318) as properties.
    let config = properties(&ok(c, &ns, request(RequestCode::GetNamesrvConfig, &[])).await);
    assert!(
        config.iter().any(|(k, _)| k == "orderMessageEnable"),
        "{config:?}"
    );
    let update = request(RequestCode::UpdateNamesrvConfig, &[])
        .with_body("orderMessageEnable=true\n".as_bytes().to_vec());
    ok(c, &ns, update).await;
    let config = properties(&ok(c, &ns, request(RequestCode::GetNamesrvConfig, &[])).await);
    assert!(config.contains(&("orderMessageEnable".into(), "true".into())));

    // PUT_KV_CONFIG (100), GET_KV_CONFIG (101, `value` header), GET_KVLIST_BY_NAMESPACE (219,
    // KVTable), DELETE_KV_CONFIG (102).
    let kv = [("namespace", "wire-ns"), ("key", "k"), ("value", "v1")];
    ok(c, &ns, request(RequestCode::PutKvConfig, &kv)).await;
    let got = ok(c, &ns, request(RequestCode::GetKvConfig, &kv[..2])).await;
    assert_eq!(got.ext_fields.get("value").map(String::as_str), Some("v1"));
    let table = json(&ok(c, &ns, request(RequestCode::GetKvListByNamespace, &kv[..1])).await);
    assert_eq!(table["table"]["k"], "v1");
    ok(c, &ns, request(RequestCode::DeleteKvConfig, &kv[..2])).await;
    let gone = wire::call(c, &ns, request(RequestCode::GetKvConfig, &kv[..2])).await;
    assert_eq!(gone.response_code(), ResponseCode::QueryNotFound);

    // WIPE_WRITE_PERM_OF_BROKER (205, wipeTopicCount) and ADD_WRITE_PERM_OF_BROKER (327,
    // addTopicCount), by brokerName.
    cluster.wait_route(TOPIC).await;
    let info = wire::cluster_info(c, &ns).await;
    let name = info.cluster_addr_table["DefaultCluster"]
        .iter()
        .next()
        .unwrap()
        .clone();
    let wiped = ok(
        c,
        &ns,
        request(RequestCode::WipeWritePermOfBroker, &[("brokerName", &name)]),
    )
    .await;
    let count: i32 = wiped
        .ext_fields
        .get("wipeTopicCount")
        .unwrap()
        .parse()
        .unwrap();
    assert!(count >= 1);
    let added = ok(
        c,
        &ns,
        request(RequestCode::AddWritePermOfBroker, &[("brokerName", &name)]),
    )
    .await;
    let count: i32 = added
        .ext_fields
        .get("addTopicCount")
        .unwrap()
        .parse()
        .unwrap();
    assert!(count >= 1);

    // CONSUME_MESSAGE_DIRECTLY (309): the broker asks a live consumer to consume one message
    // and answers with its ConsumeMessageDirectlyResult.
    let consumer = PushConsumer::builder("wire-c")
        .namesrv_addr(&ns)
        .subscribe(TOPIC, "*")
        .consume_from_where(ConsumeFromWhere::LastOffset)
        .start(|_| async { ConsumeResult::Success })
        .await
        .unwrap();
    let client_id = consumer.client_id().to_string();
    let mut direct = None;
    for _ in 0..50 {
        let resp = wire::call(
            c,
            &b,
            request(
                RequestCode::ConsumeMessageDirectly,
                &[
                    ("consumerGroup", "wire-c"),
                    ("clientId", &client_id),
                    ("msgId", &ids[2]),
                    ("brokerName", &name),
                ],
            ),
        )
        .await;
        if resp.response_code() == ResponseCode::Success {
            direct = Some(json(&resp));
            break;
        }
        // The broker learns of the consumer from its first heartbeat.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let direct = direct.expect("the consumer answers through the broker");
    has_fields(
        &direct,
        &["order", "autoCommit", "consumeResult", "spentTimeMills"],
    );
    assert_eq!(direct["consumeResult"], "CR_SUCCESS");
    consumer.shutdown().await;
    cluster.stop().await;
}
