use rocketmq_starter::rocketmq_listener;

#[rocketmq_listener(topic = "t", group = "g", model = "p2p")]
async fn on_message(_msg: String) {}

fn main() {}
