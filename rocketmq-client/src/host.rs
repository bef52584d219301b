//! This host's identity as RocketMQ shows it: an IP address and a process-unique client id.

use std::net::{IpAddr, Ipv4Addr, ToSocketAddrs};
use std::time::{SystemTime, UNIX_EPOCH};

/// The host name (`/proc/sys/kernel/hostname`), if readable.
pub fn hostname() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The first non-loopback IPv4 address the host name resolves to, else loopback. Apache
/// clients and brokers likewise prefer the first non-loopback address.
pub fn local_ip() -> IpAddr {
    hostname()
        .and_then(|h| (h.as_str(), 0).to_socket_addrs().ok())
        .and_then(|mut addrs| addrs.find(|a| a.is_ipv4() && !a.ip().is_loopback()))
        .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |a| a.ip())
}

/// A client id like Java's: `ip@pid#nanos`, distinct per client instance.
pub fn client_id(ip: IpAddr, instance_name: Option<&str>) -> String {
    match instance_name {
        Some(name) if name != "DEFAULT" => format!("{ip}@{name}"),
        _ => {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            format!("{ip}@{}#{nanos}", std::process::id())
        }
    }
}
