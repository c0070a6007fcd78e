//! Stage 2: the normalised model. Ranges of every spelling become one bounds type,
//! string options become enums, and each item keeps the span its errors point at.
//! Emit code reads only this model, never `syn::Attribute`.

use crate::ctxt::{did_you_mean, Ctxt};
use crate::syntax::{
    self, ConstantAttr, FieldAttrs, RangeAttr, RangeSyntax, RequiredIfAttr, Spanned,
};
use crate::text_format::TextFormat;
use proc_macro2::Span;
use syn::spanned::Spanned as _;
use syn::{Ident, Lit, Type};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Derive {
    Request,
    Response,
    Object,
}

impl Derive {
    pub fn name(self) -> &'static str {
        match self {
            Derive::Request => "PayRequest",
            Derive::Response => "PayResponse",
            Derive::Object => "PayObject",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
    Form,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    None,
    Md5Sorted,
    HmacSha256Sorted,
    Md5Concat,
    RsaSha256Sorted,
    /// `custom(Type)`; the type is `Container::custom_scheme`.
    Custom,
}

impl Scheme {
    /// Every signed member as sorted `k=v`.
    pub fn is_sorted(self) -> bool {
        matches!(
            self,
            Scheme::Md5Sorted | Scheme::HmacSha256Sorted | Scheme::RsaSha256Sorted | Scheme::Custom
        )
    }

