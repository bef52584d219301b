use rocketmq_starter::rocketmq_listener;

#[rocketmq_listener(topic = "t", group = "g")]
fn on_message(msg: String) {
    let _ = msg;
}

fn main() {}
