//! From registrations to consumers: placeholders resolved, configuration overrides applied,
//! disabled listeners skipped, and listeners grouped by consumer group, with clear errors for
//! the mistakes rocketmq-spring users only find in production (two listeners on one topic and
//! group, or one group subscribing differently).
//!
//! A knob's value comes from, first match winning:
//! `rocketmq.consumer.listeners.<group>.<topic>.<knob>`, the attribute, `rocketmq.consumer.<knob>`,
//! the default. Knobs and defaults (rocketmq-spring's): `consume-thread-number` 20,
//! `max-reconsume-times` -1 (16 concurrently, unlimited orderly), `consume-timeout` 15 (minutes),
//! `pull-batch-size` 32, `delay-level-when-next-consume` 0, `suspend-current-queue-time-millis`
//! 1000, `await-termination-millis-when-shutdown` 1000, `reply-timeout` 3000 (ms),
//! `consume-from-where` `last_offset`, `name-server` (`rocketmq.name-server`), `instance-name`,
//! `local-offset-store-dir` (broadcasting offsets; `~/.rocketmq_offsets`, or the embedded
//! store).

use std::collections::BTreeMap;
use std::time::Duration;

use rocketmq_client::protocol::body::ConsumeFromWhere;

use super::{ListenerDef, Mode, Model, SelectorType};
use crate::config::{ConfigError, Found, Key, Settings};

/// A listener ready to run: every string resolved, every knob decided.
#[derive(Debug, Clone)]
pub struct ListenerConfig {
    pub def: &'static ListenerDef,
    pub topic: String,
    pub group: String,
    pub selector: String,
    pub knobs: Knobs,
}

/// The per-consumer settings; listeners sharing a group must agree on them.
#[derive(Debug, Clone, PartialEq)]
pub struct Knobs {
    pub model: Model,
    pub mode: Mode,
    pub consume_thread_number: usize,
    pub max_reconsume_times: i32,
    pub consume_timeout: Duration,
    pub pull_batch_size: i32,
    pub delay_level_when_next_consume: i32,
    pub suspend_current_queue_time: Duration,
    pub await_termination: Duration,
    pub reply_timeout: Duration,
    pub consume_from_where: ConsumeFromWhere,
    pub name_server: Option<String>,
    pub instance_name: Option<String>,
    pub local_offset_store_dir: Option<std::path::PathBuf>,
}

/// Why listeners cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ListenerError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("listener {listener}: {message}")]
    Invalid { listener: String, message: String },
    #[error(
        "listeners {first} and {second} both consume topic {topic} as group {group}: give one of them another group"
    )]
    Duplicate {
        topic: String,
        group: String,
        first: String,
        second: String,
    },
    #[error(
        "listeners {first} and {second} share group {group} but differ in {what}: members of a group must subscribe and consume alike, or messages go missing; use two groups"
    )]
    Inconsistent {
        group: String,
        what: String,
        first: String,
        second: String,
    },
}

