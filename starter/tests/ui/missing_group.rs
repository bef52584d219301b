use rocketmq_starter::rocketmq_listener;

#[rocketmq_listener(topic = "t")]
async fn on_message(_msg: String) {}

fn main() {}
