use rocketmq_starter::rocketmq_listener;

struct NotDeserialize;

#[rocketmq_listener(topic = "t", group = "g")]
async fn on_message(_msg: NotDeserialize) {}

fn main() {}
