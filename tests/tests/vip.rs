//! The broker's VIP ("fast") port, listenPort − 2, which clients before 4.5.1 send to by
//! default: it serves sends and admin calls but not pulls, like Apache's.

use broker_server::broker::{self, BrokerConfig};
use rocketmq_client::protocol::ResponseCode;
use rocketmq_client::remoting::RemotingClient;
use rocketmq_integration_tests::{init_logging, wire};

/// A port P such that P and P − 2 were both free a moment ago.
fn free_port_pair() -> u16 {
    for _ in 0..100 {
        let main = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = main.local_addr().unwrap().port();
        if port > 1026 && std::net::TcpListener::bind(("127.0.0.1", port - 2)).is_ok() {
            return port;
        }
    }
    panic!("no free port pair");
}

#[tokio::test]
async fn the_vip_port_takes_sends_but_not_pulls() {
    init_logging();
    let dir = tempfile::tempdir().unwrap();
    let mut config = BrokerConfig::for_dir(dir.path());
    config.listen_port = free_port_pair();
    let vip = format!("127.0.0.1:{}", config.listen_port - 2);
    let main = format!("127.0.0.1:{}", config.listen_port);
    let broker = broker::start(config).await.unwrap();
    let client = RemotingClient::new();

    let sent = wire::send(
        &client,
        &vip,
        &wire::message("Vip", "via the fast port", "A"),
        0,
    )
    .await;
    assert_eq!(sent.queue_offset, 0);
    let refused = wire::Pull::new("Vip", 0, 0).send(&client, &vip).await;
    assert_eq!(refused.code, ResponseCode::RequestCodeNotSupported);
    // A held pull: the message is pullable once dispatched, just after the send's answer.
    let pulled = wire::Pull::new("Vip", 0, 0)
        .suspend(3000)
        .send(&client, &main)
        .await;
    assert_eq!(&pulled.messages[0].message.body[..], b"via the fast port");
    client.close_all();
    broker.shutdown().await;
}
