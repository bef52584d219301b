//! Typed views of the settings, with rocketmq-spring's keys and defaults.
//!
//! | Key | Default |
//! |---|---|
//! | `rocketmq.name-server` | `NAMESRV_ADDR` |
//! | `rocketmq.producer.group` | – (no template without it) |
//! | `rocketmq.producer.send-message-timeout` | 3000 ms |
//! | `rocketmq.producer.compress-message-body-threshold` | 4096 bytes |
//! | `rocketmq.producer.retry-times-when-send-failed` | 2 |
//! | `rocketmq.producer.retry-times-when-send-async-failed` | 2 |
//! | `rocketmq.producer.retry-next-server` | false |
//! | `rocketmq.producer.max-message-size` | 4194304 |
//! | `rocketmq.producer.instance-name` | one instance per process |
//! | `rocketmq.templates.<name>.*` | the `rocketmq.producer.*` keys, for another template |
//! | `rocketmq.pull-consumer.group`, `.topic` | – (the default template's `receive` needs both) |
//! | `rocketmq.pull-consumer.selector-expression` | `*` (tags; `selector-type` is `TAG`) |
//! | `rocketmq.pull-consumer.pull-batch-size` | 10 |
//! | `rocketmq.consumer.<knob>` | the default of a listener knob for every listener |
//! | `rocketmq.consumer.listeners.<group>.<topic>` | `true`; `false` skips the listener, a table sets its knobs |
//! | `rocketmq.embedded` | `false`; `true` or a table (`namesrv-port`, `broker-port`, `store-dir`, `broker: {Apache key: value}`) |
//! | `rocketmq.dashboard.enabled` | `false`; `true` serves the web console (feature `dashboard`) |
//! | `rocketmq.dashboard.port`, `.host`, `.read-only` | 8080, `127.0.0.1`, `false` |

use std::path::PathBuf;
use std::time::Duration;

use super::{ConfigError, Key, Settings};

/// A producer's settings: `rocketmq.producer.*`, or `rocketmq.templates.<name>.*` falling back
/// to them.
#[derive(Debug, Clone, PartialEq)]
pub struct ProducerProperties {
    /// The template's name (`default` for `rocketmq.producer`).
    pub template: String,
    pub name_server: Option<String>,
    pub group: Option<String>,
    pub send_message_timeout: Duration,
    pub compress_message_body_threshold: usize,
    pub retry_times_when_send_failed: u32,
    pub retry_times_when_send_async_failed: u32,
    pub retry_next_server: bool,
    pub max_message_size: usize,
    pub instance_name: Option<String>,
    pub access_key: Option<String>,
    pub secret_key: Option<String>,
    pub enable_msg_trace: bool,
    pub tls_enable: bool,
    pub namespace: Option<String>,
}

/// The name of the template configured by `rocketmq.producer.*`.
pub const DEFAULT_TEMPLATE: &str = "default";

impl ProducerProperties {
    /// Reads the template `name` (`DEFAULT_TEMPLATE` for `rocketmq.producer`).
    pub fn read(settings: &Settings, name: &str) -> Result<ProducerProperties, ConfigError> {
        let own = (name != DEFAULT_TEMPLATE).then(|| Key::parse("rocketmq.templates").name(name));
        let get = |key: &str| -> Result<Option<super::Found>, ConfigError> {
            if let Some(prefix) = &own
                && let Some(found) = settings.get(&prefix.clone().key(key))?
            {
                return Ok(Some(found));
            }
            settings.get(&Key::parse("rocketmq.producer").key(key))
        };
        let text = |key: &str| -> Result<Option<String>, ConfigError> {
            Ok(get(key)?.map(|f| f.text).filter(|t| !t.trim().is_empty()))
        };
        let number = |key: &str, default: i64, min: i64| -> Result<i64, ConfigError> {
            match get(key)? {
                None => Ok(default),
                Some(f) => {
                    let n = f.int("expected a whole number")?;
                    if n < min {
                        return Err(f.invalid(&format!("must be at least {min}")));
                    }
                    Ok(n)
                }
            }
        };
        let flag = |key: &str| -> Result<bool, ConfigError> {
            get(key)?
                .map(|f| f.bool())
                .transpose()
                .map(|b| b.unwrap_or(false))
        };
        let name_server = match &own {
            Some(prefix) => settings.get(&prefix.clone().key("name-server"))?,
            None => None,
        }
        .map(|f| f.text)
        .or(settings.get_str("rocketmq.name-server")?)
        .filter(|t| !t.trim().is_empty());
        Ok(ProducerProperties {
            template: name.to_string(),
            name_server,
            group: text("group")?,
            send_message_timeout: Duration::from_millis(
                number("send-message-timeout", 3000, 1)? as u64
            ),
            compress_message_body_threshold: number("compress-message-body-threshold", 4096, 0)?
                as usize,
            retry_times_when_send_failed: number("retry-times-when-send-failed", 2, 0)? as u32,
            retry_times_when_send_async_failed: number("retry-times-when-send-async-failed", 2, 0)?
                as u32,
            retry_next_server: flag("retry-next-server")?,
            max_message_size: number("max-message-size", 4 * 1024 * 1024, 1)? as usize,
            instance_name: text("instance-name")?,
            access_key: text("access-key")?,
            secret_key: text("secret-key")?,
            enable_msg_trace: flag("enable-msg-trace")?,
            tls_enable: flag("tls-enable")?,
            namespace: text("namespace")?,
        })
    }

