//! Stage 3: checks that look across fields, and what they derive: `required_if` targets
//! become field indices, groups are collected, and the canonical sign order is computed
//! here, at compile time. The result is a [`Checked`] model, which is all `emit` reads.

use crate::ctxt::{did_you_mean, Ctxt};
use crate::model::{Container, Derive, Format, Scheme};
use proc_macro2::Span;
use std::collections::BTreeMap;

/// A `required_if` resolved: the field it depends on and the value that demands it.
pub struct Condition {
    /// Index of the other field in `Container::fields`.
    pub field: usize,
    /// The other field's wire value that makes this one required.
    pub value: String,
    /// Where the attribute names the other field.
    pub span: Span,
}

/// One member of the canonical sign string.
pub enum SignEntry {
    /// `Container::fields[i]`.
    Field(usize),
    /// `Container::constants[i]`.
    Constant(usize),
}

/// A container checked across its fields, with what the checks derive. It reads as the
/// container it holds (`Deref`), so emitting code names `c.fields` and `c.sign_order`
/// alike.
pub struct Checked {
    pub container: Container,
    /// Per field (same index), its resolved `required_if` conditions.
    pub conditions: Vec<Vec<Condition>>,
    /// The group names, in order of first use.
    pub groups: Vec<String>,
    /// The canonical sign order (empty for `sign = "none"`).
    pub sign_order: Vec<SignEntry>,
    /// Per field (same index), the index of the field counting its indexed family.
    pub counts: Vec<Option<usize>>,
    /// `signed_if(member = "value")` resolved: the member's field and the value.
    pub signed_if: Option<Condition>,
}

impl std::ops::Deref for Checked {
    type Target = Container;
    fn deref(&self) -> &Container {
        &self.container
    }
}

/// Runs every cross-field check, reporting into `cx`, and derives the checked model.
/// A model whose checks reported errors is returned too, but not emitted.
pub fn check(cx: &mut Ctxt, container: Container) -> Checked {
    check_wire_names(cx, &container);
    let conditions = resolve_required_if(cx, &container);
    check_sign_positions(cx, &container);
    let counts = resolve_counts(cx, &container);
    let signed_if = resolve_signed_if(cx, &container);
    Checked {
        counts,
        signed_if,
        groups: groups(&container),
        sign_order: sign_order(&container),
        conditions,
        container,
    }
}

fn is_xml_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '-' | '.'))
}

fn check_wire_names(cx: &mut Ctxt, c: &Container) {
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    for f in &c.fields {
        if let Some(first) = seen.insert(&f.wire.value, f.wire.span) {
            cx.duplicate(
                f.wire.span,
                format!("two fields travel as `{}`; each wire name can carry one value, so `rename` one of them", f.wire.value),
                first,
            );
        }
    }
    for k in &c.constants {
        if let Some(first) = seen.get(k.wire.as_str()) {
            cx.duplicate(
                k.span,
                format!("constant `{}` collides with the field of the same wire name; keep either the field or the constant", k.wire),
                *first,
            );
        }
    }
    let mut constant_seen: BTreeMap<&str, Span> = BTreeMap::new();
    for k in &c.constants {
        if let Some(first) = constant_seen.insert(&k.wire, k.span) {
            cx.duplicate(
                k.span,
                format!("constant `{}` is declared twice", k.wire),
                first,
            );
        }
    }
    if c.derive != Derive::Object && c.scheme != Scheme::None {
        let name = c.sign_field.value.as_str();
        if let Some(f) = c.fields.iter().find(|f| f.wire.value == name) {
            let message = format!(
                "`{name}` is where the signature travels (`sign_field`); rename this field or set `sign_field = \"...\"` on the struct"
            );
            if c.sign_field_explicit {
                cx.duplicate(f.wire.span, message, c.sign_field.span);
            } else {
                cx.error(f.wire.span, message);
            }
        }
        if let Some(k) = c.constants.iter().find(|k| k.wire == name) {
            cx.error(k.span, format!("constant `{name}` collides with the signature's field; the signature is computed"));
        }
    }
    if c.format == Some(Format::Xml) {
        let names = c
            .body_fields()
            .map(|f| (f.wire.value.as_str(), f.wire.span))
            .chain(c.constants.iter().map(|k| (k.wire.as_str(), k.span)))
            .chain(
                (c.scheme != Scheme::None)
                    .then_some((c.sign_field.value.as_str(), c.sign_field.span)),
            );
        for (name, span) in names {
            if !is_xml_name(name) {
                cx.error(
                    span,
                    format!("`{name}` cannot be an XML element name; use ASCII letters, digits, `_`, `-` and `.`, starting with a letter or `_`"),
                );
            }
        }
    }
}

