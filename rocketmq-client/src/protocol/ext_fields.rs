//! [`ExtFields`]: a command's header fields as strings, the way Java's `extFields` carries
//! them.
//!
//! A command has a dozen or so fields, read a few times each. A small vector scanned by key
//! beats a hash map here: no hashing, one allocation for the table, and JSON decodes straight
//! into it. Order is insertion order; equality ignores it, as for a map.

use serde::Deserialize;

/// The most header fields a command may carry. Real clients send a few dozen; a peer that
/// sends more is refused at decode, before the duplicate checks of [`ExtFields::insert`]
/// (linear per field) could add up to seconds of one connection's CPU.
pub const MAX_EXT_FIELDS: usize = 1024;

/// Header fields by name.
#[derive(Debug, Clone, Default)]
pub struct ExtFields(Vec<(String, String)>);

impl ExtFields {
    /// No fields.
    pub fn new() -> Self {
        ExtFields(Vec::new())
    }

    /// Room for `n` fields.
    pub fn with_capacity(n: usize) -> Self {
        ExtFields(Vec::with_capacity(n))
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&String> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }

    /// Sets `key`, returning the value it replaces.
    pub fn insert(&mut self, key: String, value: String) -> Option<String> {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => Some(std::mem::replace(v, value)),
            None => {
                self.0.push((key, value));
                None
            }
        }
    }

    /// Removes `key`.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        let at = self.0.iter().position(|(k, _)| k == key)?;
        Some(self.0.swap_remove(at).1)
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// No fields at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The fields in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

/// `ext["key"]`, panicking when absent, as for a map.
impl std::ops::Index<&str> for ExtFields {
    type Output = String;
    fn index(&self, key: &str) -> &String {
        self.get(key)
            .unwrap_or_else(|| panic!("no ext field `{key}`"))
    }
}

impl PartialEq for ExtFields {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl Eq for ExtFields {}

impl FromIterator<(String, String)> for ExtFields {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        let mut ext = ExtFields::new();
        for (k, v) in iter {
            ext.insert(k, v);
        }
        ext
    }
}

impl<'a> IntoIterator for &'a ExtFields {
    type Item = (&'a String, &'a String);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, String)>,
        fn(&'a (String, String)) -> (&'a String, &'a String),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

/// Reads a JSON `extFields` object: any scalar value becomes its string form (the C++ client
/// writes some as numbers), and `null` means absent.
impl<'de> Deserialize<'de> for ExtFields {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = ExtFields;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of header fields")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<ExtFields, A::Error> {
                let mut ext = ExtFields::with_capacity(map.size_hint().unwrap_or(16).min(64));
                while let Some(key) = map.next_key::<String>()? {
                    if ext.len() >= MAX_EXT_FIELDS {
                        return Err(serde::de::Error::custom(format!(
                            "more than {MAX_EXT_FIELDS} header fields"
                        )));
                    }
                    if let ExtString(Some(value)) = map.next_value()? {
                        ext.insert(key, value);
                    }
                }
                Ok(ext)
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<ExtFields, E> {
                Ok(ExtFields::new())
            }
        }
        d.deserialize_any(V)
    }
}

/// An ext value as a string, whatever JSON scalar the peer wrote; `null` becomes `None`.
struct ExtString(Option<String>);

impl<'de> Deserialize<'de> for ExtString {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ExtString;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string, number, boolean or null")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ExtString, E> {
                Ok(ExtString(Some(v.to_string())))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<ExtString, E> {
                Ok(ExtString(Some(v)))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ExtString, E> {
                Ok(ExtString(Some(v.to_string())))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ExtString, E> {
                Ok(ExtString(Some(v.to_string())))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<ExtString, E> {
                Ok(ExtString(Some(v.to_string())))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<ExtString, E> {
                Ok(ExtString(Some(v.to_string())))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<ExtString, E> {
                Ok(ExtString(None))
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<ExtString, E> {
                Ok(ExtString(None))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_a_map() {
        let mut ext = ExtFields::new();
        assert_eq!(ext.insert("a".into(), "1".into()), None);
        assert_eq!(ext.insert("b".into(), "2".into()), None);
        assert_eq!(ext.insert("a".into(), "3".into()), Some("1".into()));
        assert_eq!(ext.get("a").map(String::as_str), Some("3"));
        assert_eq!(ext.len(), 2);
        let reversed: ExtFields = [("b".to_string(), "2".to_string()), ("a".into(), "3".into())]
            .into_iter()
            .collect();
        assert_eq!(ext, reversed, "order does not matter");
        assert_eq!(ext.remove("a"), Some("3".into()));
        assert!(!ext.contains_key("a"));
    }

    #[test]
    fn too_many_fields_are_refused_at_once() {
        let many: String = (0..200_000).map(|i| format!("\"k{i}\":\"v\",")).collect();
        let json = format!("{{{}\"last\":\"v\"}}", many);
        let started = std::time::Instant::now();
        let err = serde_json::from_str::<ExtFields>(&json).unwrap_err();
        assert!(
            err.to_string().contains("more than 1024 header fields"),
            "{err}"
        );
        assert!(started.elapsed() < std::time::Duration::from_millis(500));
        let fine: String = (0..MAX_EXT_FIELDS)
            .map(|i| format!("\"k{i}\":\"v\""))
            .collect::<Vec<_>>()
            .join(",");
        assert_eq!(
            serde_json::from_str::<ExtFields>(&format!("{{{fine}}}"))
                .unwrap()
                .len(),
            MAX_EXT_FIELDS
        );
    }

    #[test]
    fn json_scalars_become_strings_and_null_is_absent() {
        let ext: ExtFields =
            serde_json::from_str(r#"{"queueId":3,"batch":true,"topic":"T","x":null}"#).unwrap();
        assert_eq!(ext.get("queueId").map(String::as_str), Some("3"));
        assert_eq!(ext.get("batch").map(String::as_str), Some("true"));
        assert_eq!(ext.get("topic").map(String::as_str), Some("T"));
        assert!(!ext.contains_key("x"));
    }
}