    /// The names of every configured template: `default` when `rocketmq.producer.group` or
    /// the pull consumer is set, plus each `rocketmq.templates.<name>`.
    pub fn template_names(settings: &Settings) -> Result<Vec<String>, ConfigError> {
        let mut names = Vec::new();
        if settings
            .get_str("rocketmq.producer.group")?
            .is_some_and(|g| !g.trim().is_empty())
            || PullConsumerProperties::read(settings)?.is_some()
        {
            names.push(DEFAULT_TEMPLATE.to_string());
        }
        names.extend(settings.children(&Key::parse("rocketmq.templates")));
        Ok(names)
    }
}

/// `rocketmq.pull-consumer.*`: the consumer behind the default template's `receive` (both
/// `group` and `topic` set, as in rocketmq-spring).
#[derive(Debug, Clone, PartialEq)]
pub struct PullConsumerProperties {
    pub group: String,
    pub topic: String,
    /// A tag expression (`selector-type: tag`, the only kind a pull consumer filters by).
    pub selector_expression: String,
    pub pull_batch_size: i32,
    pub name_server: Option<String>,
    pub instance_name: Option<String>,
}

impl PullConsumerProperties {
    /// Reads `rocketmq.pull-consumer.*`; `None` unless both `group` and `topic` are set.
    pub fn read(settings: &Settings) -> Result<Option<PullConsumerProperties>, ConfigError> {
        let key = |k: &str| Key::parse("rocketmq.pull-consumer").key(k);
        let text = |k: &str| -> Result<Option<String>, ConfigError> {
            Ok(settings
                .get(&key(k))?
                .map(|f| f.text)
                .filter(|t| !t.trim().is_empty()))
        };
        let (Some(group), Some(topic)) = (text("group")?, text("topic")?) else {
            return Ok(None);
        };
        if let Some(f) = settings.get(&key("selector-type"))?
            && !f.text.eq_ignore_ascii_case("tag")
        {
            return Err(f.invalid("a pull consumer filters by tag only (TAG)"));
        }
        if let Some(f) = settings.get(&key("message-model"))?
            && !f.text.eq_ignore_ascii_case("clustering")
        {
            return Err(f.invalid("a pull consumer consumes in CLUSTERING mode only"));
        }
        let pull_batch_size = match settings.get(&key("pull-batch-size"))? {
            None => 10,
            Some(f) => {
                let n = f.int("expected a whole number")?;
                if !(1..=1024).contains(&n) {
                    return Err(f.invalid("must be between 1 and 1024"));
                }
                n as i32
            }
        };
        Ok(Some(PullConsumerProperties {
            group,
            topic,
            selector_expression: text("selector-expression")?.unwrap_or_else(|| "*".into()),
            pull_batch_size,
            name_server: text("name-server")?.or(settings
                .get_str("rocketmq.name-server")?
                .filter(|t| !t.trim().is_empty())),
            instance_name: text("instance-name")?,
        }))
    }
}

/// Consumer-wide switches: `rocketmq.consumer.enabled` (false starts no listener, for an app
/// that only sends).
#[derive(Debug, Clone, PartialEq)]
pub struct ConsumerDefaults {
    pub enabled: bool,
}

impl ConsumerDefaults {
    /// Reads `rocketmq.consumer.enabled`.
    pub fn read(settings: &Settings) -> Result<ConsumerDefaults, ConfigError> {
        let enabled = settings
            .get(&Key::parse("rocketmq.consumer.enabled"))?
            .map(|f| f.bool())
            .transpose()?
            .unwrap_or(true);
        Ok(ConsumerDefaults { enabled })
    }
}

/// `rocketmq.dashboard`: the web console, in this process.
#[derive(Debug, Clone, PartialEq)]
pub struct DashboardProperties {
    pub enabled: bool,
    /// 0 picks a free port.
    pub port: u16,
    pub host: String,
    pub read_only: bool,
}

impl DashboardProperties {
    pub fn read(settings: &Settings) -> Result<DashboardProperties, ConfigError> {
        let flag = |key: &str, default: bool| -> Result<bool, ConfigError> {
            Ok(settings
                .get(&Key::parse(key))?
                .map(|f| f.bool())
                .transpose()?
                .unwrap_or(default))
        };
        let port = match settings.get(&Key::parse("rocketmq.dashboard.port"))? {
            None => 8080,
            Some(f) => {
                let n = f.int("expected a port number")?;
                u16::try_from(n).map_err(|_| f.invalid("expected a port number (0-65535)"))?
            }
        };
        Ok(DashboardProperties {
            enabled: flag("rocketmq.dashboard.enabled", false)?,
            port,
            host: settings
                .get_str("rocketmq.dashboard.host")?
                .unwrap_or_else(|| "127.0.0.1".into()),
            read_only: flag("rocketmq.dashboard.read-only", false)?,
        })
    }
}

