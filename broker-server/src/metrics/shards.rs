//! Counters kept per thread, so two cores counting at once never write the same cache line;
//! a scrape visits every shard and adds them up.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

/// More than the threads that count (tokio's workers), so each mostly has its own.
const SHARDS: usize = 16;

/// A shard on a cache line of its own.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Padded<T>(Mutex<T>);

/// `SHARDS` copies of `T`, each locked only by the threads mapped to it.
#[derive(Debug)]
pub struct Shards<T> {
    shards: Box<[Padded<T>]>,
}

impl<T: Default> Default for Shards<T> {
    fn default() -> Self {
        Shards {
            shards: (0..SHARDS).map(|_| Padded::default()).collect(),
        }
    }
}

impl<T> Shards<T> {
    /// This thread's shard.
    pub fn local(&self) -> MutexGuard<'_, T> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        thread_local! {
            static INDEX: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS;
        }
        let i = INDEX.with(|i| *i);
        self.shards[i].0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every shard in turn, for a scrape.
    pub fn each(&self, mut f: impl FnMut(&T)) {
        for s in self.shards.iter() {
            f(&s.0.lock().unwrap_or_else(|e| e.into_inner()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Shards;

    #[test]
    fn a_scrape_sees_every_threads_counts() {
        let s: Shards<u64> = Shards::default();
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for _ in 0..1000 {
                        *s.local() += 1;
                    }
                });
            }
        });
        let mut total = 0;
        s.each(|n| total += n);
        assert_eq!(total, 4000);
    }
}
