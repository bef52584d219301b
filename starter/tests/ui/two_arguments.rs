use rocketmq_starter::rocketmq_listener;

#[rocketmq_listener(topic = "t", group = "g")]
async fn on_message(_msg: String, _extra: u32) {}

fn main() {}
