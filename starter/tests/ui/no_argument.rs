use rocketmq_starter::rocketmq_listener;

#[rocketmq_listener(topic = "t", group = "g")]
async fn on_message() {}

fn main() {}
