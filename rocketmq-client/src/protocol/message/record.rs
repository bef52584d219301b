//! The stored message record: the commit-log entry, and each element of a pull body.
//!
//! # Format
//!
//! Big-endian, no padding (`MessageDecoder` / `CommitLog.DefaultAppendMessageCallback`):
//!
//! ```text
//! off  size  field
//!   0     4  totalSize (whole record)
//!   4     4  magicCode  V1 0xDAA320A7 (1-byte topic length) | V2 0xDAA320AB (2-byte)
//!   8     4  bodyCRC    crc32(body) & 0x7FFFFFFF
//!  12     4  queueId
//!  16     4  flag
//!  20     8  queueOffset       (consume-queue index)
//!  28     8  physicalOffset    (commit-log offset of this record)
//!  36     4  sysFlag           (0x10 born host IPv6, 0x20 store host IPv6)
//!  40     8  bornTimestamp
//!  48   8|20 bornHost          (IPv4 4 bytes | IPv6 16 bytes, then port i32)
//!   …     8  storeTimestamp
//!   …   8|20 storeHost
//!   …     4  reconsumeTimes
//!   …     8  preparedTransactionOffset
//!   …   4+n  bodyLength, body
//!   … 1|2+t  topicLength, topic
//!   …   2+p  propertiesLength, properties
//! ```
//!
//! A commit-log file ends with a blank header (`totalSize` = rest of the file, magic
//! `0xCBD43194`) when the next record does not fit; records never span files.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use bytes::BufMut;

use super::sys_flag;

/// Magic of records with a 1-byte topic length.
pub const MAGIC_V1: u32 = 0xDAA3_20A7;
/// Magic of records with a 2-byte topic length (topics over 127 bytes).
pub const MAGIC_V2: u32 = 0xDAA3_20AB;
/// Magic of the blank filler at the end of a commit-log file.
pub const MAGIC_BLANK: u32 = 0xCBD4_3194;

/// Why bytes are not a record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// The buffer ends before the record does.
    #[error("record truncated: need {need} bytes, have {have}")]
    Truncated {
        /// The record's size.
        need: usize,
        /// The bytes there are.
        have: usize,
    },
    /// Neither magic code of a message record.
    #[error("bad magic code {0:#x}")]
    BadMagic(u32),
    /// The fields' lengths do not add up to the record's size.
    #[error("record fields disagree with totalSize {0}")]
    SizeMismatch(usize),
    /// The topic or properties are not UTF-8.
    #[error("record text is not UTF-8")]
    NotUtf8,
}

/// RocketMQ's CRC: CRC32 (IEEE) masked to a non-negative i32.
pub fn crc32_masked(bytes: &[u8]) -> u32 {
    crc32fast::hash(bytes) & 0x7FFF_FFFF
}

fn host_len(addr: &SocketAddr) -> usize {
    if addr.is_ipv4() { 8 } else { 20 }
}

/// The encoded size of a record with these parts.
pub fn record_size(
    topic_len: usize,
    body_len: usize,
    properties_len: usize,
    born_host: &SocketAddr,
    store_host: &SocketAddr,
) -> usize {
    let topic_len_size = if topic_len > 127 { 2 } else { 1 };
    72 + host_len(born_host)
        + host_len(store_host)
        + body_len
        + topic_len_size
        + topic_len
        + 2
        + properties_len
}

/// Everything a record holds, borrowed; the writer's input.
#[derive(Debug, Clone)]
pub struct RecordFields<'a> {
    /// The topic.
    pub topic: &'a str,
    /// The queue within the topic.
    pub queue_id: i32,
    /// Application flag.
    pub flag: i32,
    /// Offset in the consume queue.
    pub queue_offset: i64,
    /// Offset of the record in the commit log.
    pub physical_offset: i64,
    /// [`sys_flag`] bits.
    pub sys_flag: i32,
    /// When the producer created it (epoch ms).
    pub born_timestamp: i64,
    /// The producer's address.
    pub born_host: SocketAddr,
    /// When the broker stored it (epoch ms).
    pub store_timestamp: i64,
    /// The storing broker's address.
    pub store_host: SocketAddr,
    /// How many times it was redelivered.
    pub reconsume_times: i32,
    /// Commit-log offset of the half message a transaction record refers to.
    pub prepared_transaction_offset: i64,
    /// [`crc32_masked`] of `body`, computed by the caller (off any lock).
    pub body_crc: u32,
    /// The payload.
    pub body: &'a [u8],
    /// Encoded properties.
    pub properties: &'a str,
}