/// Resolves one registration; `None` if it is switched off in the configuration.
pub fn resolve(
    def: &'static ListenerDef,
    settings: &Settings,
) -> Result<Option<ListenerConfig>, ListenerError> {
    let text = |what: &str, raw: &str| -> Result<String, ListenerError> {
        let value = settings.resolve(raw, &format!("listener {} `{what}`", def.location()))?;
        if value.trim().is_empty() && what != "selector" {
            return Err(ListenerError::Invalid {
                listener: def.location(),
                message: format!("`{what}` resolved to an empty string"),
            });
        }
        Ok(value)
    };
    let topic = text("topic", def.topic)?;
    let group = text("group", def.group)?;
    let selector = match text("selector", def.selector)? {
        s if s.trim().is_empty() => "*".to_string(),
        s => s,
    };
    let own = Key::parse("rocketmq.consumer.listeners")
        .name(&group)
        .name(&topic);
    if let Some(switch) = settings.get(&own)? {
        if !switch.bool()? {
            return Ok(None);
        }
    } else if let Some(enabled) = settings.get(&own.clone().key("enabled"))?
        && !enabled.bool()?
    {
        return Ok(None);
    }

    let knob = |key: &str| -> Result<Option<Found>, ListenerError> {
        if let Some(f) = settings.get(&own.clone().key(key))? {
            return Ok(Some(f));
        }
        if let Some((_, raw)) = def.knobs.iter().find(|(k, _)| *k == key) {
            let context = format!("listener {} `{}`", def.location(), key.replace('-', "_"));
            return Ok(Some(Found {
                key: key.replace('-', "_"),
                text: settings.resolve(raw, &context)?,
                origin: format!("attribute of {}", def.location()),
            }));
        }
        Ok(settings.get(&Key::parse("rocketmq.consumer").key(key))?)
    };
    let int = |key: &str, default: i64, min: i64, max: i64| -> Result<i64, ListenerError> {
        match knob(key)? {
            None => Ok(default),
            Some(f) => {
                let n = f.int("expected a whole number")?;
                if !(min..=max).contains(&n) {
                    return Err(f
                        .invalid(&format!("must be between {min} and {max}"))
                        .into());
                }
                Ok(n)
            }
        }
    };
    let ms = |n: i64| Duration::from_millis(n as u64);
    let consume_from_where = match knob("consume-from-where")? {
        None => ConsumeFromWhere::LastOffset,
        Some(f) => consume_from(&f)?,
    };
    let knobs = Knobs {
        model: def.model,
        mode: def.consume_mode,
        consume_thread_number: int("consume-thread-number", 20, 1, 1000)? as usize,
        max_reconsume_times: int("max-reconsume-times", -1, -1, i32::MAX as i64)? as i32,
        consume_timeout: Duration::from_secs(60 * int("consume-timeout", 15, 1, 24 * 60)? as u64),
        pull_batch_size: int("pull-batch-size", 32, 1, 1024)? as i32,
        delay_level_when_next_consume: int("delay-level-when-next-consume", 0, -1, 1000)? as i32,
        suspend_current_queue_time: ms(int("suspend-current-queue-time-millis", 1000, 10, 30_000)?),
        await_termination: ms(int(
            "await-termination-millis-when-shutdown",
            1000,
            0,
            3_600_000,
        )?),
        reply_timeout: ms(int("reply-timeout", 3000, 1, 3_600_000)?),
        consume_from_where,
        name_server: knob("name-server")?
            .map(|f| f.text)
            .or(settings.get_str("rocketmq.name-server")?)
            .filter(|s| !s.trim().is_empty()),
        instance_name: knob("instance-name")?
            .map(|f| f.text)
            .filter(|s| !s.trim().is_empty()),
        local_offset_store_dir: knob("local-offset-store-dir")?
            .map(|f| f.text)
            .filter(|s| !s.trim().is_empty())
            .map(std::path::PathBuf::from),
    };
    if def.selector_type == SelectorType::Sql92 && selector.trim() == "*" {
        return Err(ListenerError::Invalid {
            listener: def.location(),
            message: "`selector_type = \"sql92\"` needs a `selector` condition".into(),
        });
    }
    Ok(Some(ListenerConfig {
        def,
        topic,
        group,
        selector,
        knobs,
    }))
}

fn consume_from(f: &Found) -> Result<ConsumeFromWhere, ListenerError> {
    let normalized = f
        .text
        .trim()
        .to_ascii_lowercase()
        .trim_start_matches("consume_from_")
        .to_string();
    Ok(match normalized.as_str() {
        "last_offset" => ConsumeFromWhere::LastOffset,
        "first_offset" => ConsumeFromWhere::FirstOffset,
        "timestamp" => ConsumeFromWhere::Timestamp,
        _ => {
            return Err(f
                .invalid("expected last_offset, first_offset or timestamp")
                .into());
        }
    })
}

/// Listeners grouped by consumer group, checked for duplicates and disagreements.
pub fn plan(
    configs: Vec<ListenerConfig>,
) -> Result<BTreeMap<String, Vec<ListenerConfig>>, ListenerError> {
    let mut groups: BTreeMap<String, Vec<ListenerConfig>> = BTreeMap::new();
    for c in configs {
        let members = groups.entry(c.group.clone()).or_default();
        if let Some(first) = members.first() {
            if let Some(same) = members.iter().find(|m| m.topic == c.topic) {
                return Err(ListenerError::Duplicate {
                    topic: c.topic.clone(),
                    group: c.group.clone(),
                    first: same.def.location(),
                    second: c.def.location(),
                });
            }
            if let Some(what) = difference(&first.knobs, &c.knobs) {
                return Err(ListenerError::Inconsistent {
                    group: c.group.clone(),
                    what,
                    first: first.def.location(),
                    second: c.def.location(),
                });
            }
        }
        members.push(c);
    }
    Ok(groups)
}

/// The first setting two members of one group disagree on.
fn difference(a: &Knobs, b: &Knobs) -> Option<String> {
    let checks: [(&str, bool); 8] = [
        ("model", a.model != b.model),
        ("consume_mode", a.mode != b.mode),
        ("name_server", a.name_server != b.name_server),
        (
            "consume_thread_number",
            a.consume_thread_number != b.consume_thread_number,
        ),
        (
            "max_reconsume_times",
            a.max_reconsume_times != b.max_reconsume_times,
        ),
        ("pull_batch_size", a.pull_batch_size != b.pull_batch_size),
        (
            "consume_from_where",
            a.consume_from_where != b.consume_from_where,
        ),
        ("instance_name", a.instance_name != b.instance_name),
    ];
    checks
        .iter()
        .find(|(_, differs)| *differs)
        .map(|(what, _)| what.to_string())
}
