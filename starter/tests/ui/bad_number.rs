use rocketmq_starter::rocketmq_listener;

#[rocketmq_listener(topic = "t", group = "g", max_reconsume_times = "many")]
async fn on_message(_msg: String) {}

fn main() {}
