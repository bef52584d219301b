//! The message properties string.
//!
//! # Format
//!
//! ```text
//! name \u0001 value \u0002  name \u0001 value \u0002 ...
//! ```
//!
//! Every entry ends with `\u0002`, the last one too. On decode a segment shorter than three
//! characters or without a `\u0001` strictly inside it is skipped, like Java's
//! `string2messageProperties`.

use std::collections::HashMap;

/// Separates a name from its value.
pub const NAME_VALUE_SEPARATOR: char = '\u{1}';
/// Ends each entry.
pub const PROPERTY_SEPARATOR: char = '\u{2}';

/// Properties of a message.
pub type Properties = HashMap<String, String>;

/// Encodes properties; entry order is irrelevant to every reader.
pub fn encode(props: &Properties) -> String {
    let len: usize = props.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
    let mut out = String::with_capacity(len);
    for (k, v) in props {
        out.push_str(k);
        out.push(NAME_VALUE_SEPARATOR);
        out.push_str(v);
        out.push(PROPERTY_SEPARATOR);
    }
    out
}

/// [`encode`] onto the end of a byte buffer (a batch body being built).
pub fn encode_into(props: &Properties, out: &mut impl bytes::BufMut) {
    for (k, v) in props {
        put_entry(out, k, v);
    }
}

/// One encoded entry onto the end of a byte buffer.
pub fn put_entry(out: &mut impl bytes::BufMut, name: &str, value: &str) {
    out.put_slice(name.as_bytes());
    out.put_u8(NAME_VALUE_SEPARATOR as u8);
    out.put_slice(value.as_bytes());
    out.put_u8(PROPERTY_SEPARATOR as u8);
}

/// Decodes a properties string.
pub fn decode(s: &str) -> Properties {
    let mut props = Properties::new();
    for entry in s.split(PROPERTY_SEPARATOR) {
        if entry.chars().count() < 3 {
            continue;
        }
        if let Some((k, v)) = entry.split_once(NAME_VALUE_SEPARATOR)
            && !k.is_empty()
            && !v.is_empty()
        {
            props.insert(k.to_string(), v.to_string());
        }
    }
    props
}

/// Re-encodes `s` without the entries named in `drop` or `set`, then with `set` appended:
/// what decode, remove, insert and encode would give, without building a map (the broker's
/// send path). Malformed segments are dropped, as [`decode`] drops them.
pub fn rewrite(s: &str, drop: &[&str], set: &[(&str, &str)]) -> String {
    let extra: usize = set.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
    let mut out = String::with_capacity(s.len() + extra);
    for entry in s.split(PROPERTY_SEPARATOR) {
        if entry.chars().count() < 3 {
            continue;
        }
        if let Some((k, v)) = entry.split_once(NAME_VALUE_SEPARATOR)
            && !k.is_empty()
            && !v.is_empty()
            && !drop.contains(&k)
            && !set.iter().any(|(name, _)| *name == k)
        {
            out.push_str(entry);
            out.push(PROPERTY_SEPARATOR);
        }
    }
    for (k, v) in set {
        out.push_str(k);
        out.push(NAME_VALUE_SEPARATOR);
        out.push_str(v);
        out.push(PROPERTY_SEPARATOR);
    }
    out
}

/// Appends one entry to an encoded string in place (the broker stamping a batch entry).
pub fn append(s: &mut String, name: &str, value: &str) {
    if !s.is_empty() && !s.ends_with(PROPERTY_SEPARATOR) {
        s.push(PROPERTY_SEPARATOR);
    }
    s.reserve(name.len() + value.len() + 2);
    s.push_str(name);
    s.push(NAME_VALUE_SEPARATOR);
    s.push_str(value);
    s.push(PROPERTY_SEPARATOR);
}

/// Finds one property without decoding the whole string: the first entry named `name` with a
/// value, as [`entries`] would find it. It searches for the name rather than walking the
/// entries byte by byte (the broker looks up a property of every message of a batch).
pub fn find<'a>(s: &'a str, name: &str) -> Option<&'a str> {
    if name.contains([NAME_VALUE_SEPARATOR, PROPERTY_SEPARATOR]) {
        return None;
    }
    let bytes = s.as_bytes();
    // A name without separators cannot overlap an entry boundary, so skipping overlapping
    // matches loses no entry.
    s.match_indices(name).find_map(|(start, _)| {
        let after = start + name.len();
        let starts_entry = start == 0 || bytes[start - 1] == PROPERTY_SEPARATOR as u8;
        if !starts_entry || bytes.get(after) != Some(&(NAME_VALUE_SEPARATOR as u8)) {
            return None;
        }
        let rest = &s[after + 1..];
        let value = rest
            .find(PROPERTY_SEPARATOR)
            .map_or(rest, |end| &rest[..end]);
        (!value.is_empty()).then_some(value)
    })
}

