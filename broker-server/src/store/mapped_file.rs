//! One fixed-size memory-mapped file.
//!
//! The file has exactly one writer at a time: only a [`FileWriter`] writes or publishes, and
//! [`MappedFile::writer`] hands out at most one at a time. The writer fills the region at and
//! after the *published* write position, then publishes the new position with `Release`;
//! readers load it with `Acquire` and only ever look below it. Published bytes are never
//! changed again while the file is shared; recovery cuts a torn tail by truncating the file
//! and mapping it anew. That discipline is what makes the shared mutable mapping sound, and
//! the types keep it, not the callers.
//!
//! A writer fills the region either through the mapping ([`write_with`](FileWriter::write_with),
//! small entries) or with `pwrite` ([`write_at`](FileWriter::write_at), the commit log's
//! appends). Both land in the same page cache, which the mapping shows. They differ in what a
//! page the file has never held costs the writer: a store through the mapping faults, and the
//! kernel zero-fills the whole page before the copy goes on, inside the append lock unless a
//! thread faults pages in ahead; `pwrite` copies into the fresh page directly and zeroes only
//! what a partial write leaves uncovered. For the commit log, every page of which is new, that
//! gave the same throughput without a warming thread.
#![allow(unsafe_code)]

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use memmap2::{MmapOptions, MmapRaw};

use super::error::StoreError;

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
    /// A [`FileWriter`] exists.
    writing: AtomicBool,
    file: File,
}

/// The right to write one file: at most one exists per file (see [`MappedFile::writer`]);
/// dropping it gives the right back.
#[derive(Debug)]
pub(crate) struct FileWriter<'a> {
    file: &'a MappedFile,
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
            writing: AtomicBool::new(false),
            file,
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

    /// Borrows published bytes `[pos, pos + len)`; `None` if any of them are unpublished.
    pub(crate) fn read(&self, pos: usize, len: usize) -> Option<&[u8]> {
        if pos.checked_add(len)? > self.wrote() {
            return None;
        }
        // SAFETY: the range is inside the published region, which is never written again while
        // the file is shared, and the mapping lives as long as `self`.
        Some(unsafe { std::slice::from_raw_parts(self.map.as_ptr().add(pos), len) })
    }

    /// The file's writer, or `None` while another one is held.
    pub(crate) fn writer(&self) -> Option<FileWriter<'_>> {
        (!self.writing.swap(true, Ordering::AcqRel)).then_some(FileWriter { file: self })
    }

    /// The file's writer, for a caller whose own lock makes it the only one (the commit log's
    /// append lock, a queue's dispatch): another one held is a bug, reported as an error.
    pub(crate) fn sole_writer(&self) -> Result<FileWriter<'_>, StoreError> {
        self.writer().ok_or_else(|| {
            StoreError::io(
                &self.path,
                io::Error::other("the file is already being written"),
            )
        })
    }

    /// Turns read-ahead off for faults in this mapping (see `FileKind::Entries`). Advisory.
    pub(crate) fn advise_random(&self) {
        // SAFETY: the whole live mapping; MADV_RANDOM only changes how faults read ahead.
        unsafe {
            libc::madvise(
                self.map.as_mut_ptr().cast::<libc::c_void>(),
                self.size,
                libc::MADV_RANDOM,
            );
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

    /// Records that the first `pos` bytes reached the disk by other means (a sync of the
    /// whole filesystem that began after they were published).
    pub(crate) fn mark_flushed_to(&self, pos: usize) {
        self.flushed
            .fetch_max(pos.min(self.wrote()), Ordering::AcqRel);
    }

    /// Drops the page-cache pages wholly inside `[pos, pos + len)`, which must be flushed:
    /// the bytes stay in the file and the next read faults them back in from disk. Advisory:
    /// errors are ignored, and the kernel keeps a large folio that reaches outside the range.
    pub(crate) fn release(&self, pos: usize, len: usize) {
        const PAGE: usize = 4096;
        let start = pos.next_multiple_of(PAGE);
        let end = pos.saturating_add(len).min(self.size) & !(PAGE - 1);
        if start >= end || end > self.flushed() {
            return;
        }
        // SAFETY: the range lies inside this file's live shared mapping. MADV_DONTNEED on a
        // shared file mapping only removes this process's page-table entries (the page cache
        // drops a page only when nothing maps it); any later access faults the same file bytes
        // back in, so a reader holding a slice of them still reads them unchanged. fadvise
        // touches no memory at all.
        unsafe {
            let addr = self.map.as_mut_ptr().add(start).cast::<libc::c_void>();
            libc::madvise(addr, end - start, libc::MADV_DONTNEED);
            libc::posix_fadvise(
                std::os::fd::AsRawFd::as_raw_fd(&self.file),
                start as libc::off_t,
                (end - start) as libc::off_t,
                libc::POSIX_FADV_DONTNEED,
            );
        }
    }

    pub(crate) fn flushed(&self) -> usize {
        self.flushed.load(Ordering::Acquire)
    }
}

impl FileWriter<'_> {
    /// Fills `len` bytes at `pos`, which must be at or after the published position. Does
    /// not publish.
    pub(crate) fn write_with<R>(
        &self,
        pos: usize,
        len: usize,
        f: impl FnOnce(&mut [u8]) -> R,
    ) -> R {
        let file = self.file;
        assert!(
            pos >= file.wrote() && pos + len <= file.size,
            "write outside the unpublished region"
        );
        // SAFETY: the range is inside the mapping (asserted), at or beyond the published write
        // position so no reader looks at it, and `self` is the file's only writer (one
        // `FileWriter` at a time), so no other reference to these bytes exists while `f` runs.
        let slice = unsafe { std::slice::from_raw_parts_mut(file.map.as_mut_ptr().add(pos), len) };
        f(slice)
    }

    /// Writes `bytes` at `pos` through the file rather than the mapping (see the module
    /// documentation for why), with the same rules as [`write_with`](Self::write_with). Does
    /// not publish.
    pub(crate) fn write_at(&self, pos: usize, bytes: &[u8]) -> io::Result<()> {
        let file = self.file;
        assert!(
            pos >= file.wrote() && pos + bytes.len() <= file.size,
            "write outside the unpublished region"
        );
        file.file.write_all_at(bytes, pos as u64)
    }

    /// Publishes bytes up to `pos` to readers.
    pub(crate) fn set_wrote(&self, pos: usize) {
        self.file
            .wrote
            .store(pos.min(self.file.size), Ordering::Release);
    }

    /// Borrows bytes whether published or not (recovery reads what is on disk before it
    /// decides how much to publish).
    pub(crate) fn read_unpublished(&self, pos: usize, len: usize) -> &[u8] {
        let file = self.file;
        assert!(pos + len <= file.size);
        // SAFETY: in range; only this writer changes the file's bytes, and it is borrowed
        // shared for as long as the slice lives, so nothing writes them meanwhile.
        unsafe { std::slice::from_raw_parts(file.map.as_ptr().add(pos), len) }
    }
}

