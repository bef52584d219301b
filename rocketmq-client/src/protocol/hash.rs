//! Java's `String.hashCode`, which RocketMQ uses for tag codes, queue selection and the index.

/// `h = 31*h + c` over UTF-16 code units with i32 wrap-around, exactly like Java.
///
/// ```
/// assert_eq!(rocketmq_client::protocol::java_hash_code("TagA"), 2598919);
/// ```
pub fn java_hash_code(s: &str) -> i32 {
    java_hash_extend(0, s)
}

/// Goes on hashing `s` from `h`, the hash of what came before it: the hash of `a + b` is
/// `java_hash_extend(java_hash_code(a), b)` (the index hashes `topic#key` this way, without
/// building the string).
///
/// ```
/// use rocketmq_client::protocol::{java_hash_code, java_hash_extend};
/// assert_eq!(java_hash_extend(java_hash_code("Tag"), "A"), java_hash_code("TagA"));
/// ```
pub fn java_hash_extend(h: i32, s: &str) -> i32 {
    let step = |h: i32, unit: u16| h.wrapping_mul(31).wrapping_add(i32::from(unit));
    if s.is_ascii() {
        // An ASCII byte is its own UTF-16 unit; skipping the decoder matters per message.
        s.bytes().fold(h, |h, b| step(h, u16::from(b)))
    } else {
        s.encode_utf16().fold(h, step)
    }
}

/// The consume-queue tag code of a tag: its hash, sign-extended; 0 for no tag.
pub fn tag_code(tag: Option<&str>) -> i64 {
    match tag {
        Some(t) if !t.is_empty() => i64::from(java_hash_code(t)),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_java_values() {
        assert_eq!(java_hash_code("TagA"), 2598919);
        assert_eq!(java_hash_code("TagB"), 2598920);
        assert_eq!(java_hash_code("*"), 42);
        assert_eq!(java_hash_code(""), 0);
        // wraps like Java ("polygenelubricants".hashCode() == Integer.MIN_VALUE)
        assert_eq!(java_hash_code("polygenelubricants"), i32::MIN);
        // UTF-16 units, not bytes: "中".hashCode() == 20013
        assert_eq!(java_hash_code("中"), 20013);
        // a surrogate pair counts as two units: "😀".hashCode() == 1772899
        assert_eq!(java_hash_code("😀"), 1772899);
        assert_eq!(
            java_hash_extend(java_hash_code("中"), "😀"),
            java_hash_code("中😀")
        );
    }
}
