//! The length-prefixed frame and the two header serializations.
//!
//! # Format
//!
//! ```text
//! +-------------+--------------------------------+--------------+------+
//! | length: i32 | serializeType << 24 | headerLen | header bytes | body |
//! +-------------+--------------------------------+--------------+------+
//! length = 4 + headerLen + bodyLen (the length field itself is not counted); big-endian
//! ```
//!
//! A JSON header is a fastjson-style object (`code`, `extFields`, `flag`, `language`, `opaque`,
//! `remark`, `serializeTypeCurrentRPC`, `version`). The ROCKETMQ binary header is
//!
//! ```text
//! code i16 | language u8 | version i16 | opaque i32 | flag i32 | remarkLen i32 | remark
//!   | extLen i32 | { keyLen i16 | key | valueLen i32 | value }*
//! ```
//!
//! Decoding is check-then-parse: [`decode_frame`] returns `Ok(None)` until a whole frame is
//! buffered, so a reader just appends bytes and calls it again (a connection's bytes live in a
//! [`FrameBuffer`](super::frame_buffer::FrameBuffer)).

use bytes::{Buf, BufMut, Bytes, BytesMut};
use serde::Deserialize;

use super::command::{ExtFields, LanguageCode, RemotingCommand, SerializeType};
use super::ext_fields::MAX_EXT_FIELDS;

/// The largest frame a peer may send (Java's `com.rocketmq.remoting.frameMaxLength`).
pub const MAX_FRAME_LEN: usize = 16 * 1024 * 1024;

/// Why a frame could not be decoded. Any of these ends the connection: after a bad frame the
/// stream position can no longer be trusted, and the opaque needed for an answer is unknown.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The length prefix exceeds the limit.
    #[error("frame of {len} bytes exceeds the {max} byte limit")]
    TooLarge {
        /// The frame's length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The header length does not fit in the frame.
    #[error("header length {header} does not fit in a frame of {frame} bytes")]
    BadHeaderLength {
        /// The header's length.
        header: usize,
        /// The frame's length.
        frame: usize,
    },
    /// Unknown serialization type byte.
    #[error("unknown serialize type {0}")]
    BadSerializeType(u8),
    /// The header bytes are not a valid header.
    #[error("malformed {kind} header: {reason}")]
    BadHeader {
        /// The serialization (`JSON` or `ROCKETMQ`).
        kind: &'static str,
        /// What was wrong.
        reason: String,
    },
}

/// Takes one whole frame off the front of `buf`, if one is there.
pub fn decode_frame(
    buf: &mut BytesMut,
    max_len: usize,
) -> Result<Option<RemotingCommand>, FrameError> {
    if buf.len() < 4 {
        return Ok(None);
    }
    let len = i32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
    if len < 4 || len as usize > max_len {
        return Err(FrameError::TooLarge {
            len: len.max(0) as usize,
            max: max_len,
        });
    }
    let len = len as usize;
    if buf.len() < 4 + len {
        return Ok(None);
    }
    let mut frame = buf.split_to(4 + len).freeze();
    frame.advance(4);
    decode_command(frame).map(Some)
}

/// Decodes the frame content after the length prefix.
pub fn decode_command(mut frame: Bytes) -> Result<RemotingCommand, FrameError> {
    let frame_len = frame.len();
    let mark = frame.get_u32();
    let kind = (mark >> 24) as u8;
    let header_len = (mark & 0x00FF_FFFF) as usize;
    if header_len > frame.len() {
        return Err(FrameError::BadHeaderLength {
            header: header_len,
            frame: frame_len,
        });
    }
    let header = frame.split_to(header_len);
    let mut cmd = match kind {
        0 => decode_json_header(&header)?,
        1 => decode_binary_header(header)?,
        other => return Err(FrameError::BadSerializeType(other)),
    };
    cmd.body = frame;
    Ok(cmd)
}

/// Appends `cmd` as one frame.
pub fn encode_frame(cmd: &RemotingCommand, dst: &mut BytesMut) {
    let frame = OutFrame::new(cmd);
    dst.reserve(frame.len());
    dst.extend_from_slice(&frame.head);
    dst.extend_from_slice(&frame.body);
}

/// A frame ready to write: the length prefix and header in `head`, then `body`, which is
/// shared with the command rather than copied (a batch or a pull result is most of a frame).
#[derive(Debug, Clone)]
pub struct OutFrame {
    /// Length prefix, header length and header.
    pub head: Bytes,
    /// The command's body.
    pub body: Bytes,
}

