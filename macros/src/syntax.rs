//! Stage 1: `#[pay(...)]` attributes as written, with their spans. Parsed by hand with
//! `parse_nested_meta`, one branch per `ContainerKey` / `FieldKey` (the names live in
//! `keys`), the user-facing syntax above each branch.

use crate::ctxt::{did_you_mean, Ctxt};
use crate::keys::{ContainerKey, FieldKey};
use crate::text_format::TextFormat;
use proc_macro2::Span;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned as _;
use syn::{parenthesized, Expr, Ident, Lit, LitStr, Token};

/// A value and where it was written.
#[derive(Clone)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

#[derive(Default)]
pub struct ContainerAttrs {
    pub format: Option<Spanned<String>>,
    pub sign: Option<Spanned<String>>,
    /// `sign = custom(Type)`: the type (then `sign` holds `"custom"`).
    pub sign_custom: Option<syn::Path>,
    /// A `sign = ...` that did not parse (already reported).
    pub sign_unparsed: bool,
    pub sign_key: Option<Spanned<String>>,
    pub sign_case: Option<Spanned<String>>,
    pub sign_field: Option<Spanned<String>>,
    pub sign_empty: Option<Spanned<String>>,
    pub constants: Vec<ConstantAttr>,
    pub crate_path: Option<Spanned<syn::Path>>,
    pub validate_with: Option<Spanned<syn::Path>>,
    /// `signed_if(status = "0")`: the member and value that make the message signed.
    pub signed_if: Option<RequiredIfAttr>,
    pub doc: String,
}

pub struct ConstantAttr {
    pub name: Ident,
    pub value: Lit,
}

/// A range-valued key (`len = 1..=32`): the key's span for type errors, the value's span
/// for bound errors, and the value as written.
#[derive(Clone)]
pub struct RangeAttr {
    pub key: Span,
    /// The first token of the range expression.
    pub span: Span,
    /// The last token of the range expression.
    pub end: Span,
    pub value: RangeSyntax,
}

/// `START`, `START..`, `..END`, `..=END`, `START..END` or `START..=END`, or something else.
#[derive(Clone)]
pub enum RangeSyntax {
    Exact(i128),
    Range {
        start: Option<i128>,
        end: Option<i128>,
        inclusive: bool,
    },
    Invalid,
}

fn parse_int(input: syn::parse::ParseStream) -> syn::Result<Option<i128>> {
    let negative = input.peek(Token![-]);
    if negative {
        input.parse::<Token![-]>()?;
    }
    if input.peek(syn::LitInt) {
        let lit: syn::LitInt = input.parse()?;
        let v = lit.base10_parse::<i128>()?;
        Ok(Some(if negative { -v } else { v }))
    } else if negative {
        Err(input.error("expected an integer after `-`"))
    } else {
        Ok(None)
    }
}

fn parse_range_tokens(input: syn::parse::ParseStream) -> syn::Result<RangeSyntax> {
    let start = parse_int(input)?;
    let inclusive = if input.peek(Token![..=]) {
        input.parse::<Token![..=]>()?;
        true
    } else if input.peek(Token![..]) {
        input.parse::<Token![..]>()?;
        false
    } else {
        return match (start, input.is_empty()) {
            (Some(v), true) => Ok(RangeSyntax::Exact(v)),
            _ => Ok(RangeSyntax::Invalid),
        };
    };
    let end = parse_int(input)?;
    if !input.is_empty() || (inclusive && end.is_none()) {
        return Ok(RangeSyntax::Invalid);
    }
    Ok(RangeSyntax::Range {
        start,
        end,
        inclusive,
    })
}

/// Reads the tokens of one value (up to the next top-level comma) as a range.
fn range_value(meta: &syn::meta::ParseNestedMeta, key: Span) -> syn::Result<RangeAttr> {
    let tokens = take_value_tokens(meta.value()?)?;
    let span = tokens.clone().into_iter().next().map_or(key, |t| t.span());
    let end = tokens.clone().into_iter().last().map_or(span, |t| t.span());
    let value =
        syn::parse::Parser::parse2(parse_range_tokens, tokens).unwrap_or(RangeSyntax::Invalid);
    Ok(RangeAttr {
        key,
        span,
        end,
        value,
    })
}

