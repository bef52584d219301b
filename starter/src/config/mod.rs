//! `application.yml` and friends: layered settings with Spring Boot's precedence and relaxed
//! key names.
//!
//! Layers, later ones winning: YAML given in code ([`SettingsBuilder::yaml`]), then
//! `application.yml` in the configuration directory, then `application-{profile}.yml` for each
//! active profile, then environment variables, then overrides set in code. Profiles come from
//! `rocketmq.profiles.active` (comma-separated, in any layer, e.g. `ROCKETMQ_PROFILES_ACTIVE=test`)
//! or [`SettingsBuilder::profile`].
//!
//! Keys bind relaxedly, as in Spring Boot: `send-message-timeout`, `sendMessageTimeout` and
//! `send_message_timeout` are one key. Environment variables follow Spring's rule: upper case,
//! `.` becomes `_`, dashes dropped (`ROCKETMQ_PRODUCER_SENDMESSAGETIMEOUT=5000`,
//! `ROCKETMQ_NAMESERVER=10.0.0.1:9876`). Names inside keys (a group, a topic, a template) match
//! exactly. String values may hold `${key}` / `${key:default}` placeholders ([`placeholder`]).
//!
//! Every value remembers where it came from, so errors say which file to fix.

pub mod placeholder;
pub mod properties;

use std::path::{Path, PathBuf};

use config::{FileFormat, Source, Value, ValueKind};

pub use properties::{
    ConsumerDefaults, EmbeddedProperties, ProducerProperties, PullConsumerProperties,
};

/// Why the configuration cannot be used; every variant names the key and where it came from.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    /// A file could not be read or parsed.
    #[error("{file}: {message}")]
    File { file: String, message: String },
    /// A value has the wrong type or is out of range.
    #[error("{key} = {value:?} ({origin}): {expected}")]
    Invalid {
        key: String,
        value: String,
        origin: String,
        expected: String,
    },
    /// A required key is not set anywhere.
    #[error("{key} is not set (looked in {looked_in})")]
    Missing { key: String, looked_in: String },
    /// A `${...}` placeholder names a key that is not set and has no default.
    #[error(
        "{context}: placeholder ${{{placeholder}}} cannot be resolved: no such key and no default"
    )]
    Unresolved {
        placeholder: String,
        context: String,
    },
}

/// One segment of a key: matched relaxedly (a fixed key) or exactly (a name).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Name(String),
}

/// A key path: `Key::parse("rocketmq.consumer.listeners").name(group).name(topic)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key(Vec<Seg>);

impl Key {
    /// A dotted path of fixed keys.
    pub fn parse(path: &str) -> Key {
        Key(path.split('.').map(|s| Seg::Key(s.to_string())).collect())
    }

    /// Appends a fixed key (`send-message-timeout`).
    pub fn key(mut self, key: &str) -> Key {
        self.0
            .extend(key.split('.').map(|s| Seg::Key(s.to_string())));
        self
    }

    /// Appends a name matched exactly (a group, a topic).
    pub fn name(mut self, name: &str) -> Key {
        self.0.push(Seg::Name(name.to_string()));
        self
    }

    fn matches(&self, segments: &[String]) -> bool {
        self.0.len() == segments.len()
            && self.0.iter().zip(segments).all(|(seg, s)| match seg {
                Seg::Key(k) => relaxed(k) == relaxed(s),
                // Environment variables arrive lower-cased; a name still has to match exactly
                // in YAML, where case is kept.
                Seg::Name(n) => n == s,
            })
    }

    fn is_prefix_of(&self, segments: &[String]) -> bool {
        segments.len() > self.0.len() && Key(self.0.clone()).matches(&segments[..self.0.len()])
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<&str> = self
            .0
            .iter()
            .map(|s| match s {
                Seg::Key(k) | Seg::Name(k) => k.as_str(),
            })
            .collect();
        f.write_str(&parts.join("."))
    }
}

