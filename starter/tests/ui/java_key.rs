use rocketmq_starter::rocketmq_listener;

#[rocketmq_listener(topic = "t", consumerGroup = "g")]
async fn on_message(_msg: String) {}

fn main() {}