impl OutFrame {
    /// Encodes `cmd`'s head; the body is the command's own.
    pub fn new(cmd: &RemotingCommand) -> Self {
        let mut head = BytesMut::with_capacity(256);
        head.put_u64(0); // length + mark, patched below
        match cmd.serialize_type {
            SerializeType::Json => encode_json_header(cmd, &mut head),
            SerializeType::RocketMq => encode_binary_header(cmd, &mut head),
        }
        let header_len = head.len() - 8;
        let total = (head.len() - 4 + cmd.body.len()) as u32;
        let mark = (u32::from(cmd.serialize_type.code()) << 24) | header_len as u32;
        head[0..4].copy_from_slice(&total.to_be_bytes());
        head[4..8].copy_from_slice(&mark.to_be_bytes());
        OutFrame {
            head: head.freeze(),
            body: cmd.body.clone(),
        }
    }

    /// Bytes on the wire.
    pub fn len(&self) -> usize {
        self.head.len() + self.body.len()
    }

    /// Never true: a frame has at least its length and mark.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Encodes a whole frame into a new buffer.
pub fn encode_to_bytes(cmd: &RemotingCommand) -> Bytes {
    let mut buf = BytesMut::with_capacity(256 + cmd.body.len());
    encode_frame(cmd, &mut buf);
    buf.freeze()
}

/// Writes `s` as a JSON string: quotes, backslashes and control characters (the `\u0001` and
/// `\u0002` of properties) escaped, everything else copied as is.
fn push_json_str(dst: &mut BytesMut, s: &str) {
    dst.put_u8(b'"');
    let bytes = s.as_bytes();
    let mut plain = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: Option<&[u8]> = match b {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            b'\n' => Some(b"\\n"),
            b'\r' => Some(b"\\r"),
            b'\t' => Some(b"\\t"),
            0..=0x1f => None,
            _ => continue,
        };
        dst.extend_from_slice(&bytes[plain..i]);
        match escape {
            Some(e) => dst.extend_from_slice(e),
            None => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                dst.extend_from_slice(b"\\u00");
                dst.put_u8(HEX[usize::from(b >> 4)]);
                dst.put_u8(HEX[usize::from(b & 0xf)]);
            }
        }
        plain = i + 1;
    }
    dst.extend_from_slice(&bytes[plain..]);
    dst.put_u8(b'"');
}

fn encode_json_header(cmd: &RemotingCommand, dst: &mut BytesMut) {
    use std::fmt::Write;
    let mut head = String::with_capacity(64);
    let _ = write!(head, "{{\"code\":{}", cmd.code);
    dst.extend_from_slice(head.as_bytes());
    if !cmd.ext_fields.is_empty() {
        dst.extend_from_slice(b",\"extFields\":{");
        for (i, (k, v)) in cmd.ext_fields.iter().enumerate() {
            if i > 0 {
                dst.put_u8(b',');
            }
            push_json_str(dst, k);
            dst.put_u8(b':');
            push_json_str(dst, v);
        }
        dst.put_u8(b'}');
    }
    head.clear();
    let _ = write!(
        head,
        ",\"flag\":{},\"language\":\"{}\",\"opaque\":{}",
        cmd.flag,
        cmd.language.name(),
        cmd.opaque
    );
    dst.extend_from_slice(head.as_bytes());
    if let Some(remark) = &cmd.remark {
        dst.extend_from_slice(b",\"remark\":");
        push_json_str(dst, remark);
    }
    head.clear();
    let _ = write!(
        head,
        ",\"serializeTypeCurrentRPC\":\"JSON\",\"version\":{}}}",
        cmd.version
    );
    dst.extend_from_slice(head.as_bytes());
}

/// The JSON header as peers write it. Lenient where real clients differ: the C++ client writes
/// some ext values as numbers and `remark` as `""`; fastjson accepts `language` as an ordinal.
#[derive(Deserialize)]
struct JsonHeader {
    code: i32,
    #[serde(default)]
    language: Option<serde_json::Value>,
    #[serde(default)]
    version: i32,
    #[serde(default)]
    opaque: i32,
    #[serde(default)]
    flag: i32,
    #[serde(default)]
    remark: Option<String>,
    #[serde(default, rename = "extFields")]
    ext_fields: Option<ExtFields>,
}

