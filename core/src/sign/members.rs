//! What a sorted scheme signs, collected for schemes written by the user.

use crate::schema::{ConstValue, EmptyValues, SignEntry, SignSpec};
use crate::value::{FieldAccess, Wire};
use std::borrow::Cow;

/// The members a sorted scheme signs: every field and constant whose wire value is not
/// empty (every present one under `sign_empty = "keep"`), except the sign field and
/// `no_sign` fields, in wire-name byte order. Values
/// are their wire text: integers in decimal, `Fen` in fen, `Yuan` as `"50.00"`, JSON text
/// and nested objects as compact JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Members<'a> {
    pairs: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

impl<'a> Members<'a> {
    /// Members from `(name, value)` pairs: empty values are left out and the rest sorted
    /// by name (byte order), as the derive does. For testing a scheme by hand.
    pub fn new<I, N, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (N, V)>,
        N: Into<Cow<'a, str>>,
        V: Into<Cow<'a, str>>,
    {
        Self::sorted(pairs, EmptyValues::Skip)
    }

    /// Members from `(name, value)` pairs with the empty values kept, sorted by name, as
    /// the derive collects them under `sign_empty = "keep"`. For testing a scheme by hand.
    pub fn keeping_empty<I, N, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (N, V)>,
        N: Into<Cow<'a, str>>,
        V: Into<Cow<'a, str>>,
    {
        Self::sorted(pairs, EmptyValues::Keep)
    }

    /// `pairs` sorted by name (byte order), the empty values left out unless `empty` keeps
    /// them.
    pub(crate) fn sorted<I, N, V>(pairs: I, empty: EmptyValues) -> Self
    where
        I: IntoIterator<Item = (N, V)>,
        N: Into<Cow<'a, str>>,
        V: Into<Cow<'a, str>>,
    {
        let mut pairs: Vec<(Cow<'a, str>, Cow<'a, str>)> = pairs
            .into_iter()
            .map(|(n, v)| (n.into(), v.into()))
            .filter(|(_, v)| empty == EmptyValues::Keep || !v.is_empty())
            .collect();
        pairs.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        Members { pairs }
    }

    /// The signed members of a declared request, in the compile-time order of `spec`.
    pub(crate) fn of_object(spec: &SignSpec, object: &'a dyn FieldAccess) -> Self {
        let schema = object.object_schema();
        let keep = |value: &str| spec.empty == EmptyValues::Keep || !value.is_empty();
        let mut pairs = Vec::with_capacity(spec.order.len());
        for entry in spec.order {
            match *entry {
                SignEntry::Field(i) => {
                    let name = schema.fields[usize::from(i)].wire_name;
                    let value = match object.field(usize::from(i)) {
                        Wire::Str(s) => Some(Cow::Borrowed(s)),
                        other => other.with_text(|t| Cow::Owned(t.to_owned())),
                    };
                    if let Some(value) = value.filter(|v| keep(v)) {
                        pairs.push((Cow::Borrowed(name), value));
                    }
                }
                SignEntry::Constant(i) => {
                    let constant = &schema.constants[usize::from(i)];
                    let value = match constant.value {
                        ConstValue::Str(s) => Cow::Borrowed(s),
                        ConstValue::Int(n) => Cow::Owned(n.to_string()),
                    };
                    if keep(&value) {
                        pairs.push((Cow::Borrowed(constant.wire_name), value));
                    }
                }
            }
        }
        Members { pairs }
    }

    /// `(name, value)` in signing order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.pairs.iter().map(|(n, v)| (n.as_ref(), v.as_ref()))
    }

    /// The value of the member `name`, if it is signed.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .binary_search_by(|(n, _)| n.as_bytes().cmp(name.as_bytes()))
            .ok()
            .map(|i| self.pairs[i].1.as_ref())
    }

    /// How many members are signed.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether nothing is signed.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// `k=v&k=v` in order, with nothing escaped: the string Alipay-style schemes sign.
    pub fn to_sorted_string(&self) -> String {
        let mut out = String::with_capacity(self.text_len());
        self.push_sorted_string(&mut out);
        out
    }

    /// Appends [`Members::to_sorted_string`]'s text to `out`.
    pub(crate) fn push_sorted_string(&self, out: &mut String) {
        for (i, (name, value)) in self.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            out.push_str(name);
            out.push('=');
            out.push_str(value);
        }
    }

    /// The length in bytes of [`Members::to_sorted_string`]'s text.
    pub(crate) fn text_len(&self) -> usize {
        let pairs: usize = self.iter().map(|(n, v)| n.len() + v.len() + 2).sum();
        pairs.saturating_sub(1)
    }
}
