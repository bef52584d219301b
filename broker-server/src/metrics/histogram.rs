//! A histogram with fixed upper bounds. Instances live inside a shard (see `shards`), so
//! recording is plain arithmetic; a scrape adds the shards' counts into a [`Snapshot`].

/// Counts of observations at or below each bound, plus one bucket above the last.
#[derive(Debug, Clone)]
pub struct Histogram {
    bounds: &'static [u64],
    counts: Box<[u64]>,
    sum: u64,
}

/// Cumulative counts by bound, the total and the sum: what a scrape prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub buckets: Vec<(u64, u64)>,
    pub count: u64,
    pub sum: u64,
}

impl Histogram {
    /// A histogram with these upper bounds, ascending.
    pub fn new(bounds: &'static [u64]) -> Self {
        Histogram {
            bounds,
            counts: vec![0; bounds.len() + 1].into_boxed_slice(),
            sum: 0,
        }
    }

    /// Records one observation.
    pub fn observe(&mut self, value: u64) {
        let i = self.bounds.partition_point(|b| *b < value);
        self.counts[i] += 1;
        self.sum += value;
    }

    /// Adds this histogram into `into` (an empty snapshot of the same bounds to start).
    pub fn add_to(&self, into: &mut Option<Snapshot>) {
        let snap = into.get_or_insert_with(|| Snapshot {
            buckets: self.bounds.iter().map(|b| (*b, 0)).collect(),
            count: 0,
            sum: 0,
        });
        let mut running = 0;
        for (i, slot) in snap.buckets.iter_mut().enumerate() {
            running += self.counts[i];
            slot.1 += running;
        }
        snap.count += self.counts.iter().sum::<u64>();
        snap.sum += self.sum;
    }
}

#[cfg(test)]
mod tests {
    use super::Histogram;

    #[test]
    fn buckets_are_cumulative_bounds_inclusive_and_shards_add_up() {
        let mut h = Histogram::new(&[1, 3, 5]);
        for v in [0, 1, 2, 3, 9] {
            h.observe(v);
        }
        let mut snap = None;
        h.add_to(&mut snap);
        h.add_to(&mut snap);
        let snap = snap.unwrap();
        assert_eq!(snap.buckets, vec![(1, 4), (3, 8), (5, 8)]);
        assert_eq!((snap.count, snap.sum), (10, 30));
    }
}
