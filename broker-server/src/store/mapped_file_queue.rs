//! A directory of same-sized mapped files that together form one growing log, each file named
//! by the 20-digit global offset of its first byte.
//!
//! The commit log asks for its next file to be pre-allocated on a background thread, so rolling
//! over at the end of a 1 GiB file does not stall a send on `create` + `set_len` + `mmap`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;

use super::error::StoreError;
use super::mapped_file::{MappedFile, file_name};

type Pending = Option<(u64, JoinHandle<std::io::Result<MappedFile>>)>;

/// What the files hold, which decides how they are set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// The commit log: large appends, read sequentially; the next file is pre-allocated.
    Log,
    /// Consume queues: small entries stored through the mapping. Read-ahead is off: the
    /// fault that stores an entry in a fresh page would otherwise zero-fill pages ahead of
    /// it in the sparse file, megabytes per queue for a few bytes written (with the 1,024
    /// queues of `BenchmarkTest`, over 40% of what dispatch spent).
    Entries,
}

#[derive(Debug)]
pub(crate) struct MappedFileQueue {
    dir: PathBuf,
    file_size: usize,
    files: RwLock<Vec<Arc<MappedFile>>>,
    kind: FileKind,
    next: Mutex<Pending>,
}

impl MappedFileQueue {
    /// Opens the files already in `dir` (none of their bytes is readable until recovery sets
    /// the write positions).
    pub(crate) fn load(dir: &Path, file_size: usize, kind: FileKind) -> Result<Self, StoreError> {
        let mut found = Vec::new();
        if dir.exists() {
            for entry in std::fs::read_dir(dir).map_err(|e| StoreError::io(dir, e))? {
                let entry = entry.map_err(|e| StoreError::io(dir, e))?;
                let name = entry.file_name();
                let Some(name) = name.to_str() else { continue };
                if name.len() != 20 || !name.bytes().all(|b| b.is_ascii_digit()) {
                    continue;
                }
                found.push((name.parse::<u64>().expect("20 digits"), entry.path()));
            }
        }
        found.sort();
        let mut files = Vec::with_capacity(found.len());
        for (from, path) in found {
            let file = MappedFile::open(&path, from).map_err(|e| StoreError::io(&path, e))?;
            kind.advise(&file);
            if file.size() != file_size {
                return Err(StoreError::Config(format!(
                    "{} has {} bytes but the configured file size is {file_size}",
                    path.display(),
                    file.size()
                )));
            }
            files.push(Arc::new(file));
        }
        Ok(MappedFileQueue {
            dir: dir.to_path_buf(),
            file_size,
            files: RwLock::new(files),
            kind,
            next: Mutex::new(None),
        })
    }

    pub(crate) fn file_size(&self) -> usize {
        self.file_size
    }

