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

use bytes::{Buf, BufMut, Bytes, BytesMut};

use super::RecordError;

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

/// Decodes a batch body; every entry must be complete and consistent with its totalSize.
pub fn decode_batch(body: &Bytes) -> Result<Vec<BatchEntry>, RecordError> {
    let mut out = Vec::new();
    let mut rest = body.clone();
    while rest.has_remaining() {
        let have = rest.remaining();
        if have < 20 {
            return Err(RecordError::Truncated { need: 20, have });
        }
        let size = rest.get_i32();
        if size < 22 || size as usize > have {
            return Err(RecordError::SizeMismatch(size.max(0) as usize));
        }
        let mut entry = rest.split_to(size as usize - 4);
        entry.advance(8); // magic, body CRC
        let flag = entry.get_i32();
        let body_len = entry.get_i32();
        if body_len < 0 || entry.remaining() < body_len as usize + 2 {
            return Err(RecordError::SizeMismatch(size as usize));
        }
        let body = entry.split_to(body_len as usize);
        let props_len = entry.get_i16();
        if props_len < 0 || entry.remaining() != props_len as usize {
            return Err(RecordError::SizeMismatch(size as usize));
        }
        let properties = String::from_utf8(entry.to_vec()).map_err(|_| RecordError::NotUtf8)?;
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
}