/// Spring's relaxed form: lower case without `-` and `_`.
fn relaxed(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// One source's values, flattened to key paths.
#[derive(Debug, Clone)]
struct Layer {
    origin: String,
    entries: Vec<(Vec<String>, Value)>,
}

impl Layer {
    fn from_map(origin: String, map: config::Map<String, Value>) -> Layer {
        let mut entries = Vec::new();
        for (k, v) in map {
            flatten(k.split('.').map(str::to_string).collect(), v, &mut entries);
        }
        Layer { origin, entries }
    }
}

fn flatten(path: Vec<String>, value: Value, out: &mut Vec<(Vec<String>, Value)>) {
    match value.kind {
        ValueKind::Table(table) => {
            for (k, v) in table {
                let mut p = path.clone();
                p.extend(k.split('.').map(str::to_string));
                flatten(p, v, out);
            }
        }
        _ => out.push((path, value)),
    }
}

/// A value found for a key, with where it came from.
#[derive(Debug, Clone)]
pub struct Found {
    /// The key as asked for.
    pub key: String,
    /// The value as text (after placeholder resolution).
    pub text: String,
    /// The file or source it came from.
    pub origin: String,
}

impl Found {
    /// A whole number, or an error naming the key and file.
    pub fn int(&self, expected: &str) -> Result<i64, ConfigError> {
        self.text
            .trim()
            .parse::<i64>()
            .map_err(|_| self.invalid(expected))
    }

    /// `true`/`false` (also `on`/`off`, `yes`/`no`, `1`/`0`).
    pub fn bool(&self) -> Result<bool, ConfigError> {
        match self.text.trim().to_ascii_lowercase().as_str() {
            "true" | "on" | "yes" | "1" => Ok(true),
            "false" | "off" | "no" | "0" => Ok(false),
            _ => Err(self.invalid("expected true or false")),
        }
    }

    /// The error for this value.
    pub fn invalid(&self, expected: &str) -> ConfigError {
        ConfigError::Invalid {
            key: self.key.clone(),
            value: self.text.clone(),
            origin: self.origin.clone(),
            expected: expected.to_string(),
        }
    }
}

/// The merged configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    layers: Vec<Layer>,
}

impl Settings {
    /// Reads `application.yml` (and profiles) from the current directory, then the environment.
    pub fn load() -> Result<Settings, ConfigError> {
        Settings::builder().build()
    }

    /// Chooses sources before loading.
    pub fn builder() -> SettingsBuilder {
        SettingsBuilder::default()
    }

    /// The raw value of `key` in the last layer that sets it.
    fn raw(&self, key: &Key) -> Option<(&Value, &str)> {
        self.layers.iter().rev().find_map(|layer| {
            layer
                .entries
                .iter()
                .rev()
                .find(|(path, _)| key.matches(path))
                .map(|(_, v)| (v, layer.origin.as_str()))
        })
    }

    /// The value of `key` as text, placeholders resolved; `None` if unset (or set empty/null).
    pub fn get(&self, key: &Key) -> Result<Option<Found>, ConfigError> {
        let Some((value, origin)) = self.raw(key) else {
            return Ok(None);
        };
        let text = match &value.kind {
            ValueKind::Nil => return Ok(None),
            ValueKind::Table(_) | ValueKind::Array(_) => {
                return Err(ConfigError::Invalid {
                    key: key.to_string(),
                    value: value.to_string(),
                    origin: origin.to_string(),
                    expected: "expected a single value".into(),
                });
            }
            _ => value.to_string(),
        };
        let text = self.resolve(&text, &format!("{key} ({origin})"))?;
        Ok(Some(Found {
            key: key.to_string(),
            text,
            origin: origin.to_string(),
        }))
    }

    /// Like [`get`](Self::get), for a dotted path of fixed keys.
    pub fn get_str(&self, path: &str) -> Result<Option<String>, ConfigError> {
        Ok(self.get(&Key::parse(path))?.map(|f| f.text))
    }

    /// Whether anything is set at or below `key`.
    pub fn contains(&self, key: &Key) -> bool {
        self.layers.iter().any(|l| {
            l.entries
                .iter()
                .any(|(p, _)| key.matches(p) || key.is_prefix_of(p))
        })
    }