impl RecordFields<'_> {
    /// The encoded size.
    pub fn size(&self) -> usize {
        record_size(
            self.topic.len(),
            self.body.len(),
            self.properties.len(),
            &self.born_host,
            &self.store_host,
        )
    }

    /// Appends the record. The IPv6 bits of `sysFlag` follow the addresses.
    pub fn encode(&self, out: &mut impl BufMut) {
        let mut sys_flag = self.sys_flag & !(sys_flag::BORNHOST_V6 | sys_flag::STOREHOST_V6);
        if self.born_host.is_ipv6() {
            sys_flag |= sys_flag::BORNHOST_V6;
        }
        if self.store_host.is_ipv6() {
            sys_flag |= sys_flag::STOREHOST_V6;
        }
        let v2 = self.topic.len() > 127;
        out.put_i32(self.size() as i32);
        out.put_u32(if v2 { MAGIC_V2 } else { MAGIC_V1 });
        out.put_u32(self.body_crc);
        out.put_i32(self.queue_id);
        out.put_i32(self.flag);
        out.put_i64(self.queue_offset);
        out.put_i64(self.physical_offset);
        out.put_i32(sys_flag);
        out.put_i64(self.born_timestamp);
        put_host(out, &self.born_host);
        out.put_i64(self.store_timestamp);
        put_host(out, &self.store_host);
        out.put_i32(self.reconsume_times);
        out.put_i64(self.prepared_transaction_offset);
        out.put_i32(self.body.len() as i32);
        out.put_slice(self.body);
        if v2 {
            out.put_i16(self.topic.len() as i16);
        } else {
            out.put_u8(self.topic.len() as u8);
        }
        out.put_slice(self.topic.as_bytes());
        out.put_i16(self.properties.len() as i16);
        out.put_slice(self.properties.as_bytes());
    }
}

/// Writes a host as IP bytes + port i32.
pub fn put_host(out: &mut impl BufMut, addr: &SocketAddr) {
    match addr.ip() {
        IpAddr::V4(ip) => out.put_slice(&ip.octets()),
        IpAddr::V6(ip) => out.put_slice(&ip.octets()),
    }
    out.put_i32(i32::from(addr.port()));
}

/// What the first 8 bytes at a commit-log position say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordHead {
    /// A message record of this many bytes (still to be validated).
    Message(usize),
    /// The end-of-file filler.
    Blank,
    /// Zeros or garbage: the end of written data.
    End,
}

/// Reads the size and magic at the start of `buf`.
pub fn read_head(buf: &[u8]) -> RecordHead {
    if buf.len() < 8 {
        return RecordHead::End;
    }
    let size = i32::from_be_bytes(buf[0..4].try_into().expect("4 bytes"));
    let magic = u32::from_be_bytes(buf[4..8].try_into().expect("4 bytes"));
    match magic {
        MAGIC_BLANK => RecordHead::Blank,
        MAGIC_V1 | MAGIC_V2 if size > 0 => RecordHead::Message(size as usize),
        _ => RecordHead::End,
    }
}

/// A parsed record borrowing its buffer.
#[derive(Debug, Clone)]
pub struct RecordView<'a> {
    /// The record's size in bytes.
    pub total_size: usize,
    /// [`crc32_masked`] of the body, as stored.
    pub body_crc: u32,
    /// The queue within the topic.
    pub queue_id: i32,
    /// Application flag.
    pub flag: i32,
    /// Offset in the consume queue.
    pub queue_offset: i64,
    /// Offset of the record in the commit log.
    pub physical_offset: i64,
    /// [`sys_flag`] bits.
    pub sys_flag: i32,
    /// When the producer created it (epoch ms).
    pub born_timestamp: i64,
    /// The producer's address.
    pub born_host: SocketAddr,
    /// When the broker stored it (epoch ms).
    pub store_timestamp: i64,
    /// The storing broker's address.
    pub store_host: SocketAddr,
    /// How many times it was redelivered.
    pub reconsume_times: i32,
    /// Commit-log offset of the half message a transaction record refers to.
    pub prepared_transaction_offset: i64,
    /// The payload.
    pub body: &'a [u8],
    /// Where `body` starts within the record.
    pub body_start: usize,
    /// The topic.
    pub topic: &'a str,
    /// Encoded properties.
    pub properties: &'a str,
}