    /// A snapshot of the files, oldest first.
    pub(crate) fn files(&self) -> Vec<Arc<MappedFile>> {
        self.files.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(crate) fn first(&self) -> Option<Arc<MappedFile>> {
        self.files
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .first()
            .cloned()
    }

    pub(crate) fn last(&self) -> Option<Arc<MappedFile>> {
        self.files
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .last()
            .cloned()
    }

    /// The file holding global `offset`.
    pub(crate) fn find(&self, offset: u64) -> Option<Arc<MappedFile>> {
        let files = self.files.read().unwrap_or_else(|e| e.into_inner());
        let idx = files
            .partition_point(|f| f.from() <= offset)
            .checked_sub(1)?;
        let f = &files[idx];
        (offset < f.from() + f.size() as u64).then(|| f.clone())
    }

    /// Global offset of the first byte still on disk.
    pub(crate) fn min_offset(&self) -> u64 {
        self.first().map_or(0, |f| f.from())
    }

    /// Global offset just past the last published byte.
    pub(crate) fn max_offset(&self) -> u64 {
        self.last().map_or(0, |f| f.from() + f.wrote() as u64)
    }

    /// Adds the file starting at `from` (the aligned start for a consume queue, the next
    /// offset for the commit log), taking the pre-allocated one when it matches.
    pub(crate) fn create_file(&self, from: u64) -> Result<Arc<MappedFile>, StoreError> {
        let ready = {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            match next.take() {
                Some((at, handle)) if at == from => handle.join().ok().and_then(|r| r.ok()),
                Some(other) => {
                    *next = Some(other);
                    None
                }
                None => None,
            }
        };
        let file = match ready {
            Some(f) => f,
            None => MappedFile::create(&self.dir, from, self.file_size)
                .map_err(|e| StoreError::io(self.dir.join(file_name(from)), e))?,
        };
        self.kind.advise(&file);
        let file = Arc::new(file);
        {
            let mut files = self.files.write().unwrap_or_else(|e| e.into_inner());
            let at = files.partition_point(|f| f.from() < from);
            files.insert(at, file.clone());
        }
        if self.kind == FileKind::Log {
            let next_from = from + self.file_size as u64;
            let (dir, size) = (self.dir.clone(), self.file_size);
            let handle = std::thread::Builder::new()
                .name("mapped-file-allocate".into())
                .spawn(move || MappedFile::create(&dir, next_from, size));
            if let Ok(handle) = handle {
                *self.next.lock().unwrap_or_else(|e| e.into_inner()) = Some((next_from, handle));
            }
        }
        Ok(file)
    }

    /// Files with unflushed bytes, each with its published write position at this moment.
    pub(crate) fn unflushed(&self) -> Vec<(Arc<MappedFile>, usize)> {
        let files = self.files.read().unwrap_or_else(|e| e.into_inner());
        files
            .iter()
            .filter_map(|f| {
                let wrote = f.wrote();
                (f.flushed() < wrote).then(|| (f.clone(), wrote))
            })
            .collect()
    }

    /// Flushes every file with unflushed bytes; returns the global flushed offset.
    pub(crate) fn flush(&self) -> std::io::Result<u64> {
        let mut flushed = self.min_offset();
        for f in self.files() {
            if f.flushed() < f.wrote() {
                f.flush()?;
            }
            flushed = f.from() + f.flushed() as u64;
        }
        Ok(flushed)
    }

    /// Cuts the log at global `offset`: later files are deleted, the file holding it keeps only
    /// what precedes it (the rest reads as zeros again). Recovery only.
    pub(crate) fn truncate_to(&self, offset: u64) -> Result<(), StoreError> {
        let mut files = self.files.write().unwrap_or_else(|e| e.into_inner());
        let mut kept = Vec::with_capacity(files.len());
        for f in files.drain(..) {
            let end = f.from() + f.size() as u64;
            if f.from() >= offset {
                let path = f.path().to_path_buf();
                drop(f);
                std::fs::remove_file(&path).map_err(|e| StoreError::io(&path, e))?;
            } else if end <= offset {
                f.sole_writer()?.set_wrote(f.size());
                f.mark_flushed();
                kept.push(f);
            } else {
                let keep = (offset - f.from()) as usize;
                let (path, from) = (f.path().to_path_buf(), f.from());
                drop(f);
                // Shrinking and re-growing the file releases the torn tail as zeros without
                // writing through a gigabyte of mapping.
                let io = |e| StoreError::io(&path, e);
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .map_err(io)?;
                file.set_len(keep as u64).map_err(io)?;
                file.set_len(self.file_size as u64).map_err(io)?;
                file.sync_all().map_err(io)?;
                drop(file);
                let reopened = MappedFile::open(&path, from).map_err(io)?;
                self.kind.advise(&reopened);
                reopened.sole_writer()?.set_wrote(keep);
                reopened.mark_flushed();
                kept.push(Arc::new(reopened));
            }
        }
        *files = kept;
        Ok(())
    }

    /// Deletes files from the front while `pred` holds for them, at most `max`, never the
    /// last one. Returns how many were deleted.
    pub(crate) fn delete_front_while(
        &self,
        max: usize,
        mut pred: impl FnMut(&MappedFile) -> bool,
    ) -> usize {
        let mut gone = Vec::new();
        {
            let mut files = self.files.write().unwrap_or_else(|e| e.into_inner());
            while gone.len() < max && files.len() > 1 && pred(&files[0]) {
                gone.push(files.remove(0));
            }
        }
        // Unlinking a large cached file takes a while (hundreds of milliseconds for a GiB),
        // and appends need the list: delete after letting go of it.
        for f in &gone {
            if let Err(e) = std::fs::remove_file(f.path()) {
                tracing::warn!(path = %f.path().display(), error = %e, "could not delete expired file");
            }
        }
        gone.len()
    }

    /// Deletes every file and the directory.
    pub(crate) fn destroy(&self) {
        self.files
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A pre-allocation still running finishes before the queue goes, so a store reopened right
/// after finds the file whole or not at all, never half-created.
impl Drop for MappedFileQueue {
    fn drop(&mut self) {
        let pending = self.next.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some((_, handle)) = pending {
            let _ = handle.join();
        }
    }
}

impl FileKind {
    fn advise(self, file: &MappedFile) {
        if self == FileKind::Entries {
            file.advise_random();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_create_and_truncate() {
        let dir = tempfile::tempdir().unwrap();
        let q = MappedFileQueue::load(dir.path(), 100, FileKind::Log).unwrap();
        assert!(q.find(0).is_none());
        let a = q.create_file(0).unwrap();
        let w = a.writer().unwrap();
        w.write_with(0, 100, |b| b.fill(7));
        w.set_wrote(100);
        drop(w);
        let b = q.create_file(100).unwrap();
        let w = b.writer().unwrap();
        w.write_with(0, 50, |b| b.fill(9));
        w.set_wrote(50);
        drop(w);
        assert_eq!(q.find(150).unwrap().from(), 100);
        assert_eq!(q.find(99).unwrap().from(), 0);
        assert_eq!(q.max_offset(), 150);
        assert_eq!(q.flush().unwrap(), 150);
        q.truncate_to(120).unwrap();
        assert_eq!(q.max_offset(), 120);
        let last = q.last().unwrap();
        assert_eq!(
            last.writer().unwrap().read_unpublished(20, 30),
            &[0u8; 30][..]
        );
        q.truncate_to(100).unwrap();
        assert_eq!(q.files().len(), 1);
        // the pre-allocated file for offset 200 is waiting
        drop(q);
        let again = MappedFileQueue::load(dir.path(), 100, FileKind::Entries).unwrap();
        assert_eq!(again.files().len(), 2, "file 0 plus the pre-allocated 200");
    }
}