/// `rocketmq.embedded`: run a name server and a broker in this process.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EmbeddedProperties {
    pub enabled: bool,
    /// 0 picks a free port.
    pub namesrv_port: u16,
    pub broker_port: u16,
    /// `None`: a temporary directory, removed at shutdown.
    pub store_dir: Option<PathBuf>,
    /// Broker settings under Apache's `broker.conf` keys.
    pub broker: Vec<(String, String)>,
}

impl EmbeddedProperties {
    /// Reads `rocketmq.embedded`: `true`/`false`, or a table (whose `enabled` defaults to
    /// true). Both may be given, in different sources: `ROCKETMQ_EMBEDDED=true` with
    /// `ROCKETMQ_EMBEDDED_NAMESRVPORT=9876`.
    pub fn read(settings: &Settings) -> Result<EmbeddedProperties, ConfigError> {
        let root = Key::parse("rocketmq.embedded");
        let switch = settings.get(&root)?.map(|f| f.bool()).transpose()?;
        let table = !settings.children(&root).is_empty();
        let enabled = match (switch, table) {
            (Some(on), _) => on,
            (None, false) => false,
            (None, true) => settings
                .get(&root.clone().key("enabled"))?
                .map(|f| f.bool())
                .transpose()?
                .unwrap_or(true),
        };
        if !enabled {
            return Ok(EmbeddedProperties::default());
        }
        let port = |key: &str| -> Result<u16, ConfigError> {
            match settings.get(&root.clone().key(key))? {
                None => Ok(0),
                Some(f) => {
                    let n = f.int("expected a port number")?;
                    u16::try_from(n).map_err(|_| f.invalid("expected a port number (0-65535)"))
                }
            }
        };
        let mut broker = Vec::new();
        let broker_key = root.clone().key("broker");
        for name in settings.children(&broker_key) {
            if let Some(f) = settings.get(&broker_key.clone().name(&name))? {
                broker.push((name, f.text));
            }
        }
        Ok(EmbeddedProperties {
            enabled,
            namesrv_port: port("namesrv-port")?,
            broker_port: port("broker-port")?,
            store_dir: settings
                .get(&root.clone().key("store-dir"))?
                .map(|f| PathBuf::from(f.text)),
            broker,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::from_yaml as settings;

    #[test]
    fn producer_defaults_match_rocketmq_spring() {
        let p = ProducerProperties::read(
            &settings("rocketmq:\n  producer:\n    group: g\n"),
            DEFAULT_TEMPLATE,
        )
        .unwrap();
        assert_eq!(p.group.as_deref(), Some("g"));
        assert_eq!(p.send_message_timeout, Duration::from_millis(3000));
        assert_eq!(p.compress_message_body_threshold, 4096);
        assert_eq!(p.retry_times_when_send_failed, 2);
        assert_eq!(p.retry_times_when_send_async_failed, 2);
        assert!(!p.retry_next_server);
        assert_eq!(p.max_message_size, 4 * 1024 * 1024);
    }

    #[test]
    fn named_templates_inherit_the_producer_keys() {
        let s = settings(
            "rocketmq:\n  name-server: a:9876\n  producer:\n    group: g\n    send-message-timeout: 1000\n  templates:\n    audit:\n      group: audit-group\n      name-server: b:9876\n",
        );
        assert_eq!(
            ProducerProperties::template_names(&s).unwrap(),
            vec!["default", "audit"]
        );
        let audit = ProducerProperties::read(&s, "audit").unwrap();
        assert_eq!(audit.group.as_deref(), Some("audit-group"));
        assert_eq!(audit.name_server.as_deref(), Some("b:9876"));
        assert_eq!(audit.send_message_timeout, Duration::from_millis(1000));
    }

    #[test]
    fn bad_values_name_key_and_file() {
        let s = settings(
            "rocketmq:\n  producer:\n    group: g\n    retry-times-when-send-failed: -1\n",
        );
        let err = ProducerProperties::read(&s, DEFAULT_TEMPLATE).unwrap_err();
        assert_eq!(
            err.to_string(),
            "rocketmq.producer.retry-times-when-send-failed = \"-1\" (application.yml): must be at least 0"
        );
    }

    #[test]
    fn embedded_is_a_switch_or_a_table() {
        assert!(
            EmbeddedProperties::read(&settings("rocketmq:\n  embedded: true\n"))
                .unwrap()
                .enabled
        );
        assert!(
            !EmbeddedProperties::read(&settings("rocketmq: {}\n"))
                .unwrap()
                .enabled
        );
        let e = EmbeddedProperties::read(&settings(
            "rocketmq:\n  embedded:\n    namesrv-port: 19876\n    broker:\n      enablePropertyFilter: true\n",
        ))
        .unwrap();
        assert!(e.enabled);
        assert_eq!(e.namesrv_port, 19876);
        assert_eq!(
            e.broker,
            vec![("enablePropertyFilter".to_string(), "true".to_string())]
        );
    }
}
