//! `rocketmq_rpc_latency`: how long each request took from its frame's arrival to its answer,
//! by request code, response code, whether it was held (long polling) and its result.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use rocketmq_client::protocol::code_names::{request_code_name, response_code_name};

use super::{Histogram, Kind, Shards, Snapshot, Text};

/// Apache's bounds (ms).
const BOUNDS: &[u64] = &[1, 3, 5, 7, 10, 100, 1000, 2000, 3000];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Key {
    request: i32,
    /// `None` for oneway requests, which are not answered.
    response: Option<i32>,
    long_polling: bool,
}

/// Latency histograms, one per label set seen (per thread, added up when scraped).
#[derive(Debug, Default)]
pub struct RpcLatency {
    series: Shards<HashMap<Key, Histogram>>,
}

impl RpcLatency {
    /// Records one request: its code, the code it was answered with (`None` for oneway), and
    /// whether a pull was held for messages.
    pub fn record(&self, request: i32, response: Option<i32>, long_polling: bool, took: Duration) {
        let key = Key {
            request,
            response,
            long_polling,
        };
        let ms = took.as_millis() as u64;
        self.series
            .local()
            .entry(key)
            .or_insert_with(|| Histogram::new(BOUNDS))
            .observe(ms);
    }

    /// Writes the family.
    pub fn write(&self, text: &mut Text) {
        const NAME: &str = "rocketmq_rpc_latency";
        text.family(NAME, Kind::Histogram, "Rpc latency (milliseconds)");
        let mut series: BTreeMap<Key, Option<Snapshot>> = BTreeMap::new();
        self.series.each(|shard| {
            for (key, h) in shard {
                h.add_to(series.entry(*key).or_default());
            }
        });
        for (key, snap) in &series {
            let Some(snap) = snap else { continue };
            let request = label_name(request_code_name(key.request), key.request);
            let response = key
                .response
                .map(|code| label_name(response_code_name(code), code));
            let mut labels = vec![
                ("protocol_type", "remoting"),
                ("request_code", request.as_str()),
                (
                    "is_long_polling",
                    if key.long_polling { "true" } else { "false" },
                ),
            ];
            match &response {
                Some(code) => {
                    labels.push(("response_code", code.as_str()));
                    labels.push(("result", "success"));
                }
                None => labels.push(("result", "oneway")),
            }
            text.histogram(NAME, &labels, snap);
        }
    }
}

/// Apache's label: the code's constant name lower-cased, or the number.
fn label_name(name: Option<&str>, code: i32) -> String {
    name.map_or_else(|| code.to_string(), str::to_ascii_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_labelled_with_apaches_code_names() {
        let rpc = RpcLatency::default();
        rpc.record(310, Some(0), false, Duration::from_millis(2));
        rpc.record(310, Some(0), false, Duration::from_millis(200));
        rpc.record(34, None, false, Duration::ZERO);
        let mut text = Text::new(&[]);
        rpc.write(&mut text);
        let text = text.finish();
        assert!(text.contains("rocketmq_rpc_latency_bucket{protocol_type=\"remoting\",request_code=\"send_message_v2\",is_long_polling=\"false\",response_code=\"success\",result=\"success\",le=\"3\"} 1\n"), "{text}");
        assert!(text.contains("rocketmq_rpc_latency_count{protocol_type=\"remoting\",request_code=\"send_message_v2\",is_long_polling=\"false\",response_code=\"success\",result=\"success\"} 2\n"), "{text}");
        assert!(
            text.contains(
                "request_code=\"heart_beat\",is_long_polling=\"false\",result=\"oneway\""
            ),
            "{text}"
        );
    }
}
