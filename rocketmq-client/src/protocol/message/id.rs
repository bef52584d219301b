//! Message ids.
//!
//! # Format
//!
//! offsetMsgId (broker): uppercase hex of `store IP (4|16 bytes) | port i32 | commit-log offset i64`,
//! 32 hex characters for IPv4.
//!
//! UNIQ_KEY (client, broker fallback): uppercase hex of `IP (4|16) | pid low 16 bits | random i32`
//! (fixed per process) then `ms since the start of the month i32 | counter u16`.

use crate::protocol::now_millis;
use crate::protocol::time::month_start;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;

/// The offset message id of a record stored at `offset` by `store_host`.
pub fn offset_msg_id(store_host: &SocketAddr, offset: i64) -> String {
    let mut out = String::with_capacity(56);
    push_offset_msg_id(&mut out, store_host, offset);
    out
}

/// Appends [`offset_msg_id`] to `out` (a batch's ids are one comma-separated string).
pub fn push_offset_msg_id(out: &mut String, store_host: &SocketAddr, offset: i64) {
    match store_host.ip() {
        IpAddr::V4(ip) => push_hex(out, &ip.octets()),
        IpAddr::V6(ip) => push_hex(out, &ip.octets()),
    }
    push_hex(out, &i32::from(store_host.port()).to_be_bytes());
    push_hex(out, &offset.to_be_bytes());
}

/// Appends `bytes` as uppercase hex, two characters each.
fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    out.reserve(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xF)]));
    }
}

/// Splits an offset message id into the broker address and commit-log offset.
pub fn decode_offset_msg_id(id: &str) -> Option<(SocketAddr, i64)> {
    let bytes: Vec<u8> = (0..id.len())
        .step_by(2)
        .map(|i| {
            id.get(i..i + 2)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect::<Option<_>>()?;
    let ip_len = match bytes.len() {
        16 => 4,
        28 => 16,
        _ => return None,
    };
    let ip: IpAddr = if ip_len == 4 {
        IpAddr::from(<[u8; 4]>::try_from(&bytes[..4]).ok()?)
    } else {
        IpAddr::from(<[u8; 16]>::try_from(&bytes[..16]).ok()?)
    };
    let port = i32::from_be_bytes(bytes[ip_len..ip_len + 4].try_into().ok()?);
    let offset = i64::from_be_bytes(bytes[ip_len + 4..].try_into().ok()?);
    Some((SocketAddr::new(ip, port as u16), offset))
}

/// Generates UNIQ_KEY values.
#[derive(Debug)]
pub struct UniqueIdGenerator {
    prefix: String,
    state: Mutex<(i64, u16)>,
}

impl UniqueIdGenerator {
    /// A generator for a process on `ip`.
    pub fn new(ip: IpAddr) -> Self {
        let mut prefix = String::new();
        match ip {
            IpAddr::V4(v4) => push_hex(&mut prefix, &v4.octets()),
            IpAddr::V6(v6) => push_hex(&mut prefix, &v6.octets()),
        }
        let pid = (std::process::id() & 0xFFFF) as u16;
        let salt = RandomState::new().build_hasher().finish() as u32;
        push_hex(&mut prefix, &pid.to_be_bytes());
        push_hex(&mut prefix, &salt.to_be_bytes());
        UniqueIdGenerator {
            prefix,
            state: Mutex::new((month_start(now_millis()), 0)),
        }
    }

    /// The next id.
    pub fn next_id(&self) -> String {
        let mut out = String::with_capacity(self.prefix.len() + 12);
        self.push_next_id(&mut out);
        out
    }

    /// Appends the next id to `out` (a batch reuses one buffer for all of its ids).
    pub fn push_next_id(&self, out: &mut String) {
        let now = now_millis();
        let (diff, counter) = {
            let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
            if now - st.0 >= 31 * 86_400_000 || now < st.0 {
                st.0 = month_start(now);
            }
            st.1 = st.1.wrapping_add(1);
            ((now - st.0) as i32, st.1)
        };
        out.push_str(&self.prefix);
        push_hex(out, &diff.to_be_bytes());
        push_hex(out, &counter.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_ids_round_trip() {
        let addr: SocketAddr = "10.0.0.5:10911".parse().unwrap();
        let id = offset_msg_id(&addr, 1234);
        assert_eq!(id, "0A00000500002A9F00000000000004D2");
        assert_eq!(decode_offset_msg_id(&id), Some((addr, 1234)));
        let v6: SocketAddr = "[::1]:10911".parse().unwrap();
        assert_eq!(decode_offset_msg_id(&offset_msg_id(&v6, 9)), Some((v6, 9)));
        assert_eq!(decode_offset_msg_id("nothex"), None);
    }

    #[test]
    fn unique_ids_are_32_hex_and_distinct() {
        let g = UniqueIdGenerator::new("127.0.0.1".parse().unwrap());
        let a = g.next_id();
        let b = g.next_id();
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert!(a.starts_with("7F000001"));
    }
}
