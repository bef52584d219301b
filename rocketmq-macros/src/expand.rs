//! Code generation: the function is emitted unchanged, followed by a hidden shim (decode the
//! message, call the function, turn its return value into an outcome) and an
//! `inventory::submit!` of a `ListenerDef` naming the shim.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, GenericArgument, ItemFn, PathArguments, ReturnType, Type};

use crate::attr::{Args, Kind};

/// Checks the function's shape: async, one argument, no receiver, no generics.
pub(crate) fn check_fn(item: &ItemFn, kind: Kind) -> syn::Result<()> {
    let sig = &item.sig;
    if sig.asyncness.is_none() {
        return Err(syn::Error::new_spanned(
            sig.fn_token,
            "the `async` keyword is missing from the function declaration: a listener is an `async fn`",
        ));
    }
    if !sig.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &sig.generics,
            "a listener cannot be generic: the message type picks how the body is decoded",
        ));
    }
    if let Some(FnArg::Receiver(r)) = sig.inputs.first() {
        return Err(syn::Error::new_spanned(
            r,
            "a listener is a free function, not a method: move it out of the `impl` block",
        ));
    }
    if sig.inputs.len() != 1 {
        let message = "a listener takes exactly one argument, the message: `String`, `Vec<u8>`, \
                       `Bytes`, `MessageExt`, `Json<T>`, `Received<T>` or any `Deserialize` type";
        return Err(if sig.inputs.is_empty() {
            syn::Error::new(sig.paren_token.span.join(), message)
        } else {
            syn::Error::new_spanned(&sig.inputs, message)
        });
    }
    if kind == Kind::Reply && matches!(sig.output, ReturnType::Default) {
        return Err(syn::Error::new_spanned(
            &sig.ident,
            "a reply listener returns the reply: add `-> String` (or bytes, `Json<T>`, any \
             `Serialize` type, or a `Result` of one)",
        ));
    }
    Ok(())
}

/// The shim and the registration for a checked function.
pub(crate) fn expand(item: &ItemFn, args: &Args, kind: Kind) -> TokenStream {
    let krate = args
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::rocketmq_starter));
    let name = &item.sig.ident;
    let FnArg::Typed(arg) = &item.sig.inputs[0] else {
        unreachable!("check_fn rejects receivers")
    };
    let arg_ty = &*arg.ty;
    let extract = extraction(&krate, arg_ty);
    let convert = conversion(&krate, &item.sig.output, kind);

    let topic = args.topic.as_ref().expect("checked by finish");
    let group = args.group.as_ref().expect("checked by finish");
    let selector = args
        .selector
        .as_ref()
        .map(|s| s.value())
        .unwrap_or_else(|| "*".to_string());
    let model = match args.model.as_ref().map(|c| c.value.as_str()) {
        Some("broadcasting") => quote!(Broadcasting),
        _ => quote!(Clustering),
    };
    let selector_type = match args.selector_type.as_ref().map(|c| c.value.as_str()) {
        Some("sql92") => quote!(Sql92),
        _ => quote!(Tag),
    };
    let consume_mode = match args.consume_mode.as_ref().map(|c| c.value.as_str()) {
        Some("orderly") => quote!(Orderly),
        _ => quote!(Concurrently),
    };
    let knobs = args.knobs.iter().map(|k| {
        let (key, raw) = (&k.config_key, &k.raw);
        quote!((#key, #raw))
    });
    let reply = kind == Kind::Reply;
    let function = name.to_string();

    quote! {
        #item

        const _: () = {
            #[doc(hidden)]
            fn __rocketmq_listener_shim(
                msg: #krate::__private::MessageExt,
            ) -> #krate::__private::BoxFuture<#krate::listener::Outcome> {
                ::std::boxed::Box::pin(async move {
                    #[allow(unused_imports)]
                    use #krate::__private::{EncodeJson as _, EncodeRaw as _, ExtractJson as _, ExtractRaw as _};
                    let arg = #extract;
                    let ret = #name(arg).await;
                    #convert
                })
            }

            #krate::__private::inventory::submit! {
                #krate::listener::ListenerDef {
                    function: #function,
                    module: ::core::module_path!(),
                    file: ::core::file!(),
                    line: ::core::line!(),
                    topic: #topic,
                    group: #group,
                    selector: #selector,
                    model: #krate::listener::Model::#model,
                    selector_type: #krate::listener::SelectorType::#selector_type,
                    consume_mode: #krate::listener::Mode::#consume_mode,
                    knobs: &[#(#knobs),*],
                    reply: #reply,
                    handler: __rocketmq_listener_shim,
                }
            }
        };
    }
}

/// Decodes `msg` into the argument's type: `Received<T>` wraps a decoded `T` with the
/// message; any other type goes through `FromMessage`, or JSON for a `Deserialize` type.
fn extraction(krate: &syn::Path, ty: &Type) -> TokenStream {
    let span = ty.span();
    if let Some(inner) = received_inner(ty) {
        return quote_spanned! {span=>
            match (&#krate::__private::Extract::<#inner>::new()).extract(&msg) {
                ::core::result::Result::Ok(payload) => #krate::listener::Received::new(msg, payload),
                ::core::result::Result::Err(e) => return #krate::listener::Outcome::Rejected(e),
            }
        };
    }
    quote_spanned! {span=>
        match (&#krate::__private::Extract::<#ty>::new()).extract(&msg) {
            ::core::result::Result::Ok(v) => v,
            ::core::result::Result::Err(e) => return #krate::listener::Outcome::Rejected(e),
        }
    }
}

/// Turns the return value into an outcome: acknowledge or retry for a listener, the encoded
/// reply (or a retry) for a reply listener.
fn conversion(krate: &syn::Path, output: &ReturnType, kind: Kind) -> TokenStream {
    let span = match output {
        ReturnType::Default => Span::call_site(),
        ReturnType::Type(_, ty) => ty.span(),
    };
    match kind {
        Kind::Listener => quote_spanned! {span=> #krate::__private::into_outcome(ret) },
        Kind::Reply if returns_result(output) => quote_spanned! {span=>
            match ret {
                ::core::result::Result::Ok(v) => #krate::__private::Encode(v).encode_reply(),
                ::core::result::Result::Err(e) => #krate::__private::failed(e),
            }
        },
        Kind::Reply => quote_spanned! {span=> #krate::__private::Encode(ret).encode_reply() },
    }
}

/// `T` of an argument typed `Received<T>` (any path ending in `Received`).
fn received_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Received" {
        return None;
    }
    let PathArguments::AngleBracketed(a) = &last.arguments else {
        return None;
    };
    match a.args.first()? {
        GenericArgument::Type(t) if a.args.len() == 1 => Some(t),
        _ => None,
    }
}

/// Whether the return type is a `Result` (any path ending in `Result`, so `anyhow::Result<T>`
/// and `io::Result<T>` count).
fn returns_result(output: &ReturnType) -> bool {
    let ReturnType::Type(_, ty) = output else {
        return false;
    };
    let Type::Path(p) = &**ty else { return false };
    p.path.segments.last().is_some_and(|s| s.ident == "Result")
}
