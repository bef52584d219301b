//! Configuration: application.yml, a profile, environment variables and placeholders, the
//! per-listener switch and knobs, and the errors for bad or missing settings and for listeners
//! that would silently lose messages.

use rocketmq_starter::listener::Model;
use rocketmq_starter::{RocketApplication, StartError, rocketmq_listener};

use crate::common::{Inbox, logs};

static GOT: Inbox<String> = Inbox::new();

#[rocketmq_listener(topic = "${app.topic}", group = "${app.group:cfg-default-group}")]
async fn configured(msg: String) {
    GOT.push(msg);
}

#[rocketmq_listener(topic = "cfg-switched", group = "cfg-switched-g")]
async fn switched_off(_msg: String) {}

fn builder(dir: &std::path::Path) -> rocketmq_starter::ApplicationBuilder {
    RocketApplication::builder()
        .config_dir(dir)
        .listeners_where(|d| ["configured", "switched_off"].contains(&d.function))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_env_and_placeholders_shape_the_application() {
    logs();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("application.yml"),
        "rocketmq:\n  embedded: true\n  producer:\n    group: base-group\n    send-message-timeout: 3000\n  consumer:\n    consume-from-where: first_offset\n    listeners:\n      cfg-switched-g:\n        cfg-switched: false\napp:\n  topic: base-topic\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("application-test.yml"),
        "rocketmq:\n  producer:\n    group: test-group\napp:\n  topic: cfg-test-topic\n",
    )
    .unwrap();
    let app = builder(dir.path())
        .env_vars([
            ("ROCKETMQ_PROFILES_ACTIVE".to_string(), "test".to_string()),
            (
                "ROCKETMQ_PRODUCER_SENDMESSAGETIMEOUT".to_string(),
                "4500".to_string(),
            ),
        ])
        .set(
            "rocketmq.consumer.listeners.cfg-default-group.cfg-test-topic.consume-thread-number",
            "2",
        )
        .start()
        .await
        .expect("app starts");
    let props = app.template().properties();
    assert_eq!(
        props.group.as_deref(),
        Some("test-group"),
        "the profile wins over the base file"
    );
    assert_eq!(
        props.send_message_timeout.as_millis(),
        4500,
        "the environment wins over files"
    );
    let started = app.listeners();
    assert_eq!(
        started.len(),
        1,
        "the switched-off listener is not started: {started:?}"
    );
    assert_eq!(started[0].topic, "cfg-test-topic");
    assert_eq!(
        started[0].group, "cfg-default-group",
        "the placeholder's default"
    );
    assert_eq!(started[0].model, Model::Clustering);
    app.template()
        .sync_send("cfg-test-topic", "configured")
        .await
        .unwrap();
    GOT.wait_until(30, "the message", |m| m == ["configured"])
        .await;
    app.shutdown().await;
}

#[rocketmq_listener(topic = "${nowhere.topic}", group = "cfg-unresolved")]
async fn unresolved(_msg: String) {}

#[rocketmq_listener(topic = "cfg-dup", group = "cfg-dup-g")]
async fn first_dup(_msg: String) {}

#[rocketmq_listener(topic = "cfg-dup", group = "cfg-dup-g", selector = "TagA")]
async fn second_dup(_msg: String) {}

#[rocketmq_listener(topic = "cfg-mixed-a", group = "cfg-mixed-g")]
async fn mixed_a(_msg: String) {}

#[rocketmq_listener(topic = "cfg-mixed-b", group = "cfg-mixed-g", model = "broadcasting")]
async fn mixed_b(_msg: String) {}

async fn start_err(
    yaml: &str,
    keep: impl Fn(&rocketmq_starter::listener::ListenerDef) -> bool + Send + Sync + 'static,
) -> String {
    let err = RocketApplication::builder()
        .config_dir("/nonexistent")
        .env_vars(Vec::new())
        .yaml("application.yml", yaml)
        .listeners_where(keep)
        .start()
        .await
        .expect_err("the start fails");
    err.to_string()
}

#[tokio::test]
async fn mistakes_fail_the_start_with_the_key_and_its_source() {
    logs();
    let ns = "rocketmq:\n  name-server: 127.0.0.1:1\n";
    let err = start_err(ns, |d| d.function == "unresolved").await;
    assert!(
        err.contains("${nowhere.topic}") && err.contains("unresolved"),
        "{err}"
    );

    let err = start_err(ns, |d| d.function.ends_with("_dup")).await;
    assert!(
        err.contains("both consume topic cfg-dup as group cfg-dup-g")
            && err.contains("first_dup")
            && err.contains("second_dup"),
        "{err}"
    );

    let err = start_err(ns, |d| d.function.starts_with("mixed_")).await;
    assert!(
        err.contains("share group cfg-mixed-g but differ in model"),
        "{err}"
    );

    let err = start_err(
        "rocketmq:\n  name-server: 127.0.0.1:1\n  producer:\n    group: g\n    send-message-timeout: soon\n",
        |_| false,
    )
    .await;
    assert_eq!(
        err,
        "configuration: rocketmq.producer.send-message-timeout = \"soon\" (application.yml): expected a whole number"
    );

    let err = start_err(
        "rocketmq:\n  name-server: 127.0.0.1:1\n  consumer:\n    listeners:\n      cfg-dup-g:\n        cfg-dup:\n          pull-batch-size: 0\n",
        |d| d.function == "first_dup",
    )
    .await;
    assert!(
        err.contains("rocketmq.consumer.listeners.cfg-dup-g.cfg-dup.pull-batch-size = \"0\" (application.yml)"),
        "{err}"
    );

    if std::env::var_os("NAMESRV_ADDR").is_none() {
        let err = start_err("rocketmq:\n  producer:\n    group: g\n", |_| false).await;
        assert!(
            err.starts_with(
                "configuration: rocketmq.name-server is not set (looked in application.yml"
            ),
            "{err}"
        );
    }
    let broken = RocketApplication::builder()
        .config_dir("/nonexistent")
        .yaml("application.yml", "rocketmq: [")
        .start()
        .await
        .unwrap_err();
    assert!(
        matches!(broken, StartError::Config(_)) && broken.to_string().contains("application.yml")
    );
}