fn decode_json_header(bytes: &[u8]) -> Result<RemotingCommand, FrameError> {
    let h: JsonHeader = serde_json::from_slice(bytes).map_err(|e| FrameError::BadHeader {
        kind: "JSON",
        reason: e.to_string(),
    })?;
    let language = match h.language {
        Some(serde_json::Value::String(s)) => LanguageCode::from_name(&s),
        Some(serde_json::Value::Number(n)) => {
            LanguageCode::from_ordinal(n.as_u64().unwrap_or(7) as u8)
        }
        _ => LanguageCode::Java,
    };
    let ext_fields = h.ext_fields.unwrap_or_default();
    Ok(RemotingCommand {
        code: h.code,
        language,
        version: h.version,
        opaque: h.opaque,
        flag: h.flag,
        remark: h.remark.filter(|r| !r.is_empty()),
        ext_fields,
        body: Bytes::new(),
        serialize_type: SerializeType::Json,
    })
}

fn encode_binary_header(cmd: &RemotingCommand, dst: &mut BytesMut) {
    dst.put_i16(cmd.code as i16);
    dst.put_u8(cmd.language.ordinal());
    dst.put_i16(cmd.version as i16);
    dst.put_i32(cmd.opaque);
    dst.put_i32(cmd.flag);
    match &cmd.remark {
        Some(r) => {
            dst.put_i32(r.len() as i32);
            dst.extend_from_slice(r.as_bytes());
        }
        None => dst.put_i32(0),
    }
    let ext_len: usize = cmd
        .ext_fields
        .iter()
        .map(|(k, v)| 2 + k.len() + 4 + v.len())
        .sum();
    dst.put_i32(ext_len as i32);
    for (k, v) in &cmd.ext_fields {
        dst.put_i16(k.len() as i16);
        dst.extend_from_slice(k.as_bytes());
        dst.put_i32(v.len() as i32);
        dst.extend_from_slice(v.as_bytes());
    }
}

fn bad(reason: &str) -> FrameError {
    FrameError::BadHeader {
        kind: "ROCKETMQ",
        reason: reason.to_string(),
    }
}

fn take_str(buf: &mut Bytes, len: usize) -> Result<String, FrameError> {
    if buf.remaining() < len {
        return Err(bad("string runs past the header"));
    }
    String::from_utf8(buf.split_to(len).to_vec()).map_err(|_| bad("string is not UTF-8"))
}

