//! Parsing and validating the attribute's `key = value` list.
//!
//! Every mistake is reported at the token that causes it: an unknown key at the key (with the
//! list of valid ones), a duplicate at its second occurrence, a bad value at the value, and
//! `orderly` with `broadcasting` at the `consume_mode` value.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::{Lit, LitStr};

/// Which attribute is being parsed: the plain listener, or the reply listener (which also
/// accepts `reply_timeout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Listener,
    Reply,
}

/// A setting whose value is an enumeration, checked at compile time.
#[derive(Debug, Clone)]
pub(crate) struct Choice {
    /// The canonical spelling (lower case).
    pub(crate) value: String,
    pub(crate) span: Span,
}

/// A numeric or text knob, kept as text: either a literal (checked here) or a `${...}`
/// placeholder resolved from the configuration at startup.
#[derive(Debug, Clone)]
pub(crate) struct Knob {
    /// The configuration key it corresponds to (`max-reconsume-times`).
    pub(crate) config_key: String,
    pub(crate) raw: String,
}

/// The parsed attribute.
#[derive(Debug, Default)]
pub(crate) struct Args {
    pub(crate) topic: Option<LitStr>,
    pub(crate) group: Option<LitStr>,
    pub(crate) selector: Option<LitStr>,
    pub(crate) model: Option<Choice>,
    pub(crate) selector_type: Option<Choice>,
    pub(crate) consume_mode: Option<Choice>,
    pub(crate) knobs: Vec<Knob>,
    pub(crate) krate: Option<syn::Path>,
    seen: Vec<String>,
}

/// Keys taking a string (placeholders allowed).
const TEXT_KEYS: [&str; 3] = ["topic", "group", "selector"];
/// Keys taking one of a few words.
const CHOICE_KEYS: [(&str, &[&str]); 3] = [
    ("model", &["clustering", "broadcasting"]),
    ("selector_type", &["tag", "sql92"]),
    ("consume_mode", &["concurrently", "orderly"]),
];
/// Knobs taking a whole number (or a placeholder).
const NUMBER_KNOBS: [&str; 7] = [
    "consume_thread_number",
    "max_reconsume_times",
    "consume_timeout",
    "pull_batch_size",
    "delay_level_when_next_consume",
    "suspend_current_queue_time_millis",
    "await_termination_millis_when_shutdown",
];
/// Knobs taking text.
const TEXT_KNOBS: [&str; 3] = ["name_server", "instance_name", "consume_from_where"];
/// The words `consume_from_where` accepts.
const CONSUME_FROM: [&str; 3] = ["last_offset", "first_offset", "timestamp"];

