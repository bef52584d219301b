//! `mqadmin queryMsgById`, `queryMsgByUniqueKey` and `queryMsgByKey` against a broker: the
//! fields and who consumed the message, in Apache's layout, and the body file.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rocketmq_client::consumer::{ConsumeFromWhere, ConsumeResult, PushConsumer};
use rocketmq_client::{Message, Producer};
use rocketmq_integration_tests::TestCluster;
use rocketmq_integration_tests::process::mqadmin_run;

// Multi-threaded: `mqadmin` runs as a child process the test waits for, while the servers it
// asks run on this runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_is_found_by_each_id_with_who_consumed_it() {
    let cluster = TestCluster::start(|_| {}).await;
    let ns = cluster.namesrv_addr();
    let producer = Producer::builder("lookup-producer")
        .namesrv_addr(ns.clone())
        .start()
        .await
        .unwrap();
    let sent = producer
        .send(
            Message::new("LookupTopic", "the body")
                .with_tags("TagA")
                .with_keys("ORDER-42"),
        )
        .await
        .unwrap();
    let consumed = Arc::new(AtomicUsize::new(0));
    let seen = consumed.clone();
    let consumer = PushConsumer::builder("lookup-consumers")
        .namesrv_addr(&ns)
        .subscribe("LookupTopic", "TagA")
        .consume_from_where(ConsumeFromWhere::FirstOffset)
        .start(move |msgs| {
            let seen = seen.clone();
            async move {
                seen.fetch_add(msgs.len(), Ordering::SeqCst);
                ConsumeResult::Success
            }
        })
        .await
        .unwrap();
    for _ in 0..200 {
        if consumed.load(Ordering::SeqCst) > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(consumed.load(Ordering::SeqCst), 1);

    let tmp = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let p = mqadmin_run(args, Some(tmp.path()));
        assert!(p.ok, "{args:?}: {}{}", p.stdout, p.stderr);
        p.stdout
    };
    // The consumer commits its offset every few seconds: the track says CONSUMED once it has.
    let mut text = String::new();
    for _ in 0..100 {
        text = run(&["queryMsgById", "-n", &ns, "-i", &sent.offset_msg_id]);
        if text.contains("trackType=CONSUMED,") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for line in [
        format!("{:<20} {}", "OffsetID:", sent.offset_msg_id),
        format!("{:<20} LookupTopic", "Topic:"),
        format!("{:<20} [TagA]", "Tags:"),
        format!("{:<20} [ORDER-42]", "Keys:"),
        format!("{:<20} {}", "Queue Offset:", sent.queue_offset),
        "MessageTrack [consumerGroup=lookup-consumers, trackType=CONSUMED, exceptionDesc=null]"
            .to_string(),
    ] {
        assert!(text.contains(&line), "{line:?} in\n{text}");
    }
    let body_line = text
        .lines()
        .find(|l| l.starts_with("Message Body Path:"))
        .unwrap();
    let path = body_line["Message Body Path:".len()..].trim();
    assert!(path.starts_with(tmp.path().to_str().unwrap()), "{path}");
    assert_eq!(std::fs::read(path).unwrap(), b"the body");

    let by_unique = run(&[
        "queryMsgByUniqueKey",
        "-n",
        &ns,
        "-t",
        "LookupTopic",
        "-i",
        &sent.msg_id,
    ]);
    assert!(by_unique.contains(&format!("{:<20} {}", "OffsetID:", sent.offset_msg_id)));

    let by_key = run(&[
        "queryMsgByKey",
        "-n",
        &ns,
        "-t",
        "LookupTopic",
        "-k",
        "ORDER-42",
    ]);
    let mut lines = by_key.lines();
    assert_eq!(
        lines.next().unwrap(),
        format!("{:<50} {:>4} {:>40}", "#Message ID", "#QID", "#Offset")
    );
    let row = lines.next().unwrap();
    assert!(row.starts_with(&sent.offset_msg_id), "{row}");

    // sendMessage to a chosen queue, then the message at that queue offset.
    let broker_name = sent.message_queue.broker_name.clone();
    let qid = sent.message_queue.queue_id.to_string();
    let out = run(&[
        "sendMessage",
        "-n",
        &ns,
        "-t",
        "LookupTopic",
        "-p",
        "from the cli",
        "-c",
        "TagB",
        "-b",
        &broker_name,
        "-i",
        &qid,
    ]);
    let mut lines = out.lines();
    assert_eq!(
        lines.next().unwrap(),
        format!(
            "{:<32}  {:<4}  {:<20}    #MsgId",
            "#Broker Name", "#QID", "#Send Result"
        )
    );
    let row: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(
        (row[0], row[1], row[2]),
        (broker_name.as_str(), qid.as_str(), "SEND_OK")
    );
    let next = (sent.queue_offset + 1).to_string();
    let out = run(&[
        "queryMsgByOffset",
        "-n",
        &ns,
        "-t",
        "LookupTopic",
        "-b",
        &broker_name,
        "-i",
        &qid,
        "-o",
        &next,
    ]);
    assert!(out.contains(&format!("{:<20} [TagB]", "Tags:")), "{out}");
    let body_path = out
        .lines()
        .find_map(|l| l.strip_prefix("Message Body Path:"))
        .unwrap()
        .trim()
        .to_string();
    assert_eq!(std::fs::read(body_path).unwrap(), b"from the cli");
    let out = run(&[
        "printMsgByQueue",
        "-n",
        &ns,
        "-t",
        "LookupTopic",
        "-a",
        &broker_name,
        "-i",
        &qid,
        "-p",
        "true",
        "-d",
        "true",
        "-f",
        "true",
    ]);
    assert!(
        out.contains(&format!("Tag: {:<30} Count: 1\n", "TagA")),
        "{out}"
    );
    assert!(
        out.contains(&format!("Tag: {:<30} Count: 1\n", "TagB")),
        "{out}"
    );
    assert!(out.contains(" BODY: the body\n"), "{out}");
    assert!(
        out.contains(&format!(
            "MSGID: {} MessageExt [brokerName={broker_name}, queueId={qid},",
            sent.msg_id
        )),
        "{out}"
    );
    let out = run(&["printMsg", "-n", &ns, "-t", "LookupTopic", "-s", "TagB"]);
    assert_eq!(out.matches("MSGID: ").count(), 1, "{out}");
    assert!(out.contains(" BODY: from the cli\n"), "{out}");
    assert!(
        out.contains("print msg finished. status=NO_NEW_MSG"),
        "{out}"
    );
    let from = sent.queue_offset.to_string();
    let out = run(&[
        "consumeMessage",
        "-n",
        &ns,
        "-t",
        "LookupTopic",
        "-b",
        &broker_name,
        "-i",
        &qid,
        "-o",
        &from,
        "-c",
        "1",
    ]);
    assert!(out.contains("Consume ok\n"), "{out}");
    assert_eq!(out.matches("MSGID: ").count(), 1, "{out}");
    assert!(out.contains(" BODY: the body\n"), "{out}");
    let out = run(&[
        "checkMsgSendRT",
        "-n",
        &ns,
        "-t",
        "LookupTopic",
        "-a",
        "3",
        "-s",
        "16",
    ]);
    assert_eq!(
        out.lines().filter(|l| l.contains("true")).count(),
        3,
        "{out}"
    );
    assert!(out.lines().last().unwrap().starts_with("Avg RT: "), "{out}");
    consumer.shutdown().await;
    producer.shutdown().await;
}
