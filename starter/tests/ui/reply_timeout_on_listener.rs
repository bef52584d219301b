use rocketmq_starter::rocketmq_listener;

#[rocketmq_listener(topic = "t", group = "g", reply_timeout = 3000)]
async fn on_message(_msg: String) {}

fn main() {}
