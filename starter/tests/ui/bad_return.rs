use rocketmq_starter::rocketmq_listener;

#[rocketmq_listener(topic = "t", group = "g")]
async fn on_message(_msg: String) -> u32 {
    7
}

fn main() {}