/// Indexed families: read from flat answers and their items, each counted by another
/// field of the same struct.
fn resolve_counts(cx: &mut Ctxt, c: &Container) -> Vec<Option<usize>> {
    c.fields
        .iter()
        .enumerate()
        .map(|(index, field)| {
            let indexed = field.indexed.as_ref()?;
            if c.derive == Derive::Request {
                cx.error(
                    indexed.key,
                    "indexed families are read from a gateway's answers: declare them on a PayResponse (or a PayObject item of one), not on a request",
                );
            } else if c.format == Some(Format::Json) {
                cx.error(
                    indexed.key,
                    "a JSON body carries a list as an array: declare `Vec<Item>` without `indexed`",
                );
            }
            let count = &indexed.count;
            match c.fields.iter().position(|f| f.wire.value == count.value) {
                Some(i) if i == index => {
                    cx.error(count.span, "an indexed family cannot count itself: name the member that says how many items there are");
                    None
                }
                Some(i) if c.fields[i].indexed.is_some() => {
                    cx.error(count.span, format!("`{}` is an indexed family itself; the count is a plain integer member", count.value));
                    None
                }
                Some(i) => Some(i),
                None => {
                    let known: Vec<&str> = c.fields.iter().map(|f| f.wire.value.as_str()).collect();
                    cx.error(
                        count.span,
                        format!(
                            "`{}` is not a member of this struct: declare the member that counts the items (such as `refund_count: u32`){}",
                            count.value,
                            did_you_mean(&count.value, &known)
                        ),
                    );
                    None
                }
            }
        })
        .collect()
}

fn resolve_required_if(cx: &mut Ctxt, c: &Container) -> Vec<Vec<Condition>> {
    let names: Vec<String> = c.fields.iter().map(|f| f.ident.to_string()).collect();
    let mut resolved = Vec::with_capacity(c.fields.len());
    for (index, field) in c.fields.iter().enumerate() {
        let mut conditions = Vec::new();
        for declared in &field.required_if {
            let target = declared.field.to_string();
            let value = &declared.value.value;
            match names.iter().position(|n| *n == target) {
                Some(i) if i == index => {
                    cx.error(
                        declared.field.span(),
                        "`required_if` cannot depend on the field itself",
                    );
                }
                // A condition on a value the other field can never hold would never fire.
                Some(i)
                    if !c.fields[i].one_of.is_empty() && !c.fields[i].one_of.contains(value) =>
                {
                    let listed: Vec<&str> = c.fields[i].one_of.iter().map(String::as_str).collect();
                    let quoted: Vec<String> = listed.iter().map(|v| format!("\"{v}\"")).collect();
                    cx.error(
                        declared.value.span,
                        format!(
                            "`{target}` is `one_of({})`, so `required_if({target} = \"{value}\")` would never apply{}",
                            quoted.join(", "),
                            did_you_mean(value, &listed)
                        ),
                    );
                }
                Some(i) => conditions.push(Condition {
                    field: i,
                    value: value.clone(),
                    span: declared.field.span(),
                }),
                None => {
                    let known: Vec<&str> = names.iter().map(String::as_str).collect();
                    cx.error(
                        declared.field.span(),
                        format!(
                            "`required_if` names `{target}`, which is not a field of this struct{}",
                            did_you_mean(&target, &known)
                        ),
                    );
                }
            }
        }
        resolved.push(conditions);
    }
    resolved
}

/// The field `signed_if` names, and a value it can hold.
fn resolve_signed_if(cx: &mut Ctxt, c: &Container) -> Option<Condition> {
    let declared = c.signed_if.as_ref()?;
    let target = declared.field.to_string();
    let value = &declared.value.value;
    let owned: Vec<String> = c.fields.iter().map(|f| f.ident.to_string()).collect();
    let names: Vec<&str> = owned.iter().map(String::as_str).collect();
    let Some(index) = names.iter().position(|n| *n == target) else {
        cx.error(
            declared.field.span(),
            format!(
                "`signed_if` names `{target}`, which is not a field of this struct{}",
                did_you_mean(&target, &names)
            ),
        );
        return None;
    };
    let field = &c.fields[index];
    if !field.one_of.is_empty() && !field.one_of.contains(value) {
        let listed: Vec<&str> = field.one_of.iter().map(String::as_str).collect();
        let quoted: Vec<String> = listed.iter().map(|v| format!("\"{v}\"")).collect();
        cx.error(
            declared.value.span,
            format!(
                "`{target}` is `one_of({})`, so `signed_if({target} = \"{value}\")` would never hold and no message would be signed{}",
                quoted.join(", "),
                did_you_mean(value, &listed)
            ),
        );
        return None;
    }
    Some(Condition {
        field: index,
        value: value.clone(),
        span: declared.field.span(),
    })
}

