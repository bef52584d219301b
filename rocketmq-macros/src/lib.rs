//! The attributes behind the starter's listeners. Use them through `rocketmq_starter`, which
//! re-exports them together with everything the generated code needs (users never add
//! `inventory` or this crate themselves).
//!
//! # Layout
//! - [`rocketmq_listener`] and [`rocketmq_reply_listener`]: the entry points (this file).
//! - `attr`: parsing and validating `key = value` lists, with an error at the offending token.
//! - `expand`: the shim that decodes a message and calls the function, and its registration.
//!
//! On a mistake the function is still emitted, next to the `compile_error!`, so the rest of the
//! crate type-checks and IDEs keep working (tokio-macros does the same).

mod attr;
mod expand;

use proc_macro::TokenStream;
use syn::ItemFn;

use attr::{Args, Kind};

/// Registers an `async fn` as a message listener, like `@RocketMQMessageListener` on a
/// `RocketMQListener` bean.
///
/// ```ignore
/// #[rocketmq_listener(topic = "boot-test", group = "boot-test-consumer-group", model = "clustering")]
/// async fn on_message(msg: String) -> anyhow::Result<()> {
///     tracing::info!(%msg, "received");
///     Ok(())
/// }
/// ```
///
/// Keys (strings may hold `${key}` / `${key:default}` placeholders, resolved from the
/// configuration at startup):
/// - `topic`, `group` (required); `selector` (`"*"`), `selector_type` (`"tag"` or `"sql92"`);
/// - `model`: `"clustering"` (default) or `"broadcasting"`;
/// - `consume_mode`: `"concurrently"` (default) or `"orderly"` (not with broadcasting);
/// - `consume_thread_number`, `max_reconsume_times`, `consume_timeout` (minutes),
///   `pull_batch_size`, `delay_level_when_next_consume`, `suspend_current_queue_time_millis`,
///   `await_termination_millis_when_shutdown`, `name_server`, `instance_name`,
///   `consume_from_where` (`"last_offset"`, `"first_offset"`, `"timestamp"`): defaults for
///   the knobs that `rocketmq.consumer.listeners.<group>.<topic>.*` can override;
/// - `crate`: the path of the starter if it is renamed (`"::rocketmq_starter"`).
///
/// The argument picks the decoding: `String` (UTF-8), `Vec<u8>` / `Bytes` (raw), `MessageExt`
/// (everything), `Json<T>` or any `Deserialize` type (JSON), `Received<T>` (a decoded `T` plus
/// the message's headers). The return value acknowledges or retries: `()` and `Ok(_)`
/// acknowledge, `Err(e)` retries later (logged with `e`), a `ConsumeResult` says exactly.
#[proc_macro_attribute]
pub fn rocketmq_listener(args: TokenStream, item: TokenStream) -> TokenStream {
    entry(args, item, Kind::Listener)
}

/// Registers an `async fn` whose return value is sent back as the reply to a request
/// (`RocketMQReplyListener`): `template.send_and_receive(..)` on the other side gets it.
///
/// ```ignore
/// #[rocketmq_reply_listener(topic = "price-requests", group = "pricing")]
/// async fn price(q: Json<Quote>) -> anyhow::Result<Json<Price>> {
///     Ok(Json(Price { cents: q.0.units * 250 }))
/// }
/// ```
///
/// Same keys as [`rocketmq_listener`], plus `reply_timeout` (ms to send the reply, 3000). The
/// reply is encoded like a template payload: strings and bytes as they are, `Json<T>` or any
/// `Serialize` type as JSON. An `Err` is not replied to; the request is retried like a failed
/// message.
#[proc_macro_attribute]
pub fn rocketmq_reply_listener(args: TokenStream, item: TokenStream) -> TokenStream {
    entry(args, item, Kind::Reply)
}

fn entry(args: TokenStream, item: TokenStream, kind: Kind) -> TokenStream {
    let item_tokens: proc_macro2::TokenStream = item.clone().into();
    let function: ItemFn = match syn::parse(item) {
        Ok(f) => f,
        Err(e) => return with_error(item_tokens, e),
    };
    let mut parsed = Args::default();
    let parser = syn::meta::parser(|meta| parsed.parse_one(meta, kind));
    if let Err(e) = syn::parse::Parser::parse(parser, args) {
        return with_error(item_tokens, e);
    }
    if let Err(e) = parsed
        .finish(kind)
        .and_then(|()| expand::check_fn(&function, kind))
    {
        return with_error(item_tokens, e);
    }
    expand::expand(&function, &parsed, kind).into()
}

/// The original item plus the error, so only the attribute's mistake is reported.
fn with_error(item: proc_macro2::TokenStream, error: syn::Error) -> TokenStream {
    let error = error.into_compile_error();
    quote::quote!(#item #error).into()
}
