//! `rocketmq.dashboard.enabled: true` in application.yml serves the console inside the
//! application (feature `dashboard`), for its name servers (here the embedded ones), and stops
//! with it.

use rocketmq_integration_tests::http;
use rocketmq_starter::RocketApplication;

// Multi-threaded: the HTTP calls block the test's thread while the servers run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_application_serves_the_dashboard() {
    let dir = tempfile::tempdir().unwrap();
    let app = RocketApplication::builder()
        .config_dir(dir.path())
        .yaml(
            "application.yml",
            "rocketmq:\n  embedded: true\n  producer:\n    group: boot-dash\n  dashboard:\n    enabled: true\n    port: 0\n",
        )
        .start()
        .await
        .unwrap();
    app.template()
        .sync_send("boot-dash-topic", "hi")
        .await
        .unwrap();
    let addr = app
        .dashboard_addr()
        .expect("the dashboard runs")
        .to_string();
    let page = http::get(&addr, "/").unwrap();
    assert!(page.status == 200 && page.body.contains("RocketMQ Dashboard"));
    let topics = http::get(&addr, "/topic/list.query").unwrap();
    assert!(topics.body.contains("boot-dash-topic"), "{}", topics.body);
    app.shutdown().await;
    assert!(
        http::get(&addr, "/").is_err(),
        "stopped with the application"
    );
}
