//! The Prometheus text exposition format (version 0.0.4).
//!
//! # Format
//! ```text
//! # HELP rocketmq_messages_in_total Total number of incoming messages
//! # TYPE rocketmq_messages_in_total counter
//! rocketmq_messages_in_total{cluster="DefaultCluster",node_type="broker",node_id="broker-a",topic="T"} 1000
//! # TYPE rocketmq_message_size histogram
//! rocketmq_message_size_bucket{...,le="1024"} 990
//! rocketmq_message_size_bucket{...,le="+Inf"} 1000
//! rocketmq_message_size_sum{...} 1048576
//! rocketmq_message_size_count{...} 1000
//! ```
//! Every series carries the node's constant labels first; label values escape `\`, `"` and
//! newlines; a family's HELP and TYPE come once, before its first series.

use std::fmt::{Display, Write};

use super::Snapshot;

/// A metric family's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// A scrape being written.
pub struct Text {
    out: String,
    constant: String,
}

impl Text {
    /// A scrape whose series all carry `constant` labels (cluster, node type, node id).
    pub fn new(constant: &[(&str, &str)]) -> Self {
        let mut labels = String::new();
        push_labels(&mut labels, constant);
        Text {
            out: String::with_capacity(8 * 1024),
            constant: labels,
        }
    }

    /// Starts a family.
    pub fn family(&mut self, name: &str, kind: Kind, help: &str) {
        let help = help.replace('\\', "\\\\").replace('\n', "\\n");
        let _ = writeln!(self.out, "# HELP {name} {help}");
        let _ = writeln!(self.out, "# TYPE {name} {}", kind.name());
    }

    /// One sample of the current family.
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl Display) {
        self.out.push_str(name);
        self.labels(labels, None);
        let _ = writeln!(self.out, " {value}");
    }

    /// A family with a single sample.
    pub fn single(&mut self, name: &str, kind: Kind, help: &str, value: impl Display) {
        self.family(name, kind, help);
        self.sample(name, &[], value);
    }

    /// One labelled histogram of the current family: its buckets, sum and count.
    pub fn histogram(&mut self, name: &str, labels: &[(&str, &str)], h: &Snapshot) {
        let (count, sum) = (h.count, h.sum);
        for &(bound, n) in &h.buckets {
            let _ = write!(self.out, "{name}_bucket");
            self.labels(labels, Some(&bound.to_string()));
            let _ = writeln!(self.out, " {n}");
        }
        let _ = write!(self.out, "{name}_bucket");
        self.labels(labels, Some("+Inf"));
        let _ = writeln!(self.out, " {count}");
        let _ = write!(self.out, "{name}_sum");
        self.labels(labels, None);
        let _ = writeln!(self.out, " {sum}");
        let _ = write!(self.out, "{name}_count");
        self.labels(labels, None);
        let _ = writeln!(self.out, " {count}");
    }

    /// The finished text.
    pub fn finish(self) -> String {
        self.out
    }

    fn labels(&mut self, labels: &[(&str, &str)], le: Option<&str>) {
        self.out.push('{');
        self.out.push_str(&self.constant);
        let mut first = self.constant.is_empty();
        for (k, v) in labels.iter().copied().chain(le.map(|le| ("le", le))) {
            if !first {
                self.out.push(',');
            }
            first = false;
            push_label(&mut self.out, k, v);
        }
        self.out.push('}');
    }
}

fn push_labels(out: &mut String, labels: &[(&str, &str)]) {
    for (i, (k, v)) in labels.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_label(out, k, v);
    }
}

fn push_label(out: &mut String, key: &str, value: &str) {
    out.push_str(key);
    out.push_str("=\"");
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_carry_the_constant_labels_and_escape_values() {
        let mut t = Text::new(&[("cluster", "C"), ("node_type", "broker")]);
        t.family("rocketmq_topic_number", Kind::Gauge, "Active topic number");
        t.sample("rocketmq_topic_number", &[("topic", "a\"b\\c\nd")], 3);
        let mut h = crate::metrics::Histogram::new(&[1024]);
        h.observe(10);
        let mut snap = None;
        h.add_to(&mut snap);
        t.family(
            "rocketmq_message_size",
            Kind::Histogram,
            "Incoming messages size",
        );
        t.histogram("rocketmq_message_size", &[], &snap.unwrap());
        assert_eq!(
            t.finish(),
            "# HELP rocketmq_topic_number Active topic number\n\
             # TYPE rocketmq_topic_number gauge\n\
             rocketmq_topic_number{cluster=\"C\",node_type=\"broker\",topic=\"a\\\"b\\\\c\\nd\"} 3\n\
             # HELP rocketmq_message_size Incoming messages size\n\
             # TYPE rocketmq_message_size histogram\n\
             rocketmq_message_size_bucket{cluster=\"C\",node_type=\"broker\",le=\"1024\"} 1\n\
             rocketmq_message_size_bucket{cluster=\"C\",node_type=\"broker\",le=\"+Inf\"} 1\n\
             rocketmq_message_size_sum{cluster=\"C\",node_type=\"broker\"} 10\n\
             rocketmq_message_size_count{cluster=\"C\",node_type=\"broker\"} 1\n"
        );
    }
}