impl Drop for FileWriter<'_> {
    fn drop(&mut self) {
        self.file.writing.store(false, Ordering::Release);
    }
}

/// How many of the first `len` bytes' pages of the file at `path` are in the page cache; `None`
/// where dropping pages is not observable (tmpfs keeps every page it holds).
#[cfg(test)]
pub(crate) fn cached_pages(path: &Path, len: usize) -> Option<usize> {
    use std::os::fd::AsRawFd;
    const TMPFS_MAGIC: i64 = 0x0102_1994;
    let file = File::open(path).unwrap();
    // SAFETY: fstatfs writes only into the struct it is given.
    let mut fs: libc::statfs = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::fstatfs(file.as_raw_fd(), &mut fs) }, 0);
    if fs.f_type as i64 == TMPFS_MAGIC {
        return None;
    }
    let map = MmapOptions::new()
        .len(len)
        .map_raw_read_only(&file)
        .unwrap();
    let mut vec = vec![0u8; len.div_ceil(4096)];
    // SAFETY: the mapping is live and `vec` has one byte per page of it.
    let rc = unsafe { libc::mincore(map.as_mut_ptr().cast(), len, vec.as_mut_ptr()) };
    assert_eq!(rc, 0);
    Some(vec.iter().filter(|b| *b & 1 == 1).count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_publish_read_flush_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let f = MappedFile::create(dir.path(), 4096, 4096).unwrap();
        assert_eq!(f.path().file_name().unwrap(), "00000000000000004096");
        let w = f.writer().unwrap();
        assert!(f.writer().is_none(), "one writer at a time");
        w.write_with(0, 5, |b| b.copy_from_slice(b"hello"));
        assert_eq!(f.read(0, 5), None, "unpublished bytes are invisible");
        w.set_wrote(5);
        assert_eq!(f.read(0, 5), Some(&b"hello"[..]));
        w.write_at(5, b" world").unwrap();
        assert_eq!(f.read(5, 6), None);
        w.set_wrote(11);
        drop(w);
        assert!(f.writer().is_some(), "given back on drop");
        assert_eq!(
            f.read(0, 11),
            Some(&b"hello world"[..]),
            "a pwrite shows through the mapping"
        );
        assert_eq!(f.flush().unwrap(), 11);
        drop(f);
        let g = MappedFile::open(&dir.path().join(file_name(4096)), 4096).unwrap();
        assert_eq!(g.size(), 4096);
        assert_eq!(g.writer().unwrap().read_unpublished(0, 11), b"hello world");
    }

    #[test]
    fn released_pages_leave_the_cache_and_read_back_from_disk() {
        let dir = tempfile::tempdir().unwrap();
        let f = MappedFile::create(dir.path(), 0, 256 * 1024).unwrap();
        let bytes: Vec<u8> = (0..128 * 1024).map(|i| (i % 251) as u8).collect();
        let w = f.writer().unwrap();
        w.write_at(0, &bytes).unwrap();
        w.set_wrote(bytes.len());
        f.release(0, bytes.len());
        assert_eq!(f.read(0, bytes.len()), Some(&bytes[..]), "unflushed: kept");
        f.flush().unwrap();
        assert_ne!(cached_pages(f.path(), bytes.len()), Some(0));
        f.release(0, bytes.len());
        if let Some(cached) = cached_pages(f.path(), bytes.len()) {
            assert_eq!(cached, 0, "flushed pages leave the page cache");
        }
        assert_eq!(f.read(0, bytes.len()), Some(&bytes[..]));
        assert_eq!(cached_pages(f.path(), bytes.len()).unwrap_or(32), 32);
    }

    #[test]
    #[should_panic(expected = "unpublished region")]
    fn writing_below_the_published_position_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let f = MappedFile::create(dir.path(), 0, 64).unwrap();
        let w = f.writer().unwrap();
        w.set_wrote(10);
        w.write_with(5, 1, |b| b[0] = 1);
    }

    #[test]
    #[should_panic(expected = "unpublished region")]
    fn pwriting_past_the_end_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let f = MappedFile::create(dir.path(), 0, 64).unwrap();
        let _ = f.writer().unwrap().write_at(60, b"12345");
    }
}