impl Args {
    /// Every key this kind of attribute accepts, for error messages.
    fn valid_keys(kind: Kind) -> String {
        let mut keys: Vec<&str> = TEXT_KEYS.to_vec();
        keys.extend(CHOICE_KEYS.iter().map(|(k, _)| *k));
        keys.extend(NUMBER_KNOBS);
        if kind == Kind::Reply {
            keys.push("reply_timeout");
        }
        keys.extend(TEXT_KNOBS);
        keys.push("crate");
        keys.iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Parses one `key = value`.
    pub(crate) fn parse_one(&mut self, meta: ParseNestedMeta<'_>, kind: Kind) -> syn::Result<()> {
        let Some(ident) = meta.path.get_ident().map(ToString::to_string) else {
            return Err(meta.error(format!(
                "expected a key such as `topic`; valid keys: {}",
                Self::valid_keys(kind)
            )));
        };
        let known = TEXT_KEYS.contains(&ident.as_str())
            || CHOICE_KEYS.iter().any(|(k, _)| *k == ident)
            || NUMBER_KNOBS.contains(&ident.as_str())
            || TEXT_KNOBS.contains(&ident.as_str())
            || ident == "crate"
            || (ident == "reply_timeout" && kind == Kind::Reply);
        if !known {
            let hint = if ident == "reply_timeout" {
                " (`reply_timeout` belongs to #[rocketmq_reply_listener])".to_string()
            } else {
                renamed(&ident)
                    .or_else(|| closest(&ident, kind))
                    .map(|r| format!(" (did you mean `{r}`?)"))
                    .unwrap_or_default()
            };
            return Err(syn::Error::new_spanned(
                &meta.path,
                format!(
                    "unknown key `{ident}`{hint}; valid keys: {}",
                    Self::valid_keys(kind)
                ),
            ));
        }
        if self.seen.contains(&ident) {
            return Err(syn::Error::new_spanned(
                &meta.path,
                format!("`{ident}` is set more than once"),
            ));
        }
        self.seen.push(ident.clone());
        let value = meta.value()?;
        if ident == "crate" {
            let lit: LitStr = value.parse()?;
            self.krate = Some(lit.parse()?);
            return Ok(());
        }
        let lit: Lit = value.parse()?;
        if let Some((_, words)) = CHOICE_KEYS.iter().find(|(k, _)| *k == ident) {
            let choice = choice(&lit, &ident, words)?;
            match ident.as_str() {
                "model" => self.model = Some(choice),
                "selector_type" => self.selector_type = Some(choice),
                _ => self.consume_mode = Some(choice),
            }
            return Ok(());
        }
        if TEXT_KEYS.contains(&ident.as_str()) {
            let Lit::Str(s) = lit else {
                return Err(syn::Error::new_spanned(
                    lit,
                    format!("`{ident}` takes a string, e.g. `{ident} = \"...\"`"),
                ));
            };
            if s.value().trim().is_empty() {
                return Err(syn::Error::new_spanned(
                    s,
                    format!("`{ident}` cannot be empty"),
                ));
            }
            match ident.as_str() {
                "topic" => self.topic = Some(s),
                "group" => self.group = Some(s),
                _ => self.selector = Some(s),
            }
            return Ok(());
        }
        let numeric = NUMBER_KNOBS.contains(&ident.as_str()) || ident == "reply_timeout";
        let raw = match &lit {
            Lit::Int(i) if numeric => {
                i.base10_parse::<i64>()?;
                i.base10_digits().to_string()
            }
            Lit::Str(s) => {
                let text = s.value();
                if !text.contains("${") {
                    if numeric && text.trim().parse::<i64>().is_err() {
                        return Err(syn::Error::new_spanned(
                            s,
                            format!(
                                "`{ident}` takes a whole number or a `${{placeholder}}`, not `{text}`"
                            ),
                        ));
                    }
                    if ident == "consume_from_where"
                        && !CONSUME_FROM.contains(&text.to_ascii_lowercase().as_str())
                    {
                        return Err(syn::Error::new_spanned(
                            s,
                            format!("`consume_from_where` is one of {}", quoted(&CONSUME_FROM)),
                        ));
                    }
                }
                text
            }
            other => {
                let expected = if numeric {
                    "a whole number"
                } else {
                    "a string"
                };
                return Err(syn::Error::new_spanned(
                    other,
                    format!("`{ident}` takes {expected}"),
                ));
            }
        };
        self.knobs.push(Knob {
            config_key: ident.replace('_', "-"),
            raw,
        });
        Ok(())
    }

    /// Checks what needs the whole attribute: the required keys and incompatible choices.
    pub(crate) fn finish(&self, kind: Kind) -> syn::Result<()> {
        let name = match kind {
            Kind::Listener => "rocketmq_listener",
            Kind::Reply => "rocketmq_reply_listener",
        };
        for (key, present) in [
            ("topic", self.topic.is_some()),
            ("group", self.group.is_some()),
        ] {
            if !present {
                return Err(syn::Error::new(
                    Span::call_site(),
                    format!(
                        "missing `{key}`: write #[{name}(topic = \"...\", group = \"...\")]; valid keys: {}",
                        Self::valid_keys(kind)
                    ),
                ));
            }
        }
        if let (Some(mode), Some(model)) = (&self.consume_mode, &self.model)
            && mode.value == "orderly"
            && model.value == "broadcasting"
        {
            return Err(syn::Error::new(
                mode.span,
                "`consume_mode = \"orderly\"` cannot be combined with `model = \"broadcasting\"`: \
                 orderly consumption locks queues for one member of a clustering group",
            ));
        }
        Ok(())
    }
}

/// Reads one of `words` (any case) from a string literal.
fn choice(lit: &Lit, key: &str, words: &[&str]) -> syn::Result<Choice> {
    let Lit::Str(s) = lit else {
        return Err(syn::Error::new_spanned(
            lit,
            format!("`{key}` takes a string: one of {}", quoted(words)),
        ));
    };
    let value = s.value().to_ascii_lowercase();
    if !words.contains(&value.as_str()) {
        return Err(syn::Error::new_spanned(
            s,
            format!("`{key}` is one of {}, not `{}`", quoted(words), s.value()),
        ));
    }
    Ok(Choice {
        value,
        span: s.span(),
    })
}

fn quoted(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| format!("\"{w}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A valid key within two edits of a misspelt one.
fn closest(key: &str, kind: Kind) -> Option<&'static str> {
    let mut keys: Vec<&'static str> = TEXT_KEYS.to_vec();
    keys.extend(CHOICE_KEYS.iter().map(|(k, _)| *k));
    keys.extend(NUMBER_KNOBS);
    keys.extend(TEXT_KNOBS);
    if kind == Kind::Reply {
        keys.push("reply_timeout");
    }
    keys.into_iter()
        .map(|k| (edit_distance(key, k), k))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, k)| k)
}

/// Levenshtein distance.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The Java attribute names people will type, mapped to ours.
fn renamed(key: &str) -> Option<&'static str> {
    Some(match key {
        "consumer_group" | "consumerGroup" => "group",
        "message_model" | "messageModel" => "model",
        "selector_expression" | "selectorExpression" => "selector",
        "selectorType" => "selector_type",
        "consumeMode" => "consume_mode",
        "consume_thread_max" | "consumeThreadMax" | "consumeThreadNumber" => {
            "consume_thread_number"
        }
        "maxReconsumeTimes" => "max_reconsume_times",
        "consumeTimeout" => "consume_timeout",
        "pullBatchSize" => "pull_batch_size",
        "nameServer" => "name_server",
        _ => return None,
    })
}
