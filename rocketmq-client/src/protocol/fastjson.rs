//! fastjson's dialect of JSON.
//!
//! Java's fastjson writes `Map<Long, _>` keys unquoted (`{0:"addr"}`) and bean keys as objects
//! (`{{"brokerName":"b","queueId":0,"topic":"T"}:5}`), and Apache's config files are
//! tab-indented. [`parse`] accepts all of that and produces a `serde_json::Value` whose object
//! keys are strings (an object key becomes its compact JSON text), so the typed bodies can then
//! use ordinary serde. [`to_vec`] writes a value back, emitting the non-standard key forms for
//! the fields a caller names — used where real clients expect exactly what Apache emits.

use serde_json::{Map, Number, Value};

/// Where a document is not even fastjson.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid JSON at byte {at}: {what}")]
pub struct JsonError {
    /// Byte offset of the problem.
    pub at: usize,
    /// What was expected.
    pub what: &'static str,
}

/// Parses fastjson output (or standard JSON).
pub fn parse(input: &[u8]) -> Result<Value, JsonError> {
    let mut p = Parser { s: input, i: 0 };
    let v = p.value()?;
    p.ws();
    if p.i != p.s.len() {
        return Err(p.err("end of document"));
    }
    Ok(v)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn err(&self, what: &'static str) -> JsonError {
        JsonError { at: self.i, what }
    }

    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, c: u8, what: &'static str) -> Result<(), JsonError> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(self.err(what))
        }
    }

    fn value(&mut self) -> Result<Value, JsonError> {
        match self.peek() {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => self.string().map(Value::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.word("true", Value::Bool(true)),
            Some(b'f') => self.word("false", Value::Bool(false)),
            Some(b'n') => self.word("null", Value::Null),
            _ => Err(self.err("a value")),
        }
    }

    fn word(&mut self, w: &'static str, v: Value) -> Result<Value, JsonError> {
        if self.s[self.i..].starts_with(w.as_bytes()) {
            self.i += w.len();
            Ok(v)
        } else {
            Err(self.err("true, false or null"))
        }
    }

    fn object(&mut self) -> Result<Value, JsonError> {
        self.eat(b'{', "{")?;
        let mut map = Map::new();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(Value::Object(map));
        }
        loop {
            let key = match self.peek() {
                Some(b'"') => self.string()?,
                Some(b'-' | b'0'..=b'9') => self.number()?.to_string(),
                Some(b'{' | b'[') => self.value()?.to_string(),
                _ => return Err(self.err("an object key")),
            };
            self.eat(b':', ":")?;
            let v = self.value()?;
            map.insert(key, v);
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Value::Object(map));
                }
                _ => return Err(self.err(", or }")),
            }
        }
    }

    fn array(&mut self) -> Result<Value, JsonError> {
        self.eat(b'[', "[")?;
        let mut items = Vec::new();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value()?);
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.err(", or ]")),
            }
        }
    }

    fn number(&mut self) -> Result<Value, JsonError> {
        let start = self.i;
        while self.i < self.s.len()
            && matches!(
                self.s[self.i],
                b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
            )
        {
            self.i += 1;
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).map_err(|_| self.err("a number"))?;
        if let Ok(i) = text.parse::<i64>() {
            return Ok(Value::Number(i.into()));
        }
        if let Ok(u) = text.parse::<u64>() {
            return Ok(Value::Number(u.into()));
        }
        text.parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| self.err("a number"))
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let hex = self
            .s
            .get(self.i..self.i + 4)
            .ok_or_else(|| self.err("four hex digits"))?;
        let text = std::str::from_utf8(hex).map_err(|_| self.err("four hex digits"))?;
        let v = u32::from_str_radix(text, 16).map_err(|_| self.err("four hex digits"))?;
        self.i += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.eat(b'"', "\"")?;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let c = *self
                .s
                .get(self.i)
                .ok_or_else(|| self.err("closing quote"))?;
            self.i += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let e = *self.s.get(self.i).ok_or_else(|| self.err("an escape"))?;
                    self.i += 1;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi)
                                && self.s[self.i..].starts_with(b"\\u")
                            {
                                self.i += 2;
                                let lo = self.hex4()?;
                                0x10000 + ((hi - 0xD800) << 10) + (lo.wrapping_sub(0xDC00) & 0x3FF)
                            } else {
                                hi
                            };
                            char::from_u32(code).unwrap_or('\u{FFFD}')
                        }
                        _ => return Err(self.err("a valid escape")),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                other => out.push(other),
            }
        }
        String::from_utf8(out).map_err(|_| self.err("UTF-8 text"))
    }
}

/// Writes `value` compactly. Inside a field named in `raw_key_fields` (at any depth below it),
/// objects get fastjson's key forms: integer keys unquoted, object keys (strings holding JSON
/// objects) written as objects.
pub fn to_vec(value: &Value, raw_key_fields: &[&str]) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    Writer {
        out: &mut out,
        fields: raw_key_fields,
        indent: None,
    }
    .value(value, false);
    out
}