/// The tokens of one value, up to the next top-level comma.
fn take_value_tokens(input: syn::parse::ParseStream) -> syn::Result<proc_macro2::TokenStream> {
    input.step(|cursor| {
        let mut rest = *cursor;
        let mut taken = proc_macro2::TokenStream::new();
        while let Some((tt, next)) = rest.token_tree() {
            if matches!(&tt, proc_macro2::TokenTree::Punct(p) if p.as_char() == ',') {
                break;
            }
            taken.extend(std::iter::once(tt));
            rest = next;
        }
        Ok((taken, rest))
    })
}

pub struct RequiredIfAttr {
    pub key: Span,
    pub field: Ident,
    pub value: Spanned<String>,
}

#[derive(Default)]
pub struct FieldAttrs {
    pub len: Option<RangeAttr>,
    pub chars: Option<RangeAttr>,
    pub range: Option<RangeAttr>,
    pub one_of: Option<Spanned<Vec<Spanned<String>>>>,
    pub required_if: Vec<RequiredIfAttr>,
    pub rename: Option<Spanned<String>>,
    pub sign_position: Option<Spanned<u32>>,
    pub no_sign: Option<Span>,
    pub path: Option<Span>,
    pub group: Option<Spanned<String>>,
    pub optional: Option<Span>,
    pub indexed: Option<IndexedAttr>,
    pub formats: Vec<Spanned<TextFormat>>,
    pub doc: String,
}

/// `indexed(count = "refund_count")`: the key's span and the count member's wire name.
pub struct IndexedAttr {
    pub key: Span,
    pub count: Spanned<String>,
}

/// Every key a field takes, the text formats included.
fn field_keys() -> Vec<&'static str> {
    let mut keys = FieldKey::names();
    keys.extend(TextFormat::ALL.map(TextFormat::name));
    keys
}

fn set_once<T>(
    cx: &mut Ctxt,
    slot: &mut Option<T>,
    value: T,
    span: Span,
    key: &str,
    first: impl Fn(&T) -> Span,
) {
    match slot {
        Some(existing) => cx.duplicate(
            span,
            format!("duplicate pay attribute `{key}`"),
            first(existing),
        ),
        None => *slot = Some(value),
    }
}

/// Consumes whatever follows an unknown key so parsing can go on.
fn skip_value(meta: &syn::meta::ParseNestedMeta) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        take_value_tokens(meta.value()?)?;
    } else if meta.input.peek(syn::token::Paren) {
        let content;
        parenthesized!(content in meta.input);
        content.parse::<proc_macro2::TokenStream>()?;
    }
    Ok(())
}

/// `custom(Type)` after `sign =`.
fn custom_scheme(input: syn::parse::ParseStream<'_>) -> syn::Result<(Spanned<String>, syn::Path)> {
    const HELP: &str = "expected a scheme in quotes (\"md5-sorted\", \"rsa-sha256-sorted\", ...) or `custom(Type)` naming a type that implements `paywire::sign::Scheme`";
    let word: syn::Ident = input
        .call(<syn::Ident as syn::ext::IdentExt>::parse_any)
        .map_err(|e| syn::Error::new(e.span(), HELP))?;
    if word != "custom" {
        return Err(syn::Error::new(word.span(), HELP));
    }
    let content;
    parenthesized!(content in input);
    let path: syn::Path = content.parse()?;
    let value = Spanned {
        value: "custom".to_owned(),
        span: word.span(),
    };
    Ok((value, path))
}

fn string_value(meta: &syn::meta::ParseNestedMeta) -> syn::Result<Spanned<String>> {
    string_literal(meta.value()?)
}

/// A string literal with its span.
fn string_literal(input: syn::parse::ParseStream<'_>) -> syn::Result<Spanned<String>> {
    let lit: LitStr = input.parse()?;
    Ok(Spanned {
        value: lit.value(),
        span: lit.span(),
    })
}

/// A literal as its wire text: `"1"` and `1` both become `1`.
fn literal_text(lit: &Lit) -> syn::Result<String> {
    match lit {
        Lit::Str(s) => Ok(s.value()),
        Lit::Int(i) => Ok(i.base10_digits().to_owned()),
        other => Err(syn::Error::new(
            other.span(),
            "expected a string or integer literal, such as \"1\" or 1",
        )),
    }
}

