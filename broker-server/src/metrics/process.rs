//! The process basics every Prometheus client exports, read from `/proc/self` (Linux; on
//! other systems the families are left out).

use super::{Kind, Text};

/// Writes `process_cpu_seconds_total`, `process_resident_memory_bytes`,
/// `process_virtual_memory_bytes`, `process_open_fds`, `process_max_fds` and
/// `process_start_time_seconds`.
pub fn write_process(text: &mut Text) {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return;
    };
    // Fields after the command name, which is in parentheses and may hold spaces.
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `man 5 proc`: utime 14, stime 15, starttime 22, vsize 23, rss 24 (1-based, so index
    // n - 3 after the command name).
    let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<u64>().ok());
    let ticks = clock_ticks();
    let page = page_size();
    if let (Some(utime), Some(stime)) = (field(14), field(15)) {
        let cpu = (utime + stime) as f64 / ticks;
        text.single(
            "process_cpu_seconds_total",
            Kind::Counter,
            "Total user and system CPU time spent in seconds.",
            cpu,
        );
    }
    if let Some(rss) = field(24) {
        text.single(
            "process_resident_memory_bytes",
            Kind::Gauge,
            "Resident memory size in bytes.",
            rss * page,
        );
    }
    if let Some(vsize) = field(23) {
        text.single(
            "process_virtual_memory_bytes",
            Kind::Gauge,
            "Virtual memory size in bytes.",
            vsize,
        );
    }
    if let Ok(fds) = std::fs::read_dir("/proc/self/fd") {
        text.single(
            "process_open_fds",
            Kind::Gauge,
            "Number of open file descriptors.",
            fds.count(),
        );
    }
    if let Some(max) = max_fds() {
        text.single(
            "process_max_fds",
            Kind::Gauge,
            "Maximum number of open file descriptors.",
            max,
        );
    }
    if let (Some(start), Some(boot)) = (field(22), boot_time()) {
        let secs = boot as f64 + start as f64 / ticks;
        text.single(
            "process_start_time_seconds",
            Kind::Gauge,
            "Start time of the process since unix epoch in seconds.",
            secs,
        );
    }
}

#[allow(unsafe_code)]
fn clock_ticks() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 { t as f64 } else { 100.0 }
}

#[allow(unsafe_code)]
fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if p > 0 { p as u64 } else { 4096 }
}

fn boot_time() -> Option<u64> {
    std::fs::read_to_string("/proc/stat")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("btime "))
        .and_then(|v| v.trim().parse().ok())
}

fn max_fds() -> Option<u64> {
    std::fs::read_to_string("/proc/self/limits")
        .ok()?
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|v| v.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        let mut text = Text::new(&[]);
        write_process(&mut text);
        let text = text.finish();
        if cfg!(target_os = "linux") {
            let rss: u64 = text
                .lines()
                .find_map(|l| l.strip_prefix("process_resident_memory_bytes{} "))
                .unwrap()
                .parse()
                .unwrap();
            assert!(rss > 1 << 20, "{text}");
            assert!(text.contains("process_start_time_seconds{} "), "{text}");
        }
    }
}
