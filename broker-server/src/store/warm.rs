//! Warming: keeps the commit log's next pages resident ahead of the writer.
//!
//! A write to a fresh page of a mapped file faults, and the kernel zero-fills a page before
//! the write continues. An append does that while holding the log's lock, so under load every
//! other send waits behind page zeroing. This thread asks the kernel to populate the next
//! [`AHEAD`] bytes in advance; the append then finds its pages ready.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::Duration;

use super::Shared;

/// How far ahead of the write position pages are made resident.
const AHEAD: u64 = 32 * 1024 * 1024;
/// At most this much is warmed per tick (1.6 GiB/s), so a fresh store does not spend its
/// first moments populating all of [`AHEAD`] at once.
const STEP: u64 = 8 * 1024 * 1024;
/// How often the write position is checked.
const TICK: Duration = Duration::from_millis(5);

pub(crate) fn spawn(shared: Arc<Shared>) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("store-warm".into())
        .spawn(move || {
            let files = shared.log.files();
            let mut warmed = 0u64;
            while !shared.stopping.load(Ordering::Acquire) {
                let end = shared.log.max_offset();
                let want = (end + AHEAD).min(warmed.max(end) + STEP);
                let mut from = warmed.max(end);
                while from < want {
                    // Up to the end of the current file; the next one is warmed once the
                    // writer has moved into it.
                    let Some(file) = files.find(from) else {
                        break;
                    };
                    let file_end = file.from() + file.size() as u64;
                    let to = want.min(file_end);
                    file.prefault((from - file.from()) as usize, (to - from) as usize);
                    from = to;
                }
                warmed = from;
                std::thread::sleep(TICK);
            }
        })
}