struct Reader<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], RecordError> {
        let end = self.at + n;
        if end > self.buf.len() {
            return Err(RecordError::Truncated {
                need: end,
                have: self.buf.len(),
            });
        }
        let s = &self.buf[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn i16(&mut self) -> Result<i16, RecordError> {
        Ok(i16::from_be_bytes(self.take(2)?.try_into().expect("2")))
    }
    fn i32(&mut self) -> Result<i32, RecordError> {
        Ok(i32::from_be_bytes(self.take(4)?.try_into().expect("4")))
    }
    fn i64(&mut self) -> Result<i64, RecordError> {
        Ok(i64::from_be_bytes(self.take(8)?.try_into().expect("8")))
    }
    fn host(&mut self, v6: bool) -> Result<SocketAddr, RecordError> {
        let ip: IpAddr = if v6 {
            let b: [u8; 16] = self.take(16)?.try_into().expect("16");
            IpAddr::from(b)
        } else {
            let b: [u8; 4] = self.take(4)?.try_into().expect("4");
            IpAddr::V4(Ipv4Addr::from(b))
        };
        let port = self.i32()?;
        Ok(SocketAddr::new(ip, port as u16))
    }
}

impl<'a> RecordView<'a> {
    /// Parses the record at the start of `buf`, checking that its parts add up to `totalSize`.
    pub fn parse(buf: &'a [u8]) -> Result<Self, RecordError> {
        let mut r = Reader { buf, at: 0 };
        let total_size = r.i32()?.max(0) as usize;
        let magic = r.i32()? as u32;
        if magic != MAGIC_V1 && magic != MAGIC_V2 {
            return Err(RecordError::BadMagic(magic));
        }
        if total_size > buf.len() {
            return Err(RecordError::Truncated {
                need: total_size,
                have: buf.len(),
            });
        }
        r.buf = &buf[..total_size];
        let body_crc = r.i32()? as u32;
        let queue_id = r.i32()?;
        let flag = r.i32()?;
        let queue_offset = r.i64()?;
        let physical_offset = r.i64()?;
        let sys_flag = r.i32()?;
        let born_timestamp = r.i64()?;
        let born_host = r.host(sys_flag & sys_flag::BORNHOST_V6 != 0)?;
        let store_timestamp = r.i64()?;
        let store_host = r.host(sys_flag & sys_flag::STOREHOST_V6 != 0)?;
        let reconsume_times = r.i32()?;
        let prepared_transaction_offset = r.i64()?;
        let body_len = r.i32()?;
        if body_len < 0 {
            return Err(RecordError::SizeMismatch(total_size));
        }
        let body_start = r.at;
        let body = r.take(body_len as usize)?;
        let topic_len = if magic == MAGIC_V2 {
            r.i16()? as u16 as usize
        } else {
            usize::from(r.take(1)?[0])
        };
        let topic = std::str::from_utf8(r.take(topic_len)?).map_err(|_| RecordError::NotUtf8)?;
        let props_len = r.i16()?;
        if props_len < 0 {
            return Err(RecordError::SizeMismatch(total_size));
        }
        let properties =
            std::str::from_utf8(r.take(props_len as usize)?).map_err(|_| RecordError::NotUtf8)?;
        if r.at != total_size {
            return Err(RecordError::SizeMismatch(total_size));
        }
        Ok(RecordView {
            total_size,
            body_crc,
            queue_id,
            flag,
            queue_offset,
            physical_offset,
            sys_flag,
            born_timestamp,
            born_host,
            store_timestamp,
            store_host,
            reconsume_times,
            prepared_transaction_offset,
            body,
            body_start,
            topic,
            properties,
        })
    }

