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
    let entry_size = |e: &BatchEntry| 4 + 4 + 4 + 4 + 4 + e.body.len() + 2 + e.properties.len();
    let mut out = BytesMut::with_capacity(entries.iter().map(entry_size).sum());
    for e in entries {
        let size = entry_size(e);
        out.put_i32(size as i32);
        out.put_i32(0);
        out.put_i32(0);
        out.put_i32(e.flag);
        out.put_i32(e.body.len() as i32);
        out.extend_from_slice(&e.body);
        out.put_i16(e.properties.len() as i16);
        out.extend_from_slice(e.properties.as_bytes());
    }
    out.freeze()
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
}