/// The `(name, value)` entries of an encoded string in order, without allocating; an entry
/// without a name-value separator is skipped (as [`decode`] does). One pass over the bytes,
/// for the broker's per-message paths that want several properties.
pub fn entries(s: &str) -> impl Iterator<Item = (&str, &str)> {
    let bytes = s.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < bytes.len() {
            let start = at;
            let mut eq = None;
            while at < bytes.len() && bytes[at] != PROPERTY_SEPARATOR as u8 {
                if eq.is_none() && bytes[at] == NAME_VALUE_SEPARATOR as u8 {
                    eq = Some(at);
                }
                at += 1;
            }
            let end = at;
            at += 1;
            // Both separators are ASCII, so these are char boundaries.
            if let Some(eq) = eq {
                return Some((&s[start..eq], &s[eq + 1..end]));
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_finds() {
        let mut p = Properties::new();
        p.insert("TAGS".into(), "TagA".into());
        p.insert("KEYS".into(), "k1 k2".into());
        let s = encode(&p);
        assert!(s.ends_with('\u{2}'));
        assert_eq!(decode(&s), p);
        assert_eq!(find(&s, "KEYS"), Some("k1 k2"));
        assert_eq!(find(&s, "NOPE"), None);
        let all: Vec<_> =
            entries("A\u{1}1\u{2}junk\u{2}B\u{1}x\u{1}y\u{2}C\u{1}\u{2}中\u{1}文").collect();
        assert_eq!(all, [("A", "1"), ("B", "x\u{1}y"), ("C", ""), ("中", "文")]);
        assert_eq!(find("C\u{1}\u{2}", "C"), None, "empty values are absent");
    }

    #[test]
    fn find_agrees_with_walking_the_entries() {
        let reference = |s: &str, name: &str| {
            entries(s)
                .find(|(k, v)| *k == name && !v.is_empty())
                .map(|(_, v)| v.to_string())
        };
        let strings = [
            "XKEYS\u{1}a\u{2}KEYS\u{1}b\u{2}",
            "TAGS\u{1}KEYS\u{1}x\u{2}KEYS\u{1}\u{2}KEYS\u{1}real\u{2}",
            "KEYS\u{1}v",
            "KEYSKEYS\u{1}v\u{2}KEYS",
            "中\u{1}文\u{2}KEYS\u{1}中文\u{2}",
            "junk\u{2}KEYS\u{2}KEYS\u{1}ok\u{2}",
            "",
        ];
        for s in strings {
            for name in ["KEYS", "TAGS", "中", "K", "", "KEYS\u{1}v"] {
                assert_eq!(
                    find(s, name).map(str::to_string),
                    reference(s, name),
                    "{s:?} {name:?}"
                );
            }
        }
    }

    #[test]
    fn append_adds_an_entry_and_a_missing_separator() {
        let mut s = String::new();
        append(&mut s, "A", "1");
        assert_eq!(s, "A\u{1}1\u{2}");
        let mut s = "TAGS\u{1}x".to_string();
        append(&mut s, "UNIQ_KEY", "id");
        assert_eq!(find(&s, "TAGS"), Some("x"));
        assert_eq!(find(&s, "UNIQ_KEY"), Some("id"));
        assert_eq!(decode(&s).len(), 2);
    }

    #[test]
    fn rewrite_matches_decode_edit_encode() {
        let s = "TAGS\u{1}T\u{2}POP_CK\u{1}x\u{2}ab\u{2}REGION\u{1}old\u{2}KEYS\u{1}k\u{2}";
        let out = rewrite(s, &["POP_CK"], &[("REGION", "new"), ("CLUSTER", "c")]);
        let mut want = decode(s);
        want.remove("POP_CK");
        want.insert("REGION".into(), "new".into());
        want.insert("CLUSTER".into(), "c".into());
        assert_eq!(decode(&out), want);
        assert_eq!(out.matches('\u{2}').count(), 4);
    }

    #[test]
    fn skips_malformed_segments_like_java() {
        let p = decode("\u{1}x\u{2}ab\u{2}TAGS\u{1}T\u{2}K\u{1}\u{2}");
        assert_eq!(p.len(), 1);
        assert_eq!(p["TAGS"], "T");
    }
}