/// Writes `value` as Java's `toJson(true)` does (fastjson's `PrettyFormat`), key forms as
/// [`to_vec`]'s.
///
/// # Format
/// ```text
/// {
/// <TAB>"brokerDatas":[
/// <TAB><TAB>{
/// <TAB><TAB><TAB>"brokerAddrs":{0:"127.0.0.1:10911"
/// <TAB><TAB><TAB>},
/// <TAB><TAB><TAB>"brokerName":"broker-a"
/// <TAB><TAB>}
/// <TAB>],
/// <TAB>"filterServerTable":{}
/// }
/// ```
/// One tab per level; a string key starts a line, a raw (integer or object) key does not; a
/// non-empty object or array closes on a line of its own; empty ones stay `{}` and `[]`; no
/// space after `:`.
pub fn to_pretty_vec(value: &Value, raw_key_fields: &[&str]) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    Writer {
        out: &mut out,
        fields: raw_key_fields,
        indent: Some(0),
    }
    .value(value, false);
    out
}

/// One document being written; `indent` is the nesting depth when pretty, `None` when compact.
struct Writer<'a> {
    out: &'a mut Vec<u8>,
    fields: &'a [&'a str],
    indent: Option<usize>,
}

impl Writer<'_> {
    fn value(&mut self, value: &Value, raw_keys: bool) {
        match value {
            Value::Object(map) => {
                self.out.push(b'{');
                self.nest(1);
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        self.out.push(b',');
                    }
                    let raw = raw_keys
                        && (k.parse::<i64>().is_ok()
                            || (k.starts_with('{') && parse(k.as_bytes()).is_ok()));
                    if raw {
                        self.out.extend_from_slice(k.as_bytes());
                    } else {
                        self.newline();
                        let key = serde_json::to_string(k).expect("string");
                        self.out.extend_from_slice(key.as_bytes());
                    }
                    self.out.push(b':');
                    self.value(v, raw_keys || self.fields.contains(&k.as_str()));
                }
                self.nest(-1);
                if !map.is_empty() {
                    self.newline();
                }
                self.out.push(b'}');
            }
            Value::Array(items) => {
                self.out.push(b'[');
                self.nest(1);
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(b',');
                    }
                    self.newline();
                    self.value(v, false);
                }
                self.nest(-1);
                if !items.is_empty() {
                    self.newline();
                }
                self.out.push(b']');
            }
            other => self.out.extend_from_slice(other.to_string().as_bytes()),
        }
    }

    fn nest(&mut self, by: isize) {
        if let Some(depth) = &mut self.indent {
            *depth = depth.saturating_add_signed(by);
        }
    }

    fn newline(&mut self) {
        if let Some(depth) = self.indent {
            self.out.push(b'\n');
            self.out.extend(std::iter::repeat_n(b'\t', depth));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_unquoted_integer_keys_and_object_keys() {
        let v =
            parse(br#"{"brokerAddrs":{0:"a:1",1:"b:2"},"t":{{"brokerName":"b","queueId":0,"topic":"T"}:5}}"#).unwrap();
        assert_eq!(v["brokerAddrs"]["0"], "a:1");
        assert_eq!(v["t"][r#"{"brokerName":"b","queueId":0,"topic":"T"}"#], 5);
    }

    #[test]
    fn reads_tab_indented_config_files_and_escapes() {
        let v = parse(
            b"{\n\t\"offsetTable\":{\n\t\t\"T@g\":{0:250,1:249\n\t\t}\n\t},\"s\":\"\\u0001x\\ud83d\\ude00\",\"d\":0.0}",
        )
        .unwrap();
        assert_eq!(v["offsetTable"]["T@g"]["1"], 249);
        assert_eq!(v["s"], "\u{1}x😀");
        assert_eq!(v["d"], 0.0);
    }

    #[test]
    fn writes_fastjson_keys_only_where_asked() {
        let v =
            parse(br#"{"brokerAddrs":{"0":"a:1"},"other":{"0":"x"},"q":{"{\"queueId\":0}":5}}"#)
                .unwrap();
        let out = String::from_utf8(to_vec(&v, &["brokerAddrs", "q"])).unwrap();
        assert_eq!(
            out,
            r#"{"brokerAddrs":{0:"a:1"},"other":{"0":"x"},"q":{{"queueId":0}:5}}"#
        );
        assert_eq!(parse(out.as_bytes()).unwrap(), v);
    }

    #[test]
    fn pretty_form_is_fastjsons() {
        let v = parse(
            br#"{"brokerDatas":[{"brokerAddrs":{"0":"a:1","1":"b:2"},"brokerName":"b"}],"filterServerTable":{},"list":[],"offsets":{"T@g":{"0":5}}}"#,
        )
        .unwrap();
        let out = String::from_utf8(to_pretty_vec(&v, &["brokerAddrs", "offsets"])).unwrap();
        assert_eq!(
            out,
            "{\n\t\"brokerDatas\":[\n\t\t{\n\t\t\t\"brokerAddrs\":{0:\"a:1\",1:\"b:2\"\n\t\t\t},\n\t\t\t\"brokerName\":\"b\"\n\t\t}\n\t],\n\t\"filterServerTable\":{},\n\t\"list\":[],\n\t\"offsets\":{\n\t\t\"T@g\":{0:5\n\t\t}\n\t}\n}"
        );
        assert_eq!(parse(out.as_bytes()).unwrap(), v);
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse(b"{\"a\":").is_err());
        assert!(parse(b"{a:1}").is_err());
        assert!(parse(b"[1,2] x").is_err());
    }
}
