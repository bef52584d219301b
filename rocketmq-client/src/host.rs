//! This host's identity as RocketMQ shows it: its name and IP address (client ids are the
//! [`ClientInstance`](crate::ClientInstance)'s).

use std::net::{IpAddr, Ipv4Addr, ToSocketAddrs};

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
