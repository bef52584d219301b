use rocketmq_starter::rocketmq_listener;

#[rocketmq_listener(topic = "t", group = "g", model = "broadcasting", consume_mode = "orderly")]
async fn on_message(_msg: String) {}

fn main() {}
