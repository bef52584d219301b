//! What the store needs from the OS that std does not offer: disk usage, memory size, the local hour
//! (Apache's `deleteWhen` is a local hour) and a sync of a whole filesystem.
#![allow(unsafe_code)]

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// (total, usable) bytes of the filesystem holding `path`, as Java's `File.getTotalSpace` and
/// `getUsableSpace` count them.
pub(crate) fn disk_space(path: &Path) -> Option<(u64, u64)> {
    let c = CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs only writes into the zeroed struct we pass; `c` is a valid C string.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return None;
    }
    let frsize = st.f_frsize as u64;
    Some((st.f_blocks as u64 * frsize, st.f_bavail as u64 * frsize))
}

/// Fraction of the filesystem holding `path` that is in use (0.0–1.0), as `df` and Apache's
/// broker count it: used / (used + available to us). Blocks reserved for root are neither, so
/// a filesystem with a large reservation is not taken for a full one.
pub(crate) fn disk_used_ratio(path: &Path) -> Option<f64> {
    let c = CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs only writes into the zeroed struct we pass; `c` is a valid C string.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::statvfs(c.as_ptr(), &mut st) };
    if rc != 0 || st.f_blocks == 0 {
        return None;
    }
    Some(used_ratio(
        st.f_blocks as u64,
        st.f_bfree as u64,
        st.f_bavail as u64,
    ))
}

/// The machine's physical memory in bytes (Apache's `TOTAL_PHYSICAL_MEMORY_SIZE`), read once.
pub(crate) fn total_physical_memory() -> u64 {
    static TOTAL: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TOTAL.get_or_init(|| {
        // SAFETY: sysconf takes a constant and touches no memory of ours.
        let (pages, size) = unsafe {
            (
                libc::sysconf(libc::_SC_PHYS_PAGES),
                libc::sysconf(libc::_SC_PAGESIZE),
            )
        };
        (pages.max(0) as u64).saturating_mul(size.max(0) as u64)
    })
}

/// Writes every dirty page and inode of the filesystem holding `dir` to disk and flushes the
/// device's cache, as one journal commit (Linux `syncfs`). `Ok(false)` where the OS has no such
/// call: the caller syncs file by file.
pub(crate) fn sync_filesystem(dir: &Path) -> std::io::Result<bool> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let dir = std::fs::File::open(dir)?;
        // SAFETY: syncfs takes an open descriptor, which `dir` keeps alive across the call.
        if unsafe { libc::syncfs(dir.as_raw_fd()) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(true)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = dir;
        Ok(false)
    }
}

/// Apache's rounding: whole percent, rounded up.
fn used_ratio(blocks: u64, free: u64, available: u64) -> f64 {
    let used = blocks.saturating_sub(free);
    let entire = used + available;
    if entire == 0 {
        return 0.0;
    }
    (used * 100).div_ceil(entire) as f64 / 100.0
}

/// The local (year, day of the year) of a UNIX time in seconds.
pub(crate) fn local_date(unix_secs: i64) -> (i32, i32) {
    let t: libc::time_t = unix_secs as libc::time_t;
    // SAFETY: localtime_r writes only into the zeroed `tm` we own; `t` is a valid time_t.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    if unsafe { libc::localtime_r(&t, &mut tm).is_null() } {
        return (1970, (unix_secs / 86400) as i32);
    }
    (tm.tm_year + 1900, tm.tm_yday)
}

/// The local hour (0–23) of a UNIX time in seconds.
pub(crate) fn local_hour(unix_secs: i64) -> u32 {
    let t: libc::time_t = unix_secs as libc::time_t;
    // SAFETY: localtime_r writes only into the zeroed `tm` we own; `t` is a valid time_t.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let ok = unsafe { !libc::localtime_r(&t, &mut tm).is_null() };
    if ok {
        tm.tm_hour as u32
    } else {
        ((unix_secs / 3600) % 24) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_disk_usage_and_hours() {
        let r = disk_used_ratio(Path::new("/")).unwrap();
        assert!((0.0..=1.0).contains(&r));
        // 252 GiB, 203 free of which only 43 usable (a large root reservation): 54 %, not 83.
        assert_eq!(used_ratio(66_053_021, 53_355_026, 11_123_477), 0.54);
        assert_eq!(used_ratio(100, 50, 50), 0.5);
        assert_eq!(used_ratio(0, 0, 0), 0.0);
        assert!(local_hour(0) < 24);
    }
}
