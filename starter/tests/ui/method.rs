use rocketmq_starter::rocketmq_listener;

struct Service;

impl Service {
    #[rocketmq_listener(topic = "t", group = "g")]
    async fn on_message(&self, _msg: String) {}
}

fn main() {}
