//! Configuration files in Apache's format (Java `.properties`) and the key tables of both
//! servers.
//!
//! Each server config declares its keys once with [`config_keys!`](crate::config_keys): the
//! table drives parsing (`-c file`), printing (`-p`) and the errors. A value that does not
//! parse is an error naming the key and file. A key this server does not read is sorted out
//! against Apache's key list for that server (`apache_*_keys.txt`: the fields of Apache's
//! config classes, 4.9 and 5.x, plus keys tutorials put in broker.conf that Apache never read):
//! Apache's keys are warned about and skipped, since configs move over from Apache's brokers
//! whole; a key a letter or two away from a known one is a misspelling that would leave a
//! deployment silently misconfigured (`brokerld=1` starts a second master), so it stops the
//! start with the key it meant; anything else is warned about and skipped, as Apache does.

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
    /// A key that is a misspelling of a known one.
    #[error("unknown key '{key}' (did you mean '{suggestion}'?) in {source_name}")]
    Misspelt {
        key: String,
        suggestion: &'static str,
        source_name: String,
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
    /// Every key [`set`](Self::set) reads, aliases included.
    fn keys() -> &'static [&'static str];
    /// Apache's keys for this server, one a line.
    fn apache_keys() -> &'static str;
}

/// Declares a struct's config keys: `"apacheKey" | "alias" => field`, and names the list of
/// Apache's keys for the same server.
#[macro_export]
macro_rules! config_keys {
    ($ty:ty, apache_keys = $apache:expr, { $($key:literal $(| $alias:literal)* => $field:ident),* $(,)? }) => {
        impl $crate::config::Configurable for $ty {
            fn keys() -> &'static [&'static str] {
                &[$($key, $($alias,)*)*]
            }
            fn apache_keys() -> &'static str {
                $apache
            }
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
            Ok(false) => match classify_unknown(key, T::keys(), T::apache_keys()) {
                Unknown::Apache => tracing::warn!(
                    key = %key,
                    source = source_name,
                    "Apache's key is not used by this server; ignored"
                ),
                Unknown::Misspelt(suggestion) => {
                    return Err(ConfigError::Misspelt {
                        key: key.clone(),
                        suggestion,
                        source_name: source_name.to_string(),
                    });
                }
                Unknown::Other => {
                    tracing::warn!(key = %key, source = source_name, "unknown config key ignored")
                }
            },
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

/// What a key no config field reads is.
#[derive(Debug, PartialEq, Eq)]
enum Unknown {
    /// One of Apache's keys.
    Apache,
    /// A misspelling of this known key.
    Misspelt(&'static str),
    /// Neither.
    Other,
}

fn classify_unknown(key: &str, ours: &'static [&'static str], apache: &'static str) -> Unknown {
    if apache.lines().any(|k| k == key) {
        return Unknown::Apache;
    }
    // A letter or two off, case aside: short keys get one edit, from 8 letters on two.
    let allowed = match key.len() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    };
    let lower = key.to_ascii_lowercase();
    ours.iter()
        .copied()
        .chain(apache.lines())
        .map(|known| (edit_distance(&lower, &known.to_ascii_lowercase()), known))
        .filter(|(d, _)| *d <= allowed)
        .min()
        .map_or(Unknown::Other, |(_, known)| Unknown::Misspelt(known))
}

/// Optimal string alignment distance: insertions, deletions, substitutions and swaps of
/// neighbours each count one.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = d;
        }
    }
    rows[a.len()][b.len()]
}

/// Reads and applies a properties file.
pub fn load_file<T: Configurable>(cfg: &mut T, path: &Path) -> Result<(), ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    apply(cfg, &parse_properties(&text), &path.display().to_string())
}

/// Sets `pairs` in a properties file: a key's line (the first that sets it) is replaced,
/// a key the file does not set is appended; comments and every other line stay as they are.
pub fn update_file(path: &Path, pairs: &[(String, String)]) -> std::io::Result<()> {
    let text = std::fs::read_to_string(path)?;
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for (key, value) in pairs {
        let sets = |line: &str| {
            let l = line.trim_start();
            !l.starts_with('#')
                && !l.starts_with('!')
                && l.strip_prefix(key.as_str()).is_some_and(|rest| {
                    rest.trim_start().starts_with(['=', ':']) || rest.starts_with([' ', '\t'])
                })
        };
        match lines.iter().position(|l| sets(l)) {
            Some(i) => lines[i] = format!("{key}={value}"),
            None => lines.push(format!("{key}={value}")),
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    crate::persist::write_atomically(path, || out.into_bytes())
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

    #[test]
    fn updating_a_file_keeps_its_comments_and_other_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("broker.conf");
        std::fs::write(
            &path,
            "# the tutorial's file\nbrokerName=broker-a\nbrokerPermission = 6\n",
        )
        .unwrap();
        update_file(
            &path,
            &[
                ("brokerPermission".into(), "4".into()),
                ("slaveReadEnable".into(), "true".into()),
            ],
        )
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "# the tutorial's file\nbrokerName=broker-a\nbrokerPermission=4\nslaveReadEnable=true\n"
        );
    }

    #[derive(Default)]
    struct Demo {
        name: String,
        port: u16,
        on: bool,
        dir: Option<PathBuf>,
    }
    crate::config_keys!(Demo, apache_keys = "brokerName\nlistenPort\nflushDiskType\n", { "brokerName" => name, "listenPort" | "port" => port, "flag" => on, "storePathRootDir" => dir });

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
            "brokerName=a\nport=1\nflag=TRUE\nmystery=1\nflushDiskType=SYNC_FLUSH\nstorePathRootDir=/tmp/x\n",
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

    #[test]
    fn a_key_a_letter_or_two_off_is_an_error_naming_the_key_meant() {
        let mut d = Demo::default();
        for (line, meant) in [
            ("listenport=1", "listenPort"),
            ("brokerNmae=a", "brokerName"),
            ("storePathRotDir=/x", "storePathRootDir"),
            ("flushDiskTipe=x", "flushDiskType"),
        ] {
            let err = apply(&mut d, &parse_properties(line), "t.conf").unwrap_err();
            let key = line.split('=').next().unwrap();
            assert_eq!(
                err.to_string(),
                format!("unknown key '{key}' (did you mean '{meant}'?) in t.conf")
            );
        }
        // Far from every key: warned about and skipped, as Apache skips it.
        apply(
            &mut d,
            &parse_properties("someOtherSetting=1\nflg=1"),
            "t.conf",
        )
        .unwrap();
        assert_eq!(edit_distance("ab", "ba"), 1);
        assert_eq!(edit_distance("maxmessagebiz", "maxmessagesize"), 2);
    }
}
