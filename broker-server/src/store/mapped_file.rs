//! One fixed-size memory-mapped file.
//!
//! The file has exactly one writer at a time (the commit log's append lock, or the dispatch
//! thread for a consume queue). The writer copies bytes into the region at and after the
//! *published* write position, then publishes the new position with `Release`; readers load it
//! with `Acquire` and only ever look below it. Written bytes are never changed again while the
//! file is shared, except by recovery, which runs before anything else holds the file.
//! That discipline is what makes the shared mutable mapping sound.
#![allow(unsafe_code)]

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use memmap2::{MmapOptions, MmapRaw};

/// A mapped file named by the global offset of its first byte.
#[derive(Debug)]
pub(crate) struct MappedFile {
    path: PathBuf,
    from: u64,
    size: usize,
    map: MmapRaw,
    /// Bytes valid for readers.
    wrote: AtomicUsize,
    /// Bytes known to be on disk.
    flushed: AtomicUsize,
    _file: File,
}

/// The 20-digit file name of a start offset.
pub(crate) fn file_name(offset: u64) -> String {
    format!("{offset:020}")
}

impl MappedFile {
    /// Creates (or reopens and resizes) a file of `size` bytes, zero-filled where new.
    pub(crate) fn create(dir: &Path, from: u64, size: usize) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(file_name(from));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)?;
        if file.metadata()?.len() != size as u64 {
            file.set_len(size as u64)?;
        }
        Self::map(path, file, from, size)
    }

    /// Opens an existing file; nothing is readable until [`set_wrote`](Self::set_wrote).
    pub(crate) fn open(path: &Path, from: u64) -> io::Result<Self> {
        let file = OpenOptions::new().read(true).write(true).open(path)?;
        let size = file.metadata()?.len() as usize;
        Self::map(path.to_path_buf(), file, from, size)
    }

    fn map(path: PathBuf, file: File, from: u64, size: usize) -> io::Result<Self> {
        let map = MmapOptions::new().len(size).map_raw(&file)?;
        Ok(MappedFile {
            path,
            from,
            size,
            map,
            wrote: AtomicUsize::new(0),
            flushed: AtomicUsize::new(0),
            _file: file,
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Global offset of byte 0.
    pub(crate) fn from(&self) -> u64 {
        self.from
    }

    pub(crate) fn size(&self) -> usize {
        self.size
    }

    /// Published write position within the file.
    pub(crate) fn wrote(&self) -> usize {
        self.wrote.load(Ordering::Acquire)
    }

    pub(crate) fn is_full(&self) -> bool {
        self.wrote() >= self.size
    }

    /// Lets the single writer fill `len` bytes at `pos`, which must be at or after the published
    /// position. Does not publish.
    pub(crate) fn write_with<R>(
        &self,
        pos: usize,
        len: usize,
        f: impl FnOnce(&mut [u8]) -> R,
    ) -> R {
        assert!(
            pos >= self.wrote() && pos + len <= self.size,
            "write outside the unpublished region"
        );
        // SAFETY: the range is inside the mapping (asserted), at or beyond the published write
        // position so no reader looks at it, and the caller is the file's only writer, so no
        // other reference to these bytes exists while `f` runs.
        let slice = unsafe { std::slice::from_raw_parts_mut(self.map.as_mut_ptr().add(pos), len) };
        f(slice)
    }

    /// Publishes bytes up to `pos` to readers.
    pub(crate) fn set_wrote(&self, pos: usize) {
        self.wrote.store(pos.min(self.size), Ordering::Release);
    }

    /// Borrows published bytes `[pos, pos + len)`; `None` if any of them are unpublished.
    pub(crate) fn read(&self, pos: usize, len: usize) -> Option<&[u8]> {
        if pos.checked_add(len)? > self.wrote() {
            return None;
        }
        // SAFETY: the range is inside the published region, which is never written again while
        // the file is shared, and the mapping lives as long as `self`.
        Some(unsafe { std::slice::from_raw_parts(self.map.as_ptr().add(pos), len) })
    }

    /// Borrows bytes for recovery, ignoring the write position. Only valid before the file is
    /// shared with a writer.
    pub(crate) fn read_unpublished(&self, pos: usize, len: usize) -> &[u8] {
        assert!(pos + len <= self.size);
        // SAFETY: in range; recovery runs single-threaded before any writer exists.
        unsafe { std::slice::from_raw_parts(self.map.as_ptr().add(pos), len) }
    }

    /// Brings `[pos, pos + len)` into the page cache and page tables ahead of the writer, so
    /// the append that reaches it does not fault in and zero-fill fresh pages while holding
    /// the log's lock. Advisory: failures are ignored.
    pub(crate) fn prefault(&self, pos: usize, len: usize) {
        const PAGE: usize = 4096;
        let start = pos & !(PAGE - 1);
        let end = pos.saturating_add(len).min(self.size);
        if start >= end {
            return;
        }
        // SAFETY: the range lies inside this file's live mapping; madvise only changes what the
        // kernel has resident and reads or writes no memory Rust can see.
        unsafe {
            let addr = self.map.as_mut_ptr().add(start).cast::<libc::c_void>();
            if libc::madvise(addr, end - start, libc::MADV_POPULATE_READ) != 0 {
                // Kernels before 5.14: start readahead instead.
                libc::madvise(addr, end - start, libc::MADV_WILLNEED);
            }
        }
    }

    /// Flushes written-but-unflushed bytes to disk; returns the flushed position.
    pub(crate) fn flush(&self) -> io::Result<usize> {
        let wrote = self.wrote();
        let flushed = self.flushed.load(Ordering::Acquire);
        if wrote > flushed {
            self.map.flush_range(flushed, wrote - flushed)?;
            self.flushed.store(wrote, Ordering::Release);
        }
        Ok(wrote)
    }

    /// Marks everything published as flushed (for files recovered from disk).
    pub(crate) fn mark_flushed(&self) {
        self.flushed.store(self.wrote(), Ordering::Release);
    }

    pub(crate) fn flushed(&self) -> usize {
        self.flushed.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_publish_read_flush_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let f = MappedFile::create(dir.path(), 4096, 4096).unwrap();
        assert_eq!(f.path().file_name().unwrap(), "00000000000000004096");
        f.write_with(0, 5, |b| b.copy_from_slice(b"hello"));
        assert_eq!(f.read(0, 5), None, "unpublished bytes are invisible");
        f.set_wrote(5);
        assert_eq!(f.read(0, 5), Some(&b"hello"[..]));
        assert_eq!(f.flush().unwrap(), 5);
        drop(f);
        let g = MappedFile::open(&dir.path().join(file_name(4096)), 4096).unwrap();
        assert_eq!(g.size(), 4096);
        assert_eq!(g.read_unpublished(0, 5), b"hello");
    }

    #[test]
    #[should_panic(expected = "unpublished region")]
    fn writing_below_the_published_position_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let f = MappedFile::create(dir.path(), 0, 64).unwrap();
        f.set_wrote(10);
        f.write_with(5, 1, |b| b[0] = 1);
    }
}
