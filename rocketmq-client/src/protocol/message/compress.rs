//! Body compression.
//!
//! Producers compress bodies of 4 KiB and more (not batches) and set sysFlag bit 0x1; 5.x also
//! records the algorithm in bits 8–10 (1 LZ4, 2 ZSTD, 3 ZLIB; 0 means ZLIB for older clients).
//! ZLIB is the zlib container (RFC 1950), what Java's `Deflater` writes.

use std::io::{Read, Write};

use bytes::Bytes;
use flate2::Compression;
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;

use super::sys_flag;

/// sysFlag bits of the compression algorithm.
pub const COMPRESSION_TYPE_MASK: i32 = 0x700;
/// ZLIB in the compression type bits.
pub const COMPRESSION_ZLIB: i32 = 3 << 8;

/// Why a body could not be inflated.
#[derive(Debug, thiserror::Error)]
pub enum CompressionError {
    /// A compression type this client cannot inflate.
    #[error("compression type {0} (LZ4 = 1, ZSTD = 2) is not supported")]
    Unsupported(i32),
    /// The zlib stream is broken.
    #[error("corrupt zlib body: {0}")]
    Corrupt(#[from] std::io::Error),
    /// The body inflates past the limit it was given.
    #[error("the body inflates past {0} bytes")]
    TooLarge(usize),
}

/// zlib-compresses `body` at `level` (Java's default producer level is 5).
pub fn compress(body: &[u8], level: u32) -> Vec<u8> {
    let mut enc = ZlibEncoder::new(
        Vec::with_capacity(body.len() / 2),
        Compression::new(level.min(9)),
    );
    enc.write_all(body).expect("writing to a Vec cannot fail");
    enc.finish().expect("finishing into a Vec cannot fail")
}

/// The body as the producer wrote it: inflated when sysFlag says it is compressed.
pub fn decompress(body: &Bytes, flag: i32) -> Result<Bytes, CompressionError> {
    decompress_at_most(body, flag, usize::MAX)
}

/// [`decompress`], refusing a body that inflates past `limit` bytes (a server inflating what a
/// client sent must not be made to allocate without bound).
pub fn decompress_at_most(
    body: &Bytes,
    flag: i32,
    limit: usize,
) -> Result<Bytes, CompressionError> {
    if flag & sys_flag::COMPRESSED == 0 {
        return Ok(body.clone());
    }
    match (flag & COMPRESSION_TYPE_MASK) >> 8 {
        0 | 3 => {
            let mut out = Vec::with_capacity(body.len().saturating_mul(3).min(limit));
            ZlibDecoder::new(&body[..])
                .take(limit.saturating_add(1) as u64)
                .read_to_end(&mut out)?;
            if out.len() > limit {
                return Err(CompressionError::TooLarge(limit));
            }
            Ok(out.into())
        }
        other => Err(CompressionError::Unsupported(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_and_without_type_bits() {
        let body = "RocketMQ ".repeat(1000);
        let z = Bytes::from(compress(body.as_bytes(), 5));
        assert!(z.len() < body.len() / 10);
        assert_eq!(&z[..1], &[0x78], "zlib container header");
        for flag in [
            sys_flag::COMPRESSED,
            sys_flag::COMPRESSED | COMPRESSION_ZLIB,
        ] {
            assert_eq!(decompress(&z, flag).unwrap(), body.as_bytes());
        }
        assert_eq!(decompress(&z, 0).unwrap(), z, "not flagged: untouched");
        assert!(matches!(
            decompress(&z, sys_flag::COMPRESSED | (1 << 8)),
            Err(CompressionError::Unsupported(1))
        ));
        assert!(decompress(&Bytes::from_static(b"nope"), sys_flag::COMPRESSED).is_err());
        let limit = body.len();
        assert_eq!(
            decompress_at_most(&z, sys_flag::COMPRESSED, limit).unwrap(),
            body.as_bytes()
        );
        assert!(matches!(
            decompress_at_most(&z, sys_flag::COMPRESSED, limit - 1),
            Err(CompressionError::TooLarge(l)) if l == limit - 1
        ));
    }
}