    /// The names directly below `key` (`rocketmq.templates` → the template names), sorted.
    pub fn children(&self, key: &Key) -> Vec<String> {
        let mut names: Vec<String> = self
            .layers
            .iter()
            .flat_map(|l| l.entries.iter())
            .filter(|(p, _)| key.is_prefix_of(p))
            .map(|(p, _)| p[key.0.len()].clone())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// Resolves `${key}` / `${key:default}` in `text` against these settings (then the process
    /// environment); `context` names what is being resolved, for the error.
    pub fn resolve(&self, text: &str, context: &str) -> Result<String, ConfigError> {
        placeholder::resolve(text, context, &|name| {
            self.raw(&Key::parse(name))
                .filter(|(v, _)| !matches!(v.kind, ValueKind::Nil | ValueKind::Table(_)))
                .map(|(v, _)| v.to_string())
                .or_else(|| std::env::var(name).ok())
        })
    }

    /// Sets `key` over every source, remembering `origin` (the embedded cluster's address).
    pub fn push_override(&mut self, origin: &str, key: &str, value: &str) {
        let mut map = config::Map::new();
        map.insert(
            key.to_string(),
            Value::new(None, ValueKind::String(value.to_string())),
        );
        self.layers.push(Layer::from_map(origin.to_string(), map));
    }

    /// Where values were looked for, for "not set" errors.
    pub fn sources(&self) -> String {
        let mut names: Vec<&str> = self.layers.iter().map(|l| l.origin.as_str()).collect();
        names.dedup();
        if names.is_empty() {
            "no configuration sources".into()
        } else {
            names.join(", ")
        }
    }
}

/// Where settings are read from.
#[derive(Debug, Clone, Default)]
pub struct SettingsBuilder {
    dir: Option<PathBuf>,
    embedded_yaml: Vec<(String, String)>,
    profiles: Vec<String>,
    env: Option<config::Map<String, String>>,
    no_env: bool,
    overrides: Vec<(String, String)>,
}

impl SettingsBuilder {
    /// The directory holding `application.yml` (default: the current directory).
    pub fn dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = Some(dir.into());
        self
    }

    /// A YAML document compiled into the program (`include_str!("application.yml")`), read
    /// before the files on disk, which override it.
    pub fn yaml(mut self, name: impl Into<String>, text: impl Into<String>) -> Self {
        self.embedded_yaml.push((name.into(), text.into()));
        self
    }

    /// Activates a profile: `application-{profile}.yml` is read after `application.yml`.
    pub fn profile(mut self, profile: impl Into<String>) -> Self {
        self.profiles.push(profile.into());
        self
    }

    /// Uses these variables instead of the process environment (for tests).
    pub fn env_vars(mut self, vars: impl IntoIterator<Item = (String, String)>) -> Self {
        self.env = Some(vars.into_iter().collect());
        self
    }

    /// Ignores environment variables.
    pub fn without_env(mut self) -> Self {
        self.no_env = true;
        self
    }

    /// Sets a key in code; overrides every other source.
    pub fn set(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.overrides.push((key.into(), value.into()));
        self
    }

    /// Reads every source.
    pub fn build(self) -> Result<Settings, ConfigError> {
        let mut base = Vec::new();
        for (name, text) in &self.embedded_yaml {
            base.push(parse_yaml(name, text)?);
        }
        let dir = self.dir.clone().unwrap_or_else(|| PathBuf::from("."));
        if let Some(layer) = read_file(&dir, "application.yml")? {
            base.push(layer);
        } else if let Some(layer) = read_file(&dir, "application.yaml")? {
            base.push(layer);
        }
        let mut tail = Vec::new();
        if !self.no_env {
            let env = config::Environment::with_prefix("ROCKETMQ")
                .keep_prefix(true)
                .separator("_")
                .source(self.env.clone());
            let map = env.collect().map_err(|e| ConfigError::File {
                file: "environment".into(),
                message: e.to_string(),
            })?;
            tail.push(Layer::from_map("environment variables".into(), map));
        }
        if !self.overrides.is_empty() {
            let mut map = config::Map::new();
            for (k, v) in &self.overrides {
                map.insert(
                    k.clone(),
                    Value::new(Some(&"code".to_string()), ValueKind::String(v.clone())),
                );
            }
            tail.push(Layer::from_map("settings set in code".into(), map));
        }

        // Profiles may be named in any layer; their files go between the base and the tail.
        let probe = Settings {
            layers: base.iter().chain(tail.iter()).cloned().collect(),
        };
        let mut profiles = self.profiles;
        if let Some(active) = probe.get_str("rocketmq.profiles.active")? {
            profiles.extend(
                active
                    .split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_string),
            );
        }
        let mut layers = base;
        for p in &profiles {
            let name = format!("application-{p}.yml");
            match read_file(&dir, &name)? {
                Some(layer) => layers.push(layer),
                None => tracing::warn!(profile = %p, dir = %dir.display(), "profile has no {name}"),
            }
        }
        layers.extend(tail);
        Ok(Settings { layers })
    }
}