/// The group names, in order of first use.
fn groups(c: &Container) -> Vec<String> {
    let mut groups: Vec<String> = Vec::new();
    for f in &c.fields {
        if let Some(g) = &f.group {
            if !groups.contains(&g.name) {
                groups.push(g.name.clone());
            }
        }
    }
    groups
}

fn check_sign_positions(cx: &mut Ctxt, c: &Container) {
    if c.derive == Derive::Object {
        for f in &c.fields {
            if let Some(p) = &f.sign_position {
                cx.error(
                    p.span,
                    "`sign = N` belongs on a field of a request or response signed with md5-concat",
                );
            }
            if let Some(s) = f.no_sign {
                cx.error(
                    s,
                    "`no_sign` belongs on a field of a `#[derive(PayRequest)]` struct",
                );
            }
        }
        return;
    }
    if !c.scheme_known {
        return;
    }
    match c.scheme {
        Scheme::Md5Concat => {
            let mut by_position: BTreeMap<u32, Span> = BTreeMap::new();
            for f in &c.fields {
                if let (Some(s), None) = (f.no_sign, &f.sign_position) {
                    cx.error(s, "under md5-concat only fields with `sign = N` are signed; `no_sign` is redundant here");
                }
                let Some(p) = &f.sign_position else { continue };
                if p.value == 0 {
                    cx.error(p.span, "md5-concat positions start at 1");
                } else if let Some(first) = by_position.insert(p.value, p.span) {
                    cx.duplicate(
                        p.span,
                        format!("md5-concat position {} is used twice", p.value),
                        first,
                    );
                }
            }
            if by_position.is_empty() {
                cx.error(
                    c.scheme_span,
                    "md5-concat signs nothing: mark the signed fields with `#[pay(sign = 1)]`, `#[pay(sign = 2)]`, ...",
                );
            } else if let Some(gap) = (1..)
                .zip(by_position.keys())
                .find(|(want, got)| want != *got)
            {
                let span = by_position[gap.1];
                cx.error(
                    span,
                    format!("md5-concat positions must run 1, 2, 3, ... without gaps; position {} is missing", gap.0),
                );
            }
        }
        scheme => {
            for f in &c.fields {
                if let Some(p) = &f.sign_position {
                    let why = if scheme == Scheme::None {
                        "nothing is signed under `sign = \"none\"`".to_owned()
                    } else {
                        "sorted schemes sign every field in wire-name order; use `no_sign` to leave one out".to_owned()
                    };
                    cx.error(
                        p.span,
                        format!("`sign = N` sets a position in an md5-concat signature; {why}"),
                    );
                }
                if let (Some(s), Scheme::None) = (f.no_sign, scheme) {
                    cx.error(
                        s,
                        "`no_sign` has no effect under `sign = \"none\"`; remove it",
                    );
                }
            }
        }
    }
}

/// The canonical order, fixed at compile time: sorted wire names (byte order) for the
/// sorted schemes, the declared positions for md5-concat.
fn sign_order(c: &Container) -> Vec<SignEntry> {
    match c.scheme {
        Scheme::None => Vec::new(),
        Scheme::Md5Concat => {
            let mut positioned: Vec<(u32, usize)> = c
                .fields
                .iter()
                .enumerate()
                .filter_map(|(i, f)| f.sign_position.as_ref().map(|p| (p.value, i)))
                .collect();
            positioned.sort();
            positioned
                .into_iter()
                .map(|(_, i)| SignEntry::Field(i))
                .collect()
        }
        // Every other scheme is sorted (`Scheme::is_sorted`).
        _ => {
            let mut entries: Vec<(&[u8], SignEntry)> = c
                .fields
                .iter()
                .enumerate()
                .filter(|(_, f)| f.signed(c.scheme))
                .map(|(i, f)| (f.wire.value.as_bytes(), SignEntry::Field(i)))
                .chain(
                    c.constants
                        .iter()
                        .enumerate()
                        .map(|(i, k)| (k.wire.as_bytes(), SignEntry::Constant(i))),
                )
                .collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            entries.into_iter().map(|(_, e)| e).collect()
        }
    }
}