fn decode_binary_header(mut buf: Bytes) -> Result<RemotingCommand, FrameError> {
    if buf.remaining() < 2 + 1 + 2 + 4 + 4 + 4 {
        return Err(bad("header shorter than its fixed part"));
    }
    let code = i32::from(buf.get_i16());
    let language = LanguageCode::from_ordinal(buf.get_u8());
    let version = i32::from(buf.get_i16());
    let opaque = buf.get_i32();
    let flag = buf.get_i32();
    let remark_len = buf.get_i32();
    if remark_len < 0 {
        return Err(bad("negative remark length"));
    }
    let remark = take_str(&mut buf, remark_len as usize)?;
    if buf.remaining() < 4 {
        return Err(bad("missing ext fields length"));
    }
    let ext_len = buf.get_i32();
    if ext_len < 0 || ext_len as usize > buf.remaining() {
        return Err(bad("ext fields length runs past the header"));
    }
    let mut ext = buf.split_to(ext_len as usize);
    let mut ext_fields = ExtFields::new();
    while ext.has_remaining() {
        if ext.remaining() < 2 {
            return Err(bad("truncated ext key length"));
        }
        let klen = ext.get_i16();
        if klen < 0 {
            return Err(bad("negative ext key length"));
        }
        let key = take_str(&mut ext, klen as usize)?;
        if ext.remaining() < 4 {
            return Err(bad("truncated ext value length"));
        }
        let vlen = ext.get_i32();
        if vlen < 0 {
            return Err(bad("negative ext value length"));
        }
        let value = take_str(&mut ext, vlen as usize)?;
        if ext_fields.len() >= MAX_EXT_FIELDS {
            return Err(bad("more header fields than allowed"));
        }
        // Java reads a zero-length string as null, so an empty value is an absent field.
        if !key.is_empty() && !value.is_empty() {
            ext_fields.insert(key, value);
        }
    }
    Ok(RemotingCommand {
        code,
        language,
        version,
        opaque,
        flag,
        remark: (!remark.is_empty()).then_some(remark),
        ext_fields,
        body: Bytes::new(),
        serialize_type: SerializeType::RocketMq,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::code::RequestCode;

    fn route_request(kind: SerializeType) -> RemotingCommand {
        let mut cmd = RemotingCommand::request(RequestCode::GetRouteInfoByTopic);
        cmd.opaque = 7;
        cmd.language = LanguageCode::Java;
        cmd.ext_fields.insert("topic".into(), "TopicTest".into());
        cmd.serialize_type = kind;
        cmd
    }

    #[test]
    fn binary_header_matches_the_reference_vector() {
        let bytes = encode_to_bytes(&route_request(SerializeType::RocketMq));
        let expected: &[u8] = &[
            0, 0, 0, 0x2d, 1, 0, 0, 0x29, 0, 0x69, 0, 1, 0xdf, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0x14, 0, 5, b't', b'o', b'p', b'i', b'c', 0, 0, 0, 9, b'T', b'o', b'p', b'i',
            b'c', b'T', b'e', b's', b't',
        ];
        assert_eq!(&bytes[..], expected);
    }

    #[test]
    fn json_header_matches_the_reference_vector() {
        let bytes = encode_to_bytes(&route_request(SerializeType::Json));
        let json = br#"{"code":105,"extFields":{"topic":"TopicTest"},"flag":0,"language":"JAVA","opaque":7,"serializeTypeCurrentRPC":"JSON","version":479}"#;
        assert_eq!(&bytes[8..], &json[..]);
        assert_eq!(u32::from_be_bytes(bytes[4..8].try_into().unwrap()), 131);
    }

    #[test]
    fn out_frames_are_the_same_bytes_as_encoded_frames() {
        for kind in [SerializeType::Json, SerializeType::RocketMq] {
            let cmd = route_request(kind).with_body(&b"body bytes"[..]);
            let out = OutFrame::new(&cmd);
            let mut joined = BytesMut::new();
            joined.extend_from_slice(&out.head);
            joined.extend_from_slice(&out.body);
            assert_eq!(&joined[..], &encode_to_bytes(&cmd)[..]);
            assert_eq!(out.len(), joined.len());
        }
    }

    #[test]
    fn both_serializations_round_trip_with_body() {
        for kind in [SerializeType::Json, SerializeType::RocketMq] {
            let mut cmd = route_request(kind)
                .with_remark("r\u{1}k \"q\" \\ \n\t\u{2}é")
                .with_body(&b"hello"[..]);
            cmd.flag = 3;
            let mut buf = BytesMut::from(&encode_to_bytes(&cmd)[..]);
            buf.extend_from_slice(&[0, 0]); // start of the next frame stays buffered
            let back = decode_frame(&mut buf, MAX_FRAME_LEN).unwrap().unwrap();
            assert_eq!(back, cmd);
            assert_eq!(buf.len(), 2);
        }
    }

    #[test]
    fn partial_frames_wait_for_more_bytes() {
        let bytes = encode_to_bytes(&route_request(SerializeType::Json));
        let mut buf = BytesMut::from(&bytes[..10]);
        assert!(decode_frame(&mut buf, MAX_FRAME_LEN).unwrap().is_none());
        buf.extend_from_slice(&bytes[10..]);
        assert!(decode_frame(&mut buf, MAX_FRAME_LEN).unwrap().is_some());
    }

    #[test]
    fn lenient_json_from_the_cpp_client() {
        let json = br#"{"code":11,"language":"CPP","version":333,"opaque":5,"flag":0,"remark":"","extFields":{"queueId":3,"topic":"T","Signature":""}}"#;
        let mut frame = BytesMut::new();
        frame.put_i32(4 + json.len() as i32);
        frame.put_i32(json.len() as i32);
        frame.extend_from_slice(json);
        let cmd = decode_frame(&mut frame, MAX_FRAME_LEN).unwrap().unwrap();
        assert_eq!(cmd.ext("queueId"), Some("3"));
        assert_eq!(cmd.remark, None);
        assert_eq!(cmd.language, LanguageCode::Cpp);
    }

    #[test]
    fn oversized_and_inconsistent_frames_are_errors() {
        let mut buf = BytesMut::new();
        buf.put_i32(MAX_FRAME_LEN as i32 + 1);
        assert!(matches!(
            decode_frame(&mut buf, MAX_FRAME_LEN),
            Err(FrameError::TooLarge { .. })
        ));
        let mut buf = BytesMut::new();
        buf.put_i32(8);
        buf.put_i32(100);
        buf.put_i32(0);
        assert!(matches!(
            decode_frame(&mut buf, MAX_FRAME_LEN),
            Err(FrameError::BadHeaderLength { .. })
        ));
        let mut buf = BytesMut::new();
        buf.put_i32(9);
        buf.put_i32(5);
        buf.extend_from_slice(b"{oops");
        assert!(matches!(
            decode_frame(&mut buf, MAX_FRAME_LEN),
            Err(FrameError::BadHeader { .. })
        ));
    }
}