    /// Whether the stored body CRC matches the body.
    pub fn crc_ok(&self) -> bool {
        crc32_masked(self.body) == self.body_crc
    }

    /// Whether the record's tail is intact. A write cut short leaves a zeroed suffix (records
    /// are written front to back into zero-filled files); the body CRC does not cover the topic
    /// and properties, but a complete record's properties end with `\u0002` and a topic never
    /// holds a NUL.
    pub fn tail_ok(&self) -> bool {
        let props_ok = self.properties.is_empty()
            || self
                .properties
                .ends_with(super::properties::PROPERTY_SEPARATOR);
        props_ok && !self.topic.is_empty() && !self.topic.contains('\0')
    }
}

/// Offset of `storeTimestamp` within a record with this sysFlag.
pub fn store_timestamp_offset(sys_flag: i32) -> usize {
    if sys_flag & sys_flag::BORNHOST_V6 != 0 {
        68
    } else {
        56
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields<'a>(topic: &'a str, body: &'a [u8]) -> RecordFields<'a> {
        RecordFields {
            topic,
            queue_id: 3,
            flag: 7,
            queue_offset: 11,
            physical_offset: 4096,
            sys_flag: 0,
            born_timestamp: 1_700_000_000_000,
            born_host: "10.0.0.1:5555".parse().unwrap(),
            store_timestamp: 1_700_000_000_123,
            store_host: "[::1]:10911".parse().unwrap(),
            reconsume_times: 2,
            prepared_transaction_offset: 0,
            body_crc: crc32_masked(body),
            body,
            properties: "TAGS\u{1}TagA\u{2}",
        }
    }

    #[test]
    fn encode_then_parse() {
        let long_topic = "t".repeat(200);
        for topic in ["TopicTest", long_topic.as_str()] {
            let f = fields(topic, b"hello");
            let mut buf = Vec::new();
            f.encode(&mut buf);
            assert_eq!(buf.len(), f.size());
            assert_eq!(read_head(&buf), RecordHead::Message(buf.len()));
            let v = RecordView::parse(&buf).unwrap();
            assert_eq!(v.topic, topic);
            assert_eq!(v.body, b"hello");
            assert_eq!(v.queue_offset, 11);
            assert_eq!(v.store_host, f.store_host);
            assert_eq!(v.sys_flag, sys_flag::STOREHOST_V6);
            assert!(v.crc_ok());
            assert_eq!(v.properties, "TAGS\u{1}TagA\u{2}");
        }
    }

    #[test]
    fn ipv4_layout_puts_store_timestamp_at_56() {
        let mut f = fields("T", b"x");
        f.store_host = "127.0.0.1:10911".parse().unwrap();
        let mut buf = Vec::new();
        f.encode(&mut buf);
        assert_eq!(&buf[4..8], &MAGIC_V1.to_be_bytes());
        let at = store_timestamp_offset(0);
        assert_eq!(
            i64::from_be_bytes(buf[at..at + 8].try_into().unwrap()),
            1_700_000_000_123
        );
    }

    #[test]
    fn torn_and_corrupt_records_are_rejected() {
        let f = fields("T", b"hello world");
        let mut buf = Vec::new();
        f.encode(&mut buf);
        assert!(RecordView::parse(&buf[..buf.len() - 3]).is_err());
        let mut bad = buf.clone();
        bad[4] = 0;
        assert_eq!(read_head(&bad), RecordHead::End);
        let mut torn_tail = buf.clone();
        let end = torn_tail.len();
        torn_tail[end - 3..].fill(0);
        let v = RecordView::parse(&torn_tail).unwrap();
        assert!(
            v.crc_ok() && !v.tail_ok(),
            "a zeroed tail is caught although the body CRC holds"
        );
        let mut flipped = buf.clone();
        let body_at = RecordView::parse(&buf).unwrap().body_start;
        flipped[body_at] ^= 0xFF;
        assert!(!RecordView::parse(&flipped).unwrap().crc_ok());
        assert_eq!(read_head(&[0u8; 16]), RecordHead::End);
    }
}