    /// A `&key=SECRET` suffix (what `sign_key` names).
    pub fn has_key_suffix(self) -> bool {
        matches!(self, Scheme::Md5Sorted | Scheme::HmacSha256Sorted)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Case {
    Upper,
    Lower,
}

pub enum ConstValue {
    Str(String),
    Int(i64),
}

pub struct Constant {
    pub wire: String,
    pub span: Span,
    pub value: ConstValue,
}

/// Inclusive bounds; `None` is "no bound on this side".
#[derive(Clone, Copy)]
pub struct Bounds {
    pub min: Option<i128>,
    pub max: Option<i128>,
}

pub struct RangeRule {
    pub bounds: Bounds,
    /// The key (`len`), where type mismatches are reported.
    pub key: Span,
    /// The range expression's first and last tokens, where bound problems are reported.
    pub expr: (Span, Span),
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Location {
    Body,
    Path,
}

pub struct Group {
    pub name: String,
    pub required: bool,
    pub span: Span,
}

/// `indexed(count = "...")`: the field is a family of `name_$n` members of a flat body.
pub struct Indexed {
    /// The key, where misuse is reported.
    pub key: Span,
    /// Wire name of the member that counts the items, with its literal's span.
    pub count: Spanned<String>,
    /// `T` of the field's `Vec<T>`.
    pub item: Type,
}

pub struct Field {
    pub ident: Ident,
    pub ty: Type,
    pub wire: Spanned<String>,
    pub doc: String,
    pub len: Option<RangeRule>,
    pub chars: Option<RangeRule>,
    pub range: Option<RangeRule>,
    pub one_of: Vec<String>,
    /// Where `one_of` is written, when it is.
    pub one_of_span: Option<Span>,
    pub formats: Vec<Spanned<TextFormat>>,
    /// `required_if(other = "value")` as written; `check` resolves `other` to a field.
    pub required_if: Vec<RequiredIfAttr>,
    pub group: Option<Group>,
    pub location: Location,
    pub no_sign: Option<Span>,
    pub sign_position: Option<Spanned<u32>>,
    pub indexed: Option<Indexed>,
}

impl Field {
    pub fn signed(&self, scheme: Scheme) -> bool {
        if scheme == Scheme::Md5Concat {
            self.sign_position.is_some()
        } else {
            scheme.is_sorted() && self.location == Location::Body && self.no_sign.is_none()
        }
    }
}

pub struct Container {
    pub ident: Ident,
    pub derive: Derive,
    pub crate_path: syn::Path,
    pub doc: String,
    pub format: Option<Format>,
    pub scheme: Scheme,
    /// False after an unknown `sign`, already reported: checks that depend on the
    /// scheme are skipped rather than run against a stand-in.
    pub scheme_known: bool,
    pub scheme_span: Span,
    /// The type of `sign = custom(Type)`.
    pub custom_scheme: Option<syn::Path>,
    pub key_name: String,
    pub case: Case,
    /// `sign_empty = "keep"`: sorted schemes sign members whose value is empty.
    pub keep_empty: bool,
    pub sign_field: Spanned<String>,
    pub sign_field_explicit: bool,
    pub constants: Vec<Constant>,
    pub fields: Vec<Field>,
    pub validate_with: Option<syn::Path>,
    /// `signed_if(member = "value")` as written; `check` resolves `member` to a field.
    pub signed_if: Option<syntax::RequiredIfAttr>,
}

impl Container {
    /// The fields that travel in the body (not `#[pay(path)]`), in declaration order.
    pub fn body_fields(&self) -> impl Iterator<Item = &Field> {
        self.fields.iter().filter(|f| f.location == Location::Body)
    }
}

/// What people call SHA256withRSA, answered with the scheme's name.
const RSA_ALIASES: &[&str] = &["rsa", "rsa2", "rsa_1_256", "sha256withrsa", "rsa-sha256"];

const RANGE_HELP: &str =
    "expected a range such as `1..=32`, `..=32`, `18..` or a single number such as `14`";

/// `1..=32`, `..=32`, `18..`, `1..33` and `14` all become inclusive [`Bounds`].
fn parse_bounds(cx: &mut Ctxt, attr: &RangeAttr, key: &str, lengths: bool) -> Option<RangeRule> {
    let span = attr.span;
    let bounds = match attr.value {
        RangeSyntax::Exact(v) => Bounds {
            min: Some(v),
            max: Some(v),
        },
        RangeSyntax::Range {
            start: None,
            end: None,
            ..
        } => {
            cx.error(span, format!("`{key} = ..` sets no limit; {RANGE_HELP}"));
            return None;
        }
        RangeSyntax::Range {
            start,
            end,
            inclusive,
        } => Bounds {
            min: start,
            max: end.map(|e| if inclusive { e } else { e - 1 }),
        },
        RangeSyntax::Invalid => {
            cx.error(span, format!("`{key}`: {RANGE_HELP}"));
            return None;
        }
    };
    if lengths && bounds.min.unwrap_or(0) < 0 {
        cx.error(
            span,
            format!("a length cannot be negative; `{key}` counts from 0"),
        );
        return None;
    }
    if let (Some(min), Some(max)) = (bounds.min, bounds.max) {
        if min > max {
            let fix = if max + 1 == min {
                format!("`{min}..={min}`")
            } else {
                format!("`{max}..={min}`")
            };
            cx.error(span, format!("empty range: no value is at least {min} and at most {max}; did you mean {fix}?"));
            return None;
        }
    }
    Some(RangeRule {
        bounds,
        key: attr.key,
        expr: (span, attr.end),
    })
}

fn parse_choice<T: Copy>(
    cx: &mut Ctxt,
    v: &Spanned<String>,
    key: &str,
    options: &[(&str, T)],
) -> Option<T> {
    if let Some((_, t)) = options.iter().find(|(name, _)| *name == v.value) {
        return Some(*t);
    }
    let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
    let expected = names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ");
    cx.error(
        v.span,
        format!(
            "unknown {key} \"{}\"; expected one of {expected}{}",
            v.value,
            did_you_mean(&v.value, &names)
        ),
    );
    None
}

fn build_field(cx: &mut Ctxt, field: &syn::Field, attrs: FieldAttrs) -> Field {
    let ident = field.ident.clone().expect("named fields");
    if let Some(float) = float_in(&field.ty) {
        // Reported here, once, rather than as every use of the type failing its trait.
        cx.error(
            float.span(),
            format!("`{float}` cannot be a paywire field: money is never a float; use `paywire::Fen` (integer fen) or `paywire::Yuan` (fen written as yuan, \"50.00\"), and an integer type for other numbers"),
        );
    }
    let wire = match &attrs.rename {
        Some(r) if r.value.is_empty() => {
            cx.error(
                r.span,
                "a wire name cannot be empty; write the name the gateway documents",
            );
            Spanned {
                value: ident.to_string(),
                span: r.span,
            }
        }
        Some(r) => r.clone(),
        None => Spanned {
            value: ident.unraw().to_string(),
            span: ident.span(),
        },
    };
    let len = attrs
        .len
        .as_ref()
        .and_then(|a| parse_bounds(cx, a, "len", true));
    let chars = attrs
        .chars
        .as_ref()
        .and_then(|a| parse_bounds(cx, a, "chars", true));
    if let (Some(l), Some(c)) = (&attrs.len, &attrs.chars) {
        cx.duplicate(
            c.key,
            "`len` and `chars` on one field: a limit counts either UTF-8 bytes (`len`) or characters (`chars`); keep the one the gateway documents",
            l.key,
        );
    }
    let range = attrs
        .range
        .as_ref()
        .and_then(|a| parse_bounds(cx, a, "range", false));
    let one_of = match &attrs.one_of {
        Some(list) if list.value.is_empty() => {
            cx.error(
                list.span,
                "`one_of` needs at least one allowed value, such as `one_of(\"1\", \"2\")`",
            );
            Vec::new()
        }
        Some(list) => list.value.iter().map(|v| v.value.clone()).collect(),
        None => Vec::new(),
    };
    let formats = attrs.formats.clone();
    let group = attrs.group.as_ref().map(|g| Group {
        name: g.value.clone(),
        required: attrs.optional.is_none(),
        span: g.span,
    });
    if let (Some(span), None) = (attrs.optional, &attrs.group) {
        cx.error(span, "`optional` only applies together with `group`; an `Option<_>` field is already optional");
    }
    if let (Some(no_sign), Some(pos)) = (attrs.no_sign, &attrs.sign_position) {
        cx.duplicate(
            no_sign,
            "`no_sign` contradicts `sign = N`: keep one of them",
            pos.span,
        );
    }
    if let (Some(path), Some(pos)) = (attrs.path, &attrs.sign_position) {
        cx.duplicate(
            pos.span,
            "a `path` parameter is not signed; remove `sign = N`",
            path,
        );
    }
    let indexed = attrs
        .indexed
        .as_ref()
        .and_then(|attr| build_indexed(cx, &field.ty, attr, &attrs));
    Field {
        ident,
        ty: field.ty.clone(),
        wire,
        doc: attrs.doc,
        len,
        chars,
        range,
        one_of,
        one_of_span: attrs.one_of.as_ref().map(|list| list.span),
        formats,
        required_if: attrs.required_if,
        group,
        location: if attrs.path.is_some() {
            Location::Path
        } else {
            Location::Body
        },
        no_sign: attrs.no_sign,
        sign_position: attrs.sign_position,
        indexed,
    }
}

/// `T` of a `Vec<T>` written as such.
fn vec_item(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match (last.ident == "Vec", args.args.first(), args.args.len()) {
        (true, Some(syn::GenericArgument::Type(item)), 1) => Some(item),
        _ => None,
    }
}

/// An indexed family: a `Vec` of items, and no rule of its own (the items' members carry
/// them).
fn build_indexed(
    cx: &mut Ctxt,
    ty: &Type,
    attr: &syntax::IndexedAttr,
    attrs: &FieldAttrs,
) -> Option<Indexed> {
    let rules = [
        attrs.len.as_ref().map(|r| ("len", r.key)),
        attrs.chars.as_ref().map(|r| ("chars", r.key)),
        attrs.range.as_ref().map(|r| ("range", r.key)),
        attrs.one_of.as_ref().map(|r| ("one_of", r.span)),
        attrs.group.as_ref().map(|g| ("group", g.span)),
        attrs.path.map(|s| ("path", s)),
        attrs.no_sign.map(|s| ("no_sign", s)),
        attrs.sign_position.as_ref().map(|p| ("sign", p.span)),
    ];
    let formats = attrs.formats.iter().map(|f| Some((f.value.name(), f.span)));
    let required_if = attrs
        .required_if
        .iter()
        .map(|r| Some(("required_if", r.key)));
    for (key, span) in rules
        .into_iter()
        .chain(formats)
        .chain(required_if)
        .flatten()
    {
        cx.duplicate(
            span,
            format!("`{key}` does not apply to an indexed family: declare it on the item's member, which carries the value"),
            attr.key,
        );
    }
    if attr.count.value.is_empty() {
        cx.error(
            attr.count.span,
            "name the member that counts the items, such as `count = \"refund_count\"`",
        );
        return None;
    }
    let Some(item) = vec_item(ty) else {
        cx.error(
            ty.span(),
            "an indexed family is a `Vec<Item>`, where `Item` derives PayObject and declares its members without the `_$n` suffix",
        );
        return None;
    };
    Some(Indexed {
        key: attr.key,
        count: attr.count.clone(),
        item: item.clone(),
    })
}

fn build_constant(cx: &mut Ctxt, c: &ConstantAttr) -> Option<Constant> {
    let value = match &c.value {
        Lit::Str(s) => ConstValue::Str(s.value()),
        Lit::Int(i) => match i.base10_parse::<i64>() {
            Ok(v) => ConstValue::Int(v),
            Err(e) => {
                cx.syn(e);
                return None;
            }
        },
        _ => return None,
    };
    Some(Constant {
        wire: c.name.unraw().to_string(),
        span: c.name.span(),
        value,
    })
}

/// Builds the model; per-item problems go to `cx`, cross-field ones are `check`ed next.
pub fn build(cx: &mut Ctxt, input: &syn::DeriveInput, derive: Derive) -> Option<Container> {
    let named = named_fields(cx, input, derive)?;
    let attrs = syntax::parse_container(cx, &input.attrs);
    if derive == Derive::Object {
        refuse_request_keys(cx, &attrs);
    }
    let format = resolve_format(cx, &attrs, input, derive);
    let (scheme, sign_known) = resolve_scheme(cx, &attrs, input, derive);
    let scheme_span = attrs.sign.as_ref().map_or(input.ident.span(), |s| s.span);
    if sign_known && derive != Derive::Object {
        refuse_options_the_scheme_ignores(cx, &attrs, scheme);
    }
    let keep_empty = resolve_keep_empty(cx, &attrs, scheme, sign_known && derive != Derive::Object);
    let signed_if = if sign_known {
        resolve_signed_if(cx, &attrs, derive, scheme)
    } else {
        None
    };
    let case = resolve_case(cx, &attrs, scheme);
    let sign_field = attrs.sign_field.clone().unwrap_or(Spanned {
        value: "sign".into(),
        span: input.ident.span(),
    });
    let constants = attrs
        .constants
        .iter()
        .filter_map(|c| build_constant(cx, c))
        .collect();
    let fields = named
        .named
        .iter()
        .map(|f| {
            let field_attrs = syntax::parse_field(cx, &f.attrs);
            build_field(cx, f, field_attrs)
        })
        .collect();
    let crate_path = attrs
        .crate_path
        .map_or_else(|| syn::parse_quote!(::paywire), |p| p.value);
    Some(Container {
        ident: input.ident.clone(),
        derive,
        crate_path,
        doc: attrs.doc,
        format,
        scheme,
        scheme_known: sign_known,
        scheme_span,
        custom_scheme: attrs.sign_custom,
        key_name: attrs.sign_key.map_or_else(|| "key".to_owned(), |k| k.value),
        case,
        keep_empty,
        sign_field_explicit: attrs.sign_field.is_some(),
        sign_field,
        constants,
        fields,
        validate_with: attrs.validate_with.map(|v| v.value),
        signed_if,
    })
}

/// `signed_if` on a response whose scheme signs: an unsigned failure answer beside signed
/// ones. A request is always signed (paywire signs it), a `sign = "none"` message never.
fn resolve_signed_if(
    cx: &mut Ctxt,
    attrs: &syntax::ContainerAttrs,
    derive: Derive,
    scheme: Scheme,
) -> Option<syntax::RequiredIfAttr> {
    let declared = attrs.signed_if.as_ref()?;
    let refused = match derive {
        Derive::Request => Some("`signed_if` declares the gateway's unsigned failure answers; it goes on a `#[derive(PayResponse)]` struct (a request is always signed)"),
        Derive::Object => Some("`signed_if` goes on a `#[derive(PayResponse)]` struct; a PayObject travels inside its parent's body"),
        Derive::Response if scheme == Scheme::None => Some("`signed_if` has no effect under `sign = \"none\"`: nothing of this message is signed; remove it"),
        Derive::Response => None,
    };
    match refused {
        Some(message) => {
            cx.error(declared.key, message);
            None
        }
        None => Some(syntax::RequiredIfAttr {
            key: declared.key,
            field: declared.field.clone(),
            value: declared.value.clone(),
        }),
    }
}

/// The struct's named fields; an error at the offending token for any other shape.
fn named_fields<'a>(
    cx: &mut Ctxt,
    input: &'a syn::DeriveInput,
    derive: Derive,
) -> Option<&'a syn::FieldsNamed> {
    let named = match &input.data {
        syn::Data::Struct(syn::DataStruct {
            fields: syn::Fields::Named(named),
            ..
        }) => named,
        syn::Data::Struct(_) => {
            cx.error(
                input.ident.span(),
                format!("{} needs a struct with named fields: each field is a row of the gateway's table", derive.name()),
            );
            return None;
        }
        syn::Data::Enum(e) => {
            cx.error(
                e.enum_token.span,
                format!("{} cannot be derived for an enum; declare a struct with one field per parameter", derive.name()),
            );
            return None;
        }
        syn::Data::Union(u) => {
            cx.error(
                u.union_token.span,
                format!("{} cannot be derived for a union", derive.name()),
            );
            return None;
        }
    };
    if let Some(param) = input.generics.params.first() {
        cx.error(
            param.span(),
            format!(
                "{} does not support generic structs; a gateway table has concrete types",
                derive.name()
            ),
        );
        return None;
    }
    Some(named)
}

/// `#[derive(PayObject)]` refuses the keys of a whole message (format, signature,
/// constants): an object travels inside its parent's body.
fn refuse_request_keys(cx: &mut Ctxt, attrs: &syntax::ContainerAttrs) {
    let request_only = [
        ("format", attrs.format.as_ref().map(|v| v.span)),
        ("sign", attrs.sign.as_ref().map(|v| v.span)),
        ("sign_key", attrs.sign_key.as_ref().map(|v| v.span)),
        ("sign_case", attrs.sign_case.as_ref().map(|v| v.span)),
        ("sign_field", attrs.sign_field.as_ref().map(|v| v.span)),
        ("sign_empty", attrs.sign_empty.as_ref().map(|v| v.span)),
        ("constant", attrs.constants.first().map(|c| c.name.span())),
    ];
    for (key, span) in request_only {
        if let Some(span) = span {
            cx.error(
                span,
                format!("`{key}` belongs on a `#[derive(PayRequest)]` or `#[derive(PayResponse)]` struct; a PayObject travels inside its parent's body"),
            );
        }
    }
}

/// The body format, required on requests and responses.
fn resolve_format(
    cx: &mut Ctxt,
    attrs: &syntax::ContainerAttrs,
    input: &syn::DeriveInput,
    derive: Derive,
) -> Option<Format> {
    match (&attrs.format, derive) {
        (Some(f), _) => parse_choice(
            cx,
            f,
            "format",
            &[
                ("json", Format::Json),
                ("xml", Format::Xml),
                ("form", Format::Form),
            ],
        ),
        (None, Derive::Request | Derive::Response) => {
            cx.error(
                input.ident.span(),
                "missing `#[pay(format = \"...\")]`: write \"json\", \"xml\" or \"form\"",
            );
            None
        }
        (None, Derive::Object) => None,
    }
}

/// The sign scheme, and whether it is known: an unknown `sign` is reported once, and the
/// checks that depend on the scheme wait for a known one, so a typo does not also draw a
/// second, wrong error.
fn resolve_scheme(
    cx: &mut Ctxt,
    attrs: &syntax::ContainerAttrs,
    input: &syn::DeriveInput,
    derive: Derive,
) -> (Scheme, bool) {
    let mut sign_known = true;
    let scheme = match (&attrs.sign, derive) {
        (Some(s), _) if attrs.sign_custom.is_some() && s.value == "custom" => Scheme::Custom,
        (Some(s), _) if RSA_ALIASES.contains(&s.value.to_ascii_lowercase().as_str()) => {
            cx.error(
                s.span,
                format!("unknown sign \"{}\"; SHA256withRSA over the sorted members is `sign = \"rsa-sha256-sorted\"`", s.value),
            );
            sign_known = false;
            Scheme::None
        }
        (Some(s), _) => parse_choice(
            cx,
            s,
            "sign",
            &[
                ("md5-sorted", Scheme::Md5Sorted),
                ("hmac-sha256-sorted", Scheme::HmacSha256Sorted),
                ("md5-concat", Scheme::Md5Concat),
                ("rsa-sha256-sorted", Scheme::RsaSha256Sorted),
                ("none", Scheme::None),
            ],
        )
        .unwrap_or_else(|| {
            sign_known = false;
            Scheme::None
        }),
        (None, Derive::Request | Derive::Response) if attrs.sign_unparsed => {
            sign_known = false;
            Scheme::None
        }
        (None, Derive::Request | Derive::Response) => {
            cx.error(
                input.ident.span(),
                "missing `#[pay(sign = \"...\")]`: write \"md5-sorted\", \"hmac-sha256-sorted\", \"md5-concat\", \"rsa-sha256-sorted\", \"none\" or custom(Type)",
            );
            sign_known = false;
            Scheme::None
        }
        (None, Derive::Object) => Scheme::None,
    };
    (scheme, sign_known)
}

/// `sign_key`, `sign_case` and `sign_field` where the scheme has no use for them.
fn refuse_options_the_scheme_ignores(
    cx: &mut Ctxt,
    attrs: &syntax::ContainerAttrs,
    scheme: Scheme,
) {
    if let Some(k) = &attrs.sign_key {
        if !scheme.has_key_suffix() {
            let why = match scheme {
                Scheme::RsaSha256Sorted => {
                    "; rsa-sha256-sorted signs with the private key and appends nothing: remove it"
                }
                Scheme::Custom => "; a custom scheme appends its key itself: remove it",
                _ => "; remove it for this `sign`",
            };
            cx.error(k.span, format!("`sign_key` names the `&key=SECRET` suffix of md5-sorted and hmac-sha256-sorted{why}"));
        }
    }
    if let Some(c) = &attrs.sign_case {
        if matches!(scheme, Scheme::RsaSha256Sorted | Scheme::Custom) {
            cx.error(c.span, "`sign_case` sets the hex case of a digest; this scheme's signature is not hex: remove it");
        }
    }
    if scheme == Scheme::None {
        for (key, span) in [
            ("sign_case", attrs.sign_case.as_ref().map(|v| v.span)),
            ("sign_field", attrs.sign_field.as_ref().map(|v| v.span)),
        ] {
            if let Some(span) = span {
                cx.error(
                    span,
                    format!("`{key}` has no effect under `sign = \"none\"`; remove it"),
                );
            }
        }
    }
}

/// `sign_empty = "keep"`: whether a sorted scheme signs an empty member; refused (when
/// `checked`) for schemes that are not sorted.
fn resolve_keep_empty(
    cx: &mut Ctxt,
    attrs: &syntax::ContainerAttrs,
    scheme: Scheme,
    checked: bool,
) -> bool {
    attrs.sign_empty.as_ref().is_some_and(|e| {
        let keep = parse_choice(cx, e, "sign_empty", &[("skip", false), ("keep", true)]);
        if keep.is_some() && checked && !scheme.is_sorted() {
            let why = match scheme {
                Scheme::Md5Concat => "md5-concat joins the values of its `sign = N` fields, where an empty one adds nothing",
                _ => "this request is not signed",
            };
            cx.error(
                e.span,
                format!("`sign_empty` decides whether a sorted scheme signs an empty member as `name=`; {why}: remove it"),
            );
        }
        keep.unwrap_or(false)
    })
}

/// The hex case of a digest: `sign_case`, or the scheme's default (lower for
/// md5-concat, upper otherwise).
fn resolve_case(cx: &mut Ctxt, attrs: &syntax::ContainerAttrs, scheme: Scheme) -> Case {
    let default_case = if scheme == Scheme::Md5Concat {
        Case::Lower
    } else {
        Case::Upper
    };
    attrs
        .sign_case
        .as_ref()
        .and_then(|c| {
            parse_choice(
                cx,
                c,
                "sign_case",
                &[("upper", Case::Upper), ("lower", Case::Lower)],
            )
        })
        .unwrap_or(default_case)
}

use syn::ext::IdentExt as _;

/// The type inside any of `wrappers` (`Option<T>`, `Vec<T>`, ...), as often as they nest,
/// and its last path segment: `Option<Vec<f64>>` with both gives `f64`.
pub(crate) fn innermost<'a>(
    mut ty: &'a syn::Type,
    wrappers: &[&str],
) -> Option<&'a syn::PathSegment> {
    loop {
        let syn::Type::Path(path) = ty else {
            return None;
        };
        let last = path.path.segments.last()?;
        let inner = match &last.arguments {
            syn::PathArguments::AngleBracketed(args)
                if wrappers.iter().any(|w| last.ident == w) =>
            {
                args.args.first()
            }
            _ => return Some(last),
        };
        match inner? {
            syn::GenericArgument::Type(inner) => ty = inner,
            _ => return None,
        }
    }
}

/// The `f32` / `f64` in a field type, directly or inside `Option<_>` / `Vec<_>`.
fn float_in(ty: &syn::Type) -> Option<&Ident> {
    let last = innermost(ty, &["Option", "Vec"])?;
    (last.ident == "f32" || last.ident == "f64").then_some(&last.ident)
}
