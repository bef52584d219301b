//! Writing the servers' JSON config files the way Apache's `ConfigManager` does: the previous
//! version is kept as `*.bak`, and the new one replaces it atomically.

use std::path::Path;

/// Serializes writes: each snapshot is taken and written under it, so two threads persisting
/// the same table cannot leave the older snapshot on disk or trip over one temporary file.
static WRITING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Replaces `path` with the bytes `snapshot` makes (called under a process-wide lock, so the
/// last writer writes the latest state), keeping the old file as `path.bak`.
pub(crate) fn write_atomically(
    path: &Path,
    snapshot: impl FnOnce() -> Vec<u8>,
) -> std::io::Result<()> {
    let _writing = WRITING.lock().unwrap_or_else(|e| e.into_inner());
    let bytes = snapshot();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, &bytes)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    if path.exists() {
        let _ = std::fs::copy(path, path.with_extension("json.bak"));
    }
    std::fs::rename(&tmp, path)
}

/// Reads `path`, falling back to `path.bak` when the main file is missing or unreadable.
pub(crate) fn read_with_backup<T>(path: &Path, parse: impl Fn(&[u8]) -> Option<T>) -> Option<T> {
    let bak = path.with_extension("json.bak");
    for candidate in [path, bak.as_path()] {
        if let Ok(bytes) = std::fs::read(candidate) {
            match parse(&bytes) {
                Some(v) => return Some(v),
                None => tracing::warn!(path = %candidate.display(), "unreadable config file"),
            }
        }
    }
    None
}