/// The whole doc comment on one line (a schema table's cell holds one): lines joined by
/// spaces, paragraphs by ` — `. Cutting at the first line left descriptions mid-sentence.
pub fn doc_text(attrs: &[syn::Attribute]) -> String {
    let mut paragraphs: Vec<String> = vec![String::new()];
    for attr in attrs.iter().filter(|a| a.path().is_ident("doc")) {
        if let syn::Meta::NameValue(nv) = &attr.meta {
            if let Expr::Lit(syn::ExprLit {
                lit: Lit::Str(s), ..
            }) = &nv.value
            {
                let text = s.value();
                // An empty `///` line is an attribute with no lines at all.
                let lines: Vec<&str> = match text.trim() {
                    "" => vec![""],
                    _ => text.lines().map(str::trim).collect(),
                };
                for line in lines {
                    let current = paragraphs.last_mut().expect("never empty");
                    match (line.is_empty(), current.is_empty()) {
                        (true, true) => {}
                        (true, false) => paragraphs.push(String::new()),
                        (false, true) => current.push_str(line),
                        (false, false) => {
                            current.push(' ');
                            current.push_str(line);
                        }
                    }
                }
            }
        }
    }
    paragraphs.retain(|p| !p.is_empty());
    paragraphs.join(" — ")
}

