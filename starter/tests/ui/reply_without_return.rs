use rocketmq_starter::rocketmq_reply_listener;

#[rocketmq_reply_listener(topic = "t", group = "g")]
async fn answer(_question: String) {}

fn main() {}
