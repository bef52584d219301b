//! `${key}` and `${key:default}` in attribute strings and configuration values, resolved the
//! way Spring's `resolveRequiredPlaceholders` does: a key that is not set and has no default is
//! an error naming it, never a silently kept `${...}`.
//!
//! # Format
//! `${name}` is replaced by the value of `name`; `${name:fallback}` by `fallback` when `name`
//! is not set (the fallback may be empty, or hold placeholders itself). Resolved values are
//! resolved again, up to 10 levels deep, which also stops cycles.

use super::ConfigError;

const MAX_DEPTH: usize = 10;

/// Replaces every placeholder in `text` using `lookup`; `context` names the string for errors.
pub fn resolve(
    text: &str,
    context: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, ConfigError> {
    resolve_depth(text, context, lookup, 0)
}

fn resolve_depth(
    text: &str,
    context: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    depth: usize,
) -> Result<String, ConfigError> {
    if !text.contains("${") {
        return Ok(text.to_string());
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = closing_brace(after) else {
            return Err(ConfigError::Unresolved {
                placeholder: after.to_string(),
                context: format!("{context}: unclosed `${{`"),
            });
        };
        let inner = &after[..end];
        let (name, default) = match inner.find(':') {
            Some(i) => (&inner[..i], Some(&inner[i + 1..])),
            None => (inner, None),
        };
        let name = name.trim();
        let value = match (lookup(name), default) {
            (Some(v), _) => v,
            (None, Some(d)) => d.to_string(),
            (None, None) => {
                return Err(ConfigError::Unresolved {
                    placeholder: name.to_string(),
                    context: context.to_string(),
                });
            }
        };
        if depth >= MAX_DEPTH {
            return Err(ConfigError::Unresolved {
                placeholder: name.to_string(),
                context: format!("{context}: placeholders nest more than {MAX_DEPTH} deep"),
            });
        }
        out.push_str(&resolve_depth(&value, context, lookup, depth + 1)?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The index of the `}` closing a placeholder body, skipping nested `${...}`.
fn closing_brace(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(name: &str) -> Option<String> {
        match name {
            "app.topic" => Some("orders".into()),
            "env" => Some("prod".into()),
            "nested" => Some("${app.topic}-${env}".into()),
            "loop" => Some("${loop}".into()),
            _ => None,
        }
    }

    #[test]
    fn resolves_keys_defaults_and_nesting() {
        let r = |t: &str| resolve(t, "test", &lookup);
        assert_eq!(r("plain").unwrap(), "plain");
        assert_eq!(r("${app.topic}").unwrap(), "orders");
        assert_eq!(r("t-${app.topic}-${env}").unwrap(), "t-orders-prod");
        assert_eq!(r("${missing:fallback}").unwrap(), "fallback");
        assert_eq!(r("${missing:}").unwrap(), "");
        assert_eq!(r("${missing:${env}}").unwrap(), "prod");
        assert_eq!(r("${nested}").unwrap(), "orders-prod");
    }

    #[test]
    fn unresolvable_placeholders_name_the_key() {
        let err = resolve("${app.group}", "listener on_order group", &lookup).unwrap_err();
        assert_eq!(
            err.to_string(),
            "listener on_order group: placeholder ${app.group} cannot be resolved: no such key and no default"
        );
        assert!(resolve("${loop}", "x", &lookup).is_err());
        assert!(resolve("${unclosed", "x", &lookup).is_err());
    }
}
