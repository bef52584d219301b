//! Java's `String.hashCode`, which RocketMQ uses for tag codes, queue selection and the index.

/// `h = 31*h + c` over UTF-16 code units with i32 wrap-around, exactly like Java.
///
/// ```
/// assert_eq!(rocketmq_client::protocol::java_hash_code("TagA"), 2598919);
/// ```
pub fn java_hash_code(s: &str) -> i32 {
    s.encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(i32::from(c)))
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
    }
}