pub fn parse_container(cx: &mut Ctxt, attrs: &[syn::Attribute]) -> ContainerAttrs {
    let mut out = ContainerAttrs {
        doc: doc_text(attrs),
        ..ContainerAttrs::default()
    };
    for attr in attrs.iter().filter(|a| a.path().is_ident("pay")) {
        let result = attr.parse_nested_meta(|meta| {
            let span = meta.path.span();
            let written = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
            let Some(key) = ContainerKey::from_name(&written) else {
                let hint = if field_keys().contains(&written.as_str()) {
                    format!("; `{written}` goes on a field, not on the struct")
                } else {
                    did_you_mean(&written, &ContainerKey::names())
                };
                cx.error(span, format!("unknown pay attribute `{written}`{hint}"));
                return skip_value(&meta);
            };
            let name = key.name();
            match key {
                // format = "json" | "xml" | "form"
                ContainerKey::Format => {
                    let v = string_value(&meta)?;
                    set_once(cx, &mut out.format, v, span, name, |f| f.span);
                }
                // sign = "md5-sorted" | "hmac-sha256-sorted" | "md5-concat" | "none"
                //      | "rsa-sha256-sorted" | custom(Type)
                ContainerKey::Sign => {
                    let input = meta.value()?;
                    if input.peek(LitStr) {
                        let v = string_literal(input)?;
                        set_once(cx, &mut out.sign, v, span, name, |f| f.span);
                    } else {
                        let (v, path) = custom_scheme(input).inspect_err(|_| {
                            out.sign_unparsed = true;
                        })?;
                        if out.sign.is_none() {
                            out.sign_custom = Some(path);
                        }
                        set_once(cx, &mut out.sign, v, span, name, |f| f.span);
                    }
                }
                // sign_key = "key"
                ContainerKey::SignKey => {
                    let v = string_value(&meta)?;
                    set_once(cx, &mut out.sign_key, v, span, name, |f| f.span);
                }
                // sign_case = "upper" | "lower"
                ContainerKey::SignCase => {
                    let v = string_value(&meta)?;
                    set_once(cx, &mut out.sign_case, v, span, name, |f| f.span);
                }
                // sign_field = "sign"
                ContainerKey::SignField => {
                    let v = string_value(&meta)?;
                    set_once(cx, &mut out.sign_field, v, span, name, |f| f.span);
                }
                // sign_empty = "skip" | "keep"
                ContainerKey::SignEmpty => {
                    let v = string_value(&meta)?;
                    set_once(cx, &mut out.sign_empty, v, span, name, |f| f.span);
                }
                // constant(service = "pay.weixin.wap", pay_method = 200)
                ContainerKey::Constant => {
                    let content;
                    parenthesized!(content in meta.input);
                    let pairs = Punctuated::<syn::MetaNameValue, Token![,]>::parse_terminated(&content)?;
                    for pair in pairs {
                        let Some(name) = pair.path.get_ident().cloned() else {
                            cx.error(pair.path.span(), "a constant's name is a plain wire name, such as `service`");
                            continue;
                        };
                        match pair.value {
                            Expr::Lit(syn::ExprLit { lit: lit @ (Lit::Str(_) | Lit::Int(_)), .. }) => {
                                out.constants.push(ConstantAttr { name, value: lit });
                            }
                            other => cx.error(
                                other.span(),
                                "a constant's value is a string or integer literal, such as \"pay.weixin.wap\" or 200",
                            ),
                        }
                    }
                }
                // crate = "::my_reexport::paywire"
                ContainerKey::Crate => {
                    let lit: LitStr = meta.value()?.parse()?;
                    let path = lit.parse::<syn::Path>()?;
                    let v = Spanned { value: path, span: lit.span() };
                    set_once(cx, &mut out.crate_path, v, span, name, |f| f.span);
                }
                // signed_if(status = "0")
                ContainerKey::SignedIf => {
                    let content;
                    parenthesized!(content in meta.input);
                    let field: Ident = content.parse()?;
                    content.parse::<Token![=]>()?;
                    let lit: Lit = content.parse()?;
                    let value = Spanned {
                        value: literal_text(&lit)?,
                        span: lit.span(),
                    };
                    let v = RequiredIfAttr {
                        key: span,
                        field,
                        value,
                    };
                    set_once(cx, &mut out.signed_if, v, span, name, |f| f.key);
                }
                // validate_with = path::to::check  (fn(&Self, &Path, &mut SchemaErrors))
                ContainerKey::ValidateWith => {
                    let path: syn::Path = meta.value()?.parse()?;
                    let v = Spanned { span: path.span(), value: path };
                    set_once(cx, &mut out.validate_with, v, span, name, |f| f.span);
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn(e);
        }
    }
    out
}

pub fn parse_field(cx: &mut Ctxt, attrs: &[syn::Attribute]) -> FieldAttrs {
    let mut out = FieldAttrs {
        doc: doc_text(attrs),
        ..FieldAttrs::default()
    };
    for attr in attrs.iter().filter(|a| a.path().is_ident("pay")) {
        let result = attr.parse_nested_meta(|meta| {
            let span = meta.path.span();
            let written = meta
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            let Some(key) = FieldKey::from_name(&written) else {
                // rfc3339 | compact_time | datetime | ip | url | https_url | alphanumeric | trade_no | utf8mb3
                if let Some(format) = TextFormat::from_name(&written) {
                    if let Some(first) = out.formats.iter().find(|f| f.value == format) {
                        cx.duplicate(
                            span,
                            format!("duplicate pay attribute `{written}`"),
                            first.span,
                        );
                    } else {
                        out.formats.push(Spanned {
                            value: format,
                            span,
                        });
                    }
                    return Ok(());
                }
                let hint = if ContainerKey::from_name(&written).is_some() {
                    format!("; `{written}` goes on the struct, not on a field")
                } else {
                    did_you_mean(&written, &field_keys())
                };
                cx.error(span, format!("unknown pay attribute `{written}`{hint}"));
                return skip_value(&meta);
            };
            let name = key.name();
            match key {
                // len = 1..=32 | ..=32 | 18.. | 14     (UTF-8 bytes)
                // chars = 1..=127                       (Unicode scalar values)
                // range = 1..=999_999_999               (integers)
                FieldKey::Len | FieldKey::Chars | FieldKey::Range => {
                    let v = range_value(&meta, span)?;
                    let slot = match key {
                        FieldKey::Len => &mut out.len,
                        FieldKey::Chars => &mut out.chars,
                        _ => &mut out.range,
                    };
                    set_once(cx, slot, v, span, name, |f| f.key);
                }
                // one_of("0", "100", "200")
                FieldKey::OneOf => {
                    let content;
                    parenthesized!(content in meta.input);
                    let mut values = Vec::new();
                    while !content.is_empty() {
                        if content.peek(Ident) {
                            // `one_of(JSAPI)`: a bare word is not a value; say how to write it.
                            let word: Ident = content.parse()?;
                            cx.error(
                                word.span(),
                                format!(
                                    "`{word}` is not a value: quote it, as in `one_of(\"{word}\")`"
                                ),
                            );
                            // Kept as the value it was meant to be, so no second error follows.
                            values.push(Spanned {
                                value: word.to_string(),
                                span: word.span(),
                            });
                        } else {
                            let lit: Lit = content.parse()?;
                            match literal_text(&lit) {
                                Ok(text) => values.push(Spanned {
                                    value: text,
                                    span: lit.span(),
                                }),
                                Err(e) => cx.syn(e),
                            }
                        }
                        if content.is_empty() {
                            break;
                        }
                        content.parse::<Token![,]>()?;
                    }
                    let v = Spanned {
                        value: values,
                        span,
                    };
                    set_once(cx, &mut out.one_of, v, span, name, |f| f.span);
                }
                // required_if(pay_type = "1")
                FieldKey::RequiredIf => {
                    let content;
                    parenthesized!(content in meta.input);
                    let field: Ident = content.parse()?;
                    content.parse::<Token![=]>()?;
                    let lit: Lit = content.parse()?;
                    let value = Spanned {
                        value: literal_text(&lit)?,
                        span: lit.span(),
                    };
                    out.required_if.push(RequiredIfAttr {
                        key: span,
                        field,
                        value,
                    });
                }
                // rename = "subOpenId"
                FieldKey::Rename => {
                    let v = string_value(&meta)?;
                    set_once(cx, &mut out.rename, v, span, name, |f| f.span);
                }
                // sign = 1   (md5-concat position)
                FieldKey::Sign => {
                    let lit: syn::LitInt = meta.value()?.parse()?;
                    let v = Spanned {
                        value: lit.base10_parse::<u32>()?,
                        span: lit.span(),
                    };
                    set_once(cx, &mut out.sign_position, v, span, name, |f| f.span);
                }
                // no_sign
                FieldKey::NoSign => set_once(cx, &mut out.no_sign, span, span, name, |s| *s),
                // path   (a URL path parameter: not in the body, not signed)
                FieldKey::Path => set_once(cx, &mut out.path, span, span, name, |s| *s),
                // group = "direct"
                FieldKey::Group => {
                    let v = string_value(&meta)?;
                    set_once(cx, &mut out.group, v, span, name, |f| f.span);
                }
                // optional   (with `group`: not required when the group is in use)
                FieldKey::Optional => set_once(cx, &mut out.optional, span, span, name, |s| *s),
                // indexed(count = "refund_count")
                FieldKey::Indexed => {
                    if meta.input.peek(Token![=]) || meta.input.is_empty() || meta.input.peek(Token![,]) {
                        cx.error(span, "write `indexed(count = \"refund_count\")`, naming the member that counts the items");
                        return skip_value(&meta);
                    }
                    let content;
                    parenthesized!(content in meta.input);
                    let word: Ident = content.parse()?;
                    if word != "count" {
                        cx.error(
                            word.span(),
                            format!("`indexed` takes `count = \"...\"`, not `{word}`: name the member that counts the items"),
                        );
                        content.parse::<proc_macro2::TokenStream>()?;
                        return Ok(());
                    }
                    content.parse::<Token![=]>()?;
                    let count = string_literal(&content)?;
                    if !content.is_empty() {
                        return Err(content.error("`indexed` takes one `count = \"...\"`"));
                    }
                    let v = IndexedAttr { key: span, count };
                    set_once(cx, &mut out.indexed, v, span, name, |f| f.key);
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn(e);
        }
    }
    out
}

/// The `crate = "..."` path of a container's `#[pay(...)]`, read leniently (any other
/// mistake in the attribute is ignored): the fallback impls after an error need it, so
/// a crate that re-exports paywire sees only the one error.
pub fn lenient_crate_path(attrs: &[syn::Attribute]) -> Option<syn::Path> {
    use proc_macro2::TokenTree;
    for attr in attrs.iter().filter(|a| a.path().is_ident("pay")) {
        let Ok(list) = attr.meta.require_list() else {
            continue;
        };
        let tokens: Vec<TokenTree> = list.tokens.clone().into_iter().collect();
        for window in tokens.windows(3) {
            if let [TokenTree::Ident(key), TokenTree::Punct(eq), TokenTree::Literal(lit)] = window {
                if key == ContainerKey::Crate.name() && eq.as_char() == '=' {
                    let lit: LitStr = syn::parse2(TokenTree::Literal(lit.clone()).into()).ok()?;
                    return lit.parse().ok();
                }
            }
        }
    }
    None
}