fn read_file(dir: &Path, name: &str) -> Result<Option<Layer>, ConfigError> {
    let path = dir.join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => parse_yaml(&path.display().to_string(), &text).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ConfigError::File {
            file: path.display().to_string(),
            message: e.to_string(),
        }),
    }
}

fn parse_yaml(name: &str, text: &str) -> Result<Layer, ConfigError> {
    let map = config::File::from_str(text, FileFormat::Yaml)
        .collect()
        .map_err(|e| ConfigError::File {
            file: name.to_string(),
            message: e.to_string(),
        })?;
    Ok(Layer::from_map(name.to_string(), map))
}

/// Settings from one YAML document only, for unit tests.
#[cfg(test)]
pub(crate) fn from_yaml(yaml: &str) -> Settings {
    Settings::builder()
        .dir("/nonexistent")
        .yaml("application.yml", yaml)
        .without_env()
        .build()
        .unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(yaml: &str) -> Settings {
        from_yaml(yaml)
    }

    #[test]
    fn keys_bind_relaxedly_and_names_exactly() {
        let s = settings(
            "rocketmq:\n  name-server: 127.0.0.1:9876\n  producer:\n    sendMessageTimeout: 5000\n  consumer:\n    listeners:\n      My-Group:\n        TopicA: false\n",
        );
        assert_eq!(
            s.get_str("rocketmq.nameServer").unwrap().as_deref(),
            Some("127.0.0.1:9876")
        );
        assert_eq!(
            s.get_str("rocketmq.producer.send-message-timeout")
                .unwrap()
                .as_deref(),
            Some("5000")
        );
        let on = Key::parse("rocketmq.consumer.listeners")
            .name("My-Group")
            .name("TopicA");
        assert_eq!(s.get(&on).unwrap().unwrap().text, "false");
        let other = Key::parse("rocketmq.consumer.listeners")
            .name("my-group")
            .name("TopicA");
        assert!(s.get(&other).unwrap().is_none());
    }

    #[test]
    fn later_layers_win_and_errors_name_the_origin() {
        let s = Settings::builder()
            .dir("/nonexistent")
            .yaml(
                "application.yml",
                "rocketmq:\n  producer:\n    group: a\n    send-message-timeout: soon\n",
            )
            .env_vars([("ROCKETMQ_PRODUCER_GROUP".to_string(), "b".to_string())])
            .build()
            .unwrap();
        assert_eq!(
            s.get_str("rocketmq.producer.group").unwrap().as_deref(),
            Some("b")
        );
        let found = s
            .get(&Key::parse("rocketmq.producer.send-message-timeout"))
            .unwrap()
            .unwrap();
        let err = found.int("expected milliseconds").unwrap_err();
        assert_eq!(
            err.to_string(),
            "rocketmq.producer.send-message-timeout = \"soon\" (application.yml): expected milliseconds"
        );
        let with_code = Settings {
            layers: s
                .layers
                .into_iter()
                .chain([Layer::from_map("settings set in code".into(), {
                    let mut m = config::Map::new();
                    m.insert(
                        "rocketmq.producer.group".into(),
                        Value::new(None, ValueKind::String("c".into())),
                    );
                    m
                })])
                .collect(),
        };
        assert_eq!(
            with_code
                .get_str("rocketmq.producer.group")
                .unwrap()
                .as_deref(),
            Some("c")
        );
    }

    #[test]
    fn children_and_bad_yaml() {
        let s = settings(
            "rocketmq:\n  templates:\n    orders:\n      group: o\n    audit:\n      group: a\n",
        );
        assert_eq!(
            s.children(&Key::parse("rocketmq.templates")),
            vec!["audit".to_string(), "orders".to_string()]
        );
        let err = Settings::builder()
            .yaml("broken.yml", "rocketmq: [unclosed")
            .without_env()
            .build()
            .unwrap_err();
        assert!(
            matches!(err, ConfigError::File { ref file, .. } if file == "broken.yml"),
            "{err}"
        );
    }
}
