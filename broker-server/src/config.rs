//! Configuration files in Apache's format (Java `.properties`) and the key tables of both
//! servers.
//!
//! Each server config declares its keys once with [`config_keys!`](crate::config_keys): the
//! table drives parsing (`-c file`), printing (`-p`) and the errors. Unknown keys are warned
//! about and skipped; a value that does not parse is an error naming the key and file.

use std::path::{Path, PathBuf};

/// A bad configuration entry.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A value did not parse.
    #[error("invalid value `{value}` for `{key}` in {source_name}: {reason}")]
    Invalid {
        key: String,
        value: String,
        source_name: String,
        reason: String,
    },
}

/// Parses Java properties text: `key=value`, `key: value` or `key value`; `#` and `!` comments;
/// a trailing backslash continues a line.
pub fn parse_properties(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut logical = String::new();
    for raw in text.lines() {
        let line = raw.trim_start();
        if logical.is_empty() && (line.is_empty() || line.starts_with('#') || line.starts_with('!'))
        {
            continue;
        }
        if let Some(stripped) = line.strip_suffix('\\') {
            logical.push_str(stripped);
            continue;
        }
        logical.push_str(line);
        let entry = std::mem::take(&mut logical);
        let split = entry.find(['=', ':', ' ', '\t']);
        let (key, value) = match split {
            Some(i) => {
                let rest = entry[i..].trim_start_matches([' ', '\t']);
                let rest = rest.strip_prefix(['=', ':']).unwrap_or(rest);
                (entry[..i].trim(), rest.trim())
            }
            None => (entry.trim(), ""),
        };
        if !key.is_empty() {
            out.push((key.to_string(), value.to_string()));
        }
    }
    out
}

/// A value settable from a config file.
pub trait ConfigValue: Sized {
    /// Parses the text form.
    fn parse_value(s: &str) -> Result<Self, String>;
    /// The text form, as `-p` prints it.
    fn show(&self) -> String;
}

macro_rules! from_str_value {
    ($($t:ty),*) => {$(
        impl ConfigValue for $t {
            fn parse_value(s: &str) -> Result<Self, String> {
                s.trim().parse().map_err(|e| format!("{e}"))
            }
            fn show(&self) -> String {
                self.to_string()
            }
        }
    )*};
}
from_str_value!(u16, u32, u64, i32, i64, usize, String);

impl ConfigValue for bool {
    fn parse_value(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            other => Err(format!("expected true or false, got `{other}`")),
        }
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

impl ConfigValue for PathBuf {
    fn parse_value(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("empty path".into());
        }
        // Apache configs commonly say `${user.home}/store`; honour `~` and that.
        let home = std::env::var("HOME").unwrap_or_default();
        Ok(PathBuf::from(s.replace("${user.home}", &home).replacen(
            '~',
            &home,
            usize::from(s.starts_with('~')),
        )))
    }
    fn show(&self) -> String {
        self.display().to_string()
    }
}

impl<T: ConfigValue> ConfigValue for Option<T> {
    fn parse_value(s: &str) -> Result<Self, String> {
        if s.trim().is_empty() {
            Ok(None)
        } else {
            T::parse_value(s).map(Some)
        }
    }
    fn show(&self) -> String {
        self.as_ref().map(ConfigValue::show).unwrap_or_default()
    }
}

/// A config struct with a key table.
pub trait Configurable {
    /// Sets `key`; `Ok(false)` if the key is unknown.
    fn set(&mut self, key: &str, value: &str) -> Result<bool, String>;
    /// Every key with its current value, for `-p`.
    fn entries(&self) -> Vec<(&'static str, String)>;
}

/// Declares a struct's config keys: `"apacheKey" | "alias" => field`.
#[macro_export]
macro_rules! config_keys {
    ($ty:ty { $($key:literal $(| $alias:literal)* => $field:ident),* $(,)? }) => {
        impl $crate::config::Configurable for $ty {
            fn set(&mut self, key: &str, value: &str) -> ::std::result::Result<bool, String> {
                match key {
                    $($key $(| $alias)* => {
                        self.$field = $crate::config::ConfigValue::parse_value(value)?;
                        Ok(true)
                    })*
                    _ => Ok(false),
                }
            }
            fn entries(&self) -> Vec<(&'static str, String)> {
                vec![$(($key, $crate::config::ConfigValue::show(&self.$field)),)*]
            }
        }
    };
}

/// Applies `key=value` pairs; `source_name` names where they came from in errors.
pub fn apply<T: Configurable>(
    cfg: &mut T,
    pairs: &[(String, String)],
    source_name: &str,
) -> Result<(), ConfigError> {
    for (key, value) in pairs {
        match cfg.set(key, value) {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(key = %key, source = source_name, "unknown config key ignored")
            }
            Err(reason) => {
                return Err(ConfigError::Invalid {
                    key: key.clone(),
                    value: value.clone(),
                    source_name: source_name.to_string(),
                    reason,
                });
            }
        }
    }
    Ok(())
}

/// Reads and applies a properties file.
pub fn load_file<T: Configurable>(cfg: &mut T, path: &Path) -> Result<(), ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    apply(cfg, &parse_properties(&text), &path.display().to_string())
}

/// The `-p` output: one `key=value` line per key.
pub fn print_entries<T: Configurable>(cfg: &T) -> String {
    cfg.entries()
        .into_iter()
        .map(|(k, v)| format!("{k}={v}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Demo {
        name: String,
        port: u16,
        on: bool,
        dir: Option<PathBuf>,
    }
    crate::config_keys!(Demo { "brokerName" => name, "listenPort" | "port" => port, "flag" => on, "storePathRootDir" => dir });

    #[test]
    fn parses_java_properties() {
        let p = parse_properties(
            "# c\n! c\nbrokerName = broker-a\nlistenPort:10911\nflag true\nlong=a\\\n  b\nempty\n",
        );
        assert_eq!(
            p,
            vec![
                ("brokerName".into(), "broker-a".into()),
                ("listenPort".into(), "10911".into()),
                ("flag".into(), "true".into()),
                ("long".into(), "ab".into()),
                ("empty".into(), "".into()),
            ]
        );
    }

    #[test]
    fn applies_known_keys_warns_unknown_and_names_bad_ones() {
        let mut d = Demo::default();
        let pairs = parse_properties(
            "brokerName=a\nport=1\nflag=TRUE\nmystery=1\nstorePathRootDir=/tmp/x\n",
        );
        apply(&mut d, &pairs, "t.conf").unwrap();
        assert_eq!((d.name.as_str(), d.port, d.on), ("a", 1, true));
        assert_eq!(d.dir, Some(PathBuf::from("/tmp/x")));
        let err = apply(&mut d, &parse_properties("listenPort=ninety"), "t.conf")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("listenPort") && err.contains("t.conf"),
            "{err}"
        );
        assert!(print_entries(&d).contains("listenPort=1\n"));
    }
}
