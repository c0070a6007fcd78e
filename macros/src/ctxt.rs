//! Error collection: every mistake in a declaration is reported at once, each on its
//! own span (after serde_derive's `Ctxt`).

use proc_macro2::Span;
use std::fmt::Display;

#[derive(Default)]
pub struct Ctxt {
    errors: Vec<syn::Error>,
}

impl Ctxt {
    pub fn error(&mut self, span: Span, message: impl Display) {
        self.errors.push(syn::Error::new(span, message));
    }

    /// An error at `span` with a second message at the first occurrence.
    pub fn duplicate(&mut self, span: Span, message: impl Display, first: Span) {
        let mut e = syn::Error::new(span, message);
        e.combine(syn::Error::new(first, "first one here"));
        self.errors.push(e);
    }

    pub fn syn(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    pub fn into_error(self) -> Option<syn::Error> {
        let mut iter = self.errors.into_iter();
        let mut first = iter.next()?;
        for e in iter {
            first.combine(e);
        }
        Some(first)
    }
}

/// The known name closest to `unknown`, if it is a plausible typo.
pub fn nearest<'a>(unknown: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (edit_distance(unknown, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(row[j]).min(row[j + 1])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

/// "; did you mean `x`?" for the nearest known name; for a shortened one (`md5`), every
/// known name it begins; or nothing.
pub fn did_you_mean(unknown: &str, known: &[&str]) -> String {
    if let Some(k) = nearest(unknown, known) {
        return format!("; did you mean `{k}`?");
    }
    let longer: Vec<String> = known
        .iter()
        .filter(|k| unknown.len() >= 2 && k.starts_with(unknown))
        .map(|k| format!("`{k}`"))
        .collect();
    match longer.as_slice() {
        [] => String::new(),
        [one] => format!("; did you mean {one}?"),
        [init @ .., last] => format!("; did you mean {} or {last}?", init.join(", ")),
    }
}
