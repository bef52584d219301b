//! Warming: keeps the commit log's next pages resident ahead of a busy writer.
//!
//! A write to a fresh page of a mapped file faults, and the kernel zero-fills a page before
//! the write continues. An append does that while holding the log's lock, so under load every
//! other send waits behind page zeroing. This thread asks the kernel to populate the pages the
//! writer will reach in the next [`HORIZON_TICKS`] ticks at its current rate (at most
//! [`AHEAD`]); the append then finds them ready. An idle store warms nothing.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::Duration;

use super::Shared;

/// The most that is kept resident ahead of the write position.
const AHEAD: u64 = 32 * 1024 * 1024;
/// How often the write position is checked.
const TICK: Duration = Duration::from_millis(5);
/// How many ticks of writing at the last tick's rate are warmed ahead (200 ms).
const HORIZON_TICKS: u64 = 40;

pub(crate) fn spawn(shared: Arc<Shared>) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("store-warm".into())
        .spawn(move || {
            let files = shared.log.files();
            let mut last_end = shared.log.max_offset();
            let mut warmed = last_end;
            while !shared.stopping.load(Ordering::Acquire) {
                std::thread::sleep(TICK);
                let end = shared.log.max_offset();
                let rate = end.saturating_sub(last_end);
                last_end = end;
                let want = end + (rate * HORIZON_TICKS).min(AHEAD);
                let mut from = warmed.max(end);
                while from < want {
                    // Up to the end of the current file; the next one is warmed once the
                    // writer has moved into it.
                    let Some(file) = files.find(from) else {
                        break;
                    };
                    let to = want.min(file.from() + file.size() as u64);
                    file.prefault((from - file.from()) as usize, (to - from) as usize);
                    from = to;
                }
                warmed = from;
            }
        })
}
