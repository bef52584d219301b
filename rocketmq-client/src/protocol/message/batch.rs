//! The SEND_BATCH_MESSAGE body.
//!
//! # Format
//!
//! Per message, concatenated (`MessageDecoder.encodeMessages`):
//!
//! ```text
//! totalSize i32 | magicCode i32 (0) | bodyCRC i32 (0) | flag i32
//!   | bodyLength i32 | body | propertiesLength i16 | properties
//! ```
//!
//! totalSize counts the whole entry, its own 4 bytes included. Readers go by the two lengths
//! (Apache's broker never reads totalSize back), so a wrong totalSize is harmless there.

use bytes::{Buf, BufMut, Bytes, BytesMut};

/// One message of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchEntry {
    /// Application flag.
    pub flag: i32,
    /// The payload.
    pub body: Bytes,
    /// Encoded properties.
    pub properties: String,
}

/// Encodes batch entries into a request body.
pub fn encode_batch(entries: &[BatchEntry]) -> Bytes {
    let size: usize = entries
        .iter()
        .map(|e| BATCH_ENTRY_OVERHEAD + e.body.len() + e.properties.len())
        .sum();
    let mut out = BatchBody::with_capacity(size);
    for e in entries {
        out.push(e.flag, &e.body, |p| {
            p.extend_from_slice(e.properties.as_bytes())
        });
    }
    out.finish()
}

/// Bytes of an entry besides its body and properties: size, magic, CRC, flag, body length,
/// properties length.
pub const BATCH_ENTRY_OVERHEAD: usize = 4 + 4 + 4 + 4 + 4 + 2;

/// A batch body built entry by entry, so a sender writes each message's properties straight
/// into it instead of into a string per message first.
#[derive(Debug, Default)]
pub struct BatchBody {
    out: BytesMut,
}

impl BatchBody {
    /// An empty body with room for `bytes`.
    pub fn with_capacity(bytes: usize) -> Self {
        BatchBody {
            out: BytesMut::with_capacity(bytes),
        }
    }

    /// Appends an entry whose encoded properties `properties` appends to the buffer it is
    /// given (see [`properties::encode_into`](super::properties::encode_into)).
    pub fn push(&mut self, flag: i32, body: &[u8], properties: impl FnOnce(&mut BytesMut)) {
        let start = self.out.len();
        self.out.put_i32(0); // totalSize, filled in below
        self.out.put_i32(0);
        self.out.put_i32(0);
        self.out.put_i32(flag);
        self.out.put_i32(body.len() as i32);
        self.out.extend_from_slice(body);
        let props_at = self.out.len();
        self.out.put_i16(0);
        properties(&mut self.out);
        let props_len = (self.out.len() - props_at - 2) as i16;
        self.out[props_at..props_at + 2].copy_from_slice(&props_len.to_be_bytes());
        let size = (self.out.len() - start) as i32;
        self.out[start..start + 4].copy_from_slice(&size.to_be_bytes());
    }

    /// The body.
    pub fn finish(self) -> Bytes {
        self.out.freeze()
    }
}

/// Why a batch body could not be split into entries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// A length field points past the end of the body.
    #[error("entry {entry} at byte {at}: {field} needs {need} bytes, only {have} left")]
    Truncated {
        /// The entry's index (0-based).
        entry: usize,
        /// Where the entry starts in the body.
        at: usize,
        /// The part that does not fit.
        field: &'static str,
        /// The bytes it needs.
        need: usize,
        /// The bytes there are.
        have: usize,
    },
    /// A body or properties length is negative.
    #[error("entry {entry} at byte {at}: negative {field} length {len}")]
    NegativeLength {
        /// The entry's index (0-based).
        entry: usize,
        /// Where the entry starts in the body.
        at: usize,
        /// Which length.
        field: &'static str,
        /// Its value.
        len: i32,
    },
    /// The properties are not UTF-8.
    #[error("entry {entry} at byte {at}: properties are not UTF-8")]
    NotUtf8 {
        /// The entry's index (0-based).
        entry: usize,
        /// Where the entry starts in the body.
        at: usize,
    },
}

