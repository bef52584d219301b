//! A connection's read buffer, shared by the client and the servers.
//!
//! Decoded frames are slices of the buffer (a message body is never copied out of it), so the
//! buffer cannot be reused in place while a frame is alive: when it runs out of room, the
//! partial frame at its end moves to a fresh allocation. With fixed 64 KiB buffers and 36 KiB
//! batch frames that move copied a third of everything received. So the buffer grows in
//! chunks that double, up to [`MAX_CHUNK`], while reads keep filling them: a busy connection
//! moves a partial frame once per MiB, one that never gets busy stays at 64 KiB. Chunks do not
//! shrink again (a connection that was busy once reads into up to 1 MiB at a time).

use bytes::BytesMut;

use super::RemotingCommand;
use super::frame::{FrameError, decode_frame};

/// The first chunk, and the least room a read is given.
pub const MIN_CHUNK: usize = 64 * 1024;
/// The largest chunk a busy connection grows to.
pub const MAX_CHUNK: usize = 1024 * 1024;

/// Bytes read from a connection and not yet decoded.
#[derive(Debug)]
pub struct FrameBuffer {
    buf: BytesMut,
    chunk: usize,
    /// Room given to the last read.
    room: usize,
}

impl Default for FrameBuffer {
    fn default() -> Self {
        FrameBuffer {
            buf: BytesMut::with_capacity(MIN_CHUNK),
            chunk: MIN_CHUNK,
            room: 0,
        }
    }
}

impl FrameBuffer {
    /// Takes one whole frame off the front, if one is there (see [`decode_frame`]).
    pub fn next_frame(&mut self, max_len: usize) -> Result<Option<RemotingCommand>, FrameError> {
        decode_frame(&mut self.buf, max_len)
    }

    /// The buffer to read into next, with room for more of a partly read frame and at least a
    /// quarter chunk more.
    ///
    /// A frame's declared length is not reserved up front: the room grows with what has
    /// arrived (doubling), so a peer that declares 16 MiB and sends 1 KiB costs a chunk, not
    /// 16 MiB, while a large frame that does arrive is still copied only a few times.
    pub fn for_read(&mut self) -> &mut BytesMut {
        let pending = match self.buf.get(..4) {
            Some(len) => {
                let len = i32::from_be_bytes([len[0], len[1], len[2], len[3]]).max(0) as usize;
                (4 + len).saturating_sub(self.buf.len())
            }
            None => 0,
        };
        let want = pending.min(self.buf.len().max(self.chunk / 4));
        let room = self.buf.capacity() - self.buf.len();
        if room < want.max(self.chunk / 4) {
            self.buf.reserve(want.max(self.chunk));
        }
        self.room = self.buf.capacity() - self.buf.len();
        &mut self.buf
    }

    /// Notes a read of `n` bytes into the room [`for_read`](Self::for_read) gave: a read that
    /// filled it means more was waiting, so the next chunk is twice as big.
    pub fn filled(&mut self, n: usize) {
        if n >= self.room && self.chunk < MAX_CHUNK {
            self.chunk *= 2;
        }
    }

    /// Bytes buffered and not yet decoded.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether nothing is buffered.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use bytes::BufMut;

    use super::*;
    use crate::protocol::frame::encode_frame;
    use crate::protocol::{MAX_FRAME_LEN, RequestCode};

    fn frame(body_len: usize) -> BytesMut {
        let mut cmd = RemotingCommand::request(RequestCode::SendMessage);
        cmd.body = vec![7u8; body_len].into();
        let mut out = BytesMut::new();
        encode_frame(&cmd, &mut out);
        out
    }

    /// Feeds `bytes` in reads of at most `step`, as a socket would; returns the body lengths of
    /// the frames decoded.
    fn feed(fb: &mut FrameBuffer, bytes: &[u8], step: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let buf = fb.for_read();
            let n = step.min(bytes.len() - at).min(buf.capacity() - buf.len());
            assert!(n > 0, "a read was given no room");
            buf.put_slice(&bytes[at..at + n]);
            at += n;
            fb.filled(n);
            while let Some(cmd) = fb.next_frame(MAX_FRAME_LEN).unwrap() {
                out.push(cmd.body.len());
            }
        }
        out
    }

    #[test]
    fn frames_split_across_reads_decode_whole() {
        let mut stream = Vec::new();
        let sizes = [0, 10, 36 * 1024, 200 * 1024, 5, 3 * 1024 * 1024];
        for s in sizes {
            stream.extend_from_slice(&frame(s));
        }
        let mut fb = FrameBuffer::default();
        assert_eq!(feed(&mut fb, &stream, 1000), sizes);
        assert!(fb.is_empty());
        let mut fb = FrameBuffer::default();
        assert_eq!(feed(&mut fb, &stream, usize::MAX), sizes);
    }

    #[test]
    fn a_declared_length_is_not_reserved_before_its_bytes_arrive() {
        let mut fb = FrameBuffer::default();
        let mut head = Vec::new();
        head.extend_from_slice(&(16 * 1024 * 1024i32).to_be_bytes());
        head.extend_from_slice(&[0u8; 1024]);
        feed(&mut fb, &head, usize::MAX);
        fb.for_read();
        assert!(fb.buf.capacity() <= 2 * MIN_CHUNK, "{}", fb.buf.capacity());
    }

    #[test]
    fn chunks_grow_while_reads_fill_them_and_stop_at_the_cap() {
        let mut stream = Vec::new();
        for _ in 0..200 {
            stream.extend_from_slice(&frame(36 * 1024));
        }
        let mut fb = FrameBuffer::default();
        assert_eq!(feed(&mut fb, &stream, usize::MAX).len(), 200);
        assert_eq!(fb.chunk, MAX_CHUNK);

        // Small reads that never fill their room leave the chunk alone.
        let mut fb = FrameBuffer::default();
        feed(&mut fb, &stream, 1000);
        assert_eq!(fb.chunk, MIN_CHUNK);
    }
}
