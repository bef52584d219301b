//! The two facts the store needs from the OS that std does not offer: disk usage and the
//! local hour (Apache's `deleteWhen` is a local hour).
#![allow(unsafe_code)]

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Fraction of the filesystem holding `path` that is in use (0.0–1.0).
pub(crate) fn disk_used_ratio(path: &Path) -> Option<f64> {
    let c = CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs only writes into the zeroed struct we pass; `c` is a valid C string.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::statvfs(c.as_ptr(), &mut st) };
    if rc != 0 || st.f_blocks == 0 {
        return None;
    }
    let total = st.f_blocks as f64;
    let avail = st.f_bavail as f64;
    Some(1.0 - avail / total)
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
        assert!(local_hour(0) < 24);
    }
}