/// Decodes a batch body as Apache's broker does (`MessageExtBatchEncoder`): each entry is read
/// by its body length and properties length, and its totalSize is not held against them
/// (clients in the wild write it short, leaving out the properties length). An entry whose
/// lengths run past the body is refused.
pub fn decode_batch(body: &Bytes) -> Result<Vec<BatchEntry>, BatchError> {
    let mut out = Vec::new();
    let mut rest = body.clone();
    while rest.has_remaining() {
        let (entry, at) = (out.len(), body.len() - rest.remaining());
        let truncated = |field, need, have| BatchError::Truncated {
            entry,
            at,
            field,
            need,
            have,
        };
        let negative = |field, len| BatchError::NegativeLength {
            entry,
            at,
            field,
            len,
        };
        const FIXED: usize = 20; // totalSize, magic, body CRC, flag, body length
        if rest.remaining() < FIXED {
            return Err(truncated("the fixed fields", FIXED, rest.remaining()));
        }
        rest.advance(12); // totalSize (ignored, as Apache does), magic, body CRC
        let flag = rest.get_i32();
        let body_len = rest.get_i32();
        let body_len = usize::try_from(body_len).map_err(|_| negative("body", body_len))?;
        if rest.remaining() < body_len + 2 {
            return Err(truncated(
                "the body and properties length",
                body_len + 2,
                rest.remaining(),
            ));
        }
        let body = rest.split_to(body_len);
        let props_len = rest.get_i16();
        let props_len =
            usize::try_from(props_len).map_err(|_| negative("properties", i32::from(props_len)))?;
        if rest.remaining() < props_len {
            return Err(truncated("the properties", props_len, rest.remaining()));
        }
        let properties = String::from_utf8(rest.split_to(props_len).to_vec())
            .map_err(|_| BatchError::NotUtf8 { entry, at })?;
        out.push(BatchEntry {
            flag,
            body,
            properties,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let entries = vec![
            BatchEntry {
                flag: 1,
                body: Bytes::from_static(b"a"),
                properties: "TAGS\u{1}x\u{2}".into(),
            },
            BatchEntry {
                flag: 0,
                body: Bytes::from_static(b""),
                properties: String::new(),
            },
        ];
        let body = encode_batch(&entries);
        assert_eq!(decode_batch(&body).unwrap(), entries);
        assert!(decode_batch(&body.slice(..body.len() - 1)).is_err());
        assert!(decode_batch(&Bytes::from_static(&[0, 0, 0, 9])).is_err());
    }

    #[test]
    fn properties_written_in_place_decode_like_a_string_of_them() {
        let mut props = crate::protocol::message::Properties::new();
        props.insert("TAGS".into(), "x".into());
        props.insert("KEYS".into(), "k1 k2".into());
        let mut body = BatchBody::default();
        body.push(7, b"hello", |out| {
            crate::protocol::message::properties::encode_into(&props, out);
            crate::protocol::message::properties::put_entry(out, "UNIQ_KEY", "id");
        });
        body.push(0, b"", |_| {});
        let entries = decode_batch(&body.finish()).unwrap();
        let mut want = crate::protocol::message::properties::encode(&props);
        crate::protocol::message::properties::append(&mut want, "UNIQ_KEY", "id");
        assert_eq!((entries[0].flag, &entries[0].body[..]), (7, &b"hello"[..]));
        assert_eq!(entries[0].properties, want);
        assert_eq!(entries[1].properties, "");
    }

    /// An entry as a client writes it, with `total` in its totalSize field.
    fn raw_entry(total: i32, flag: i32, body: &[u8], props: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        for n in [total, 0, 0, flag, body.len() as i32] {
            v.extend_from_slice(&n.to_be_bytes());
        }
        v.extend_from_slice(body);
        v.extend_from_slice(&(props.len() as i16).to_be_bytes());
        v.extend_from_slice(props);
        v
    }

    #[test]
    fn total_size_is_not_held_against_the_lengths_as_apache_does() {
        // crates.io `rocketmq` 0.0.4 leaves the 2-byte properties length out of totalSize;
        // others write 0. Apache's broker reads the lengths only, and so do we.
        let props = b"TAGS\x01TagA\x02KEYS\x01k1\x02";
        let exact = (BATCH_ENTRY_OVERHEAD + 5 + props.len()) as i32;
        for total in [exact - 2, 0, -1, exact + 100] {
            let mut body = raw_entry(total, 3, b"first", props);
            body.extend(raw_entry(total, 0, b"", b""));
            let entries = decode_batch(&Bytes::from(body)).unwrap();
            assert_eq!(entries.len(), 2, "totalSize {total}");
            assert_eq!((entries[0].flag, &entries[0].body[..]), (3, &b"first"[..]));
            assert_eq!(entries[0].properties, "TAGS\u{1}TagA\u{2}KEYS\u{1}k1\u{2}");
            assert_eq!(
                (&entries[1].body[..], &entries[1].properties[..]),
                (&b""[..], "")
            );
        }
    }

    #[test]
    fn an_entry_whose_lengths_run_past_the_body_is_refused_by_name() {
        let good = raw_entry(0, 0, b"ok", b"");
        let at = good.len();
        let mut body_past = good.clone();
        body_past.extend(raw_entry(0, 0, b"abcd", b""));
        body_past[at + 19] = 200; // body length 200, 6 bytes follow
        assert_eq!(
            decode_batch(&Bytes::from(body_past)).unwrap_err(),
            BatchError::Truncated {
                entry: 1,
                at,
                field: "the body and properties length",
                need: 202,
                have: 6
            }
        );
        let mut props_past = raw_entry(0, 0, b"x", b"TAGS\x01a\x02");
        props_past[22] = 90; // properties length 90, 7 bytes follow
        let err = decode_batch(&Bytes::from(props_past)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "entry 0 at byte 0: the properties needs 90 bytes, only 7 left"
        );
        let mut negative = raw_entry(0, 0, b"x", b"");
        negative[16] = 0xff;
        assert!(matches!(
            decode_batch(&Bytes::from(negative)),
            Err(BatchError::NegativeLength { field: "body", .. })
        ));
        let mut negative_props = raw_entry(0, 0, b"x", b"");
        negative_props[21] = 0x80;
        assert!(matches!(
            decode_batch(&Bytes::from(negative_props)),
            Err(BatchError::NegativeLength {
                field: "properties",
                ..
            })
        ));
        let mut tail = good;
        tail.extend_from_slice(&[0, 0, 0, 30, 0, 0]);
        assert_eq!(
            decode_batch(&Bytes::from(tail)).unwrap_err(),
            BatchError::Truncated {
                entry: 1,
                at,
                field: "the fixed fields",
                need: 20,
                have: 6
            }
        );
        let mut not_utf8 = raw_entry(0, 0, b"x", b"\xff\xfe");
        not_utf8[0] = 0;
        assert_eq!(
            decode_batch(&Bytes::from(not_utf8)).unwrap_err(),
            BatchError::NotUtf8 { entry: 0, at: 0 }
        );
    }
}
